"""Deadline rows: computing, opening, meeting, recomputing and sweeping them.

The arithmetic is pure (minsheng.core.calendar); this module binds it to the admin calendar,
the settings that REGULATIONS.md marks configurable, and the Deadline table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from minsheng.core import freshness
from minsheng.core.calendar import (
    CalendarNotCovered,
    DueDate,
    HolidayCalendar,
    Period,
    Unit,
    chinese_calendar_data,
    compute_due,
    provisional_due,
)
from minsheng.core.rules import DeadlineRule, get_rule
from minsheng.petitions import models as petition_models
from minsheng.workflow import rulesets
from minsheng.workflow.models import CalendarDay, CalendarYear, Deadline

logger = logging.getLogger(__name__)

_CAL_GROUP = "calendar"
_CAL_VERSION_KEY = freshness.PREFIX + _CAL_GROUP
_cached: tuple[tuple[int, ...], HolidayCalendar] | None = None
_checked = freshness.Checked()

# Petitioner-side windows: their expiry is not a breach by an organ (R-CNT-3 policy).
PETITIONER_WINDOWS = frozenset(petition_models.PETITIONER_WINDOWS)


def calendar_bump_version() -> None:
    """Call after the admin calendar changes, so every process reloads it (a save or delete of a
    CalendarDay/CalendarYear row does it by itself: WorkflowConfig.ready)."""
    freshness.bump(_CAL_GROUP)


def _fingerprint() -> tuple[int, ...]:
    from django.db.models import Count, Max

    days = CalendarDay.objects.aggregate(n=Count("pk"), m=Max("pk"))
    years = CalendarYear.objects.aggregate(n=Count("pk"), m=Max("pk"))
    return (days["n"], days["m"] or 0, years["n"], years["m"] or 0)


def holiday_calendar() -> HolidayCalendar:
    """chinesecalendar's data, overridden and extended by the admin's CalendarDay/CalendarYear rows.

    Cached per process; the key combines a version in the shared cache, bumped on every change
    of the two tables, with a cheap fingerprint of them, consulted only when the version moved or
    every ``freshness.RECHECK_SECONDS`` (minsheng.core.freshness): no query per computation.
    """
    global _cached
    base = chinese_calendar_data()
    try:
        current = freshness.version(_CAL_GROUP)
        if _cached is not None and not _checked.due(current):
            return _cached[1]
        key = (current, *_fingerprint())
        _checked.done(current)
        if _cached is not None and _cached[0] == key:
            return _cached[1]
        overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
        years = list(CalendarYear.objects.values_list("year", flat=True))
    except DatabaseError:  # not migrated yet (e.g. the CLI on a fresh clone): the package's data only
        logger.debug("calendar tables unavailable; using chinesecalendar data only")
        return base
    calendar = base.with_overrides(overrides, years)
    _cached = (key, calendar)
    return calendar


def local_date(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


@dataclass(frozen=True)
class DueResult:
    rule: DeadlineRule
    due: DueDate
    is_provisional: bool
    length: int


def rule_length(rule: DeadlineRule, length: int | None) -> int:
    if length is not None:
        return length
    configured = rulesets.configured_length(rule.id)
    if configured is not None:
        return configured
    if rule.length is None:
        raise ValueError(f"{rule.id}: the period is set case by case; give its length in days")
    return rule.length


def compute_rule_due(
    rule_id: str,
    start: dt.date,
    *,
    length: int | None = None,
    extra_days: int = 0,
    allow_provisional: bool = True,
    calendar: HolidayCalendar | None = None,
) -> DueResult:
    """Due dates for a rule of rules.yaml started on ``start`` (start day not counted by default).

    Immediate rules (D-URGENT-REPORT) are due the same day, with no roll-over: never held for a
    working day. With ``allow_provisional`` a date in an uncovered year is returned as a flagged
    lower bound; otherwise CalendarNotCovered propagates.
    """
    rule = get_rule(rule_id)
    if rule.unit is None and rule.length == 0:
        return DueResult(rule, DueDate(start, start, start), False, 0)
    days = rule_length(rule, length)
    unit = rule.unit or Unit.CALENDAR
    period = Period(days, unit)
    cal = calendar or holiday_calendar()
    try:
        due = compute_due(
            cal,
            period,
            start,
            extra_days=extra_days,
            count_start_day=settings.MINSHENG_COUNT_START_DAY,
            rollover=settings.MINSHENG_ROLLOVER,
        )
        return DueResult(rule, due, False, days)
    except CalendarNotCovered:
        if not allow_provisional:
            raise
        due = provisional_due(
            period, start, extra_days=extra_days, count_start_day=settings.MINSHENG_COUNT_START_DAY
        )
        logger.warning(
            "calendar does not cover %s: %s due date is provisional", due.nominal_due.year, rule_id
        )
        return DueResult(rule, due, True, days)


def deadline_open(
    petition_id: int,
    rule_id: str,
    start: dt.date,
    *,
    organ_id: int | None,
    length: int | None = None,
    extra_days: int = 0,
) -> Deadline:
    """Open (or re-open) the deadline ``rule_id`` of a petition. Any open one is cancelled first."""
    Deadline.objects.filter(petition_id=petition_id, rule=rule_id, status=Deadline.Status.OPEN).update(
        status=Deadline.Status.CANCELLED
    )
    result = compute_rule_due(rule_id, start, length=length, extra_days=extra_days)
    return Deadline.objects.create(
        petition_id=petition_id,
        rule=rule_id,
        organ_id=organ_id,
        start=start,
        length=result.length,
        extra_days=extra_days,
        nominal_due=result.due.nominal_due,
        statutory_due=result.due.statutory_due,
        is_provisional=result.is_provisional,
    )


def deadline_waive(
    petition_id: int, rule_id: str, start: dt.date, *, organ_id: int | None, reason: str
) -> Deadline:
    """Record a deadline that the law waives (e.g. D-NOTICE-15 when name or address is unclear)."""
    deadline = deadline_open(petition_id, rule_id, start, organ_id=organ_id)
    deadline.status = Deadline.Status.WAIVED
    deadline.waived_reason = reason
    deadline.save(update_fields=["status", "waived_reason"])
    return deadline


def deadline_get_open(petition_id: int, rule_id: str) -> Deadline | None:
    return Deadline.objects.filter(petition_id=petition_id, rule=rule_id, status=Deadline.Status.OPEN).first()


def deadline_meet(petition_id: int, rule_id: str, *, at: dt.datetime) -> Deadline | None:
    """Mark the open deadline met at ``at``; a late completion is recorded as such (met_late)."""
    deadline = deadline_get_open(petition_id, rule_id)
    if deadline is None:
        # A breached deadline can still be completed late: record the completion time.
        late = (
            Deadline.objects.filter(
                petition_id=petition_id, rule=rule_id, status=Deadline.Status.BREACHED, met_at=None
            )
            .order_by("-pk")
            .first()
        )
        if late is not None:
            if local_date(at) <= late.statutory_due:
                # Done in time, entered after the fact (back-dated): the breach was recorded only
                # because the entry lagged. The deadline is met; an automatic 督办 raised for it and
                # not yet answered is withdrawn (the timeline keeps the breach event).
                _withdraw_breach(late)
                late.status = Deadline.Status.MET
                late.met_at = at
                late.met_late = False
                late.breached_at = None
                late.save(update_fields=["status", "met_at", "met_late", "breached_at"])
                return late
            late.met_at = at
            late.met_late = True
            late.save(update_fields=["met_at", "met_late"])
        return late
    deadline.status = Deadline.Status.MET
    deadline.met_at = at
    deadline.met_late = local_date(at) > deadline.statutory_due
    deadline.save(update_fields=["status", "met_at", "met_late"])
    return deadline


def _withdraw_breach(deadline: Deadline) -> None:
    from minsheng.workflow.models import SupervisionOrder

    SupervisionOrder.objects.filter(
        petition_id=deadline.petition_id, deadline_rule=deadline.rule, feedback_at=None
    ).exclude(trigger=SupervisionOrder.Trigger.MANUAL).delete()


# Public name for the workflow handlers (an extension told in time, entered after the breach).
deadline_withdraw_breach = _withdraw_breach


def deadline_cancel(
    petition_id: int, rule_ids: list[str] | None = None, *, keep: Collection[str] = ()
) -> int:
    """Cancel the petition's open deadlines of ``rule_ids`` (all when None), except those of ``keep``."""
    qs = Deadline.objects.filter(petition_id=petition_id, status=Deadline.Status.OPEN)
    if rule_ids is not None:
        qs = qs.filter(rule__in=rule_ids)
    if keep:
        qs = qs.exclude(rule__in=list(keep))
    return qs.update(status=Deadline.Status.CANCELLED)


def deadline_recompute(deadline: Deadline, *, extra_days: int) -> Deadline:
    """Recompute an open deadline with a new number of extra days (extension, hearing exclusion)."""
    result = compute_rule_due(deadline.rule, deadline.start, length=deadline.length, extra_days=extra_days)
    deadline.extra_days = extra_days
    deadline.nominal_due = result.due.nominal_due
    deadline.statutory_due = result.due.statutory_due
    deadline.is_provisional = result.is_provisional
    deadline.due_soon_at = None
    deadline.save(
        update_fields=["extra_days", "nominal_due", "statutory_due", "is_provisional", "due_soon_at"]
    )
    return deadline


#: Statuses whose due dates still matter once known: the rest (waived, cancelled) never fell due.
_REFRESHED = (
    Deadline.Status.OPEN,
    Deadline.Status.MET,
    Deadline.Status.BREACHED,
    Deadline.Status.EXPIRED,
)


def deadlines_refresh_provisional() -> int:
    """Recompute provisional deadlines after the admin loads a new year's calendar (R-CNT-5): a
    provisional due date is a lower bound, so nothing was judged on it — the sweep marks no breach
    or expiry on it and a petitioner's request after it is not late (appeals._appeal). Now the true
    dates are known: every row that fell due or may still fall due gets them; a duty met since is
    judged late or not on them; a petitioner's window met since keeps its judgement (made on the
    date of the request, which the row does not hold); an expired window keeps its status with the
    true date (a request received by then re-opens the matter, appeals._expired_window). A breach
    recorded on the provisional date (data from before the sweep held back) that the true date
    shows premature is withdrawn: met in time, or open again, its automatic order removed."""
    count = 0
    rows = Deadline.objects.filter(is_provisional=True, status__in=_REFRESHED).order_by("pk")
    for deadline in rows:
        with transaction.atomic():
            deadline_recompute(deadline, extra_days=deadline.extra_days)
            _rejudge(deadline)
        count += 1
    return count


def _rejudge(deadline: Deadline) -> None:
    """The judgement of a recomputed row on its true due date (``deadlines_refresh_provisional``)."""
    if deadline.rule in PETITIONER_WINDOWS:
        return
    due = deadline.statutory_due
    met_on = local_date(deadline.met_at) if deadline.met_at else None
    if deadline.status == Deadline.Status.MET and met_on is not None:
        deadline.met_late = met_on > due
        deadline.save(update_fields=["met_late"])
    elif deadline.status == Deadline.Status.BREACHED and deadline.breached_at is not None:
        if met_on is not None and met_on <= due:
            _withdraw_breach(deadline)
            deadline.status, deadline.met_late, deadline.breached_at = Deadline.Status.MET, False, None
        elif met_on is None and local_date(deadline.breached_at) <= due:
            _withdraw_breach(deadline)
            deadline.status, deadline.breached_at = Deadline.Status.OPEN, None
        else:
            return
        deadline.save(update_fields=["status", "met_late", "breached_at"])


def uncovered_years_in_use() -> list[int]:
    """Years that open deadlines need but no calendar covers: admins are warned to load them."""
    years = (
        Deadline.objects.filter(status=Deadline.Status.OPEN, is_provisional=True)
        .values_list("nominal_due__year", flat=True)
        .distinct()
    )
    return sorted(set(years))


def due_soon_cutoff(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.MINSHENG_DUE_SOON_DAYS)


def deadline_claim_due_soon(deadline_id: int, now: dt.datetime) -> bool:
    """Compare-and-set: True only for the one worker that marks it."""
    return (
        Deadline.objects.filter(pk=deadline_id, status=Deadline.Status.OPEN, due_soon_at=None).update(
            due_soon_at=now
        )
        == 1
    )


def deadline_claim_breach(deadline_id: int, now: dt.datetime, *, expired: bool) -> bool:
    status = Deadline.Status.EXPIRED if expired else Deadline.Status.BREACHED
    return (
        Deadline.objects.filter(pk=deadline_id, status=Deadline.Status.OPEN).update(
            status=status, breached_at=now
        )
        == 1
    )


__all__ = [
    "PETITIONER_WINDOWS",
    "CalendarNotCovered",
    "DueResult",
    "calendar_bump_version",
    "compute_rule_due",
    "deadline_cancel",
    "deadline_get_open",
    "deadline_meet",
    "deadline_open",
    "deadline_recompute",
    "deadline_waive",
    "deadline_withdraw_breach",
    "holiday_calendar",
    "local_date",
    "uncovered_years_in_use",
]
