"""Handlers of acceptance and handling: acceptance, the classified routes of Art. 31, simplified
handling, hearings, mediation, extension, opinions, completion and delivery (Arts. 23, 28–34)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, InvalidInput, TransitionNotAllowed
from minsheng.notifications.services import outbox_notify_organ, outbox_notify_petitioner
from minsheng.orgs.models import Organ, StaffMembership
from minsheng.petitions.models import Nature, Petition, Procedure, Route, State
from minsheng.petitions.selectors import first_time_for
from minsheng.workflow import deadlines as dl
from minsheng.workflow.inputs import APPEAL_OUTCOMES, DUTY_OUTCOMES, HANDLING_OUTCOMES, SUGGESTION_OUTCOMES
from minsheng.workflow.models import (
    Assignment,
    Deadline,
    Decision,
    Delivery,
    Extension,
    FollowUpTask,
    Hearing,
    Opinion,
    OpinionDraft,
)
from minsheng.workflow.rulesets import (
    COMPLETION_REPORT_RULE,
    OPINION_FOLLOW_UP,
    SUPERSEDING_OUTCOMES,
    external_limitation_due,
    limitations,
)
from minsheng.workflow.services.context import (
    Ctx,
    R,
    S,
    _document_number,
    _open,
    _opinion_fields,
    _review_organ,
)

# ---- acceptance and classified handling (Art. 23, 29–31, 34)


HANDLE_60 = "D-HANDLE-60"


def _not_ordinary(ctx: Ctx) -> None:
    """A route other than Art. 31(6): the 60-day clock of Art. 34 does not apply."""
    dl.deadline_cancel(ctx.petition.pk, [HANDLE_60])


def _record_acceptance(ctx: Ctx) -> str:
    """The acceptance decision and the number of its 受理告知书 (Art. 23(2)(3)), for an ordinary or
    a simplified acceptance alike."""
    number = _document_number(ctx, "accept_notice")
    Decision.objects.create(
        decided_at=ctx.now,
        petition=ctx.petition,
        kind=Decision.Kind.ACCEPT,
        organ=ctx.petition.current_organ,
        decided_by=ctx.actor,
        notice_number=number,
    )
    return number


def h_accept(ctx: Ctx) -> None:
    petition = ctx.petition
    notice_at = ctx.moment("notice_given_at", default=ctx.now)
    if dl.local_date(notice_at) < ctx.today:
        raise InvalidInput(_("告知日期不能早于受理日期。"), field="notice_given_at")
    petition.accepted_at = ctx.now
    petition.notice_given_at = notice_at
    petition.handling_organ = petition.current_organ
    if petition.organ_received_at is None:
        petition.organ_received_at = petition.received_at
    if ctx.role == R.CASEWORKER and ctx.actor is not None and petition.caseworker_id is None:
        petition.caseworker = ctx.actor  # type: ignore[assignment]
    number = _record_acceptance(ctx)
    dl.deadline_meet(petition.pk, "D-NOTICE-15", at=notice_at)
    dl.deadline_cancel(petition.pk, ["D-OBJECTION-5WD", "D-BUREAU-15"])
    # Art. 34 (rules.yaml D-HANDLE-60 "第三十一条第六项事项办结期限", starts_at: accepted): the 60
    # days of a grievance run from acceptance, whether or not investigation has started; choosing
    # another Art. 31 route cancels them. No other nature has them: a suggestion is replied to
    # (Art. 29), an accusation is handled under the discipline bodies' rules (Art. 30; rules.yaml
    # categories.accusation.clock), a 涉法涉诉 matter goes to the political-legal organs (R-022:
    # "No 信访 60-day clock starts").
    if handle_60_runs(petition):
        _open(ctx, HANDLE_60, ctx.today, petition.current_organ)
    ctx.event_data.update(
        {
            "notice_number": number,
            "notice_given_at": notice_at.isoformat(),
            "on_the_spot": ctx.boolean("on_the_spot"),
        }
    )
    ctx.after_commit.append(lambda: outbox_notify_petitioner(petition.pk, "accepted"))


# external limitation periods that keep running when a petition is redirected; one
# definition in workflow.rulesets (numbers from rules.yaml). (length, unit, label) by kind.
LIMITATIONS: dict[str, tuple[int, str, str]] = {
    key: (period.length, period.unit, period.label) for key, period in limitations().items()
}


def h_redirect(ctx: Ctx) -> None:
    route = ctx.choice(
        "route", [Route.LITIGATION_ETC, Route.ARBITRATION, Route.PARTY_APPEAL, Route.ADMIN_PROCEDURE]
    )
    procedure = ctx.text("target_procedure")
    _not_ordinary(ctx)
    kind = ctx.choice("limitation", list(LIMITATIONS), required=False)
    known = ctx.date("known_date", required=False)
    ctx.petition.route = route
    data: dict[str, Any] = {"route": route, "target_procedure": procedure}
    if kind and known:
        due = external_limitation_due(kind, known)
        data.update(
            {
                "limitation": LIMITATIONS[kind][2],
                "limitation_due": due.isoformat(),
                "limitation_warning": (due - ctx.today).days <= 15,
            }
        )
    ctx.event_data.update(data)
    dl.deadline_cancel(ctx.petition.pk, keep=[COMPLETION_REPORT_RULE])  # the 交办 report stays owed
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "redirected"))


def h_perform_duty(ctx: Ctx) -> None:
    _not_ordinary(ctx)
    ctx.petition.route = Route.PERFORM_DUTY
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        stage=Opinion.Stage.DUTY,
        organ=ctx.petition.current_organ,
        outcome=ctx.choice("outcome", DUTY_OUTCOMES),
        request=ctx.petition.request,
        facts_and_reasons=ctx.text("facts_and_reasons", required=False) or "-",
        opinion=ctx.text("reply"),
        issued_by=ctx.actor,
    )
    ctx.petition.concluded_at = ctx.now
    ctx.event_data.update({"opinion_id": opinion.pk})


def h_reply_suggestion(ctx: Ctx) -> None:
    if ctx.petition.nature != Nature.SUGGESTION:
        raise InvalidInput(_("只有建议意见类事项以回复办结（条例第二十九条）。"), field="nature")
    _not_ordinary(ctx)
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=ctx.petition,
        stage=Opinion.Stage.SUGGESTION_REPLY,
        organ=ctx.petition.current_organ,
        outcome=ctx.choice("outcome", SUGGESTION_OUTCOMES),
        request=ctx.petition.request,
        facts_and_reasons="-",
        opinion=ctx.text("reply"),
        issued_by=ctx.actor,
        number=_document_number(ctx, "suggestion_reply"),
    )
    ctx.petition.concluded_at = ctx.now
    ctx.event_data.update({"opinion_id": opinion.pk, "outcome": opinion.outcome})
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "answered"))


def h_import_reply(ctx: Ctx) -> None:
    """Historical import only (``import-petitions --historical``, docs/intelligence.md).

    The source holds a message and the answer the government gave online, with its date — no
    transfer, acceptance or notice. The answer is recorded as what it was: a reply under
    Art. 31(5) (依法履行或者答复), issued at the source's reply time (``now`` of the call),
    outcome not recorded (the source does not say), no caseworker. The steps in between are
    not invented; the clocks the registration opened are cancelled, since the matter was
    answered before this system held it. Refused for any petition not imported as historical.
    """
    petition = ctx.petition
    suggestions = petition.suggestions or {}
    source = suggestions.get("import_source")
    if not source or not petition.is_historical:
        raise InvalidInput(_("只有按历史数据导入的信访事项可以导入答复。"), field="action")
    reply = ctx.text("reply")
    if ctx.now < petition.received_at:
        raise InvalidInput(_("答复时间早于收到时间。"), field="replied_at")
    if ctx.now > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidInput(_("不能晚于当前时间。"), field="replied_at")
    petition.route = Route.PERFORM_DUTY
    petition.concluded_at = ctx.now
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=petition,
        stage=Opinion.Stage.DUTY,
        organ=petition.current_organ,
        outcome="",  # not recorded by the source
        request=petition.request,
        facts_and_reasons="-",
        opinion=reply,
        issued_by=None,
    )
    cancelled = dl.deadline_cancel(petition.pk)
    ctx.event_data.update(
        {
            "opinion_id": opinion.pk,
            "source": source,
            "historical": True,
            "imported_at": timezone.now().isoformat(),
            "deadlines_cancelled": cancelled,
        }
    )


def _recusal(ctx: Ctx) -> None:
    """C-RECUSAL (Art. 28(3)): the caseworker declares no direct interest before handling."""
    if not ctx.boolean("no_conflict_of_interest"):
        raise InvalidInput(
            _("承办人须声明与信访事项或信访人无直接利害关系（条例第二十八条第三款）。"),
            field="no_conflict_of_interest",
        )


def handle_60_runs(petition: Petition) -> bool:
    """Whether Art. 34's 60 days (D-HANDLE-60) run for ``petition``: a grievance's only (h_accept)."""
    return petition.nature == Nature.GRIEVANCE


def _ensure_handle_60(ctx: Ctx) -> None:
    """The 60 days from the acceptance, opened now for a petition accepted before the clock opened
    at acceptance (older records), where they run at all (``handle_60_runs``)."""
    petition = ctx.petition
    assert petition.accepted_at is not None
    if not handle_60_runs(petition):
        return
    clock = Deadline.objects.filter(petition=petition, rule=HANDLE_60).exclude(
        status=Deadline.Status.CANCELLED
    )
    if not clock.exists():
        _open(ctx, HANDLE_60, dl.local_date(petition.accepted_at), petition.current_organ)


def h_start_handling(ctx: Ctx) -> None:
    _recusal(ctx)
    petition = ctx.petition
    petition.route = Route.ORDINARY_31_6
    if ctx.role == R.CASEWORKER and ctx.actor is not None:
        petition.caseworker = ctx.actor  # type: ignore[assignment]
    _ensure_handle_60(ctx)


def h_simplify(ctx: Ctx) -> None:
    """简易办理 (简易办法2016 Arts. 4–6): checklist guards C-SIMPLE."""
    petition = ctx.petition
    # As the actor can tell it (petitions.selectors.first_time_for): a refusal naming an earlier
    # petition he may not see would tell him it exists.
    if not first_time_for(ctx.actor, petition):
        raise InvalidInput(_("只有初次信访事项可以简易办理。"), field="is_first_time")
    if petition.is_collective:
        raise InvalidInput(_("集体联名投诉不适用简易办理。"), field="is_collective")
    if Assignment.objects.filter(petition=petition, kind=Assignment.Kind.ASSIGN).exists():
        raise InvalidInput(_("上级交办的事项不适用简易办理。"), field="action")
    if Assignment.objects.filter(petition=petition, is_active=True, role=Assignment.Role.ASSISTING).exists():
        raise InvalidInput(_("涉及多个责任主体的事项不适用简易办理。"), field="action")
    for name in ("likely_supported", "no_statutory_procedure", "single_responsible_body"):
        if not ctx.boolean(name):
            raise InvalidInput(_("不符合简易办理条件。"), field=name)
    _recusal(ctx)
    received = petition.organ_received_at or petition.received_at
    start = dl.local_date(received)
    acc = _open(ctx, "D-SIMPLE-ACCEPT-3WD", start, petition.current_organ)
    petition.accepted_at = ctx.now
    petition.notice_given_at = ctx.now
    petition.handling_organ = petition.current_organ
    petition.procedure = Procedure.SIMPLIFIED
    petition.route = Route.ORDINARY_31_6
    # the petitioner's request for paper documents recorded at intake stands unless the
    # act says otherwise (not ticking the box on the form is not the petitioner withdrawing it).
    petition.paper_requested = ctx.boolean("paper_requested", default=petition.paper_requested)
    if ctx.role == R.CASEWORKER and ctx.actor is not None:
        petition.caseworker = ctx.actor  # type: ignore[assignment]
    # Accepting is a decision with its written notice (Art. 23(2)(3)): the same 受理告知书 and the
    # same message to the petitioner as an ordinary acceptance — the notice clock is met because
    # the notice is given, not merely because the procedure changed.
    ctx.event_data["notice_number"] = _record_acceptance(ctx)
    dl.deadline_meet(petition.pk, acc.rule, at=ctx.now)
    dl.deadline_meet(petition.pk, "D-NOTICE-15", at=ctx.now)
    dl.deadline_cancel(petition.pk, ["D-OBJECTION-5WD"])
    _open(ctx, "D-SIMPLE-HANDLE-10WD", ctx.today, petition.current_organ)
    ctx.after_commit.append(lambda: outbox_notify_petitioner(petition.pk, "accepted"))


def h_convert_to_ordinary(ctx: Ctx) -> None:
    """R-102: keep accepted_at; the 60 days count from the original acceptance."""
    petition = ctx.petition
    petition.procedure = Procedure.ORDINARY
    ctx.event_data["reason"] = ctx.text("reason")
    dl.deadline_cancel(petition.pk, ["D-SIMPLE-HANDLE-10WD"])
    _ensure_handle_60(ctx)


def h_start_hearing(ctx: Ctx) -> None:
    start = ctx.date("start", default=ctx.today)
    assert start is not None
    Hearing.objects.create(
        petition=ctx.petition,
        stage="handling",
        start=start,
        participants=ctx.text("participants", required=False),
    )
    ctx.event_data["start"] = start.isoformat()


def h_end_hearing(ctx: Ctx) -> None:
    hearing = Hearing.objects.filter(petition=ctx.petition, stage="handling", end=None).last()
    end = ctx.date("end", default=ctx.today)
    assert end is not None
    if hearing is not None:
        if end < hearing.start:
            raise InvalidInput(_("听证结束日期早于开始日期。"), field="end")
        hearing.end = end
        hearing.summary = ctx.text("summary", required=False)
        hearing.save(update_fields=["end", "summary"])
    ctx.event_data["end"] = end.isoformat()


def h_start_mediation(ctx: Ctx) -> None:
    if not ctx.boolean("both_parties_consent"):
        raise InvalidInput(_("调解须经双方当事人同意（条例第三十三条）。"), field="both_parties_consent")


def h_settle(ctx: Ctx) -> None:
    agreement = ctx.text("agreement")
    ctx.petition.concluded_at = ctx.now
    dl.deadline_meet(ctx.petition.pk, "D-HANDLE-60", at=ctx.now)
    dl.deadline_cancel(ctx.petition.pk, keep=[COMPLETION_REPORT_RULE])  # the 交办 report stays owed
    ctx.event_data["agreement"] = agreement


def h_end_mediation(ctx: Ctx) -> None:
    ctx.event_data["note"] = ctx.text("note", required=False)


def _running_handling_clock(petition_id: int) -> Deadline | None:
    """The D-HANDLE-60 row still running: open, or marked breached (and not met) by a catch-up
    sweep after a late entry — an extension approved and told in time, entered later, still counts."""
    return (
        Deadline.objects.filter(
            petition_id=petition_id,
            rule=HANDLE_60,
            status__in=[Deadline.Status.OPEN, Deadline.Status.BREACHED],
            met_at=None,
        )
        .order_by("-pk")
        .first()
    )


def h_extend(ctx: Ctx) -> State | None:
    """Art. 34: organ head only; ≤ 30 days in total; before the current deadline expires; the
    extension becomes effective only once the petitioner is told the reason."""
    petition = ctx.petition
    days = ctx.integer("days", minimum=1, maximum=30)
    assert days is not None
    reason = ctx.text("reason")
    deadline = _running_handling_clock(petition.pk)
    if deadline is None:
        raise InvalidInput(_("办理期限已届满或不存在，不能再批准延期。"), field="days")
    if ctx.today > deadline.statutory_due:
        raise InvalidInput(_("办理期限已届满，不能再批准延期。"), field="days")
    used = sum(Extension.objects.filter(petition=petition).values_list("days", flat=True))
    if used + days > 30:
        raise InvalidInput(_("延期累计不得超过30日（已延长 %(used)d 日）。") % {"used": used}, field="days")
    if Extension.objects.filter(petition=petition, is_effective=False).exists():
        raise InvalidInput(_("上一次延期尚未告知信访人。"), field="days")
    extension = Extension.objects.create(
        approved_at=ctx.now, petition=petition, days=days, reason=reason, approved_by=ctx.actor
    )
    ctx.event_data.update({"days": days, "reason": reason, "extension_id": extension.pk})
    if ctx.data.get("notified_at"):
        return _make_extension_effective(ctx, extension)
    return None


def _make_extension_effective(ctx: Ctx, extension: Extension) -> State | None:
    notified = ctx.moment("notified_at", default=ctx.now)
    deadline = _running_handling_clock(ctx.petition.pk)
    if deadline is None or dl.local_date(notified) > deadline.statutory_due:
        raise InvalidInput(_("延期须在原办理期限届满前告知信访人。"), field="notified_at")
    if dl.local_date(notified) < dl.local_date(extension.approved_at):
        raise InvalidInput(_("告知日期不能早于批准延期日期。"), field="notified_at")
    if deadline.status == Deadline.Status.BREACHED:
        # Told in time, entered after the sweep marked the clock breached: the breach came only
        # from the entry lag. The clock runs again (the breach event stays on the timeline) and
        # the sweep after this act judges it against the extended due date.
        dl.deadline_withdraw_breach(deadline)
        deadline.status = Deadline.Status.OPEN
        deadline.breached_at = None
        deadline.save(update_fields=["status", "breached_at"])
        ctx.event_data["breach_withdrawn"] = True
    extension.notified_at = notified
    extension.is_effective = True
    extension.save(update_fields=["notified_at", "is_effective"])
    total = sum(
        Extension.objects.filter(petition=ctx.petition, is_effective=True).values_list("days", flat=True)
    )
    deadline = dl.deadline_recompute(deadline, extra_days=total)
    ctx.event_data.update(
        {
            "notified_at": notified.isoformat(),
            "total_extension_days": total,
            "deadlines": [
                {
                    "rule": "D-HANDLE-60",
                    "nominal_due": deadline.nominal_due.isoformat(),
                    "statutory_due": deadline.statutory_due.isoformat(),
                    "provisional": deadline.is_provisional,
                }
            ],
        }
    )
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "extended"))
    return S.EXTENDED if ctx.petition.state == S.IN_HANDLING else None


def extension_awaits_notice(petition: Petition) -> bool:
    """Whether an approved extension still has to be told to the petitioner (``notify_extension``)."""
    return Extension.objects.filter(petition=petition, is_effective=False).exists()


def h_notify_extension(ctx: Ctx) -> State | None:
    extension = Extension.objects.filter(petition=ctx.petition, is_effective=False).last()
    if extension is None:
        raise InvalidInput(_("没有待告知的延期。"), field="notified_at")
    ctx.event_data.update({"days": extension.days, "reason": extension.reason})
    return _make_extension_effective(ctx, extension)


def _working_draft(ctx: Ctx) -> None:
    """A working draft (any field may be missing): kept with the petition, prefills the forms."""
    draft = {
        k: ctx.text(k, required=False) for k in ("outcome", "facts_and_reasons", "opinion", "legal_basis")
    }
    suggestions = dict(ctx.petition.suggestions or {})
    suggestions["draft_opinion"] = draft
    ctx.petition.suggestions = suggestions
    ctx.event_data["draft"] = True


def h_draft_opinion(ctx: Ctx) -> None:
    """起草处理意见: with ``submit`` (the default) the complete draft goes to the organ head or a
    delegate for signature (签发); without it only a working draft is kept. At 复查/复核 the draft is
    the review (recheck) opinion: 维持/变更/撤销 only, and its drafter must be independent of the
    original (Art. 28(3))."""
    if _appeal_stage(ctx.petition.state) is not None:
        from minsheng.workflow.services.appeals import ensure_independent_review

        ensure_independent_review(ctx, ctx.actor)
    if not ctx.boolean("submit", default=True):
        _working_draft(ctx)
        return
    _submit_for_signoff(ctx)


# ---- sign-off (签发): a handling opinion is issued only once the organ head or a delegate signs it


def is_signer(user: Any, organ: Organ) -> bool:
    """The organ's head (the head post or a 机关负责人 membership) or a delegate it names."""
    if user is None or not getattr(user, "pk", None):
        return False
    if organ.head_id == user.pk:
        return True
    if StaffMembership.objects.filter(user_id=user.pk, organ=organ, role=R.ORGAN_HEAD).exists():
        return True
    return organ.signoff_delegates.filter(pk=user.pk).exists()


def pending_draft(petition_id: int) -> OpinionDraft | None:
    return OpinionDraft.objects.filter(petition_id=petition_id, status=OpinionDraft.Status.PENDING).first()


SIGNOFF_ACTIONS = frozenset({"sign_opinion", "return_draft"})
SIGNER_ONLY_ACTIONS = frozenset({"conclude_review", "conclude_recheck"})  # signed as they are issued


def signoff_available(petition: Any, user: Any) -> bool:
    """Whether ``sign_opinion``/``return_draft`` apply now: a draft awaits and the user may sign."""
    return pending_draft(petition.pk) is not None and is_signer(user, petition.current_organ)


# 复查/复核 opinions are drafted and signed like handling opinions (Arts. 35–36): the state in
# which the draft is written names its stage.
APPEAL_DRAFT_STAGES: dict[str, str] = {
    S.REVIEW_REQUESTED: Opinion.Stage.REVIEW,
    S.RECHECK_REQUESTED: Opinion.Stage.RECHECK,
}


def _appeal_stage(state: str) -> str | None:
    return APPEAL_DRAFT_STAGES.get(state)


def _opinion_input(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    petition = ctx.petition
    draft = (petition.suggestions or {}).get("draft_opinion") or {}
    for key, value in draft.items():
        ctx.data.setdefault(key, value)
    appeal = _appeal_stage(petition.state)
    if appeal is not None:
        # 维持/变更/撤销 the opinion under review, never a fresh 支持/不支持.
        return appeal, _opinion_fields(ctx, outcomes=APPEAL_OUTCOMES, legal_basis_required=True)
    simplified = petition.state == S.SIMPLIFIED_HANDLING
    if simplified and ctx.data.get("outcome") == "not_support":
        # 简易办法2016 Art. 5(2) [S], R-102: a request that will not be supported is not for 简易办理
        # — convert to the ordinary procedure, whose opinion states its legal basis (Art. 32).
        raise InvalidInput(
            _("不予支持的事项不适用简易办理，请先转为普通程序（简易办法第五条）。"), field="outcome"
        )
    # A simplified opinion may be brief, but one that does not grant the whole request (部分支持)
    # still states the legal basis of what it refuses (Art. 32).
    basis_required = not simplified or ctx.data.get("outcome") == "partial_support"
    fields = _opinion_fields(ctx, outcomes=HANDLING_OUTCOMES, legal_basis_required=basis_required)
    return (Opinion.Stage.SIMPLIFIED if simplified else Opinion.Stage.HANDLING), fields


def _drop_working_draft(ctx: Ctx) -> None:
    suggestions = dict(ctx.petition.suggestions or {})
    if suggestions.pop("draft_opinion", None) is not None:
        ctx.petition.suggestions = suggestions


def _submit_for_signoff(ctx: Ctx) -> OpinionDraft:
    """Art. 32 fields complete; the draft awaits signature (a newer draft replaces a pending one)."""
    stage, fields = _opinion_input(ctx)
    superseded = OpinionDraft.objects.filter(
        petition=ctx.petition, status=OpinionDraft.Status.PENDING
    ).update(status=OpinionDraft.Status.SUPERSEDED)
    draft = OpinionDraft.objects.create(
        petition=ctx.petition,
        stage=stage,
        organ=ctx.petition.current_organ,
        drafted_by=ctx.actor,
        drafted_at=ctx.now,
        **fields,
    )
    # The submitted text stays the working draft: the forms (conclude, a revision) start from it.
    suggestions = dict(ctx.petition.suggestions or {})
    suggestions["draft_opinion"] = {
        k: fields[k] for k in ("outcome", "facts_and_reasons", "opinion", "legal_basis")
    }
    ctx.petition.suggestions = suggestions
    ctx.internal = True  # nothing is issued yet: the petitioner's timeline shows the signature
    ctx.event_data.update(
        {"draft_id": draft.pk, "outcome": draft.outcome, "awaiting_signoff": True, "superseded": superseded}
    )
    organ_id = ctx.petition.current_organ_id
    petition_id = ctx.petition.pk
    ctx.after_commit.append(
        lambda: outbox_notify_organ(petition_id, organ_id, "awaiting_signoff", heads_only=True)
    )
    return draft


def _issue_opinion(ctx: Ctx, stage: str, fields: dict[str, Any], drafted_by: Any) -> Opinion:
    """签发: the number is given and the 60-day (or 10-working-day) clock is met at signing."""
    petition = ctx.petition
    opinion = Opinion.objects.create(
        issued_at=ctx.now,
        petition=petition,
        stage=stage,
        organ=petition.current_organ,
        issued_by=drafted_by,
        signed_by=ctx.actor,
        signed_at=ctx.now,
        number=_document_number(ctx, "handling_opinion"),
        **fields,
    )
    petition.concluded_at = ctx.now
    _drop_working_draft(ctx)
    simplified = stage == Opinion.Stage.SIMPLIFIED
    dl.deadline_meet(petition.pk, "D-SIMPLE-HANDLE-10WD" if simplified else "D-HANDLE-60", at=ctx.now)
    ctx.event_data.update(
        {
            "opinion_id": opinion.pk,
            "outcome": opinion.outcome,
            "number": opinion.number,
            "signed_by": ctx.actor.get_username() if ctx.actor is not None else "",
        }
    )
    execution_follow_up(ctx, opinion)
    return opinion


def execution_follow_up(ctx: Ctx, opinion: Opinion) -> None:
    """Art. 32(2) (R-075): the organ of an opinion that supports the request supervises its
    execution; of one that does not, does guidance and education — a task it records work on and
    closes (record_follow_up). A 复查/复核 opinion that changes or revokes the answer supersedes
    the tasks of the opinions before it."""
    if opinion.outcome in SUPERSEDING_OUTCOMES:
        earlier = FollowUpTask.objects.filter(
            petition=ctx.petition, opinion__isnull=False, done_at__isnull=True
        )
        superseded = sorted(earlier.values_list("pk", flat=True))
        if superseded:
            earlier.update(done_at=ctx.now, superseded=True)
            ctx.event_data["superseded_follow_up_task_ids"] = superseded
    kind = OPINION_FOLLOW_UP.get(opinion.outcome)
    if kind is None:
        return
    task = FollowUpTask.objects.create(
        petition=ctx.petition, kind=kind, opinion=opinion, organ=opinion.organ, created_at=ctx.now
    )
    ctx.event_data.update({"follow_up": kind, "follow_up_task_id": task.pk})
    organ_id = task.organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, organ_id, kind))


def h_conclude(ctx: Ctx) -> State | None:
    """Art. 32: the 信访处理意见书 states request, facts and reasons, opinion and legal basis. The
    organ head (or a delegate) issues it at once, signing his own; a caseworker's goes for sign-off."""
    if not is_signer(ctx.actor, ctx.petition.current_organ):
        _submit_for_signoff(ctx)
        return None
    stage, fields = _opinion_input(ctx)
    OpinionDraft.objects.filter(petition=ctx.petition, status=OpinionDraft.Status.PENDING).update(
        status=OpinionDraft.Status.SUPERSEDED
    )
    _issue_opinion(ctx, stage, fields, drafted_by=ctx.actor)
    return S.CONCLUDED


def _pending_for_signer(ctx: Ctx) -> OpinionDraft:
    if not is_signer(ctx.actor, ctx.petition.current_organ):
        raise Forbidden(
            _("只有机关负责人或其授权的签发人可以签发、退回处理意见书。"), code="not_signer", field="actor"
        )
    draft = (
        OpinionDraft.objects.select_for_update()
        .filter(petition=ctx.petition, status=OpinionDraft.Status.PENDING)
        .first()
    )
    if draft is None:
        raise InvalidInput(_("没有待签发的处理意见。"), field="draft_id")
    given = ctx.data.get("draft_id")
    if given not in (None, "") and str(given) != str(draft.pk):
        raise InvalidInput(_("该草稿已不是待签发的版本，请刷新后再签发。"), field="draft_id")
    return draft


def h_sign_opinion(ctx: Ctx) -> State:
    """签发: the signer (organ head or delegate) issues the caseworker's draft as it stands. A
    复查/复核 draft is issued and delivered in the same act (as ``conclude_review``/``conclude_recheck``:
    the delivery fields), after the independence check of signer and drafter (Art. 28(3))."""
    draft = _pending_for_signer(ctx)
    fields = {
        k: getattr(draft, k) for k in ("outcome", "request", "facts_and_reasons", "opinion", "legal_basis")
    }
    appeal = _appeal_stage(ctx.petition.state)
    if (appeal is not None or draft.stage in APPEAL_DRAFT_STAGES.values()) and draft.stage != appeal:
        raise InvalidInput(_("该草稿不是本阶段的意见书，请重新起草。"), field="draft_id")
    target: State = S.CONCLUDED
    if appeal is not None:
        from minsheng.workflow.services.appeals import issue_appeal_opinion

        opinion, target = issue_appeal_opinion(ctx, appeal, fields, drafted_by=draft.drafted_by)
        _drop_working_draft(ctx)
    else:
        opinion = _issue_opinion(ctx, draft.stage, fields, drafted_by=draft.drafted_by)
    draft.status = OpinionDraft.Status.SIGNED
    draft.decided_by = ctx.actor  # type: ignore[assignment]
    draft.decided_at = ctx.now
    draft.comment = ctx.text("comment", required=False, max_length=2000)
    draft.issued = opinion
    draft.save(update_fields=["status", "decided_by", "decided_at", "comment", "issued"])
    ctx.event_data["draft_id"] = draft.pk
    if draft.drafted_by is not None:
        ctx.event_data["drafted_by"] = draft.drafted_by.get_username()
    return target


def h_return_draft(ctx: Ctx) -> None:
    """退回: the draft goes back to the caseworker with the signer's comment."""
    draft = _pending_for_signer(ctx)
    draft.status = OpinionDraft.Status.RETURNED
    draft.decided_by = ctx.actor  # type: ignore[assignment]
    draft.decided_at = ctx.now
    draft.comment = ctx.text("comment", max_length=2000)
    draft.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    # The returned text becomes the working draft again, so the caseworker revises it.
    suggestions = dict(ctx.petition.suggestions or {})
    suggestions["draft_opinion"] = {
        "outcome": draft.outcome,
        "facts_and_reasons": draft.facts_and_reasons,
        "opinion": draft.opinion,
        "legal_basis": draft.legal_basis,
    }
    ctx.petition.suggestions = suggestions
    ctx.event_data.update({"draft_id": draft.pk, "comment": draft.comment})


def _assignment(petition_id: int) -> Assignment | None:
    """The 交办 (lead) of a matter, the latest if it was assigned again; None if never assigned."""
    return (
        Assignment.objects.filter(
            petition_id=petition_id, kind=Assignment.Kind.ASSIGN, role=Assignment.Role.LEAD
        )
        .order_by("pk")
        .last()
    )


def completion_report_owed(petition: Petition) -> bool:
    """Art. 22(1)(3): the matter was assigned (交办) and its 办结报告 has not been sent yet."""
    lead = _assignment(petition.pk)
    return lead is not None and lead.completion_reported_at is None


def h_report_completion(ctx: Ctx) -> None:
    report = ctx.text("report")
    lead = _assignment(ctx.petition.pk)
    if lead is None:
        raise InvalidInput(_("只有交办件需要报送办结报告。"), field="report")
    if lead.completion_reported_at is not None:
        # The report sent is the record the assigning organ holds: a second one would replace it.
        raise TransitionNotAllowed(
            _("办结报告已于%(at)s报送%(o)s，不能再次报送。")
            % {
                "at": timezone.localtime(lead.completion_reported_at).strftime("%Y-%m-%d %H:%M"),
                "o": lead.from_organ.name,
            },
            code="completion_report_sent",
        )
    lead.completion_report = report
    lead.completion_reported_at = ctx.now
    lead.save(update_fields=["completion_report", "completion_reported_at"])
    dl.deadline_meet(ctx.petition.pk, "D-ASSIGNED", at=ctx.now)
    ctx.event_data["to_organ"] = lead.from_organ.name
    from_id = lead.from_organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, from_id, "completion_report"))


# 简易办法2016 [S]: notices and opinions may be given by network, phone or SMS when the
# petitioner did not ask for paper documents (Petition.paper_requested).
NON_PAPER_METHODS = frozenset({Delivery.Method.SMS, Delivery.Method.PHONE, Delivery.Method.ONLINE})


def _deliver(ctx: Ctx, opinion: Opinion | None, *, until: dt.date | None = None) -> dt.date:
    """Record the delivery (送达) of ``opinion``: its method, the day the petitioner received it —
    not before the opinion was issued, not after ``until`` (default the act's day; a 复查/复核
    opinion issued and posted on one day and received days later is entered once received, with
    the act back-dated to its issue: ``until`` is then the day of entry)."""
    method = ctx.choice("method", [m.value for m in Delivery.Method])
    method_reason = ctx.text("method_reason", required=False, max_length=500)
    if method in NON_PAPER_METHODS and ctx.petition.paper_requested and not method_reason:
        raise InvalidInput(
            _(
                "信访人要求纸质文书：以短信、电话或网络送达须说明理由（简易办法2016；"
                "未要求纸质文书的方可网络、电话、短信告知）。"
            ),
            field="method_reason",
            code="paper_requested",
        )
    delivered_on = ctx.date("delivered_on", default=ctx.today)
    assert delivered_on is not None
    if delivered_on > (until or ctx.today):
        raise InvalidInput(_("送达日期不能晚于今天。"), field="delivered_on")
    if opinion is not None and delivered_on < dl.local_date(opinion.issued_at):
        raise InvalidInput(_("送达日期不能早于出具日期。"), field="delivered_on")
    Delivery.objects.create(
        recorded_at=ctx.now,
        petition=ctx.petition,
        opinion=opinion,
        method=method,
        delivered_on=delivered_on,
        is_refused=ctx.boolean("refused"),
        method_reason=method_reason,
        recorded_by=ctx.actor,
    )
    ctx.event_data.update(
        {"method": method, "delivered_on": delivered_on.isoformat(), "refused": ctx.boolean("refused")}
    )
    if method_reason:
        ctx.event_data["method_reason"] = method_reason
    return delivered_on


def h_deliver(ctx: Ctx) -> None:
    petition = ctx.petition
    opinion = Opinion.objects.filter(petition=petition).last()
    delivered_on = _deliver(ctx, opinion)
    petition.reply_received_on = delivered_on
    # R-CNT-6: the 复查 window runs from the petitioner's receipt (delivery), not the document date.
    _open(ctx, "D-REVIEW-REQ-30", delivered_on, _review_organ(petition))
    ctx.after_commit.append(lambda: outbox_notify_petitioner(petition.pk, "answered"))
