"""Holiday calendar and statutory period arithmetic (pure: no Django).

Counting rules (REGULATIONS.md §0.2):
- R-CNT-2: the start day is not counted; day 1 is the day after the start (configurable).
- R-CNT-3: a calendar-day period whose last day is a rest day rolls to the next working day
  (``statutory_due``); ``nominal_due`` is the unrolled last day. Official make-up working days
  (调休上班日) are working days, so nothing rolls over them.
- R-CNT-4: a working-day period ends on the n-th working day strictly after the start day.
- R-CNT-5: a date in a year that no calendar covers is never guessed: ``CalendarNotCovered``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

ONE_DAY = dt.timedelta(days=1)


class CalendarNotCovered(Exception):
    """The holiday calendar has no data for a year that a computation needs."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"no holiday calendar for {year}: load the State Council's {year} holiday schedule "
            f"(admin → calendar) before computing due dates in {year}"
        )
        self.year = year


class Unit(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True)
class HolidayCalendar:
    """Rest days and make-up working days for the years it covers.

    ``holidays``: dates that are official rest days (whatever weekday they fall on).
    ``workdays``: official make-up working days (usually a Saturday or Sunday).
    ``years``: the years for which the data is complete. Outside them, every query raises.
    """

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_workday(self, day: dt.date) -> bool:
        if day.year not in self.years:
            raise CalendarNotCovered(day.year)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_rest_day(self, day: dt.date) -> bool:
        return not self.is_workday(day)

    def with_overrides(
        self, overrides: Mapping[dt.date, bool], extra_years: Iterable[int] = ()
    ) -> HolidayCalendar:
        """A new calendar where ``overrides`` (date → is_workday) win, covering ``extra_years`` too.

        An override True on a weekend makes a make-up working day; False on a weekday a holiday.
        """
        holidays = set(self.holidays)
        workdays = set(self.workdays)
        for day, is_workday in overrides.items():
            holidays.discard(day)
            workdays.discard(day)
            if is_workday and day.weekday() >= 5:
                workdays.add(day)  # a make-up working day; a weekday True is simply not a holiday
            elif not is_workday:
                holidays.add(day)  # a weekday made a holiday (a weekend rest day named: harmless)
        return HolidayCalendar(frozenset(holidays), frozenset(workdays), self.years | frozenset(extra_years))


@lru_cache(maxsize=1)
def chinese_calendar_data() -> HolidayCalendar:
    """The calendar shipped by the ``chinesecalendar`` package (2004 to its last year)."""
    from chinese_calendar import constants

    holidays = frozenset(constants.holidays)
    workdays = frozenset(constants.workdays)
    last_year = max(d.year for d in holidays | workdays)
    first_year = min(d.year for d in holidays | workdays)
    return HolidayCalendar(holidays, workdays, frozenset(range(first_year, last_year + 1)))


@dataclass(frozen=True)
class Period:
    """One statutory period: ``length`` units counted from a start date."""

    length: int
    unit: Unit


@dataclass(frozen=True)
class DueDate:
    start: dt.date
    nominal_due: dt.date
    statutory_due: dt.date


def add_calendar_days(start: dt.date, days: int, *, count_start_day: bool = False) -> dt.date:
    """The last day of a period of ``days`` calendar days beginning after ``start``."""
    if days < 0:
        raise ValueError("a period cannot be negative")
    offset = days - 1 if count_start_day and days > 0 else days
    return start + dt.timedelta(days=offset)


def add_working_days(
    calendar: HolidayCalendar, start: dt.date, days: int, *, count_start_day: bool = False
) -> dt.date:
    """The ``days``-th working day after ``start`` (the start day counts as day 1 only if it is a
    working day and ``count_start_day`` is set)."""
    if days < 0:
        raise ValueError("a period cannot be negative")
    remaining = days
    day = start
    if count_start_day and days > 0 and calendar.is_workday(start):
        remaining -= 1
    while remaining > 0:
        day += ONE_DAY
        if calendar.is_workday(day):
            remaining -= 1
    return day


def roll_forward(calendar: HolidayCalendar, day: dt.date) -> dt.date:
    """``day`` if it is a working day, else the next working day (民法典 Art. 203)."""
    while not calendar.is_workday(day):
        day += ONE_DAY
    return day


def compute_due(
    calendar: HolidayCalendar,
    period: Period,
    start: dt.date,
    *,
    extra_days: int = 0,
    count_start_day: bool = False,
    rollover: bool = True,
) -> DueDate:
    """Due dates of ``period`` started on ``start``.

    ``extra_days`` are calendar days added before any roll-over (approved extensions, excluded
    hearing days): due = start + length + extra, rolled once (rules.yaml extension_arithmetic).
    Raises CalendarNotCovered when the answer depends on a year the calendar lacks.
    """
    if extra_days < 0:
        raise ValueError("extra days cannot be negative")
    if period.unit is Unit.WORKING:
        nominal = add_working_days(calendar, start, period.length, count_start_day=count_start_day)
        if extra_days:
            nominal = add_calendar_days(nominal, extra_days)
        statutory = roll_forward(calendar, nominal) if rollover else nominal
        return DueDate(start, nominal, statutory)
    nominal = add_calendar_days(start, period.length + extra_days, count_start_day=count_start_day)
    statutory = roll_forward(calendar, nominal) if rollover else nominal
    return DueDate(start, nominal, statutory)


def provisional_due(
    period: Period, start: dt.date, *, extra_days: int = 0, count_start_day: bool = False
) -> DueDate:
    """A lower bound used only when the calendar does not cover the answer.

    Every day is treated as a working day, so the true due date is never earlier than this: alerts
    come early, never late. Callers must label the result provisional; it is never a final answer.
    """
    nominal = add_calendar_days(start, period.length + extra_days, count_start_day=count_start_day)
    return DueDate(start, nominal, nominal)


def inclusive_days(first: dt.date, last: dt.date) -> int:
    """Number of days from ``first`` to ``last`` counting both (hearing exclusion, R-CNT-7)."""
    if last < first:
        raise ValueError("the last day is before the first")
    return (last - first).days + 1


#: The calendar periods a figure, a duty or an assessment is counted over, in months.
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def calendar_period(day: dt.date, per: str) -> tuple[dt.date, dt.date]:
    """The calendar month, quarter or year (``per``) holding ``day``: its first and last day."""
    months = PERIOD_MONTHS.get(per)
    if months is None:
        raise ValueError(f"per must be one of {', '.join(PERIOD_MONTHS)}")
    first_month = (day.month - 1) // months * months + 1
    index = day.year * 12 + first_month - 1 + months  # the month after the period, counted from year 0
    following = dt.date(index // 12, index % 12 + 1, 1)
    return dt.date(day.year, first_month, 1), following - dt.timedelta(days=1)
