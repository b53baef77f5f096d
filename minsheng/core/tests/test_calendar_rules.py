"""R-CNT-1…7 (REGULATIONS.md §0.2): unit tests pinning the counting rules of minsheng.core.calendar
to exact dates around the real 2024–2026 holidays and make-up working days (调休上班日). Pure and
fast: they kill the mutants that ``make mutation-deadlines`` (scripts/mutation.py) found surviving
the behaviour tests. Every date below was checked with ``minsheng deadline RULE --from DATE``.

The holidays used: 2024 Spring Festival 02-10…02-17 (make-up Sun 02-04, Sun 02-18); 2024 National
Day 10-01…10-07 (make-up Sun 09-29, Sat 10-12); 2025 National Day 10-01…10-08 (make-up Sun 09-28,
Sat 10-11); 2026 Spring Festival 02-15…02-23 (make-up Sat 02-14, Sat 02-28)."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.core.calendar import (
    CalendarNotCovered,
    DueDate,
    HolidayCalendar,
    Period,
    Unit,
    add_calendar_days,
    add_working_days,
    chinese_calendar_data,
    compute_due,
    inclusive_days,
    provisional_due,
    roll_forward,
)

D = dt.date
# The package's data, computed afresh (not through the lru_cache): the mutation runner swaps the
# function's code, and a cached result would hide the mutant.
CAL = chinese_calendar_data.__wrapped__()  # type: ignore[attr-defined]


def cal(length: int) -> Period:
    return Period(length, Unit.CALENDAR)


def wd(length: int) -> Period:
    return Period(length, Unit.WORKING)


# -- the calendar data (R-CNT-5) ------------------------------------------------------------------


def test_the_package_covers_2004_to_2026_and_nothing_else() -> None:
    data = chinese_calendar_data.__wrapped__()  # type: ignore[attr-defined]
    assert data.years == frozenset(range(2004, 2027))
    assert data.covers(2004) and data.covers(2026)
    assert not data.covers(2003) and not data.covers(2027)
    assert D(2025, 10, 1) in data.holidays and D(2025, 10, 1) not in data.workdays
    assert D(2025, 10, 11) in data.workdays and D(2025, 10, 11) not in data.holidays
    assert chinese_calendar_data() == data


def test_a_year_with_holidays_but_no_make_up_days_is_still_covered(monkeypatch: pytest.MonkeyPatch) -> None:
    # The first and last years come from holidays and make-up days together: a year whose schedule
    # has no make-up day (or no holiday in the data) is covered all the same.
    from chinese_calendar import constants

    monkeypatch.setattr(constants, "holidays", {D(2003, 1, 1): "New Year", D(2027, 1, 1): "New Year"})
    monkeypatch.setattr(constants, "workdays", {D(2004, 1, 17): "make-up", D(2026, 10, 10): "make-up"})
    data = chinese_calendar_data.__wrapped__()  # type: ignore[attr-defined]
    assert data.years == frozenset(range(2003, 2028))
    monkeypatch.setattr(constants, "holidays", {D(2005, 1, 1): "New Year", D(2025, 1, 1): "New Year"})
    monkeypatch.setattr(constants, "workdays", {D(2004, 1, 17): "make-up", D(2026, 10, 10): "make-up"})
    data = chinese_calendar_data.__wrapped__()  # type: ignore[attr-defined]
    assert data.years == frozenset(range(2004, 2027))
    assert data.holidays == {D(2005, 1, 1), D(2025, 1, 1)}
    assert data.workdays == {D(2004, 1, 17), D(2026, 10, 10)}


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (D(2024, 2, 4), True),  # make-up Sunday before the 2024 Spring Festival
        (D(2024, 2, 10), False),  # Spring Festival, a Saturday
        (D(2024, 2, 14), False),  # Spring Festival, a Wednesday
        (D(2024, 2, 18), True),  # make-up Sunday after it
        (D(2024, 9, 29), True),  # make-up Sunday before National Day 2024
        (D(2024, 10, 7), False),  # National Day 2024, a Monday
        (D(2024, 10, 12), True),  # make-up Saturday
        (D(2025, 10, 8), False),  # last day of National Day 2025, a Wednesday
        (D(2025, 10, 11), True),  # make-up Saturday
        (D(2025, 11, 29), False),  # an ordinary Saturday
        (D(2025, 11, 30), False),  # an ordinary Sunday
        (D(2025, 11, 28), True),  # an ordinary Friday
        (D(2025, 12, 1), True),  # an ordinary Monday
        (D(2026, 2, 14), True),  # make-up Saturday before the 2026 Spring Festival
        (D(2026, 2, 23), False),  # its last day, a Monday
    ],
)
def test_working_and_rest_days(day: dt.date, workday: bool) -> None:
    assert CAL.is_workday(day) is workday
    assert CAL.is_rest_day(day) is (not workday)


@pytest.mark.parametrize("day", [D(2027, 1, 4), D(2003, 12, 31), D(2027, 10, 1)])
def test_a_year_not_covered_raises_and_names_the_year(day: dt.date) -> None:
    with pytest.raises(CalendarNotCovered) as info:
        CAL.is_workday(day)
    assert info.value.year == day.year
    assert str(day.year) in str(info.value)
    with pytest.raises(CalendarNotCovered):
        CAL.is_rest_day(day)


def test_answers_that_need_an_uncovered_year_raise() -> None:
    # 2026-11-29 + 60 = 2027-01-28: the due date lies in 2027.
    with pytest.raises(CalendarNotCovered) as info:
        compute_due(CAL, cal(60), D(2026, 11, 29))
    assert info.value.year == 2027
    with pytest.raises(CalendarNotCovered):
        add_working_days(CAL, D(2026, 12, 28), 5)  # the 5th working day is in 2027
    with pytest.raises(CalendarNotCovered):
        roll_forward(CAL, D(2027, 1, 2))


def test_an_empty_calendar_covers_nothing() -> None:
    empty = HolidayCalendar()
    assert not empty.covers(2025)
    with pytest.raises(CalendarNotCovered):
        empty.is_workday(D(2025, 12, 1))


# -- calendar-day periods: start day excluded, roll-over (R-CNT-2, R-CNT-3) ------------------------


@pytest.mark.parametrize(
    ("length", "start", "nominal", "statutory"),
    [
        (60, D(2025, 9, 30), D(2025, 11, 29), D(2025, 12, 1)),  # D-HANDLE-60: Saturday -> Monday
        (15, D(2025, 9, 20), D(2025, 10, 5), D(2025, 10, 9)),  # D-BUREAU-15 into National Day 2025
        (15, D(2024, 9, 14), D(2024, 9, 29), D(2024, 9, 29)),  # on a make-up Sunday: no roll-over
        (30, D(2024, 1, 11), D(2024, 2, 10), D(2024, 2, 18)),  # Spring Festival -> make-up Sunday
        (30, D(2026, 1, 16), D(2026, 2, 15), D(2026, 2, 24)),  # Spring Festival 2026 -> Tuesday
        (30, D(2025, 10, 29), D(2025, 11, 28), D(2025, 11, 28)),  # a Friday: nothing to roll
        (0, D(2025, 10, 1), D(2025, 10, 1), D(2025, 10, 9)),  # zero days from a holiday
    ],
)
def test_calendar_day_periods(length: int, start: dt.date, nominal: dt.date, statutory: dt.date) -> None:
    assert compute_due(CAL, cal(length), start) == DueDate(start, nominal, statutory)
    assert add_calendar_days(start, length) == nominal


def test_counting_the_start_day_is_one_day_earlier() -> None:
    # MINSHENG_COUNT_START_DAY: the start day is day 1 (a local practice; exclusive is the default).
    assert compute_due(CAL, cal(60), D(2025, 9, 30), count_start_day=True) == DueDate(
        D(2025, 9, 30), D(2025, 11, 28), D(2025, 11, 28)
    )
    assert add_calendar_days(D(2025, 9, 30), 60, count_start_day=True) == D(2025, 11, 28)
    assert add_calendar_days(D(2025, 9, 30), 1, count_start_day=True) == D(2025, 9, 30)
    assert add_calendar_days(D(2025, 9, 30), 1) == D(2025, 10, 1)
    # a zero-day period ends on the start day either way, never the day before it
    assert add_calendar_days(D(2025, 9, 30), 0, count_start_day=True) == D(2025, 9, 30)
    assert add_calendar_days(D(2025, 9, 30), 0) == D(2025, 9, 30)


def test_negative_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_calendar_days(D(2025, 9, 30), -1)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(CAL, D(2025, 9, 30), -1)
    with pytest.raises(ValueError, match="negative"):
        compute_due(CAL, cal(60), D(2025, 9, 30), extra_days=-1)


def test_roll_over_switch_off_keeps_the_rest_day() -> None:
    assert compute_due(CAL, cal(15), D(2025, 9, 20), rollover=False) == DueDate(
        D(2025, 9, 20), D(2025, 10, 5), D(2025, 10, 5)
    )
    assert compute_due(CAL, wd(10), D(2025, 9, 30), extra_days=5, rollover=False) == DueDate(
        D(2025, 9, 30), D(2025, 10, 26), D(2025, 10, 26)
    )


@pytest.mark.parametrize(
    ("day", "rolled"),
    [
        (D(2025, 12, 1), D(2025, 12, 1)),  # a working day stays
        (D(2025, 11, 29), D(2025, 12, 1)),  # a Saturday -> Monday
        (D(2025, 10, 1), D(2025, 10, 9)),  # the whole National Day holiday
        (D(2025, 10, 5), D(2025, 10, 9)),
        (D(2024, 2, 10), D(2024, 2, 18)),  # onto the make-up Sunday
        (D(2025, 10, 11), D(2025, 10, 11)),  # a make-up Saturday is a working day
    ],
)
def test_roll_forward(day: dt.date, rolled: dt.date) -> None:
    assert roll_forward(CAL, day) == rolled


# -- working-day periods (R-CNT-4) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "start", "count_start_day", "due"),
    [
        (10, D(2025, 9, 30), False, D(2025, 10, 21)),  # D-SIMPLE-HANDLE-10WD: 10-11 counts
        (5, D(2025, 9, 26), False, D(2025, 10, 10)),  # D-OBJECTION-5WD: 9-28 (make-up Sun) counts
        (5, D(2025, 9, 26), True, D(2025, 10, 9)),  # the start day (a Friday) counted as day 1
        (5, D(2025, 9, 27), True, D(2025, 10, 10)),  # a Saturday start is never day 1
        (5, D(2025, 9, 28), False, D(2025, 10, 11)),  # from a make-up Sunday, not counted
        (5, D(2025, 9, 28), True, D(2025, 10, 10)),  # ... counted: it is a working day
        (3, D(2024, 2, 8), False, D(2024, 2, 19)),  # D-SIMPLE-ACCEPT-3WD: 2-9, 2-18, 2-19
        (1, D(2026, 2, 13), False, D(2026, 2, 14)),  # the next day, a make-up Saturday
        (1, D(2026, 2, 14), False, D(2026, 2, 24)),  # across the 2026 Spring Festival
        (1, D(2026, 2, 14), True, D(2026, 2, 14)),
        (10, D(2026, 2, 12), False, D(2026, 3, 4)),
        (0, D(2025, 9, 30), False, D(2025, 9, 30)),
        (0, D(2025, 9, 30), True, D(2025, 9, 30)),
    ],
)
def test_working_day_periods(length: int, start: dt.date, count_start_day: bool, due: dt.date) -> None:
    assert add_working_days(CAL, start, length, count_start_day=count_start_day) == due
    assert compute_due(CAL, wd(length), start, count_start_day=count_start_day) == DueDate(start, due, due)


def test_a_zero_day_period_needs_no_calendar() -> None:
    assert add_working_days(CAL, D(2027, 1, 4), 0) == D(2027, 1, 4)
    assert add_working_days(CAL, D(2027, 1, 4), 0, count_start_day=True) == D(2027, 1, 4)


def test_working_days_with_extra_days_are_rolled_once() -> None:
    # 10 working days from 2025-09-30 = 10-21; + 5 calendar days = 10-26 (Sunday) -> 10-27.
    assert compute_due(CAL, wd(10), D(2025, 9, 30), extra_days=5) == DueDate(
        D(2025, 9, 30), D(2025, 10, 26), D(2025, 10, 27)
    )
    # + 3 = 10-24, a Friday: nothing to roll
    assert compute_due(CAL, wd(10), D(2025, 9, 30), extra_days=3) == DueDate(
        D(2025, 9, 30), D(2025, 10, 24), D(2025, 10, 24)
    )
    assert compute_due(CAL, wd(5), D(2025, 9, 26), extra_days=1, count_start_day=True) == DueDate(
        D(2025, 9, 26), D(2025, 10, 10), D(2025, 10, 10)
    )


# -- extensions and hearing days: added before one roll-over (Art. 34, R-CNT-7) ------------------


def test_extension_is_added_before_a_single_roll_over() -> None:
    # 2025-08-02 + 60 = 10-01 (National Day). Rolled first (10-09) and then extended by 10 it
    # would be 10-19 (Sunday) -> 10-20; the law: 08-02 + 70 = 10-11, a make-up Saturday.
    assert compute_due(CAL, cal(60), D(2025, 8, 2), extra_days=10) == DueDate(
        D(2025, 8, 2), D(2025, 10, 11), D(2025, 10, 11)
    )
    assert compute_due(CAL, cal(60), D(2025, 9, 1), extra_days=30) == DueDate(
        D(2025, 9, 1), D(2025, 11, 30), D(2025, 12, 1)
    )


def test_hearing_days_extend_the_recheck_clock() -> None:
    # D-RECHECK-30 from 2025-09-01 with a 3-day hearing: 10-04 (National Day) -> 10-09.
    hearing = inclusive_days(D(2025, 9, 10), D(2025, 9, 12))
    assert hearing == 3
    assert compute_due(CAL, cal(30), D(2025, 9, 1), extra_days=hearing) == DueDate(
        D(2025, 9, 1), D(2025, 10, 4), D(2025, 10, 9)
    )
    assert compute_due(CAL, cal(30), D(2025, 9, 1), extra_days=2, count_start_day=True) == DueDate(
        D(2025, 9, 1), D(2025, 10, 2), D(2025, 10, 9)
    )


@pytest.mark.parametrize(
    ("first", "last", "days"),
    [
        (D(2025, 9, 10), D(2025, 9, 10), 1),
        (D(2025, 9, 10), D(2025, 9, 12), 3),
        (D(2025, 9, 29), D(2025, 10, 9), 11),
        (D(2024, 2, 28), D(2024, 3, 1), 3),  # a leap year
    ],
)
def test_inclusive_days(first: dt.date, last: dt.date, days: int) -> None:
    assert inclusive_days(first, last) == days


def test_inclusive_days_refuses_a_last_day_before_the_first() -> None:
    with pytest.raises(ValueError, match="before the first"):
        inclusive_days(D(2025, 9, 12), D(2025, 9, 11))


# -- provisional due dates (R-CNT-5: never guessed, but alerts early) ----------------------------


def test_provisional_due_treats_every_day_as_a_working_day() -> None:
    assert provisional_due(cal(60), D(2026, 11, 29)) == DueDate(
        D(2026, 11, 29), D(2027, 1, 28), D(2027, 1, 28)
    )
    assert provisional_due(wd(10), D(2026, 12, 25)) == DueDate(D(2026, 12, 25), D(2027, 1, 4), D(2027, 1, 4))
    assert provisional_due(cal(30), D(2026, 12, 20), extra_days=5) == DueDate(
        D(2026, 12, 20), D(2027, 1, 24), D(2027, 1, 24)
    )
    assert provisional_due(cal(30), D(2026, 12, 20), count_start_day=True) == DueDate(
        D(2026, 12, 20), D(2027, 1, 18), D(2027, 1, 18)
    )


# -- an admin's calendar overrides (CalendarDay rows) --------------------------------------------


def test_override_makes_a_weekday_a_holiday() -> None:
    changed = CAL.with_overrides({D(2025, 12, 1): False})
    assert changed.is_workday(D(2025, 12, 1)) is False
    assert compute_due(changed, cal(60), D(2025, 9, 30)).statutory_due == D(2025, 12, 2)
    assert add_working_days(changed, D(2025, 11, 28), 1) == D(2025, 12, 2)
    assert CAL.is_workday(D(2025, 12, 1)) is True  # the base calendar is unchanged


def test_override_removes_a_make_up_day() -> None:
    changed = CAL.with_overrides({D(2025, 10, 11): False})
    assert changed.is_workday(D(2025, 10, 11)) is False
    assert D(2025, 10, 11) not in changed.workdays
    # 08-02 + 70 = 10-11 is no longer a working day: rolled to Monday 10-13
    assert compute_due(changed, cal(60), D(2025, 8, 2), extra_days=10).statutory_due == D(2025, 10, 13)
    assert add_working_days(changed, D(2025, 9, 30), 10) == D(2025, 10, 22)
    assert CAL.is_workday(D(2025, 10, 11)) is True


def test_override_un_holidays_a_weekday() -> None:
    changed = CAL.with_overrides({D(2025, 10, 8): True})
    assert changed.is_workday(D(2025, 10, 8)) is True
    assert D(2025, 10, 8) not in changed.holidays
    assert D(2025, 10, 8) not in changed.workdays  # make-up days are weekend days only
    assert compute_due(changed, cal(15), D(2025, 9, 20)).statutory_due == D(2025, 10, 8)
    assert add_working_days(changed, D(2025, 9, 30), 1) == D(2025, 10, 8)
    assert CAL.is_workday(D(2025, 10, 8)) is False


def test_override_makes_a_weekend_day_a_make_up_day_and_a_holiday_weekend_day_a_working_day() -> None:
    changed = CAL.with_overrides({D(2025, 11, 30): True, D(2025, 10, 4): True})
    assert changed.is_workday(D(2025, 11, 30)) is True  # an ordinary Sunday
    assert changed.is_workday(D(2025, 10, 4)) is True  # a Saturday inside National Day
    assert D(2025, 11, 30) in changed.workdays and D(2025, 10, 4) not in changed.holidays
    assert compute_due(changed, cal(60), D(2025, 10, 1)).statutory_due == D(2025, 11, 30)


def test_override_naming_a_rest_day_keeps_it_a_rest_day() -> None:
    # a Saturday and a National Day holiday (a Friday) named explicitly as rest days
    changed = CAL.with_overrides({D(2025, 11, 29): False, D(2025, 10, 3): False})
    assert changed.is_workday(D(2025, 11, 29)) is False
    assert changed.is_workday(D(2025, 10, 3)) is False
    assert D(2025, 11, 29) in changed.holidays


def test_override_of_an_uncovered_year_extends_the_calendar() -> None:
    extended = CAL.with_overrides({D(2027, 1, 1): False, D(2027, 2, 6): True}, extra_years=[2027])
    assert extended.years == frozenset(range(2004, 2028))
    assert extended.is_workday(D(2027, 1, 1)) is False
    assert extended.is_workday(D(2027, 2, 6)) is True  # a Saturday made a working day
    assert extended.is_workday(D(2027, 1, 4)) is True
    assert extended.is_workday(D(2026, 10, 1)) is False  # the package's data is kept
    assert compute_due(extended, cal(60), D(2026, 11, 29)) == DueDate(
        D(2026, 11, 29), D(2027, 1, 28), D(2027, 1, 28)
    )
    assert not CAL.covers(2027)
    # overrides alone do not cover a year
    with pytest.raises(CalendarNotCovered):
        CAL.with_overrides({D(2027, 1, 1): False}).is_workday(D(2027, 1, 1))
