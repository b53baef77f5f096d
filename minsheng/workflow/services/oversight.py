"""Actions that keep the state: supervision (督办, Arts. 39–40), notes, caseworker, 包案,
ratings, urgent reports (Art. 25)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput
from minsheng.notifications.services import outbox_notify_organ
from minsheng.orgs.models import Organ, StaffMembership
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


def h_supervise(ctx: Ctx) -> None:
    kind = ctx.choice("kind", [k.value for k in SupervisionOrder.Kind])
    suggestion = ctx.text("suggestion")
    issued_on = ctx.today
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
        }
    )
    target_id = ctx.petition.current_organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, target_id, "supervision"))


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


def h_rate(ctx: Ctx) -> None:
    value = ctx.choice("value", [v.value for v in Rating.Value])
    comment = ctx.text("comment", required=False, max_length=2000)
    stages: dict[str, str] = {
        S.DELIVERED: "handling",
        S.REVIEW_CONCLUDED: "review",
        S.FINAL: "recheck",
        S.SUGGESTION_REPLIED: "handling",
        S.DUTY_PERFORMED: "handling",
        S.CLOSED_NO_REVIEW: "handling",
    }
    stage = stages.get(ctx.petition.state, "handling")
    organ = ctx.petition.current_organ
    if Rating.objects.filter(petition=ctx.petition, target=Rating.Target.ORGAN, stage=stage).exists():
        raise InvalidInput(_("本阶段已评价。"), field="value")
    Rating.objects.create(
        rated_at=ctx.now,
        petition=ctx.petition,
        target=Rating.Target.ORGAN,
        organ=organ,
        stage=stage,
        value=value,
        comment=comment,
    )
    ctx.event_data.update({"value": value, "stage": stage})
    if value == Rating.Value.UNSATISFIED:
        # An unsatisfied rating reaches the organ head.
        ctx.after_commit.append(
            lambda: outbox_notify_organ(ctx.petition.pk, organ.pk, "unsatisfied", heads_only=True)
        )


def h_report_urgent(ctx: Ctx) -> None:
    """Art. 25: report a major or urgent matter at once — never held for a working day."""
    petition = ctx.petition
    petition.is_urgent = True
    petition.urgent_reported_at = ctx.now
    ctx.event_data["note"] = ctx.text("note", required=False)
    recipients = urgent_recipients(petition.current_organ)
    ctx.event_data["reported_to"] = [o.name for o in recipients]
    for organ in recipients:
        organ_id = organ.pk
        ctx.after_commit.append(
            lambda organ_id=organ_id: outbox_notify_organ(petition.pk, organ_id, "urgent")
        )  # type: ignore[misc]


def urgent_recipients(organ: Organ) -> list[Organ]:
    """Same-level party committee and government, and the next higher petition bureau."""
    same_level = list(
        Organ.objects.filter(
            region=organ.region, kind__in=[Organ.Kind.PARTY_COMMITTEE, Organ.Kind.GOVERNMENT]
        )
    )
    higher = [o for o in organ.ancestors() if o.kind == Organ.Kind.PETITION_BUREAU][:1]
    parent_region = organ.region.parent
    if not higher and parent_region is not None:
        higher = list(Organ.objects.filter(region=parent_region, kind=Organ.Kind.PETITION_BUREAU)[:1])
    return [o for o in [*same_level, *higher] if o.pk != organ.pk]
