"""Words for the codes of the workflow, for people: deadline rules, event actions, actor roles and
the keys of event data.

The codes (``D-HANDLE-60``, ``deadline_breached``, ``system`` …) stay in the database, the API's
machine fields and the logs; every page, message and export shows these labels instead. Chinese
is the source text; the English translation is in ``workflow/locale/en``.

Texts that are stored (supervision orders, in-app messages) are written in Chinese whatever the
language of the request: use :func:`rule_name_zh` for those.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override, pgettext_lazy

# One entry per rule id of core/data/rules.yaml (a test keeps the two in step). The names of
# rules.yaml are the maintainers' notes; these are the words shown to staff.
RULE_NAMES: dict[str, Any] = {
    "D-BUREAU-15": _("信访部门分流期限（转送、交办或报请决定）"),
    "D-BUREAU-HOP": _("逐级转送交办期限"),
    "D-NOTICE-15": _("书面告知接收情况及处理途径期限"),
    "D-OBJECTION-5WD": _("提出职权异议期限"),
    "D-ASSIGNED": _("交办件办理及办结报告期限"),
    "D-HANDLE-60": _("办结期限（出具信访处理意见书）"),
    "D-REVIEW-REQ-30": _("申请复查期限"),
    "D-REVIEW-30": _("复查意见期限"),
    "D-RECHECK-REQ-30": _("申请复核期限"),
    "D-RECHECK-30": _("复核意见期限"),
    "D-SIMPLE-HOP-1WD": _("简易办理：中间层级转送期限"),
    "D-SIMPLE-ACCEPT-3WD": _("简易办理：决定是否受理期限"),
    "D-SIMPLE-HANDLE-10WD": _("简易办理：出具处理意见期限"),
    "D-SUPERVISION-FEEDBACK": _("督办改进建议书面反馈期限"),
    "D-URGENT-REPORT": _("重大紧急信访事项报告"),
    "D-SATISFACTION-WINDOW": _("满意度评价期限"),
}

# The legal basis in plain words (rules.yaml keeps the short form "Art.23(2)(3)").
# 条例 = 《信访工作条例》 (2022).
RULE_ARTICLES: dict[str, Any] = {
    "D-BUREAU-15": _("条例第二十二条第一款"),
    "D-BUREAU-HOP": _("《信访事项办理群众满意度评价工作办法》（2014年，已废止）第六条"),
    "D-NOTICE-15": _("条例第二十三条第二款、第三款；未按期告知：第四十四条"),
    "D-OBJECTION-5WD": _("条例第二十三条第三款"),
    "D-ASSIGNED": _("条例第二十二条第一款第三项"),
    "D-HANDLE-60": _("条例第三十四条"),
    "D-REVIEW-REQ-30": _("条例第三十五条"),
    "D-REVIEW-30": _("条例第三十五条"),
    "D-RECHECK-REQ-30": _("条例第三十六条第一款"),
    "D-RECHECK-30": _("条例第三十六条第一款、第二款"),
    "D-SIMPLE-HOP-1WD": _("《信访事项简易办理办法（试行）》"),
    "D-SIMPLE-ACCEPT-3WD": _("《信访事项简易办理办法（试行）》"),
    "D-SIMPLE-HANDLE-10WD": _("《信访事项简易办理办法（试行）》"),
    "D-SUPERVISION-FEEDBACK": _("条例第四十条；期限参照2005年《信访条例》第三十六条"),
    "D-URGENT-REPORT": _("条例第二十五条"),
    "D-SATISFACTION-WINDOW": _("国信发〔2022〕11号"),
}

# Events that are not transitions of the table (workflow.services.TRANSITIONS has the others).
EXTRA_ACTIONS: dict[str, Any] = {
    "finalise": _("终结"),
    "deadline_breached": _("期限届满未办结"),
    "suggestion_feedback": _("智能建议反馈"),
    "query_credentials_sent": _("查询码和查询密码已短信发送信访人"),
    "query_password_reset": _("信访人凭短信验证码重设查询密码"),
    "evidence_added": _("信访人提交证据材料"),
}

# Posts (orgs.Role has the staff posts) and the two non-staff actors of the timeline.
EXTRA_ROLES: dict[str, Any] = {
    "system": _("系统"),
    "petitioner": _("信访人"),
}

# Keys of PetitionEvent.data shown on the case page ("label: value"); with a context, as the
# same words have other translations elsewhere (处理结果 is also a model field).
DATA_KEYS: dict[str, Any] = {
    "rule": pgettext_lazy("event data", "期限"),
    "statutory_due": pgettext_lazy("event data", "法定届满"),
    "organ": pgettext_lazy("event data", "机关"),
    "assisting": pgettext_lazy("event data", "协办机关"),
    "assigned_due": pgettext_lazy("event data", "交办期限"),
    "reason_label": pgettext_lazy("event data", "理由"),
    "explanation": pgettext_lazy("event data", "说明"),
    "guidance_organ": pgettext_lazy("event data", "有权处理机关"),
    "notice_number": pgettext_lazy("event data", "告知书编号"),
    "number": pgettext_lazy("event data", "文书编号"),
    "outcome": pgettext_lazy("event data", "处理结果"),
    "days": pgettext_lazy("event data", "延长日数"),
    "reason": pgettext_lazy("event data", "理由"),
    "method": pgettext_lazy("event data", "送达方式"),
    "delivered_on": pgettext_lazy("event data", "送达日期"),
    "method_reason": pgettext_lazy("event data", "送达方式说明"),
    "received_on": pgettext_lazy("event data", "收到日期"),
    "kind": pgettext_lazy("event data", "类别"),
    "suggestion": pgettext_lazy("event data", "建议"),
    "caseworker": pgettext_lazy("event data", "承办人"),
    "leader": pgettext_lazy("event data", "包案领导"),
    "text": pgettext_lazy("event data", "内容"),
    "note": pgettext_lazy("event data", "备注"),
    "work": pgettext_lazy("event data", "工作情况"),
    "reasons": pgettext_lazy("event data", "理由"),
    "route": pgettext_lazy("event data", "处理途径"),
    "target_procedure": pgettext_lazy("event data", "法定途径"),
    "limitation_due": pgettext_lazy("event data", "时效届满"),
    "returned_to": pgettext_lazy("event data", "交还至"),
    "reported_to": pgettext_lazy("event data", "报告至"),
    "agreement": pgettext_lazy("event data", "协议"),
    "value": pgettext_lazy("event data", "评价"),
}

# Fixed values some services store in event data (workflow.services.appeals.h_close_no_review
# writes reason="request window expired").
STORED_VALUES: dict[str, Any] = {
    "request window expired": _("申请期限届满，未提出复查、复核申请"),
}

RULE_ID = re.compile(r"(?<![A-Za-z0-9-])D-[A-Z0-9]+(?:-[A-Z0-9]+)*(?![A-Za-z0-9])")


def rule_name(rule_id: str) -> str:
    """The name of a deadline rule in the active language (the id itself only if unknown)."""
    name = RULE_NAMES.get(rule_id)
    return str(name) if name is not None else rule_id


def rule_name_zh(rule_id: str) -> str:
    """The Chinese name, for texts that are stored (messages, supervision orders)."""
    with override("zh-hans"):
        return rule_name(rule_id)


def rule_article(rule_id: str) -> str:
    """The legal basis of a deadline rule in plain words ("" if unknown)."""
    article = RULE_ARTICLES.get(rule_id)
    return str(article) if article is not None else ""


def name_rules(text: str) -> str:
    """A stored text with every rule id in it replaced by the rule's name (older supervision
    orders were written as "D-HANDLE-60 已于 … 届满")."""
    return RULE_ID.sub(lambda m: rule_name(m.group(0)), text or "")


# The text of an automatic supervision order (deadlines_sweep), stored in Chinese and shown in the
# reader's language.
AUTO_SUGGESTION = _("%(rule)s已于 %(due)s 届满，请说明原因并尽快办理。")
_AUTO_SUGGESTION = re.compile(
    r"^(?P<rule>.+?)\s*已于 (?P<due>\d{4}-\d{2}-\d{2}) 届满，请说明原因并尽快办理。$"
)


def auto_suggestion_zh(rule_id: str, due: Any) -> str:
    """The stored text of an automatic supervision order for a missed deadline."""
    with override("zh-hans"):
        return str(AUTO_SUGGESTION) % {"rule": rule_name(rule_id), "due": str(due)}


def suggestion_words(order: Any) -> str:
    """A supervision order's text for the reader: an automatic order's sentence is rebuilt in the
    active language; any text keeps its words, with rule ids replaced by names."""
    text = str(order.suggestion or "")
    match = _AUTO_SUGGESTION.match(text.strip())
    if order.deadline_rule and match:
        return str(AUTO_SUGGESTION) % {"rule": rule_name(order.deadline_rule), "due": match["due"]}
    return name_rules(text)


def action_label(action: str) -> str:
    """What happened, for the timeline: the transition's label, or one of the extra events."""
    from minsheng.workflow.services import TRANSITIONS

    transition = TRANSITIONS.get(action)
    if transition is not None:
        return str(transition.label)
    label = EXTRA_ACTIONS.get(action)
    return str(label) if label is not None else str(_("其他记录"))


def role_label(role: str) -> str:
    """A post (``organ_head`` → 机关负责人), ``system`` or ``petitioner``; "" if blank/unknown."""
    from minsheng.orgs.models import Role

    if role in Role.values:
        return str(Role(role).label)
    label = EXTRA_ROLES.get(role)
    return str(label) if label is not None else ""


def data_value_words(value: Any) -> Any:
    """A stored fixed value in words (other values unchanged)."""
    if isinstance(value, str) and value in STORED_VALUES:
        return str(STORED_VALUES[value])
    return value


def data_key_label(key: str) -> str:
    label = DATA_KEYS.get(key)
    return str(label) if label is not None else ""


def actor_words(event: Any) -> str:
    """Who acted on a PetitionEvent, for people: the staff member's name, else the post."""
    actor = event.actor
    if actor is not None and actor.get_full_name():
        return str(actor.get_full_name())
    return role_label(event.actor_role) or (actor.get_username() if actor is not None else "")
