"""Actions that keep the state: supervision (督办, Arts. 39–40), notes, caseworker, 包案,
ratings, urgent reports (Art. 25)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.notifications.services import outbox_notify_organ
from minsheng.orgs.models import Organ, Region, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import (
    Rating,
    SupervisionOrder,
)
from minsheng.workflow.rulesets import SUPERVISION_FEEDBACK_RULE
from minsheng.workflow.services.context import Ctx, R, S
from minsheng.workflow.services.recusal import ensure_assignable

# ---- actions that do not change the state

# the period for the written feedback on a supervision order. rules.yaml marks it
# configurable (MINSHENG_SUPERVISION_FEEDBACK_DAYS; workflow.rulesets.CONFIGURED_PERIODS).


def supervision_feedback_due(issued_on: dt.date) -> dt.date:
    """The default feedback due date of an order issued on ``issued_on``: D-SUPERVISION-FEEDBACK
    through the deadline engine (start day not counted, a due day on a rest day rolls forward).
    The one source for manual and automatic orders."""
    return dl.compute_rule_due(SUPERVISION_FEEDBACK_RULE, issued_on).due.statutory_due


#: The steps of the supervision ladder (A-060, A-061; Arts. 39(3), 40), mildest first. A warning
#: (临期提醒) comes before any of them from the deadline sweep, and an automatic 普通督办 on a breach.
LADDER: tuple[str, ...] = (
    SupervisionOrder.Kind.REMINDER,
    SupervisionOrder.Kind.ORDINARY,
    SupervisionOrder.Kind.YELLOW,
    SupervisionOrder.Kind.RED,
    SupervisionOrder.Kind.LISTED,
    SupervisionOrder.Kind.INTERVIEW,
    SupervisionOrder.Kind.CIRCULAR,
)
#: Steps against the organ's leadership (Art. 39(3)): they name the accountable chain of the day.
LEADER_STEPS = frozenset(
    {SupervisionOrder.Kind.LISTED, SupervisionOrder.Kind.INTERVIEW, SupervisionOrder.Kind.CIRCULAR}
)


def _chain_leaders(ctx: Ctx) -> list[dict[str, str]]:
    """The leaders a 挂牌督办, 约谈 or 通报 names: the chain of the organ holding the case now. Refused
    when the organ has no leader on record that day (nobody could be talked to or criticised)."""
    from minsheng.accountability.selectors import accountable_chain

    chain = accountable_chain(ctx.petition, ctx.now)
    if not chain.links:
        raise InvalidInput(
            _(
                "%(organ)s 在 %(d)s 没有登记的领导分工，无法确定约谈、通报或挂牌督办的对象；请先在管理后台登记领导分工。"
            )
            % {"organ": chain.organ, "d": chain.on.isoformat()},
            field="kind",
        )
    return [
        {"role": link.role, "role_label": link.role_label, "leader": link.leader, "title": link.title}
        for link in chain.links
    ]


def h_supervise(ctx: Ctx) -> None:
    kind = ctx.choice("kind", [k.value for k in SupervisionOrder.Kind])
    if kind in LEADER_STEPS and ctx.organ is not None and ctx.organ.pk == ctx.petition.current_organ_id:
        # Art. 39(3): 约谈, 通报 and 挂牌督办 are measures of the joint conference or of an organ above
        # against an organ's leadership (accountability_rules.yaml S-LXHY-*): an organ's own
        # supervisor or leader does not take them against his own organ.
        raise Forbidden(
            _(
                "约谈、通报、挂牌督办须由上级机关或信访工作联席会议作出，不能针对本机关（条例第三十九条第三款）。"
            ),
            code="own_organ",
            field="kind",
        )
    suggestion = ctx.text("suggestion")
    issued_on = ctx.today
    leaders = _chain_leaders(ctx) if kind in LEADER_STEPS else []
    chosen = ctx.date("feedback_due", required=False)
    if chosen is not None and chosen < issued_on:
        raise InvalidInput(
            _("反馈期限不能早于督办日期（%(d)s）。") % {"d": issued_on.isoformat()}, field="feedback_due"
        )
    feedback_due = chosen or supervision_feedback_due(issued_on)
    order = SupervisionOrder.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        kind=kind,
        target_organ=ctx.petition.current_organ,
        issued_by=ctx.actor,
        suggestion=suggestion,
        feedback_due=feedback_due,
        leaders=leaders,
    )
    ctx.petition.is_supervised = True
    ctx.event_data.update(
        {
            "kind": kind,
            "suggestion": suggestion,
            "order_id": order.pk,
            "target_organ": ctx.petition.current_organ.name,
            "feedback_due": feedback_due.isoformat(),
            "feedback_due_source": "issuer" if chosen is not None else SUPERVISION_FEEDBACK_RULE,
            "ladder_step": LADDER.index(SupervisionOrder.Kind(kind)) + 1,
        }
    )
    if leaders:
        ctx.event_data["leaders"] = leaders
    target_id = ctx.petition.current_organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, target_id, "supervision"))


def feedback_owed(petition: Petition) -> bool:
    """Whether an order on the petition awaits its written answer (``supervision_feedback``)."""
    return SupervisionOrder.objects.filter(petition=petition, feedback_at__isnull=True).exists()


def delisting_possible(petition: Petition) -> bool:
    """Whether a 挂牌督办 was answered and is still listed (``delist``)."""
    return SupervisionOrder.objects.filter(
        petition=petition,
        kind=SupervisionOrder.Kind.LISTED,
        feedback_at__isnull=False,
        delisted_at__isnull=True,
    ).exists()


def h_supervision_feedback(ctx: Ctx) -> None:
    """Art. 40(4): the written answer to an order — the text, who answered and when; an answer
    after the feedback due date is marked late."""
    order_id = ctx.integer("order_id", minimum=1)
    order = SupervisionOrder.objects.select_for_update().filter(pk=order_id, petition=ctx.petition).first()
    if order is None:
        raise InvalidInput(_("找不到该督办单。"), field="order_id")
    if order.feedback_at is not None:
        raise InvalidInput(_("该督办单已反馈。"), field="order_id")
    order.feedback = ctx.text("feedback")
    order.feedback_at = ctx.now
    order.feedback_by = ctx.actor  # type: ignore[assignment]
    order.feedback_late = order.feedback_due is not None and ctx.today > order.feedback_due
    order.save(update_fields=["feedback", "feedback_at", "feedback_by", "feedback_late"])
    ctx.event_data.update(
        {
            "order_id": order.pk,
            "feedback": order.feedback,
            "feedback_due": order.feedback_due.isoformat() if order.feedback_due else None,
            "late": order.feedback_late,
        }
    )


def h_delist(ctx: Ctx) -> None:
    """摘牌 (A-061): end a 挂牌督办 with the evidence that the problem was rectified. Only after the
    organ's written feedback, once."""
    order_id = ctx.integer("order_id", minimum=1)
    order = SupervisionOrder.objects.select_for_update().filter(pk=order_id, petition=ctx.petition).first()
    if order is None or order.kind != SupervisionOrder.Kind.LISTED:
        raise InvalidInput(_("找不到该挂牌督办单。"), field="order_id")
    if order.delisted_at is not None:
        raise InvalidInput(_("该挂牌督办已摘牌。"), field="order_id")
    if order.feedback_at is None:
        raise InvalidInput(_("被督办机关书面反馈整改情况后才能摘牌。"), field="order_id")
    order.delisting_evidence = ctx.text("evidence")
    order.delisted_at = ctx.now
    order.delisted_by = ctx.actor  # type: ignore[assignment]
    order.save(update_fields=["delisting_evidence", "delisted_at", "delisted_by"])
    ctx.event_data.update({"order_id": order.pk, "evidence": order.delisting_evidence})


def h_note(ctx: Ctx) -> None:
    ctx.event_data["text"] = ctx.text("text", max_length=5000)


def h_assign_caseworker(ctx: Ctx) -> None:
    user_id = ctx.integer("user_id", minimum=1)
    membership = (
        StaffMembership.objects.filter(user_id=user_id, organ=ctx.petition.current_organ, role=R.CASEWORKER)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise InvalidInput(_("该用户不是本机关的承办人。"), field="user_id")
    ensure_assignable(ctx.petition.pk, membership.user_id, "user_id")
    ctx.petition.caseworker = membership.user
    ctx.event_data.update({"caseworker": membership.user.get_username()})


def h_take_charge(ctx: Ctx) -> None:
    ctx.petition.leader_in_charge = ctx.actor  # type: ignore[assignment]
    ctx.event_data["leader"] = ctx.actor.get_username() if ctx.actor else ""


#: The stage of the answer a rating refers to, by the state the petition is in.
RATING_STAGES: dict[str, str] = {
    S.DELIVERED: "handling",
    S.REVIEW_CONCLUDED: "review",
    S.FINAL: "recheck",
    S.SUGGESTION_REPLIED: "handling",
    S.DUTY_PERFORMED: "handling",
    S.CLOSED_NO_REVIEW: "handling",
}


def rated_bureau(petition: Petition) -> Organ | None:
    """The petition bureau a petitioner rates (满意度2014 Art. 3 [S]; ACCOUNTABILITY.md A-040): the
    bureau that registered the item, else the bureau that forwarded or assigned it; None when no
    bureau handled it (a petition brought straight to the competent organ)."""
    for organ in (petition.receiving_organ, petition.forwarded_by):
        if organ is not None and organ.kind == Organ.Kind.PETITION_BUREAU:
            return organ
    return None


def rating_stage(petition: Petition) -> str:
    return RATING_STAGES.get(petition.state, "handling")


def h_rate(ctx: Ctx) -> None:
    """满意度评价: the petitioner rates the competent organ (``target`` organ, the default) and,
    separately, the petition bureau (``target`` bureau) — two ratings of the same answer, each once
    per stage (A-040). A rating is never changed afterwards."""
    value = ctx.choice("value", [v.value for v in Rating.Value])
    comment = ctx.text("comment", required=False, max_length=2000)
    target = ctx.choice("target", [t.value for t in Rating.Target], required=False) or Rating.Target.ORGAN
    stage = rating_stage(ctx.petition)
    if target == Rating.Target.BUREAU:
        bureau = rated_bureau(ctx.petition)
        if bureau is None:
            raise InvalidInput(_("本事项未经信访部门登记或转送，无需评价信访部门。"), field="target")
        organ = bureau
    else:
        organ = ctx.petition.current_organ
    if Rating.objects.filter(petition=ctx.petition, target=target, stage=stage).exists():
        raise InvalidInput(_("本阶段已评价。"), field="value")
    Rating.objects.create(
        rated_at=ctx.now,
        petition=ctx.petition,
        target=target,
        organ=organ,
        stage=stage,
        value=value,
        comment=comment,
    )
    ctx.event_data.update({"value": value, "stage": stage, "target": target})
    if value == Rating.Value.UNSATISFIED:
        # An unsatisfied rating reaches the head of the organ rated.
        ctx.after_commit.append(
            lambda: outbox_notify_organ(ctx.petition.pk, organ.pk, "unsatisfied", heads_only=True)
        )


# Art. 25 / rules.yaml D-URGENT-REPORT: who receives the report, in the order of rules.yaml
# `recipients` (party_gov_same_level split into its two organs).
URGENT_RECIPIENT_ROLES = (
    "party_committee",
    "government",
    "competent_department",
    "joint_conference",
    "higher_level_bureau",
    "national_bureau",
)


def urgent_report_hours() -> float:
    """The tolerance between receipt and the report beyond which a report is 缓报 (Art. 46(4)).
    rules.yaml D-URGENT-REPORT says "immediate" (length 0: 及时/立即) and sets no hour limit, so the
    tolerance is a setting, MINSHENG_URGENT_REPORT_HOURS (default 2)."""
    return float(getattr(settings, "MINSHENG_URGENT_REPORT_HOURS", 2))


def h_report_urgent(ctx: Ctx) -> None:
    """Art. 25: report a major or urgent matter at once — never held for a working day — to the
    same-level party committee and government, the competent department, the joint conference
    office and the next higher petition bureau (and the national bureau when configured). A first
    report later than ``urgent_report_hours`` after receipt is 缓报 (Art. 46(4))."""
    petition = ctx.petition
    petition.is_urgent = True
    ctx.event_data["note"] = ctx.text("note", required=False)
    reporting = ctx.organ or petition.current_organ
    recipients = urgent_recipients(petition, reporting)
    reported_at = ctx.now.isoformat()
    ctx.event_data["reporting_organ"] = reporting.name
    ctx.event_data["reported_to"] = [o.name for _role, o in recipients]
    ctx.event_data["recipients"] = [
        {"role": role, "organ_id": o.pk, "organ": o.name, "reported_at": reported_at}
        for role, o in recipients
    ]
    if petition.urgent_reported_at is None:
        hours = urgent_report_hours()
        delay = ctx.now - petition.received_at
        late = delay > dt.timedelta(hours=hours)
        petition.urgent_reported_at = ctx.now
        petition.urgent_report_late = late
        ctx.event_data.update(
            {
                "received_at": petition.received_at.isoformat(),
                "delay_hours": round(delay.total_seconds() / 3600, 2),
                "allowed_hours": hours,
                "late": late,
            }
        )
        if late:
            ctx.event_data["article"] = "Art.46(4)"
    else:
        ctx.event_data["follow_up"] = True  # a further report; 缓报 is judged on the first one
    for _role, organ in recipients:
        organ_id = organ.pk
        # the outbox skips anyone on the accused side of an accusation.
        ctx.after_commit.append(
            lambda organ_id=organ_id: outbox_notify_organ(petition.pk, organ_id, "urgent")
        )  # type: ignore[misc]


def _region_chain(region: Region) -> list[Region]:
    return [region, *region.ancestors()]


def _first_of_kind(regions: list[Region], kind: str) -> Organ | None:
    for region in regions:
        found = Organ.objects.filter(region=region, kind=kind, is_active=True).order_by("pk").first()
        if found is not None:
            return found
    return None


def competent_department(petition: Petition) -> Organ | None:
    """The organ that has the petition; while a petition bureau holds it, the routing suggestion's
    top organ (petition.suggestions["routing"][0])."""
    current = petition.current_organ
    if current.kind not in (Organ.Kind.PETITION_BUREAU, Organ.Kind.JOINT_CONFERENCE):
        return current
    routing = (petition.suggestions or {}).get("routing") or []
    top = routing[0].get("organ_id") if routing and isinstance(routing[0], dict) else None
    if not isinstance(top, int):
        return None
    return Organ.objects.filter(pk=top, is_active=True).first()


def urgent_recipients(petition: Petition, reporting: Organ | None = None) -> list[tuple[str, Organ]]:
    """(role, organ) of each report (URGENT_RECIPIENT_ROLES order): the party committee and the
    government of the reporting organ's region, the competent department, the joint conference of
    that region (or the nearest above), the petition bureau of the nearest region above, and the
    national bureau named by MINSHENG_NATIONAL_PETITION_BUREAU (an organ code). An organ is listed
    once (its first role) and never reports to itself."""
    organ = reporting or petition.current_organ
    chain = _region_chain(organ.region)
    candidates: list[tuple[str, Organ | None]] = [
        ("party_committee", _first_of_kind(chain[:1], Organ.Kind.PARTY_COMMITTEE)),
        ("government", _first_of_kind(chain[:1], Organ.Kind.GOVERNMENT)),
        ("competent_department", competent_department(petition)),
        ("joint_conference", _first_of_kind(chain, Organ.Kind.JOINT_CONFERENCE)),
        ("higher_level_bureau", _first_of_kind(chain[1:], Organ.Kind.PETITION_BUREAU)),
    ]
    national_code = getattr(settings, "MINSHENG_NATIONAL_PETITION_BUREAU", None)
    if national_code:
        candidates.append(
            ("national_bureau", Organ.objects.filter(code=national_code, is_active=True).first())
        )
    result: list[tuple[str, Organ]] = []
    seen = {organ.pk}
    for role, candidate in candidates:
        if candidate is not None and candidate.pk not in seen:
            seen.add(candidate.pk)
            result.append((role, candidate))
    return result
