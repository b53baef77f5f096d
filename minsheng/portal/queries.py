"""Read-only presentation helpers for the citizen portal (no writes, no state changes).

- ``suggest_handling``: an honest guess of the organ that will probably handle a matter.
- ``legal_channel_hints``: guidance towards courts, arbitration and administrative review.
- ``public_timeline`` / ``deadline_rows`` / ``documents_of``: the petitioner's view of a case.
- ``open_statistics``: monthly counts by category, on-time and satisfaction rates.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.intelligence.services import route_draft
from minsheng.orgs.models import Category, Organ, Region
from minsheng.petitions.models import Nature, Petition, State
from minsheng.petitions.selectors import petition_public_timeline
from minsheng.workflow.models import Deadline, Decision, Opinion, Rating
from minsheng.workflow.notices import handling_due_on_acceptance, provisional_rule_words, reviewing_organ
from minsheng.workflow.services import LIMITATIONS, RATEABLE, external_limitation_due

logger = logging.getLogger(__name__)


@dataclass
class HandlingSuggestion:
    category: Category | None
    organ: Organ | None
    source: str  # "classifier", "keywords" or "none"
    confidence: float | None = None
    note: str = ""
    reasons: list[str] = field(default_factory=list)


def suggest_handling(
    title: str,
    body: str,
    region: Region | None,
    nature: str,
    *,
    place_text: str = "",
    accused_organ: Organ | None = None,
    accused_person: str = "",
) -> HandlingSuggestion:
    """Which organ will probably handle this matter — a guess, labelled as such on the page.

    The guess is the intelligence layer's (``route_draft``: classifier or keyword guess,
    recognised place, the routing rules); this only looks up the objects the page shows.
    """
    try:
        routed = route_draft(
            title,
            body,
            region.pk if region is not None else None,
            nature,
            place_text=place_text,
            accused_organ_id=accused_organ.pk if accused_organ is not None else None,
            accused_person=accused_person,
        )
    except Exception:  # a guess must never break the submission page
        logger.exception("handling suggestion failed")
        return HandlingSuggestion(None, None, "none")
    category = Category.objects.filter(pk=routed.category_id).first() if routed.category_id else None
    best = routed.suggestions[0] if routed.suggestions else None
    organ = Organ.objects.filter(pk=best.organ_id).first() if best is not None else None
    return HandlingSuggestion(
        category,
        organ,
        routed.category_source,
        routed.confidence,
        reasons=list(best.reasons) if best is not None else [],
    )


@dataclass
class LegalHint:
    key: str
    title: str
    limit: str
    text: str


LEGAL_TRIGGERS: dict[str, list[str]] = {
    "civil_claim": ["法院", "判决", "起诉", "诉讼", "借款", "欠款", "合同纠纷", "赔偿"],
    "admin_litigation": ["行政处罚", "罚款", "吊销", "行政强制", "强拆", "行政决定"],
    "admin_review": ["行政处罚", "罚款", "行政许可", "复议", "不予登记", "行政决定"],
    "labour_arbitration": ["劳动合同", "辞退", "开除", "工资", "欠薪", "加班费", "工伤", "仲裁"],
}


def limitation_texts() -> dict[str, LegalHint]:
    return {
        "admin_review": LegalHint(
            "admin_review",
            _("行政复议"),
            _("自知道该行政行为之日起60日内提出（行政复议法第二十条）"),
            _("对行政机关作出的处罚、许可、强制等行为不服的，可以向复议机关申请行政复议。"),
        ),
        "admin_litigation": LegalHint(
            "admin_litigation",
            _("行政诉讼"),
            _("自知道作出行政行为之日起6个月内起诉（行政诉讼法第四十六条）"),
            _("也可以直接向人民法院提起行政诉讼。"),
        ),
        "labour_arbitration": LegalHint(
            "labour_arbitration",
            _("劳动争议仲裁"),
            _("自知道权利被侵害之日起1年内申请（劳动争议调解仲裁法第二十七条）"),
            _("拖欠工资、解除劳动合同、工伤待遇等劳动争议，可以向劳动人事争议仲裁委员会申请仲裁。"),
        ),
        "civil_claim": LegalHint(
            "civil_claim",
            _("民事诉讼"),
            _("诉讼时效一般为3年（民法典第一百八十八条）"),
            _(
                "与个人或企业之间的债务、合同、赔偿等纠纷，可以向人民法院起诉；对生效判决不服的，依法申请再审。"
            ),
        ),
    }


def legal_channel_hints(text: str) -> list[LegalHint]:
    """Guidance (never a refusal) for matters that courts, arbitration or review decide."""
    texts = limitation_texts()
    return [texts[key] for key, words in LEGAL_TRIGGERS.items() if any(w in text for w in words)]


# ---- the petitioner's view of a case ----------------------------------------------------------

RULE_LABELS: dict[str, Any] = {
    "D-BUREAU-15": gettext_lazy("信访部门决定转送或交办的期限"),
    "D-BUREAU-HOP": gettext_lazy("信访部门转送交办的期限"),
    "D-NOTICE-15": gettext_lazy("告知您是否受理的期限"),
    "D-ASSIGNED": gettext_lazy("交办件办理期限"),
    "D-HANDLE-60": gettext_lazy("答复期限"),
    "D-SIMPLE-ACCEPT-3WD": gettext_lazy("告知您是否受理的期限"),
    "D-SIMPLE-HANDLE-10WD": gettext_lazy("答复期限（简易办理）"),
    "D-REVIEW-REQ-30": gettext_lazy("您申请复查的期限"),
    "D-REVIEW-30": gettext_lazy("复查答复期限"),
    "D-RECHECK-REQ-30": gettext_lazy("您申请复核的期限"),
    "D-RECHECK-30": gettext_lazy("复核答复期限"),
}
# Plain-language labels for the petitioner (own catalogue; the model labels are staff wording).
STATE_LABELS: dict[str, Any] = {
    "received": gettext_lazy("已收到"),
    "registered": gettext_lazy("已登记，等待信访部门处理"),
    "bureau_triage": gettext_lazy("信访部门正在分流"),
    "reported_for_decision": gettext_lazy("已报请本级党委、政府决定"),
    "forwarded": gettext_lazy("已转送办理机关"),
    "assigned": gettext_lazy("已交办办理机关"),
    "routed_political_legal": gettext_lazy("已转政法部门依法处理"),
    "routed_discipline": gettext_lazy("已转纪检监察机关依规依纪依法处理"),
    "referred_elsewhere": gettext_lazy("已告知您向有权机关提出"),
    "not_accepted": gettext_lazy("不予受理"),
    "organ_received": gettext_lazy("办理机关已接收"),
    "objection_pending": gettext_lazy("正在确定办理机关"),
    "returned": gettext_lazy("正在确定办理机关"),
    "jurisdiction_dispute": gettext_lazy("正在确定办理机关"),
    "accepted": gettext_lazy("已受理"),
    "redirected_statutory": gettext_lazy("已告知您通过法定途径解决"),
    "duty_performed": gettext_lazy("已依法履行职责或答复"),
    "suggestion_replied": gettext_lazy("建议意见已回复"),
    "in_handling": gettext_lazy("正在调查核实"),
    "simplified_handling": gettext_lazy("按简易程序办理中"),
    "hearing": gettext_lazy("听证中"),
    "mediation": gettext_lazy("调解中"),
    "extended": gettext_lazy("办理期限已延长"),
    "concluded": gettext_lazy("已出具处理意见，等待送达"),
    "settled": gettext_lazy("已达成调解和解协议"),
    "delivered": gettext_lazy("处理意见已送达"),
    "review_requested": gettext_lazy("复查中"),
    "review_concluded": gettext_lazy("复查意见已送达"),
    "recheck_requested": gettext_lazy("复核中"),
    "recheck_hearing": gettext_lazy("复核听证中"),
    "recheck_concluded": gettext_lazy("复核意见已送达"),
    "final": gettext_lazy("已终结"),
    "closed_no_review": gettext_lazy("已结案"),
    "archived": gettext_lazy("已归档"),
}
DEADLINE_STATUS_LABELS: dict[str, Any] = {
    "open": gettext_lazy("进行中"),
    "met": gettext_lazy("已按期完成"),
    "breached": gettext_lazy("已超期"),
    "waived": gettext_lazy("依法免除"),
    "cancelled": gettext_lazy("已撤销"),
    "expired": gettext_lazy("期满，未申请"),
}
STAGE_LABELS: dict[str, Any] = {
    "handling": gettext_lazy("信访处理意见书"),
    "review": gettext_lazy("复查意见书"),
    "recheck": gettext_lazy("复核意见书"),
    "suggestion_reply": gettext_lazy("建议意见回复"),
    "simplified": gettext_lazy("简易办理答复"),
    "duty": gettext_lazy("履职答复"),
}
OUTCOME_LABELS: dict[str, Any] = {
    "support": gettext_lazy("予以支持"),
    "partial_support": gettext_lazy("部分支持"),
    "explain": gettext_lazy("解释说明"),
    "not_support": gettext_lazy("不予支持"),
    "adopted": gettext_lazy("采纳"),
    "partly_adopted": gettext_lazy("部分采纳"),
    "not_adopted": gettext_lazy("未采纳"),
    "upheld": gettext_lazy("维持原处理意见"),
    "changed": gettext_lazy("变更原处理意见"),
    "revoked": gettext_lazy("撤销原处理意见"),
}
REASON_LABELS: dict[str, Any] = {
    "duplicate_in_progress": gettext_lazy("同一事项已受理或正在办理（条例第十九条第三款）"),
    "final_after_recheck": gettext_lazy("复核后以同一事实和理由再次提出（条例第三十六条第三款）"),
    "yueji": gettext_lazy("越级走访，应向依法有权处理的机关提出"),
    "late_review_request": gettext_lazy("无正当理由超过复查、复核申请期限"),
    "out_of_scope": gettext_lazy("不属于信访受理范围，应通过法定途径解决"),
    "representatives": gettext_lazy("经劝告仍不按规定推选代表"),
    "other": gettext_lazy("其他"),
}
RATING_LABELS: dict[str, Any] = {
    "satisfied": gettext_lazy("满意"),
    "basically_satisfied": gettext_lazy("基本满意"),
    "unsatisfied": gettext_lazy("不满意"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


HIDDEN_RULES = frozenset(
    {
        "D-OBJECTION-5WD",
        "D-SUPERVISION-FEEDBACK",
        "D-URGENT-REPORT",
        "D-SIMPLE-HOP-1WD",
        "D-SATISFACTION-WINDOW",
    }
)


@dataclass
class DeadlineRow:
    rule: str
    label: str
    due: dt.date
    provisional: bool
    status: str
    status_label: str
    is_open: bool


def deadline_rows(petition: Petition) -> list[DeadlineRow]:
    rows = []
    for d in petition.deadlines.exclude(status=Deadline.Status.CANCELLED).order_by("start", "pk"):
        if d.rule in HIDDEN_RULES:
            continue
        rows.append(
            DeadlineRow(
                rule=d.rule,
                label=str(RULE_LABELS.get(d.rule, d.rule)),
                due=d.statutory_due,
                provisional=d.is_provisional,
                status=d.status,
                status_label=str(DEADLINE_STATUS_LABELS.get(d.status, d.status)),
                is_open=d.status == Deadline.Status.OPEN,
            )
        )
    return rows


def _fmt(text: Any, **values: Any) -> str:
    return str(text) % values


def _timeline_sentence(row: dict[str, Any], petition: Petition) -> tuple[str, str]:
    """(headline, detail) in plain words for one public event."""
    action = row["action"]
    data = row["data"]
    organ = data.get("organ") or ""
    if action == "register":
        return _("信访事项已登记"), _("登记机关：%(o)s") % {"o": petition.receiving_organ.name}
    if action in ("forward", "assign"):
        head = _("已转送%(o)s办理") if action == "forward" else _("已交办%(o)s办理")
        return head % {"o": organ}, ""
    if action == "route_political_legal":
        return _("已转政法部门：%(o)s") % {"o": organ}, ""
    if action == "route_discipline":
        return _("已转纪检监察机关：%(o)s") % {"o": organ}, ""
    if action == "receive":
        return _("办理机关已接收"), ""
    if action == "accept":
        return _("已受理"), _("受理告知书编号：%(n)s") % {"n": data.get("notice_number") or "-"}
    if action == "not_accept":
        reason = data.get("reason") or ""
        detail = _("理由：%(r)s") % {"r": REASON_LABELS.get(reason) or data.get("reason_label") or "-"}
        if data.get("explanation"):
            detail += " " + str(data["explanation"])
        if data.get("guidance_organ"):
            detail += " " + _("可以向%(o)s提出。") % {"o": data["guidance_organ"]}
        return _("不予受理"), detail
    if action == "refer_elsewhere":
        return _("已告知您向有权机关提出"), _("有权机关：%(o)s。%(e)s") % {
            "o": data.get("guidance_organ") or "-",
            "e": data.get("explanation") or "",
        }
    if action == "redirect":
        detail = _("请通过以下法定途径解决：%(p)s。") % {"p": data.get("target_procedure") or "-"}
        if data.get("limitation_due"):
            detail += " " + _("注意时效：%(l)s，截至%(d)s。") % {
                "l": data["limitation"],
                "d": date_words(data["limitation_due"]),
            }
        return _("应通过法定途径解决"), detail
    if action in ("start_handling",):
        return _("正在调查核实"), ""
    if action == "simplify":
        return _("按简易程序办理"), ""
    if action == "convert_to_ordinary":
        return _("转为普通程序办理"), ""
    if action in ("start_hearing", "start_recheck_hearing"):
        return _("组织听证"), ""
    if action in ("end_hearing", "end_recheck_hearing"):
        return _("听证结束"), ""
    if action == "start_mediation":
        return _("正在调解"), ""
    if action == "settle":
        return _("已达成调解和解协议"), ""
    if action == "end_mediation":
        return _("调解未成，继续办理"), ""
    if action in ("extend", "notify_extension"):
        if data.get("days"):
            return _("办理期限延长%(d)s日") % {"d": data["days"]}, _("延期理由：%(r)s") % {
                "r": data.get("reason") or "-"
            }
        return _("办理期限延长"), ""
    if action == "sign_opinion" and row.get("to_state") == "review_concluded":
        action = "conclude_review"  # a 复查 draft signed: issued and delivered (Art. 35)
    elif action == "sign_opinion" and row.get("to_state") == "recheck_concluded":
        action = "conclude_recheck"  # a 复核 draft signed (Art. 36)
    if action in ("conclude", "sign_opinion"):  # issued when signed (签发)
        return _("已出具处理意见书"), _("文书编号：%(n)s") % {"n": data.get("number") or "-"}
    if action == "deliver":
        return _("处理意见已送达"), _("您收到的日期：%(d)s") % {"d": date_words(data.get("delivered_on"))}
    if action == "perform_duty":
        return _("已依法履行职责或答复"), ""
    if action == "reply_suggestion":
        return _("建议意见已回复"), ""
    if action == "request_review":
        return _("已申请复查"), _("复查机关：%(o)s") % {"o": organ}
    if action == "conclude_review":
        return _("复查意见已出具并送达"), _("文书编号：%(n)s") % {"n": data.get("number") or "-"}
    if action == "request_recheck":
        return _("已申请复核"), _("复核机关：%(o)s") % {"o": organ}
    if action == "conclude_recheck":
        return _("复核意见已出具并送达"), _("文书编号：%(n)s") % {"n": data.get("number") or "-"}
    if action == "finalise":
        return _("信访事项已终结"), _("复核意见为最终意见，不再受理以同一事实和理由提出的信访。")
    if action == "close_no_review":
        return _("申请复查、复核的期限已过，事项结案"), ""
    if action == "rate":
        value = data.get("value") or ""
        return _("您已评价：%(v)s") % {"v": RATING_LABELS.get(value, value)}, ""
    if action == "resolve_jurisdiction":
        return _("已确定受理机关：%(o)s") % {"o": organ}, ""
    return state_label(row.get("to_state") or action), ""


def public_timeline(petition: Petition) -> list[dict[str, Any]]:
    rows = []
    for row in petition_public_timeline(petition):
        headline, detail = _timeline_sentence(row, petition)
        rows.append({"at": row["at"], "headline": headline, "detail": detail, "action": row["action"]})
    return rows


def date_words(value: Any) -> str:
    """'2025年12月1日' (Chinese) / '1 December 2025' (English)."""
    from django.utils.formats import date_format
    from django.utils.translation import get_language

    if value in (None, ""):
        return "-"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if (get_language() or "zh-hans").startswith("zh"):
        return f"{value.year}年{value.month}月{value.day}日"
    return date_format(value, "j F Y")


@dataclass
class AppealWindow:
    kind: str  # "review" or "recheck"
    action: str
    open: bool
    due: dt.date | None
    provisional: bool = False
    explanation: str = ""
    organ_name: str = ""  # the body that will review (复查) or re-review (复核)
    reply_received_on: dt.date | None = None  # the day the window started


def appeal_window(petition: Petition) -> AppealWindow | None:
    """The 复查/复核 request window as the petitioner sees it, or None when it does not apply."""
    if petition.state == State.REVIEW_CONCLUDED or (
        petition.state == State.CLOSED_NO_REVIEW and petition.review_reply_received_on
    ):
        kind, action, rule = "recheck", "request_recheck", "D-RECHECK-REQ-30"
    elif petition.state in (State.DELIVERED, State.CLOSED_NO_REVIEW) and petition.reply_received_on:
        kind, action, rule = "review", "request_review", "D-REVIEW-REQ-30"
    else:
        return None
    deadline = petition.deadlines.filter(rule=rule).order_by("-pk").first()
    today = timezone.localdate()
    is_open = bool(
        deadline
        and deadline.status == Deadline.Status.OPEN
        and petition.state in (State.DELIVERED, State.REVIEW_CONCLUDED)
        and today <= deadline.statutory_due
    )
    organ = reviewing_organ(petition) if is_open else None
    window = AppealWindow(
        kind=kind,
        action=action,
        open=is_open,
        due=deadline.statutory_due if deadline else None,
        provisional=bool(deadline and deadline.is_provisional),
        organ_name=organ.name if organ else "",
        reply_received_on=petition.review_reply_received_on
        if kind == "recheck"
        else petition.reply_received_on,
    )
    if not is_open:
        window.explanation = _(
            "申请期限已届满。逾期申请须有正当理由（如不可抗力），请向原办理机关的上一级机关说明；"
            "对行政行为不服的，仍可在法定期限内申请行政复议或提起行政诉讼。"
        )
    return window


@dataclass
class DocumentRow:
    kind: str  # "opinion" or "decision"
    pk: int
    title: str
    number: str
    organ: str
    issued: dt.datetime
    body: list[tuple[str, str]] = field(default_factory=list)


def documents_of(petition: Petition) -> list[DocumentRow]:
    rows: list[DocumentRow] = []
    for decision in Decision.objects.filter(petition=petition).select_related("organ", "guidance_organ"):
        if decision.kind == Decision.Kind.ACCEPT:
            title = _("受理告知书")
            body = [(_("告知内容"), _("您的信访事项已依法受理。"))]
            stated = handling_due_on_acceptance(petition)
            if stated is not None:
                body.append(
                    (
                        _("办理期限"),
                        _(
                            "依照《信访工作条例》第三十四条，自受理之日起60日内办结，即最迟于%(date)s"
                            "向您出具书面处理意见；情况复杂的，经机关负责人批准可以延长，最多30日，"
                            "并告知您延期理由。"
                        )
                        % {"date": date_words(stated.due)},
                    )
                )
                if stated.provisional:
                    body.append((_("关于暂定日期"), provisional_rule_words(stated.year)))
        elif decision.kind == Decision.Kind.NOT_ACCEPT:
            title = _("不予受理告知书")
            body = [
                (
                    _("理由"),
                    str(REASON_LABELS.get(decision.reason, decision.reason)) if decision.reason else "-",
                )
            ]
            if decision.explanation:
                body.append((_("说明"), decision.explanation))
            if decision.guidance_organ:
                body.append((_("可以向以下机关提出"), decision.guidance_organ.name))
        else:
            title = _("告知书")
            body = [(_("有权机关"), decision.guidance_organ.name if decision.guidance_organ else "-")]
            if decision.explanation:
                body.append((_("说明"), decision.explanation))
        rows.append(
            DocumentRow(
                "decision",
                decision.pk,
                str(title),
                decision.notice_number,
                decision.organ.name,
                decision.decided_at,
                body,
            )
        )
    for opinion in Opinion.objects.filter(petition=petition).select_related("organ"):
        body = [
            (_("信访人的请求"), opinion.request),
            (_("认定的事实和理由"), opinion.facts_and_reasons),
            (_("处理意见"), opinion.opinion),
            (_("结论"), str(OUTCOME_LABELS.get(opinion.outcome, opinion.outcome))),
        ]
        if opinion.legal_basis:
            body.append((_("法律法规依据"), opinion.legal_basis))
        rows.append(
            DocumentRow(
                "opinion",
                opinion.pk,
                str(STAGE_LABELS.get(opinion.stage, opinion.stage)),
                opinion.number,
                opinion.organ.name,
                opinion.issued_at,
                body,
            )
        )
    rows.sort(key=lambda r: r.issued)
    return rows


def can_rate(petition: Petition, target: str = Rating.Target.ORGAN) -> bool:
    """Whether the petitioner may rate ``target`` (the competent organ, or the petition bureau that
    registered or forwarded the item) for the answer the petition is at."""
    from minsheng.workflow.services.oversight import rated_bureau, rating_stage

    if petition.state not in RATEABLE:
        return False
    if target == Rating.Target.BUREAU and rated_bureau(petition) is None:
        return False
    return not Rating.objects.filter(petition=petition, target=target, stage=rating_stage(petition)).exists()


def limitation_due_examples(known: dt.date) -> list[tuple[str, dt.date]]:
    return [(key, external_limitation_due(key, known)) for key in LIMITATIONS]


# ---- public information -----------------------------------------------------------------------


def reception_directory() -> list[Organ]:
    """Organs that publish an address, phone or reception hours (petition bureaus first)."""

    qs = Organ.objects.filter(is_active=True).filter(~Q(address="") | ~Q(reception_hours="") | ~Q(phone=""))
    return sorted(
        qs.select_related("region"), key=lambda o: (o.kind != Organ.Kind.PETITION_BUREAU, o.level, o.code)
    )


@dataclass
class OpenStatistics:
    months: list[str]
    categories: list[str]
    counts: dict[str, list[int]]  # category -> count per month
    totals: list[int]
    on_time_rate: float | None
    on_time_n: int
    satisfaction_rate: float | None
    satisfaction_n: int
    total: int
    date_from: dt.date
    date_to: dt.date
    on_time_definition: str  # the definition id of the internal figure (minsheng.assessment)
    satisfaction_definition: str
    basic_counts: bool


def open_statistics(months: int = 12, today: dt.date | None = None) -> OpenStatistics:
    """Counts of petitions received per month and level-1 category; the on-time (按期办结率) and
    satisfaction rates of the internal assessment (minsheng.assessment), over the same months."""
    today = today or timezone.localdate()
    first = dt.date(today.year, today.month, 1)
    starts = []
    year, month = first.year, first.month
    for _i in range(months):
        starts.append(dt.date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    starts.reverse()
    labels = [f"{d.year}-{d.month:02d}" for d in starts]
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
    per: dict[str, Counter[str]] = defaultdict(Counter)
    total = 0
    # Accusations are not counted in public: a published count moves with each one, which tells an
    # accused unit watching the page that it was accused that month (the rule of every shared
    # aggregate — trends, outreach, proposals; red-team review 2026-12-08).
    received = Petition.objects.filter(received_at__gte=since).exclude(nature=Nature.ACCUSATION)
    for received_at, path in received.values_list("received_at", "category__path"):
        local = timezone.localtime(received_at)
        key = f"{local.year}-{local.month:02d}"
        name = (path or "").split("/")[0] or str(_("未分类"))
        per[name][key] += 1
        total += 1
    categories = sorted(per, key=lambda n: -sum(per[n].values()))
    counts = {name: [per[name][m] for m in labels] for name in categories}
    totals = [sum(per[name][m] for name in categories) for m in labels]
    # The same definitions as the internal figures (minsheng.assessment, ADR 0008): 按期办结率 and the
    # competent organs' 满意率 of every organ, over the months shown (up to today).
    from minsheng.assessment.selectors import compute_indicators

    figures = compute_indicators(
        None, starts[0], today, today=today, only=("I-ONTIME-REPLY", "I-SATISFACTION-ORGAN")
    )
    on_time = figures.figure("I-ONTIME-REPLY")
    satisfaction = figures.figure("I-SATISFACTION-ORGAN")
    return OpenStatistics(
        months=labels,
        categories=categories,
        counts=counts,
        totals=totals,
        on_time_rate=on_time.value,
        on_time_n=on_time.denominator,
        satisfaction_rate=satisfaction.value,
        satisfaction_n=satisfaction.denominator,
        total=total,
        date_from=starts[0],
        date_to=today,
        on_time_definition=on_time.definition_id,
        satisfaction_definition=satisfaction.definition_id,
        basic_counts=figures.basic_counts,
    )


def region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Districts with their streets, for a grouped <select> (optgroup per district)."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for district in Region.objects.filter(level=Region.Level.COUNTY).order_by("code"):
        options = [(str(district.pk), _("%(d)s（全区/县）") % {"d": district.name})]
        options += [(str(s.pk), s.name) for s in district.children.order_by("code")]
        groups.append((district.name, options))
    return groups


def accused_organ_choices() -> list[tuple[str, str]]:
    return [
        (str(o.pk), o.name)
        for o in Organ.objects.filter(is_active=True, level__gte=Organ.Level.CITY).order_by("level", "code")
    ]
