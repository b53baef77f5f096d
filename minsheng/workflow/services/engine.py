"""``petition_transition``: the only writer of a petition's state, and who may act."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from minsheng.core.calendar import CalendarNotCovered
from minsheng.core.errors import Forbidden, InvalidInput, NotFound, PreconditionFailed, TransitionNotAllowed
from minsheng.orgs.models import Organ, StaffMembership
from minsheng.orgs.selectors import is_admin, membership_for
from minsheng.petitions.confidentiality import is_accused_side
from minsheng.petitions.models import Petition, State
from minsheng.workflow.inputs import INPUTS, moment_of_day, parse_input
from minsheng.workflow.models import FollowUpTask, PetitionEvent
from minsheng.workflow.services.appeals import (
    REVIEWER_ACTIONS,
    archive_possible,
    independent_reviewer,
    reopening_request_available,
)
from minsheng.workflow.services.context import (
    AT_CHAIN,
    AT_CURRENT,
    AT_DISPUTE_RESOLVER,
    AT_FOLLOW_UP,
    AT_FORWARDER,
    AT_HANDLING,
    AT_UPPER,
    PETITIONER,
    SYSTEM,
    Ctx,
    R,
    Transition,
    _review_organ,
    bureau_routing_available,
)
from minsheng.workflow.services.handling import (
    SIGNER_ONLY_ACTIONS,
    SIGNOFF_ACTIONS,
    completion_report_owed,
    extension_awaits_notice,
    is_signer,
    signoff_available,
)
from minsheng.workflow.services.jurisdiction import open_dispute_resolver
from minsheng.workflow.services.oversight import delisting_possible, feedback_owed
from minsheng.workflow.services.recusal import ensure_not_recused, is_recused
from minsheng.workflow.services.table import TRANSITIONS

# ----------------------------------------------------------------------------------------------
# The service


def _organs_for(transition: Transition, petition: Petition) -> set[int]:
    current = petition.current_organ
    if transition.at == AT_CURRENT:
        return {current.pk}
    if transition.at == AT_DISPUTE_RESOLVER:
        resolver = open_dispute_resolver(petition)
        if resolver is not None:
            return {resolver.pk}
        # A dispute raised before the resolver was recorded: the forwarder or an organ above.
    if transition.at in (AT_FORWARDER, AT_DISPUTE_RESOLVER):
        ids = {o.pk for o in current.ancestors()}
        if petition.forwarded_by_id:
            ids.add(petition.forwarded_by_id)
        return ids
    if transition.at == AT_UPPER:
        upper = _review_organ(petition)
        return {upper.pk} if upper else set()
    if transition.at == AT_HANDLING:
        return {petition.handling_organ_id or current.pk}
    if transition.at == AT_CHAIN:
        return {current.pk, *(o.pk for o in current.ancestors())}
    if transition.at == AT_FOLLOW_UP:
        return set(
            FollowUpTask.objects.filter(petition=petition, done_at__isnull=True).values_list(
                "organ_id", flat=True
            )
        )
    raise ValueError(transition.at)


def resolve_actor(
    transition: Transition,
    petition: Petition,
    actor: AbstractBaseUser | None,
    *,
    as_petitioner: bool = False,
    as_system: bool = False,
    check_recusal: bool = True,
) -> tuple[StaffMembership | None, str]:
    """The membership (organ + role) under which ``actor`` may perform ``transition``, or Forbidden.
    A person who declared a conflict of interest on the petition (Art. 28(3)) may do nothing on it."""
    if as_system:
        if SYSTEM not in transition.roles:
            raise Forbidden(_("系统不能执行此操作。"))
        return None, SYSTEM
    if as_petitioner:
        if PETITIONER not in transition.roles:
            raise Forbidden(_("信访人不能执行此操作。"))
        return None, PETITIONER
    if actor is None:
        raise Forbidden(_("需要登录。"))
    if check_recusal:
        ensure_not_recused(petition.pk, actor)
    if R.ADMIN in transition.roles and is_admin(actor):
        return None, R.ADMIN
    membership = membership_for(actor, _organs_for(transition, petition), transition.roles)
    if membership is None:
        if transition.at == AT_DISPUTE_RESOLVER:
            resolver = open_dispute_resolver(petition)
            raise Forbidden(
                _(
                    "受理争议由争议机关的共同上一级机关决定，没有共同上一级机关的由信访工作联席会议协调"
                    "（条例第二十四条第一款）；本争议由%(o)s确定，您不在该机关任转送交办人员、负责人或督查人员。"
                )
                % {"o": resolver.name if resolver else _("上一级机关")},
                code="not_dispute_resolver",
            )
        raise Forbidden(_("您的岗位不能对此信访事项执行“%(a)s”。") % {"a": transition.label})
    return membership, membership.role


def available_actions(petition: Petition, actor: AbstractBaseUser | None) -> list[Transition]:
    """The actions ``actor`` may try on ``petition`` now (the service re-checks every one)."""
    if is_accused_side(actor, petition) or is_recused(petition.pk, actor):
        return []
    result = []
    for transition in TRANSITIONS.values():
        if petition.state not in transition.sources:
            continue
        try:
            resolve_actor(transition, petition, actor, check_recusal=False)
        except Forbidden:
            continue
        if transition.action in SIGNOFF_ACTIONS and not signoff_available(petition, actor):
            continue
        if transition.action in SIGNER_ONLY_ACTIONS and not is_signer(actor, petition.current_organ):
            continue
        if not reopening_request_available(petition, transition.action):
            continue
        if not bureau_routing_available(petition, transition.action):
            continue  # a competent organ does not pass a received item on: the handler would refuse
        if transition.action == "report_completion" and not completion_report_owed(petition):
            continue  # not assigned, or reported: the handler would refuse
        if transition.action in REVIEWER_ACTIONS and not independent_reviewer(petition, actor):
            continue  # Art. 28(3) at 复查/复核: the handler would refuse (recusal_reviewer/_organ)
        if transition.action == "supervision_feedback" and not feedback_owed(petition):
            continue  # no order awaits an answer: the handler would refuse
        if transition.action == "delist" and not delisting_possible(petition):
            continue  # no answered 挂牌督办 is still listed: the handler would refuse
        if transition.action == "notify_extension" and not extension_awaits_notice(petition):
            continue  # no extension awaits its notice: the handler would refuse
        if transition.action == "archive" and not archive_possible(petition):
            continue  # the 办结报告 is owed first (409 completion_report_owed)
        result.append(transition)
    return result


def _write_event(
    petition: Petition,
    action: str,
    ctx: Ctx,
    from_state: str,
    to_state: str,
    data: dict[str, Any],
    public: bool,
) -> PetitionEvent:
    return PetitionEvent.objects.create(
        petition=petition,
        action=action,
        occurred_at=ctx.now,
        actor=ctx.actor,
        actor_role=ctx.role,
        actor_organ=ctx.organ,
        from_state=from_state,
        to_state=to_state,
        data=data,
        is_public=public,
    )


# Back-dated entry: paper-based offices record acts after the fact. ``data["occurred_at"]`` is
# when the act really happened; every clock is computed from it, the event carries the entry time.
ACT_TIME_FIELD = "occurred_at"
LATE_ENTRY = dt.timedelta(hours=24)  # as at registration: later than this needs a reason


def _parse_act_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | None = value
    elif isinstance(value, dt.date):
        parsed = moment_of_day(value)
    elif isinstance(value, str) and len(value) <= 40:
        # A date alone means 09:00 local on that day, or now if earlier (inputs.moment_of_day). The
        # date is tried first: parse_datetime also accepts "2025-03-03" and gives midnight.
        try:
            day = parse_date(value)
            parsed = moment_of_day(day) if day is not None else parse_datetime(value)
        except ValueError:  # 2025-02-30, 25:00
            parsed = None
    else:
        parsed = None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def last_act_time(petition: Petition) -> dt.datetime:
    """When the act a new one follows happened: receipt, or the latest state change."""
    latest = (
        PetitionEvent.objects.filter(petition=petition)
        .exclude(action="register")
        .exclude(from_state=F("to_state"))
        .aggregate(latest=Max("occurred_at"))["latest"]
    )
    return max(petition.received_at, latest) if latest else petition.received_at


def act_moment(
    petition: Petition, data: dict[str, Any], entered: dt.datetime, *, alias: str | None = None
) -> tuple[dt.datetime, dict[str, Any]]:
    """(when the act happened, what the event records about its entry). Without ``occurred_at``
    (or the action's own time field, ``alias``: receive's ``received_at``) the act happens now.
    Otherwise: never in the future, never before the act it follows, and — for ``occurred_at`` —
    a reason when entered more than a day later (the own field has always been a past time)."""
    field = ACT_TIME_FIELD
    raw = data.get(ACT_TIME_FIELD)
    if raw in (None, "") and alias is not None:
        field, raw = alias, data.get(alias)
    if raw in (None, ""):
        return entered, {}
    moment = _parse_act_time(raw)
    if moment is None:
        raise InvalidInput(
            _("时间格式应为 ISO 8601（如 2025-09-30 或 2025-09-30T10:00+08:00）。"), field=field
        )
    if moment > entered + dt.timedelta(minutes=5):
        raise InvalidInput(_("办理时间不能晚于录入时间。"), field=field)
    follows = last_act_time(petition)
    if moment < follows:
        raise InvalidInput(
            _("办理时间不能早于上一环节（%(t)s）。")
            % {"t": timezone.localtime(follows).strftime("%Y-%m-%d %H:%M")},
            field=field,
        )
    record: dict[str, Any] = {"entered_at": entered.isoformat()}
    if entered - moment > LATE_ENTRY:
        reason = str(data.get("late_reason") or "").strip()
        if not reason and field == ACT_TIME_FIELD:
            raise InvalidInput(_("补录一日以前的办理环节，请说明原因。"), field="late_reason")
        record["late_entry"] = True
        if reason:
            record["late_reason"] = reason[:500]
    return moment, record


def petition_transition(
    petition_id: int,
    action: str,
    *,
    actor: AbstractBaseUser | None,
    data: dict[str, Any] | None = None,
    as_petitioner: bool = False,
    as_system: bool = False,
    now: dt.datetime | None = None,
    expected_version: str | None = None,
    json_types: bool = False,
) -> Petition:
    """Perform ``action`` on a petition. The only writer of ``Petition.state``.

    ``json_types``: ``data`` is a decoded JSON body (the API), whose ids, counts and flags must be
    JSON numbers and booleans; forms send text (``inputs.parse_input``).

    ``expected_version`` (the API's If-Match): the caller acts on the petition as of that
    ``workflow.selectors.petition_version``; if an event was written since, PreconditionFailed and
    nothing is done (checked under the petition's row lock, so no event slips in between).

    Raises NotFound (no such petition), TransitionNotAllowed (not from this state), Forbidden (the
    role may not), InvalidInput (bad data, naming the field). On any error nothing is written.
    Callers check visibility first (selectors.access_petition).
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(_("未知操作：%(a)s") % {"a": action}, code="unknown_action")
    entered = now or timezone.now()
    with transaction.atomic():
        petition = (
            Petition.objects.select_for_update()
            .select_related("current_organ", "current_organ__region")
            .filter(pk=petition_id)
            .first()
        )
        if petition is None or is_accused_side(actor, petition):
            # for the accused side an accusation does not exist (same answer as missing). The
            # system and petitioners act for no staff member (actor None, or a citizen without posts).
            raise NotFound(_("信访事项不存在。"))
        if expected_version is not None:
            from minsheng.workflow.selectors import petition_version

            current_version = petition_version(petition.pk, actor)
            if current_version != expected_version:
                raise PreconditionFailed(
                    _("信访事项已被他人更新（If-Match 不是最新版本），请重新读取后再操作。"),
                    field="If-Match",
                    version=current_version,
                )
        if petition.state not in transition.sources:
            raise TransitionNotAllowed(
                _("当前状态“%(s)s”不能执行“%(a)s”。")
                % {"s": State(petition.state).label, "a": transition.label},
                state=petition.state,
                action=action,
            )
        membership, role = resolve_actor(
            transition, petition, actor, as_petitioner=as_petitioner, as_system=as_system
        )
        # The input's shape is checked only once the caller may act (no probing by the refused).
        clean = parse_input(action, dict(data or {}), json_types=json_types)
        moment, entry = act_moment(petition, clean, entered, alias=INPUTS[action].act_time_alias)
        ctx = Ctx(petition=petition, actor=actor, membership=membership, role=role, data=clean, now=moment)
        from_state = petition.state
        try:
            chosen = transition.handler(ctx)
        except CalendarNotCovered as exc:
            raise InvalidInput(str(exc), field="date") from exc
        to_state = chosen or transition.target or from_state
        ctx.event_data.update(entry)
        public = transition.public and not ctx.internal
        if ctx.extra_events:
            # The handler passed through an intermediate state (e.g. recheck_concluded → final).
            first_to = ctx.extra_events[0][1]
            _write_event(petition, action, ctx, from_state, first_to, ctx.event_data, public)
            for extra_action, extra_from, extra_to, extra_data in ctx.extra_events:
                saved_role = ctx.role
                ctx.role = SYSTEM
                _write_event(petition, extra_action, ctx, extra_from, extra_to, extra_data, True)
                ctx.role = saved_role
        else:
            _write_event(petition, action, ctx, from_state, to_state, ctx.event_data, public)
        if to_state != from_state:
            petition.state = to_state
            petition.state_changed_at = moment
        petition.save()
        # Outbox rows are written in this transaction (none lost); sending happens after commit.
        for callback in ctx.after_commit:
            callback()
        if entry:
            # Clocks computed from a past act may already have run out: the sweep catches up now.
            from minsheng.workflow.sweeps import deadlines_sweep

            deadlines_sweep(entered, petition_ids=[petition.pk])
    petition.refresh_from_db()
    return petition


# ----------------------------------------------------------------------------------------------
# Registration: the `register` row (received → registered, ADR 0007)


def register_row(
    petition: Petition,
    *,
    actor: AbstractBaseUser | None,
    role: str,
    organ: Organ,
    data: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Run the ``register`` row on a petition just created in the pseudo-state ``received``, in the
    caller's transaction (``registration.petition_register``): its handler opens the intake clock,
    and the event is written here by the one event writer. Who may register is the channel's
    question (registrar posts in the workbench and API, the petitioner in the portal)."""
    transition = TRANSITIONS["register"]
    if petition.state not in transition.sources or role not in transition.roles:
        raise TransitionNotAllowed(
            _("当前状态“%(s)s”不能执行“%(a)s”。") % {"s": State(petition.state).label, "a": transition.label},
            state=petition.state,
            action=transition.action,
        )
    ctx = Ctx(
        petition=petition, actor=actor, membership=None, role=role, data=data, now=now, acting_organ=organ
    )
    from_state = petition.state
    to_state = transition.handler(ctx) or transition.target or from_state
    _write_event(petition, transition.action, ctx, from_state, to_state, ctx.event_data, transition.public)
    petition.state = to_state
    petition.state_changed_at = now
    petition.save()
    for callback in ctx.after_commit:
        callback()
