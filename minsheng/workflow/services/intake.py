"""Handlers of intake and routing: triage, forwarding and assignment, routes fixed by law,
not accepting, receipt by the organ, objections and jurisdiction disputes (条例 Arts. 21–24, 30(2)–(3))."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput, TransitionNotAllowed
from minsheng.notifications.services import outbox_notify_organ, outbox_notify_petitioner
from minsheng.orgs.models import POLITICAL_LEGAL_KINDS, Organ, Region
from minsheng.orgs.selectors import organ_subtree_ids
from minsheng.petitions.models import Attachment, Channel, Nature, Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import (
    Assignment,
    Deadline,
    Decision,
    FollowUpTask,
    Objection,
)
from minsheng.workflow.rulesets import COMPLETION_REPORT_RULE
from minsheng.workflow.services.appeals import REQUEST_WINDOWS, _expired_window
from minsheng.workflow.services.context import (
    Ctx,
    S,
    _as_id,
    _bureau_deadlines_met,
    _document_number,
    _ensure_not_accused,
    _move_to,
    _open,
    _statutory_due,
    bureau_routing_available,
    notice_waiver,
)

# ----------------------------------------------------------------------------------------------
# Handlers: the bureau's 15 days (Art. 22)


def h_triage(ctx: Ctx) -> None:
    return None


def _route_to(ctx: Ctx, kind: str) -> Organ:
    if not bureau_routing_available(ctx.petition, kind):  # the actions are named as the kinds
        raise TransitionNotAllowed(
            _(
                "本机关收到转送、交办的信访事项，应当受理办理，或者在五个工作日内提出异议（条例第二十三条第三款）；"
                "只有信访部门可以继续转送、交办。"
            )
        )
    organ = ctx.organ_ref("organ_id")
    assert organ is not None
    if organ.pk == ctx.petition.current_organ_id:
        raise InvalidInput(_("不能转给本机关。"), field="organ_id")
    if ctx.petition.nature == Nature.LITIGATION_RELATED:
        if organ.kind not in POLITICAL_LEGAL_KINDS:
            # Art. 22(2), R-022/R-031: a 涉法涉诉 letter goes to the political-legal organs of the
            # same level (route_political_legal), a visitor is guided there (refer_elsewhere) —
            # never to an ordinary department, where it would start a 信访 procedure it does not
            # belong to.
            raise InvalidInput(
                _("涉法涉诉事项应转同级政法部门或引导信访人向政法部门反映（条例第二十二条第二款）。"),
                field="nature",
            )
        _ensure_same_level(ctx, organ)
    current = ctx.petition.current_organ
    if not current.is_bureau and organ.pk not in organ_subtree_ids([current.pk]):
        # Art. 23(1), R-040: an organ other than a petition bureau passes an item on only within its
        # own system, downwards; otherwise it tells the petitioner where to go (refer_elsewhere).
        raise InvalidInput(
            _(
                "本机关只能转送、交办本系统下级机关、单位；不属本系统的，应告知信访人向有权处理的机关提出（条例第二十三条第一款）。"
            ),
            field="organ_id",
        )
    _ensure_not_accused(ctx, organ, "organ_id")
    from_organ = ctx.petition.current_organ
    assigned_due = None
    if kind == Assignment.Kind.ASSIGN:
        days = ctx.integer("due_days", minimum=1, maximum=90, required=False)
        assigned_due = ctx.date("due_date", required=days is None)
        if days is not None:
            assigned_due = ctx.today + dt.timedelta(days=days)
        assert assigned_due is not None
        if assigned_due <= ctx.today:
            raise InvalidInput(_("指定办理期限应晚于今天。"), field="due_date")
    assisting: list[Organ] = []
    raw_assisting = ctx.data.get("assisting_organ_ids") or []
    if not isinstance(raw_assisting, list):
        raise InvalidInput(_("应为机关编号列表。"), field="assisting_organ_ids")
    for raw in raw_assisting:
        pk = _as_id(raw)
        other = Organ.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
        if other is None or other.pk == organ.pk:
            raise InvalidInput(_("协办机关无效。"), field="assisting_organ_ids")
        _ensure_not_accused(ctx, other, "assisting_organ_ids")
        assisting.append(other)
    Assignment.objects.filter(petition=ctx.petition, is_active=True).update(is_active=False)
    instructions = ctx.text("instructions", required=False)
    roles = [(organ, Assignment.Role.LEAD)] + [(other, Assignment.Role.ASSISTING) for other in assisting]
    for target, role in roles:
        Assignment.objects.create(
            created_at=ctx.now,
            petition=ctx.petition,
            kind=kind,
            role=role,
            organ=target,
            from_organ=from_organ,
            created_by=ctx.actor,
            assigned_due=assigned_due,
            instructions=instructions,
        )
    ctx.petition.forwarded_by = from_organ
    _move_to(ctx, organ)
    _bureau_deadlines_met(ctx)
    # A 信访部门 passing on an item it received from a higher one keeps it in the procedure, as
    # accepting it would: its window to object (Art. 23(3)) closes unused (cf. h_accept).
    dl.deadline_cancel(ctx.petition.pk, ["D-OBJECTION-5WD"])
    # Art. 23(1)(2): an organ that received the item itself and passes it on tells the petitioner
    # where it went (the "forwarded" notice below) — its written notice, met now, not left to run.
    dl.deadline_meet(ctx.petition.pk, "D-NOTICE-15", at=ctx.now)
    ctx.event_data.update(
        {
            "organ": organ.name,
            "organ_id": organ.pk,
            "assisting": [o.name for o in assisting],
            "assigned_due": assigned_due.isoformat() if assigned_due else None,
        }
    )
    _record_routing_choice(ctx, organ)
    if ctx.petition.nature == Nature.ACCUSATION and organ.kind == Organ.Kind.DISCIPLINE:
        # Art. 30(2): the duty follows the content (a cadre accused), whichever act sends it there.
        _inform_organisation_department(ctx)
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, organ.pk, "routed"))
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "forwarded", organ=organ.name))
    return organ


def _record_routing_choice(ctx: Ctx, organ: Organ) -> None:
    """Accept or override of the routing suggestion, kept in the dispatch event itself.

    The suggestion (``petition.suggestions["routing"]``, computed at registration) and the
    organ staff chose: the measure of how often suggestions are right, and the signal for
    improving the Responsibility table and the models. Nothing is recorded when there was
    no suggestion.
    """
    routing = (ctx.petition.suggestions or {}).get("routing") or []
    suggested = [item.get("organ_id") for item in routing if isinstance(item, dict)][:3]
    if not suggested:
        return
    ctx.event_data["routing_suggestion"] = {
        "suggested_organ_id": suggested[0],
        "top": suggested,
        "accepted": organ.pk == suggested[0],
        "rank": suggested.index(organ.pk) + 1 if organ.pk in suggested else None,
    }


def h_forward(ctx: Ctx) -> None:
    _route_to(ctx, Assignment.Kind.FORWARD)


def h_assign(ctx: Ctx) -> None:
    _route_to(ctx, Assignment.Kind.ASSIGN)


def h_report_for_decision(ctx: Ctx) -> None:
    ctx.event_data["note"] = ctx.text("note")
    # Art. 22(1)(1): reporting a major or urgent item to the party committee and government for
    # decision is one of the ways the bureau deals with it within its 15 days.
    _bureau_deadlines_met(ctx)
    parent = ctx.petition.current_organ.parent
    if parent is not None:
        ctx.after_commit.append(
            lambda: outbox_notify_organ(ctx.petition.pk, parent.pk, "reported_for_decision")
        )


def _route_by_law(
    ctx: Ctx,
    *,
    nature: str,
    organ_kinds: tuple[str, ...],
    nature_error: str,
    organ_error: str,
    same_level: bool = False,
) -> None:
    """Art. 22(2): litigation-related items to the political-legal organs, accusations to the
    discipline and supervision body (never to the accused unit)."""
    if ctx.petition.nature != nature:
        raise InvalidInput(nature_error, field="nature")
    organ = ctx.organ_ref("organ_id")
    assert organ is not None
    if organ.kind not in organ_kinds:
        raise InvalidInput(organ_error, field="organ_id")
    if same_level:
        _ensure_same_level(ctx, organ)
    _ensure_not_accused(ctx, organ, "organ_id")
    ctx.petition.forwarded_by = ctx.petition.current_organ
    Assignment.objects.create(
        created_at=ctx.now,
        petition=ctx.petition,
        kind=Assignment.Kind.FORWARD,
        organ=organ,
        from_organ=ctx.petition.current_organ,
        created_by=ctx.actor,
    )
    _move_to(ctx, organ)
    _bureau_deadlines_met(ctx)
    # Routed by law to the political-legal or discipline organs: this organ's written notice of
    # the handling route (D-NOTICE-15) is no longer its to give.
    dl.deadline_cancel(ctx.petition.pk, ["D-NOTICE-15"])
    ctx.event_data.update({"organ": organ.name, "organ_id": organ.pk})


def _ensure_same_level(ctx: Ctx, organ: Organ) -> None:
    """Art. 22(2) (REGULATIONS R-031): a 涉法涉诉 letter goes to the political-legal organ *of the
    same level* — same administrative level and region as the organ holding it; one of another
    level or place would take it out of its own jurisdiction (the higher court hears it on appeal,
    not on a letter)."""
    current = ctx.petition.current_organ
    if (organ.level, organ.region_id) != (current.level, current.region_id):
        raise InvalidInput(
            _("涉法涉诉信件应转送同级政法部门（条例第二十二条第二款）：%(o)s与本机关不是同一级、同一地区。")
            % {"o": organ.name},
            field="organ_id",
        )


def h_route_political_legal(ctx: Ctx) -> None:
    if ctx.petition.channel == Channel.VISIT:
        # Art. 22(2): letters are 转送 to the political-legal organs; a visitor is told the law and
        # guided to present the matter there himself (引导) — refer_elsewhere, not a transfer.
        raise InvalidInput(
            _(
                "涉法涉诉来访应释法明理，引导信访人向有关政法部门反映（告知向有权机关提出），不转送（条例第二十二条第二款）。"
            ),
            field="channel",
        )
    _route_by_law(
        ctx,
        nature=Nature.LITIGATION_RELATED,
        organ_kinds=POLITICAL_LEGAL_KINDS,
        nature_error=_("只有涉法涉诉事项转政法部门（条例第二十二条第二款）。"),
        organ_error=_("应选择政法部门（法院、检察院、公安机关等）。"),
        same_level=True,
    )


def h_route_discipline(ctx: Ctx) -> None:
    _route_by_law(
        ctx,
        nature=Nature.ACCUSATION,
        organ_kinds=(Organ.Kind.DISCIPLINE,),
        nature_error=_("只有检举控告类事项转纪检监察机关（条例第二十二条第二款）。"),
        organ_error=_("应选择纪检监察机关。"),
    )
    _inform_organisation_department(ctx)


def organisation_department_for(organ: Organ) -> Organ | None:
    """The party committee whose organisation department manages the cadres of ``organ``'s level:
    the committee of the same region, else of the nearest region above."""
    region: Region | None = organ.region
    while region is not None:
        committee = (
            Organ.objects.filter(kind=Organ.Kind.PARTY_COMMITTEE, region=region, is_active=True)
            .order_by("level", "pk")
            .first()
        )
        if committee is not None:
            return committee
        region = region.parent
    return None


def _inform_organisation_department(ctx: Ctx) -> None:
    """Art. 30(2): the petition bureau informs the organisation (personnel) department of an
    accusation about cadres, by cadre-management authority — a recorded notification. Only the
    fact and the tracking code are sent (the outbox skips anyone on the accused side, R-150)."""
    petition = ctx.petition
    if not (petition.accused_person.strip() or petition.accused_organ_id):
        return
    committee = organisation_department_for(petition.accused_organ or ctx.organ or petition.receiving_organ)
    if committee is None:
        ctx.event_data["organisation_department"] = None
        return
    ctx.event_data["organisation_department"] = committee.name
    committee_id = committee.pk
    ctx.after_commit.append(lambda: outbox_notify_organ(petition.pk, committee_id, "cadre_accusation"))


def discipline_body_outside(organ: Organ, excluded: set[int]) -> Organ | None:
    """The nearest active discipline and supervision body for ``organ``'s region or a region above
    it, outside ``excluded`` (the accused subtree)."""
    region: Region | None = organ.region
    while region is not None:
        body = (
            Organ.objects.filter(kind=Organ.Kind.DISCIPLINE, region=region, is_active=True)
            .exclude(pk__in=excluded)
            .order_by("level", "pk")
            .first()
        )
        if body is not None:
            return body
        region = region.parent
    return None


def accusation_leave_accused_side(petition_id: int, *, now: dt.datetime | None = None) -> Petition | None:
    """R-150 at intake: an accusation received by the accused unit or a unit under it (a letter to
    the bureau about its own government) is passed at once, by the system, to the discipline and
    supervision body — for everyone in the receiving organ it no longer exists. Returns the routed
    petition, or None when nothing had to be done (or no body is configured: then it waits for an
    administrator, who sees it)."""
    petition = Petition.objects.select_related("receiving_organ__region").get(pk=petition_id)
    if petition.nature != Nature.ACCUSATION or not petition.accused_organ_id:
        return None
    accused = organ_subtree_ids([petition.accused_organ_id])
    if petition.current_organ_id not in accused:
        return None
    body = discipline_body_outside(petition.receiving_organ, accused)
    if body is None:
        return None
    from minsheng.workflow.services.engine import petition_transition

    return petition_transition(
        petition.pk, "route_discipline", actor=None, as_system=True, data={"organ_id": body.pk}, now=now
    )


def levels_above(upper: Organ, lower: Organ) -> int | None:
    """How many administrative levels ``upper`` stands above ``lower`` (national 0 … town 4), by
    the organ records; None when either has no level."""
    if upper.level is None or lower.level is None:
        return None
    return int(lower.level) - int(upper.level)


def _ensure_yueji(ctx: Ctx, competent: Organ) -> None:
    """越级 (Art. 20(1); 逐级走访办法2014): a visit may be made to the competent organ's level or the
    level above it. Refusing it as 越级 is allowed only for a visit received more than one level
    above the competent organ — decided here from the organ records, not by the clerk."""
    petition = ctx.petition
    if petition.channel != "visit":
        raise InvalidInput(_("只有走访才有越级之说（条例第二十条第一款）。"), field="reason")
    gap = levels_above(petition.receiving_organ, competent)
    if gap is None or gap <= 1:
        raise InvalidInput(
            _("向有权处理的本级或者上一级机关走访是合法的，不属越级（条例第二十条第一款）。"),
            field="guidance_organ_id",
        )
    petition.is_yueji = True


def follow_up_organ_for(petition: Petition, final: Petition) -> Organ:
    """Who does Art. 37(3)'s follow-up work: the government of the petitioner's place (the final
    matter's region, else this one's), else the organ that handled the final matter."""
    for region in (final.region, petition.region):
        node = region
        while node is not None:
            government = (
                Organ.objects.filter(kind=Organ.Kind.GOVERNMENT, region=node, is_active=True)
                .order_by("pk")
                .first()
            )
            if government is not None:
                return government
            node = node.parent
    return final.handling_organ or final.current_organ


def _follow_up_task(ctx: Ctx, final: Petition) -> FollowUpTask:
    task = FollowUpTask.objects.create(
        petition=ctx.petition,
        final_petition=final,
        organ=follow_up_organ_for(ctx.petition, final),
        created_at=ctx.now,
    )
    organ_id = task.organ_id
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, organ_id, "follow_up"))
    return task


def h_not_accept(ctx: Ctx) -> None:
    reason = ctx.choice("reason", [r.value for r in Decision.Reason])
    explanation = ctx.text("explanation", required=reason == Decision.Reason.OTHER)
    guidance = ctx.organ_ref(
        "guidance_organ_id", required=reason in (Decision.Reason.YUEJI, Decision.Reason.OUT_OF_SCOPE)
    )
    if reason == Decision.Reason.REPRESENTATIVES:
        # a local rule only (Art. 47(1) nationally: dissuade, criticise or educate), and
        # only for a collective visit, the one that must choose representatives (Art. 20(3)).
        if not settings.MINSHENG_REFUSE_WITHOUT_REPRESENTATIVES:
            raise InvalidInput(
                _("本地未规定对不推选代表的集体访不予受理；应予劝阻、批评或者教育（条例第四十七条第一款）。"),
                field="reason",
            )
        if not ctx.petition.is_collective:
            raise InvalidInput(_("只有多人走访的集体访需要推选代表（条例第二十条第三款）。"), field="reason")
    related = None
    if reason in (
        Decision.Reason.DUPLICATE_IN_PROGRESS,
        Decision.Reason.FINAL_AFTER_RECHECK,
        Decision.Reason.LATE_REVIEW_REQUEST,
    ):
        related = ctx.petition_ref("related_petition_id")
        assert related is not None
        if reason == Decision.Reason.LATE_REVIEW_REQUEST and not any(
            _expired_window(related, rule) for _kind, rule in REQUEST_WINDOWS.values()
        ):
            # Arts. 35, 36(1): late only against a window that ran out unused; a request on a matter
            # whose window is still open (or was used) goes to request_review/request_recheck.
            raise InvalidInput(
                _("关联事项没有届满未申请的复查、复核申请期限，不能以逾期为由不予受理。"),
                field="related_petition_id",
            )
        # Art. 36(3): only a matter made final by a 复核 opinion — archived afterwards or not. An
        # archived matter that never went through 复核 (closed without review, not accepted…) is
        # not final, whatever its state now says.
        made_final = related.state == S.FINAL or (
            related.state == S.ARCHIVED and related.final_at is not None
        )
        if reason == Decision.Reason.FINAL_AFTER_RECHECK and not made_final:
            raise InvalidInput(_("关联事项尚未经复核终结。"), field="related_petition_id")
        if reason == Decision.Reason.DUPLICATE_IN_PROGRESS:
            # Art. 19(3): only while the earlier item is inside its handling deadline — a clock of
            # its procedure still open and none of them overdue (the 交办 report period and the
            # petitioner's windows are not handling deadlines).
            clocks = Deadline.objects.filter(petition=related).exclude(
                rule__in=[*dl.PETITIONER_WINDOWS, COMPLETION_REPORT_RULE]
            )
            in_time = (
                clocks.filter(status=Deadline.Status.OPEN).exists()
                and not clocks.filter(status=Deadline.Status.BREACHED, met_at=None).exists()
            )
            if related.state in (S.FINAL, S.ARCHIVED, S.CLOSED_NO_REVIEW) or not in_time:
                raise InvalidInput(
                    _("关联事项已不在办理期限内；应作为督办事项受理，而非不予受理（条例第十九条第三款）。"),
                    field="related_petition_id",
                )
        ctx.petition.related_petition = related
    if reason == Decision.Reason.YUEJI:
        assert guidance is not None
        _ensure_yueji(ctx, guidance)
    organ = ctx.organ or ctx.petition.current_organ
    final = reason == Decision.Reason.FINAL_AFTER_RECHECK
    decision = Decision.objects.create(
        decided_at=ctx.now,
        petition=ctx.petition,
        kind=Decision.Kind.NOT_ACCEPT,
        reason=reason,
        explanation=explanation,
        guidance_organ=guidance,
        organ=organ,
        decided_by=ctx.actor,
        # Art. 36(3): the 不再受理告知书 has its own number sequence
        notice_number=_document_number(ctx, "no_reaccept_notice" if final else "not_accept_notice"),
    )
    if final:
        assert related is not None
        task = _follow_up_task(ctx, related)
        ctx.event_data["follow_up_organ"] = task.organ.name
    # Not accepting ends the procedure, not the 交办's report to the assigning organ (Art. 22(1)(3)).
    dl.deadline_cancel(ctx.petition.pk, keep=[COMPLETION_REPORT_RULE])
    ctx.event_data.update(
        {
            "reason": reason,
            "reason_label": str(Decision.Reason(reason).label),
            "explanation": explanation,
            "guidance_organ": guidance.name if guidance else None,
            "related_petition_id": related.pk if related else None,
            "decision_id": decision.pk,
        }
    )
    ctx.after_commit.append(lambda: outbox_notify_petitioner(ctx.petition.pk, "not_accepted"))


def h_record_follow_up(ctx: Ctx) -> None:
    """The organ charged with a task after its answer records what it did — supervising the
    execution of its supporting opinion (Art. 32(2)), or counselling, dispute resolution and help
    after the matter is final (Art. 37(3)); ``done`` closes the task. The state does not change."""
    tasks = FollowUpTask.objects.select_for_update().filter(petition=ctx.petition, organ=ctx.organ)
    given = ctx.data.get("task_id")
    if given is not None:
        task = tasks.filter(pk=given).first()
        if task is None:
            raise InvalidInput(_("本机关在此事项上没有这项后续工作。"), field="task_id")
        if task.done_at is not None:
            raise TransitionNotAllowed(_("这项后续工作已完成。"))
    else:
        task = tasks.filter(done_at__isnull=True).order_by("pk").first()
    if task is None:  # resolve_actor admitted the organ for an open task; another act closed it
        raise TransitionNotAllowed(_("本机关的后续工作已完成。"))
    work = ctx.text("work", max_length=5000)
    stamp = timezone.localdate(ctx.now).isoformat()
    task.note = f"{task.note}\n{stamp} {work}".strip() if task.note else f"{stamp} {work}"
    done = bool(ctx.data.get("done"))
    if done:
        task.done_at = ctx.now
        task.done_by = ctx.actor  # type: ignore[assignment]
    task.save(update_fields=["note", "done_at", "done_by"])
    ctx.event_data.update({"follow_up_task_id": task.pk, "kind": task.kind, "work": work, "done": done})


def h_refer_elsewhere(ctx: Ctx) -> None:
    guidance = ctx.organ_ref("guidance_organ_id")
    assert guidance is not None
    explanation = ctx.text("explanation", required=False)
    Decision.objects.create(
        decided_at=ctx.now,
        petition=ctx.petition,
        kind=Decision.Kind.REFER,
        reason=Decision.Reason.OUT_OF_SCOPE,
        explanation=explanation,
        guidance_organ=guidance,
        organ=ctx.petition.current_organ,
        decided_by=ctx.actor,
    )
    ctx.petition.notice_given_at = ctx.now
    dl.deadline_meet(ctx.petition.pk, "D-NOTICE-15", at=ctx.now)
    dl.deadline_cancel(ctx.petition.pk, keep=[COMPLETION_REPORT_RULE])
    ctx.event_data.update({"guidance_organ": guidance.name, "explanation": explanation})


# ---- the organ that receives a forwarded or assigned item (Art. 23)


def h_receive(ctx: Ctx) -> None:
    petition = ctx.petition
    received = ctx.moment("received_at", default=ctx.now)
    start = dl.local_date(received)
    organ = petition.current_organ
    routed = (
        Assignment.objects.filter(petition=petition, organ=organ, is_active=True)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    # Never received before it was sent (compared by day: a date alone is 09:00).
    if start < dl.local_date(max(filter(None, [routed, petition.received_at]))):
        raise InvalidInput(_("签收日期不能早于转送（交办）日期。"), field="received_at")
    petition.organ_received_at = received
    Assignment.objects.filter(petition=petition, organ=organ, is_active=True, received_at=None).update(
        received_at=received
    )
    if organ.is_bureau:
        # Art. 22(1), D-BUREAU-15 (starts_at: received_by_bureau): a 信访部门 that receives an item
        # from a higher one forwards, assigns or reports it within its own 15 days; the written
        # notice of Art. 23(2)(3) is the competent organ's, which it passes the item on to.
        _open(ctx, "D-BUREAU-15", start, organ)
    else:
        _open_notice_deadline(ctx, start, organ)
    if petition.forwarded_by_id:
        _open(ctx, "D-OBJECTION-5WD", start, organ)
    lead = Assignment.objects.filter(
        petition=petition, organ=organ, is_active=True, role=Assignment.Role.LEAD
    ).first()
    if lead is not None and lead.kind == Assignment.Kind.ASSIGN and lead.assigned_due:
        length = max(1, (lead.assigned_due - start).days)
        _open(ctx, "D-ASSIGNED", start, organ, length=length)
    ctx.event_data["received_at"] = received.isoformat()


def _open_notice_deadline(ctx: Ctx, start: dt.date, organ: Organ) -> None:
    """D-NOTICE-15 on receipt of a forwarded item, unless waived (``notice_waiver``)."""
    waiver = notice_waiver(ctx.petition, organ)
    if waiver is None:
        _open(ctx, "D-NOTICE-15", start, organ)
        return
    code, reason = waiver
    dl.deadline_waive(ctx.petition.pk, "D-NOTICE-15", start, organ_id=organ.pk, reason=reason)
    ctx.event_data["notice_waived"] = code


def h_object(ctx: Ctx) -> None:
    # In time is judged by the objection's own date: a period the catch-up sweep marked breached
    # because the receipt was entered late still counts (deadline_meet then records it met).
    period = (
        Deadline.objects.filter(
            petition=ctx.petition,
            rule="D-OBJECTION-5WD",
            status__in=[Deadline.Status.OPEN, Deadline.Status.BREACHED],
            met_at=None,
        )
        .order_by("-pk")
        .first()
    )
    due = period.statutory_due if period else None
    if due is None or ctx.today > due:
        raise InvalidInput(_("异议期（收到之日起5个工作日）已过；请报上级协调。"), field="reasons")
    reasons = ctx.text("reasons")
    suggested = ctx.organ_ref("suggested_organ_id", required=False)
    Objection.objects.create(
        raised_at=ctx.now,
        petition=ctx.petition,
        organ=ctx.petition.current_organ,
        reasons=reasons,
        suggested_organ=suggested,
    )
    dl.deadline_meet(ctx.petition.pk, "D-OBJECTION-5WD", at=ctx.now)
    ctx.event_data.update({"reasons": reasons, "suggested_organ": suggested.name if suggested else None})
    if ctx.petition.forwarded_by_id:
        forwarder_id = ctx.petition.forwarded_by_id
        ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, forwarder_id, "objection"))


def _pending_objection(ctx: Ctx) -> Objection:
    objection = Objection.objects.filter(petition=ctx.petition, status=Objection.Status.PENDING).last()
    if objection is None:
        raise TransitionNotAllowed(_("没有待核实的异议。"))
    return objection


def h_approve_objection(ctx: Ctx) -> None:
    objection = _pending_objection(ctx)
    objection.status = Objection.Status.AGREED
    objection.decided_at = ctx.now
    objection.decided_by = ctx.actor  # type: ignore[assignment]
    objection.decision_note = ctx.text("note", required=False)
    objection.save()
    voided = _void_duties_of_an_incompetent_organ(ctx, objection.organ_id)
    dl.deadline_cancel(ctx.petition.pk, ["D-OBJECTION-5WD"])
    ctx.event_data["voided_deadlines"] = voided
    Assignment.objects.filter(petition=ctx.petition, is_active=True).update(is_active=False)
    back_to = ctx.petition.forwarded_by or ctx.petition.current_organ
    _move_to(ctx, back_to)
    ctx.event_data.update({"returned_to": back_to.name})


#: Duties an organ owes only for matters within its competence (Art. 23(2)(3), Art. 22(1)(3)).
COMPETENT_ORGAN_DUTIES = ("D-NOTICE-15", "D-ASSIGNED")


def _void_duties_of_an_incompetent_organ(ctx: Ctx, organ_id: int) -> list[str]:
    """Art. 23(3): the objection is upheld, so the item was never within the organ's competence and
    it never owed the written notice nor the 交办's handling and report. Its clocks are waived,
    also one the sweep breached while the bureau was deciding, with the automatic 督办 that breach
    raised and nobody has answered (a manual order stays: a person issued it)."""
    rows = Deadline.objects.filter(
        petition_id=ctx.petition.pk, rule__in=COMPETENT_ORGAN_DUTIES, organ_id=organ_id
    ).filter(Q(status=Deadline.Status.OPEN) | Q(status=Deadline.Status.BREACHED, met_at=None))
    voided = []
    for row in rows:
        if row.status == Deadline.Status.BREACHED:
            dl.deadline_withdraw_breach(row)
        row.status = Deadline.Status.WAIVED
        row.waived_reason = "职权异议经核实同意，交还转送交办机关（条例第二十三条第三款）"
        row.save(update_fields=["status", "waived_reason"])
        voided.append(row.rule)
    return sorted(voided)


def h_reject_objection(ctx: Ctx) -> None:
    objection = _pending_objection(ctx)
    objection.status = Objection.Status.REJECTED
    objection.decided_at = ctx.now
    objection.decided_by = ctx.actor  # type: ignore[assignment]
    objection.decision_note = ctx.text("note")
    objection.save()
    ctx.event_data["note"] = objection.decision_note


def h_dispute(ctx: Ctx) -> None:
    """Art. 24(1): the organs disagree on who accepts; record them and who decides (the lowest
    common superior, else the joint conference — workflow.services.jurisdiction)."""
    from minsheng.workflow.services.jurisdiction import dispute_resolver

    ctx.event_data["reasons"] = ctx.text("reasons")
    others = ctx.data.get("other_organ_ids")
    if isinstance(others, (str, int)) and not isinstance(others, bool):
        others = [others]
    if not isinstance(others, list) or not others:
        raise InvalidInput(_("请列出与本机关有争议的其他机关（编号列表）。"), field="other_organ_ids")
    ids = [_as_id(o) for o in others]
    if None in ids:
        raise InvalidInput(_("应为机关编号列表。"), field="other_organ_ids")
    current = ctx.petition.current_organ
    found = {o.pk: o for o in Organ.objects.filter(pk__in=ids, is_active=True).select_related("region")}
    other_organs = [found[pk] for pk in dict.fromkeys(pk for pk in ids if pk is not None) if pk in found]
    if len(other_organs) != len(set(ids)) or any(o.pk == current.pk for o in other_organs):
        raise InvalidInput(_("找不到该机关，或列出了本机关。"), field="other_organ_ids")
    resolver, basis = dispute_resolver(ctx.petition, [current, *other_organs])
    ctx.event_data.update(
        {
            "organ": current.name,
            "other_organs": [o.name for o in other_organs],
            "other_organ_ids": [o.pk for o in other_organs],
            "resolver_organ_id": resolver.pk,
            "resolver_organ": resolver.name,
            "resolver_basis": basis,
        }
    )
    resolver_id = resolver.pk
    ctx.after_commit.append(lambda: outbox_notify_organ(ctx.petition.pk, resolver_id, "jurisdiction_dispute"))


def h_resolve_dispute(ctx: Ctx) -> None:
    organ = ctx.organ_ref("organ_id")
    assert organ is not None
    _ensure_not_accused(ctx, organ, "organ_id")
    previous = ctx.petition.current_organ
    if organ.pk != previous.pk:
        Assignment.objects.filter(petition=ctx.petition, is_active=True).update(is_active=False)
        Assignment.objects.create(
            created_at=ctx.now,
            petition=ctx.petition,
            kind=Assignment.Kind.FORWARD,
            organ=organ,
            from_organ=ctx.organ or previous,
            created_by=ctx.actor,
            received_at=ctx.now,
        )
        _move_to(ctx, organ)
        ctx.petition.organ_received_at = ctx.now
        # Art. 24(1): the organ found not competent never owed the notice nor the 交办's handling
        # and report — waived, with a breach the sweep marked meanwhile and its automatic order.
        voided = _void_duties_of_an_incompetent_organ(ctx, previous.pk)
        if voided:
            ctx.event_data["voided_deadlines"] = voided
        dl.deadline_cancel(ctx.petition.pk, ["D-NOTICE-15", "D-OBJECTION-5WD"])
        _open_notice_deadline(ctx, ctx.today, organ)
    ctx.event_data.update(
        {
            "organ": organ.name,
            "note": ctx.text("note", required=False),
            "resolver_organ": ctx.organ.name if ctx.organ else None,
        }
    )


# ---- a mixed letter: grievance and accusation split by the bureau (Art. 30; R-150)


def h_split_accusation(ctx: Ctx) -> None:
    """A letter that is partly grievance and partly accusation becomes two petitions. The
    accusation part is registered as a new petition (same petitioner record, same receipt time)
    and routed to the discipline and supervision body (Art. 22(2), Art. 30); this petition keeps
    only the grievance part, re-indexed for search and similarity, and goes on to the competent
    organ as usual. The link is stored in ``AccusationSplit`` and shown only to the bureau and
    the discipline body (workflow.selectors.split_links_for); this event records only the fact
    and the new petition's id, and stays off the timelines of everyone else."""
    from minsheng.intelligence.services import petition_enrich
    from minsheng.intelligence.similarity import similarity_index_petition
    from minsheng.petitions.confidentiality import is_accused_side
    from minsheng.petitions.services import RegistrationInput
    from minsheng.search.services import search_index_petition
    from minsheng.workflow.models import AccusationSplit
    from minsheng.workflow.services.engine import petition_transition
    from minsheng.workflow.services.registration import petition_register

    petition = ctx.petition
    bureau = petition.current_organ
    if not bureau.is_bureau:
        raise TransitionNotAllowed(_("只有信访部门可以拆分来信中的检举控告内容。"))
    title = ctx.text("accusation_title", max_length=200)
    request = ctx.text("accusation_request")
    facts = ctx.text("accusation_facts", required=False)
    accused_organ = ctx.organ_ref("accused_organ_id", required=False)
    accused_person = ctx.text("accused_person", required=False, max_length=100)
    grievance_title = ctx.text("grievance_title", max_length=200)
    grievance_request = ctx.text("grievance_request")
    grievance_facts = ctx.text("grievance_facts", required=False)
    grievance_reasons = ctx.text("grievance_reasons", required=False)
    excluded = organ_subtree_ids([accused_organ.pk]) if accused_organ else set()
    body = ctx.organ_ref("discipline_organ_id", required=False)
    if body is None:
        body = discipline_body_outside(petition.receiving_organ, excluded)
        if body is None:
            raise InvalidInput(_("未找到纪检监察机关，请指定。"), field="discipline_organ_id")
    elif body.kind != Organ.Kind.DISCIPLINE:
        raise InvalidInput(_("应选择纪检监察机关。"), field="discipline_organ_id")
    elif body.pk in excluded:
        raise InvalidInput(
            _("检举控告件不得转给被检举控告的单位或其下属单位（条例第三十条第三款）。"),
            field="discipline_organ_id",
        )

    accusation, _password = petition_register(
        RegistrationInput(
            channel=petition.channel,
            receiving_organ=petition.receiving_organ,
            title=title,
            request=request,
            facts=facts,
            received_at=petition.received_at,
            nature=Nature.ACCUSATION,
            region=petition.region,
            is_oral=petition.is_oral,
            accused_organ=accused_organ,
            accused_person=accused_person,
            paper_requested=petition.paper_requested,
            existing_petitioner=petition.petitioner,
        ),
        actor=ctx.actor,
        now=ctx.now,
    )
    if accusation.state in (S.REGISTERED, S.BUREAU_TRIAGE):
        # Not already passed on at registration (received inside the accused subtree): route it.
        system = ctx.actor is None or is_accused_side(ctx.actor, accusation)
        accusation = petition_transition(
            accusation.pk,
            "route_discipline",
            actor=None if system else ctx.actor,
            as_system=system,
            data={"organ_id": body.pk},
            now=ctx.now,
        )

    # The grievance keeps none of the accusation's words: text, accused fields, both indexes and
    # the suggestions computed from the old text.
    petition.title = grievance_title
    petition.request = grievance_request
    petition.facts = grievance_facts
    petition.reasons = grievance_reasons
    petition.accused_person = ""
    petition.accused_organ = None
    if petition.nature == Nature.ACCUSATION:
        petition.nature = Nature.GRIEVANCE
    petition.suggestions = {}
    petition.save()
    # The files handed in are the letter itself (or parts of it): they go with the accusation to
    # the discipline body and never on with the grievance to what may be the accused unit.
    moved = Attachment.objects.filter(petition=petition).update(petition=accusation)
    search_index_petition(petition)
    similarity_index_petition(petition)
    petition_enrich(petition, index=False)

    AccusationSplit.objects.create(
        grievance=petition,
        accusation=accusation,
        bureau=bureau,
        discipline_organ=accusation.current_organ
        if accusation.current_organ.kind == Organ.Kind.DISCIPLINE
        else body,
        created_at=ctx.now,
        created_by=ctx.actor,
    )
    ctx.internal = True
    ctx.event_data.update(
        {"split": True, "accusation_petition_id": accusation.pk, "attachments_moved": moved}
    )


# ---- external limitation periods at intake (Art. 31 routes; R-073)


def h_record_limitation(ctx: Ctx) -> None:
    """The bureau records when the petitioner learned of the act and which external procedure
    applies; when that window may close before the bureau's own D-BUREAU-15 due date the event
    (and the case page, workflow.selectors.limitation_for) says to tell the petitioner now."""
    from minsheng.workflow.rulesets import INTAKE_CLOCKS, limitation_status, limitations

    kind = ctx.choice("limitation", list(limitations()))
    known = ctx.date("known_date")
    assert known is not None
    if known > ctx.today:
        raise InvalidInput(_("知道或应当知道之日不能晚于今天。"), field="known_date")
    intake_due = next((d for rule in INTAKE_CLOCKS if (d := _statutory_due(ctx, rule)) is not None), None)
    status = limitation_status(kind, known, ctx.today, intake_due)
    ctx.internal = True
    ctx.event_data.update(
        {
            "limitation": kind,
            "known_date": known.isoformat(),
            "limitation_due": status.earliest_end.isoformat(),
            "days_left": status.days_left,
            "closing": status.closing,
        }
    )
