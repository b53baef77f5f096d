"""Handlers of 复查 and 复核 (Arts. 35–36): review organ, windows, hearings, outcomes, finality."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.calendar import inclusive_days
from minsheng.core.errors import Forbidden, InvalidInput, TransitionNotAllowed
from minsheng.notifications.services import outbox_notify_organ, outbox_notify_petitioner
from minsheng.petitions.models import Petition, State
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import (
    Appeal,
    Deadline,
    Hearing,
    Opinion,
    OpinionDraft,
    PetitionEvent,
)
from minsheng.workflow.rulesets import COMPLETION_REPORT_RULE
from minsheng.workflow.services.context import (
    Ctx,
    S,
    _document_number,
    _ensure_not_accused,
    _move_to,
    _open,
    _review_organ,
)
from minsheng.workflow.services.handling import _deliver, execution_follow_up, is_signer

REQUEST_WINDOWS: dict[str, tuple[str, str]] = {
    "request_review": (Appeal.Kind.REVIEW, "D-REVIEW-REQ-30"),
    "request_recheck": (Appeal.Kind.RECHECK, "D-RECHECK-REQ-30"),
}


#: States a request made in time re-opens (R-CNT-6): closed without review by the sweep, and the
#: same matter archived since — archiving is records management and takes no right away.
REOPENABLE: frozenset[str] = frozenset({S.CLOSED_NO_REVIEW, S.ARCHIVED})


def _expired_window(petition: Petition, window_rule: str) -> Deadline | None:
    """The petitioner's request window of ``window_rule`` that ran out, if one did and was not met
    since. On ``closed_no_review`` it is the window that closed the matter: the 复查 window when no
    复查 was asked for, the 复核 window after a 复查 — a window is met only by a request of its own
    kind, so its having run out says that no such request was made."""
    return (
        Deadline.objects.filter(petition=petition, rule=window_rule, status=Deadline.Status.EXPIRED)
        .order_by("-pk")
        .first()
    )


def reopening_request_available(petition: Petition, action: str) -> bool:
    """On ``closed_no_review`` (or archived since) only the request whose window closed the matter
    can re-open it (the one ``_request_window`` accepts); elsewhere the table's sources decide."""
    if petition.state not in REOPENABLE or action not in REQUEST_WINDOWS:
        return True
    _kind, window_rule = REQUEST_WINDOWS[action]
    return _expired_window(petition, window_rule) is not None


def _request_window(ctx: Ctx, kind: str, window_rule: str) -> Deadline | None:
    """The petitioner's request window the request answers. After the sweep closed the matter
    (``closed_no_review``), the window that ran out — only if it is the one this request answers
    (the 复查 window for a 复查 request not yet made, the 复核 window for a 复核 request)."""
    petition = ctx.petition
    if petition.state not in REOPENABLE:
        return dl.deadline_get_open(petition.pk, window_rule)
    window = _expired_window(petition, window_rule)
    if window is None:
        raise TransitionNotAllowed(
            _("当前状态“%(s)s”不能执行“%(a)s”。")
            % {
                "s": State(petition.state).label,
                "a": _("申请复查") if kind == Appeal.Kind.REVIEW else _("申请复核"),
            },
            state=petition.state,
            action=f"request_{kind}",
        )
    return window


def _window_met(ctx: Ctx, window: Deadline | None, window_rule: str, is_late: bool) -> None:
    """The request window is met by the request: on time when it was received (or postmarked) by
    the window's statutory due date, whenever it was entered (R-CNT-6). Without a window (none
    was opened: the opinion's delivery was not recorded) there is nothing to meet; the request was
    taken as late, with its good reason."""
    if window is None:
        return
    if window.status == Deadline.Status.EXPIRED:
        # Made in time but entered after the sweep closed the matter: the matter is re-opened and
        # the event says so (the closing event stays on the timeline).
        closed = (
            PetitionEvent.objects.filter(petition=ctx.petition, action="close_no_review")
            .order_by("-occurred_at", "-pk")
            .first()
        )
        ctx.event_data["reopened"] = {
            "from_state": str(ctx.petition.state),
            "window": window_rule,
            "window_statutory_due": window.statutory_due.isoformat(),
            "closed_at": closed.occurred_at.isoformat() if closed else None,
        }
    window.status = Deadline.Status.MET
    window.met_at = ctx.now
    window.met_late = is_late
    window.breached_at = None
    window.save(update_fields=["status", "met_at", "met_late", "breached_at"])


def _appeal(ctx: Ctx, kind: str, window_rule: str, answer_rule: str) -> None:
    petition = ctx.petition
    received_on = ctx.date("received_on", default=ctx.today)
    assert received_on is not None
    if received_on > ctx.today:
        raise InvalidInput(_("收到请求日期不能晚于今天。"), field="received_on")
    postmarked = ctx.date("postmarked_on", required=False)
    window = _request_window(ctx, kind, window_rule)
    if window is not None and received_on < window.start:
        # The window opens when the petitioner receives the opinion (R-CNT-6): no request before.
        raise InvalidInput(
            _("收到请求日期不能早于意见书送达日期（%(d)s）。") % {"d": window.start.isoformat()},
            field="received_on",
        )
    due = window.statutory_due if window else None
    filed_on = postmarked if (postmarked and settings.MINSHENG_POSTMARK_RULE) else received_on
    good_reason = ctx.text("good_reason", required=False)
    # A provisional due date (its year not in the calendar yet) is a lower bound: a request after
    # it may still be in time, and a petitioner is never shut out on a guess (R-CNT-3, R-CNT-5).
    provisional = window is not None and window.is_provisional
    is_late = due is None or (filed_on > due and not provisional)
    if provisional:
        ctx.event_data["window_provisional"] = True
    if is_late and not good_reason:
        if due is None:
            raise InvalidInput(
                _("未记录意见书送达，无法确认申请是否在期限内；如有正当理由，请填写。"),
                field="received_on",
            )
        raise InvalidInput(
            _("申请期限已于 %(due)s 届满；无正当理由的逾期申请不予受理。如有正当理由，请填写。")
            % {"due": due},
            field="received_on",
        )
    upper = _review_organ(petition)
    if upper is None:
        raise InvalidInput(_("未配置上一级机关，无法复查复核；请管理员设置。"), field="organ")
    _ensure_not_accused(ctx, upper, "organ")
    Appeal.objects.create(
        created_at=ctx.now,
        petition=petition,
        kind=kind,
        organ=upper,
        received_on=received_on,
        postmarked_on=postmarked,
        reasons=ctx.text("reasons", required=False),
        good_reason=good_reason,
        is_late=is_late,
    )
    _window_met(ctx, window, window_rule, is_late)
    petition.handling_organ = petition.handling_organ or petition.current_organ
    _move_to(ctx, upper)
    _open(ctx, answer_rule, received_on, upper)
    ctx.event_data.update(
        {"organ": upper.name, "received_on": received_on.isoformat(), "late_with_good_reason": is_late}
    )
    ctx.after_commit.append(lambda: outbox_notify_organ(petition.pk, upper.pk, f"{kind}_requested"))


def h_request_review(ctx: Ctx) -> None:
    _appeal(ctx, Appeal.Kind.REVIEW, "D-REVIEW-REQ-30", "D-REVIEW-30")
    ctx.petition.review_requested_on = ctx.date("received_on", default=ctx.today)


def h_request_recheck(ctx: Ctx) -> None:
    _appeal(ctx, Appeal.Kind.RECHECK, "D-RECHECK-REQ-30", "D-RECHECK-30")
    ctx.petition.recheck_requested_on = ctx.date("received_on", default=ctx.today)


# 复查/复核 decide on the opinion under review (Arts. 35–36): uphold, change or revoke it, with the
# reasons (facts_and_reasons) — never a fresh 支持/不支持, which answers the original request.
# The list is declared once with the action inputs (minsheng.workflow.inputs.APPEAL_OUTCOMES).


ANSWER_RULES: dict[str, str] = {Opinion.Stage.REVIEW: "D-REVIEW-30", Opinion.Stage.RECHECK: "D-RECHECK-30"}


def issue_appeal_opinion(
    ctx: Ctx, stage: str, fields: dict[str, Any], *, drafted_by: Any
) -> tuple[Opinion, State]:
    """签发 and 送达 of a 复查 (复核) opinion: signed by ``ctx.actor`` (the reviewing organ's head or
    a delegate: the callers have checked it, ``_conclude_directly`` and ``h_sign_opinion``),
    independent of the original with its drafter (Art. 28(3)); the answer clock is met, the
    delivery recorded, and the state the act moves to returned (复核: through to final)."""
    ensure_independent_review(ctx, ctx.actor)
    ensure_independent_review(ctx, drafted_by, drafter=True)  # the signer again, or nobody: no-op
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        stage=stage,
        organ=ctx.petition.current_organ,
        issued_by=drafted_by,
        signed_by=ctx.actor,
        signed_at=ctx.now,
        number=_document_number(
            ctx, "review_opinion" if stage == Opinion.Stage.REVIEW else "recheck_opinion"
        ),
        **fields,
    )
    dl.deadline_meet(ctx.petition.pk, ANSWER_RULES[stage], at=ctx.now)
    execution_follow_up(ctx, opinion)
    # R-CNT-6: the petitioner's 30 days run from the day he received it (a posted opinion arrives
    # days after its issue), which may be after the act's (issue) day, up to the day of entry.
    delivered_on = _deliver(ctx, opinion, until=max(ctx.today, timezone.localdate()))
    ctx.event_data.update(
        {
            "opinion_id": opinion.pk,
            "outcome": opinion.outcome,
            "number": opinion.number,
            "signed_by": ctx.actor.get_username() if ctx.actor is not None else "",
        }
    )
    if stage == Opinion.Stage.REVIEW:
        return opinion, _review_delivered(ctx, delivered_on)
    return opinion, _recheck_delivered(ctx, delivered_on)


# Actions that decide a 复查/复核 (draft, sign, or issue directly): Art. 28(3) independence applies.
REVIEWER_ACTIONS = frozenset({"draft_opinion", "sign_opinion", "conclude_review", "conclude_recheck"})
APPEAL_STATES = frozenset({S.REVIEW_REQUESTED, S.RECHECK_REQUESTED})


def independent_reviewer(petition: Petition, user: Any) -> bool:
    """Whether ``user`` may take part in deciding the 复查/复核 ``petition`` is in: neither he nor
    the current organ decided or signed an earlier opinion on it (for ``available_actions``; the
    handlers check the same and say why)."""
    if petition.state not in APPEAL_STATES:
        return True
    earlier = Opinion.objects.filter(petition=petition)
    if earlier.filter(organ_id=petition.current_organ_id).exists():
        return False
    pk = getattr(user, "pk", None)
    return pk is None or not earlier.filter(Q(issued_by_id=pk) | Q(signed_by_id=pk)).exists()


def ensure_independent_review(ctx: Ctx, person: Any, *, drafter: bool = False) -> None:
    """Art. 28(3) at 复查/复核: whoever decided or signed an earlier opinion on the matter
    (Opinion.issued_by, Opinion.signed_by) does not review it — neither drafting nor signing the
    review — nor does the organ that issued it."""
    earlier = Opinion.objects.filter(petition=ctx.petition)
    if earlier.filter(organ=ctx.petition.current_organ).exists():
        raise Forbidden(
            _("本机关出具了原处理意见，不能复查复核该意见（条例第二十八条第三款）。"),
            code="recusal_organ",
            field="organ",
        )
    if person is not None and earlier.filter(Q(issued_by_id=person.pk) | Q(signed_by_id=person.pk)).exists():
        if drafter:
            raise Forbidden(
                _("起草人作出或签发了原处理意见，应当回避，不能复查复核该意见（条例第二十八条第三款）。"),
                code="recusal_reviewer",
                field="draft_id",
            )
        raise Forbidden(
            _("您作出或签发了原处理意见，应当回避，不能复查复核该意见（条例第二十八条第三款）。"),
            code="recusal_reviewer",
            field="actor",
        )


def _ensure_appeal_signer(ctx: Ctx) -> None:
    """签发: the review (recheck) opinion is concluded by the reviewing organ's head or a delegate."""
    if not is_signer(ctx.actor, ctx.petition.current_organ):
        raise Forbidden(
            _("复查、复核意见书由复查复核机关负责人或其授权的签发人签发。"), code="not_signer", field="actor"
        )


def _review_delivered(ctx: Ctx, delivered_on: dt.date) -> State:
    ctx.petition.review_reply_received_on = delivered_on
    _open(ctx, "D-RECHECK-REQ-30", delivered_on, _review_organ(ctx.petition))
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "review_answered"))
    return S.REVIEW_CONCLUDED


def _recheck_delivered(ctx: Ctx, delivered_on: dt.date) -> State:
    ctx.petition.recheck_reply_received_on = delivered_on
    # Art. 36(3): after the 复核 opinion is delivered the matter is final.
    ctx.extra_events.append(("finalise", S.RECHECK_CONCLUDED, S.FINAL, {"article": "条例第三十六条第三款"}))
    # Final once delivered (Art. 36(3)): on the day the petitioner received it, if after the issue.
    received = timezone.make_aware(dt.datetime.combine(delivered_on, dt.time.min))
    ctx.petition.final_at = max(ctx.now, received)
    # Every clock of the petitioner's procedure ends; the 办结报告 still owed to the assigning
    # organ does not (Art. 22(1)(3)): the handling organ may send it after finality.
    dl.deadline_cancel(ctx.petition.pk, keep=[COMPLETION_REPORT_RULE])
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "final"))
    return S.FINAL


def _conclude_directly(ctx: Ctx, stage: str) -> State:
    """出具并送达 by the signer himself (the head, or a delegate, issuing his own, as ``conclude``):
    the fields come from the input (or the working draft), a pending draft is set aside. The
    independence of the signer is checked by ``issue_appeal_opinion``, in the same transaction."""
    from minsheng.workflow.services.handling import _drop_working_draft, _opinion_input

    _ensure_appeal_signer(ctx)
    _stage, fields = _opinion_input(ctx)
    OpinionDraft.objects.filter(petition=ctx.petition, status=OpinionDraft.Status.PENDING).update(
        status=OpinionDraft.Status.SUPERSEDED
    )
    _opinion, target = issue_appeal_opinion(ctx, stage, fields, drafted_by=ctx.actor)
    _drop_working_draft(ctx)
    return target


def h_conclude_review(ctx: Ctx) -> State:
    return _conclude_directly(ctx, Opinion.Stage.REVIEW)


def h_recheck_hearing_start(ctx: Ctx) -> None:
    appeal = Appeal.objects.get(petition=ctx.petition, kind=Appeal.Kind.RECHECK)
    start = ctx.date("hearing_start", default=ctx.today)
    assert start is not None
    if start < appeal.received_on:
        raise InvalidInput(_("听证开始日期早于收到复核请求日期。"), field="hearing_start")
    if appeal.hearing_end is not None and start <= appeal.hearing_end:
        # A further hearing: its days are added to those of the earlier one, so they must not overlap.
        raise InvalidInput(
            _("听证开始日期不得早于或等于上一次听证的结束日期（%(d)s）。")
            % {"d": appeal.hearing_end.isoformat()},
            field="hearing_start",
        )
    # The appeal holds the latest hearing (every hearing has its Hearing row): a further one is
    # open again until it ends.
    appeal.hearing_start = start
    appeal.hearing_end = None
    appeal.save(update_fields=["hearing_start", "hearing_end"])
    Hearing.objects.create(
        petition=ctx.petition,
        stage="recheck",
        start=start,
        participants=ctx.text("participants", required=False),
    )
    ctx.event_data["hearing_start"] = start.isoformat()


def h_recheck_hearing_end(ctx: Ctx) -> None:
    """R-CNT-7: the inclusive hearing days are added to the 复核 clock (Art. 36(2)); the days of
    every hearing held count (a second hearing adds its own days to the first's)."""
    appeal = Appeal.objects.get(petition=ctx.petition, kind=Appeal.Kind.RECHECK)
    end = ctx.date("hearing_end", default=ctx.today)
    assert end is not None and appeal.hearing_start is not None
    if end < appeal.hearing_start:
        raise InvalidInput(_("听证结束日期早于开始日期。"), field="hearing_end")
    appeal.hearing_end = end
    appeal.save(update_fields=["hearing_end"])
    Hearing.objects.filter(petition=ctx.petition, stage="recheck", end=None).update(end=end)
    days = inclusive_days(appeal.hearing_start, end) if settings.MINSHENG_HEARING_EXCLUSION else 0
    # The clock still running: open, or marked breached (not met) by a catch-up sweep because the
    # hearing was entered late. It runs again to the new due date; the sweep after this act
    # judges it anew.
    deadline = (
        Deadline.objects.filter(
            petition=ctx.petition,
            rule="D-RECHECK-30",
            status__in=[Deadline.Status.OPEN, Deadline.Status.BREACHED],
            met_at=None,
        )
        .order_by("-pk")
        .first()
    )
    if deadline is not None:
        if deadline.status == Deadline.Status.BREACHED:
            dl.deadline_withdraw_breach(deadline)
            deadline.status = Deadline.Status.OPEN
            deadline.breached_at = None
            deadline.save(update_fields=["status", "breached_at"])
        deadline = dl.deadline_recompute(deadline, extra_days=deadline.extra_days + days)
        ctx.event_data["deadlines"] = [
            {
                "rule": "D-RECHECK-30",
                "nominal_due": deadline.nominal_due.isoformat(),
                "statutory_due": deadline.statutory_due.isoformat(),
                "provisional": deadline.is_provisional,
                "hearing_days": days,
                "extra_days": deadline.extra_days,
            }
        ]
    ctx.event_data.update({"hearing_end": end.isoformat(), "hearing_days": days})


def h_conclude_recheck(ctx: Ctx) -> State:
    return _conclude_directly(ctx, Opinion.Stage.RECHECK)


def h_close_no_review(ctx: Ctx) -> None:
    ctx.event_data["reason"] = "request window expired"


def archive_possible(petition: Petition) -> bool:
    """Whether ``archive`` can succeed: no 办结报告 is still owed to the assigning organ."""
    return dl.deadline_get_open(petition.pk, COMPLETION_REPORT_RULE) is None


def h_archive(ctx: Ctx) -> None:
    report = dl.deadline_get_open(ctx.petition.pk, COMPLETION_REPORT_RULE)
    if report is not None:
        # Archiving would silently drop the duty to the assigning organ (Art. 22(1)(3)).
        raise TransitionNotAllowed(
            _("交办件的办结报告尚未报送（期限%(due)s），报送后才能归档。") % {"due": report.statutory_due},
            code="completion_report_owed",
        )
    dl.deadline_cancel(ctx.petition.pk)
