"""Small presentation helpers for the workbench templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def countdown(days_left: int | None) -> str:
    """'还剩 3 天' / '今日到期' / '超期 2 天'."""
    if days_left is None:
        return ""
    if days_left == 0:
        return _("今日到期")
    if days_left < 0:
        n = -days_left
        return ngettext("超期 %(n)d 天", "超期 %(n)d 天", n) % {"n": n}
    return ngettext("还剩 %(n)d 天", "还剩 %(n)d 天", days_left) % {"n": days_left}


@register.filter
def state_tone(state: str) -> str:
    """A colour family per group of states (for the state badge)."""
    if state in ("registered", "received", "bureau_triage", "reported_for_decision"):
        return "intake"
    if state in (
        "forwarded",
        "assigned",
        "organ_received",
        "returned",
        "objection_pending",
        "jurisdiction_dispute",
    ):
        return "routing"
    if state in ("accepted", "in_handling", "simplified_handling", "hearing", "mediation", "extended"):
        return "handling"
    if state in ("concluded", "delivered", "review_concluded", "recheck_concluded"):
        return "answered"
    if state in ("review_requested", "recheck_requested", "recheck_hearing"):
        return "appeal"
    return "closed"


@register.simple_tag
def field_id(action: str, name: str) -> str:
    return f"f-{action}-{name}"


@register.filter
def item(mapping: dict[Any, Any], key: Any) -> Any:
    """``mapping[key]`` in a template (e.g. a row's title as the viewer may read it); "" if absent."""
    return mapping.get(key, "")


@register.filter
def contains(values: Any, item: Any) -> bool:
    try:
        return str(item) in [str(v) for v in values]
    except TypeError:
        return False


@register.filter
def actor_words(event: Any) -> str:
    """Who acted on a timeline event: the name, else the post (系统, 信访人 …), never a code."""
    from minsheng.workflow.labels import actor_words as words

    return words(event)


@register.filter
def order_suggestion(order: Any) -> str:
    """A supervision order's text; an automatic one in the reader's language, never a rule id."""
    from minsheng.workflow.labels import suggestion_words

    return suggestion_words(order)


@register.filter
def nature_label(value: Any) -> str:
    """The translated name of a nature code (``grievance`` → 申诉求决类 / Grievance)."""
    from minsheng.petitions.models import Nature

    try:
        return str(Nature(str(value)).label)
    except ValueError:
        return str(value or "")


# Reasons of routing suggestions are built in Chinese by the pure routing module
# (minsheng.intelligence.nlp.routing, no Django): "<kind>：<data>" or a fixed sentence.
# The kind and the fixed sentences are translated here; the data (names) stay as they are.
_REASON_KINDS = {
    "已登记分类": gettext_lazy("已登记分类"),
    "分类": gettext_lazy("分类"),
    "地点": gettext_lazy("地点"),
    "职责": gettext_lazy("职责"),
    "文中提及": gettext_lazy("文中提及"),
    "属地管理": gettext_lazy("属地管理"),
}
_REASON_SENTENCES = {
    "地点未识别": gettext_lazy("地点未识别"),
    "属地管理": gettext_lazy("属地管理"),
    "涉法涉诉：依法导入诉讼等法定途径，由政法部门处理（条例第二十八条）": gettext_lazy(
        "涉法涉诉：依法导入诉讼等法定途径，由政法部门处理（条例第二十八条）"
    ),
    "检举控告公职人员：按照管理权限由纪检监察机关处理": gettext_lazy(
        "检举控告公职人员：按照管理权限由纪检监察机关处理"
    ),
}


@register.filter
def routing_reason(reason: Any) -> str:
    """One reason of a routing suggestion in the user's language (names stay as stored)."""
    text = str(reason or "")
    if text in _REASON_SENTENCES:
        return str(_REASON_SENTENCES[text])
    kind, sep, data = text.partition("：")
    if sep and kind in _REASON_KINDS:
        data = data.replace("（置信度", " (" + _("置信度") + " ").replace("）", ")")
        return f"{_REASON_KINDS[kind]}: {data}" if get_language() == "en" else text
    return text


@register.filter
def category_unsure(category: Any) -> bool:
    """Whether a stored category suggestion is below the classifier's "unsure" threshold (a
    person chooses the category); suggestions stored before the flag existed are judged by their
    confidence."""
    from minsheng.intelligence.nlp.classify import UNSURE_BELOW

    if not isinstance(category, dict):
        return False
    if "unsure" in category:
        return bool(category["unsure"])
    try:
        return float(category.get("confidence", 0.0)) < UNSURE_BELOW
    except (TypeError, ValueError):
        return False


@register.filter
def rule_name(rule_id: str) -> str:
    """The name of a deadline rule in the reader's language (D-NOTICE-15 → 书面告知期限 …)."""
    from minsheng.workflow.labels import rule_name as name

    return name(rule_id)


@register.filter
def category_label(name: str) -> str:
    """A category of the analytics (data), or the unclassified bucket in the reader's language."""
    from minsheng.analytics.reports import category_label as label

    return label(name)


@register.filter
def district_label(name: str) -> str:
    """A district of the analytics (data), or the unknown-district bucket in the reader's language."""
    from minsheng.analytics.reports import district_label as label

    return label(name)
