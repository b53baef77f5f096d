"""Calendar and deadline arithmetic with the real 2025–2026 holidays and make-up days (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.core.calendar import (
    CalendarNotCovered,
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

CAL = chinese_calendar_data()
D = dt.date


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (D(2025, 10, 1), False),  # National Day
        (D(2025, 10, 8), False),  # last day of the 2025 National Day holiday
        (D(2025, 9, 28), True),  # make-up Sunday
        (D(2025, 10, 11), True),  # make-up Saturday
        (D(2026, 2, 15), False),  # 2026 Spring Festival holiday starts
        (D(2026, 2, 23), False),  # ... and ends
        (D(2026, 2, 14), True),  # make-up Saturday
        (D(2026, 2, 28), True),  # make-up Saturday
        (D(2025, 1, 1), False),
        (D(2025, 11, 29), False),  # an ordinary Saturday
        (D(2025, 12, 1), True),  # an ordinary Monday
    ],
)
def test_real_calendar(day: dt.date, workday: bool) -> None:
    assert CAL.is_workday(day) is workday


def test_uncovered_year_is_never_guessed() -> None:
    with pytest.raises(CalendarNotCovered) as info:
        CAL.is_workday(D(2027, 3, 1))
    assert info.value.year == 2027
    with pytest.raises(CalendarNotCovered):
        compute_due(CAL, Period(60, Unit.CALENDAR), D(2026, 11, 29))


def test_scenario_s01_simplified_ten_working_days() -> None:
    # REGULATIONS.md §21.11: the make-up Saturday 2025-10-11 counts, so the 10th working day is 10-21.
    due = compute_due(CAL, Period(10, Unit.WORKING), D(2025, 9, 30))
    assert due.nominal_due == D(2025, 10, 21)
    assert due.statutory_due == D(2025, 10, 21)


def test_sixty_days_roll_over_a_weekend() -> None:
    due = compute_due(CAL, Period(60, Unit.CALENDAR), D(2025, 9, 30))
    assert due.nominal_due == D(2025, 11, 29)  # Saturday
    assert due.statutory_due == D(2025, 12, 1)  # next Monday


def test_fifteen_days_ending_in_the_spring_festival_roll_to_the_first_working_day() -> None:
    due = compute_due(CAL, Period(15, Unit.CALENDAR), D(2026, 2, 1))
    assert due.nominal_due == D(2026, 2, 16)
    assert due.statutory_due == D(2026, 2, 24)


def test_no_roll_over_onto_a_make_up_saturday() -> None:
    # 2025-09-13 + 15 = 2025-09-28, a make-up Sunday: a working day, so nothing rolls.
    due = compute_due(CAL, Period(15, Unit.CALENDAR), D(2025, 9, 13))
    assert due.nominal_due == due.statutory_due == D(2025, 9, 28)


def test_objection_five_working_days_across_national_day() -> None:
    # 9-30, 10-09, 10-10, 10-11 (make-up Saturday), 10-13
    assert add_working_days(CAL, D(2025, 9, 29), 5) == D(2025, 10, 13)


def test_extension_added_before_a_single_roll_over() -> None:
    due = compute_due(CAL, Period(60, Unit.CALENDAR), D(2025, 9, 1), extra_days=30)
    assert due.nominal_due == D(2025, 11, 30)  # Sunday
    assert due.statutory_due == D(2025, 12, 1)


def test_inclusive_start_day_variant() -> None:
    assert add_calendar_days(D(2025, 3, 1), 60, count_start_day=True) == D(2025, 4, 29)
    assert add_calendar_days(D(2025, 3, 1), 60) == D(2025, 4, 30)


def test_rollover_switch_off() -> None:
    due = compute_due(CAL, Period(60, Unit.CALENDAR), D(2025, 9, 30), rollover=False)
    assert due.statutory_due == due.nominal_due == D(2025, 11, 29)


def test_admin_overrides_extend_the_calendar() -> None:
    extended = CAL.with_overrides({D(2027, 1, 1): False, D(2027, 2, 6): True}, extra_years=[2027])
    assert extended.is_workday(D(2027, 1, 1)) is False
    assert extended.is_workday(D(2027, 2, 6)) is True  # a Saturday made a working day
    assert extended.is_workday(D(2027, 1, 4)) is True
    assert compute_due(extended, Period(60, Unit.CALENDAR), D(2026, 11, 29)).nominal_due == D(2027, 1, 28)


def test_provisional_is_a_lower_bound() -> None:
    due = provisional_due(Period(10, Unit.WORKING), D(2026, 12, 25))
    assert due.nominal_due == D(2027, 1, 4)


def test_hearing_days_are_inclusive() -> None:
    assert inclusive_days(D(2025, 5, 6), D(2025, 5, 8)) == 3


days_2025_2026 = st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 9, 30))


@settings(max_examples=300, deadline=None)
@given(start=days_2025_2026, length=st.integers(min_value=0, max_value=90))
def test_calendar_period_properties(start: dt.date, length: int) -> None:
    due = compute_due(CAL, Period(length, Unit.CALENDAR), start)
    assert (due.nominal_due - start).days == length
    assert due.statutory_due >= due.nominal_due
    assert CAL.is_workday(due.statutory_due)
    # every day strictly between nominal and statutory is a rest day
    day = due.nominal_due
    while day < due.statutory_due:
        assert not CAL.is_workday(day)
        day += dt.timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(start=days_2025_2026, length=st.integers(min_value=1, max_value=30))
def test_working_day_properties(start: dt.date, length: int) -> None:
    due = add_working_days(CAL, start, length)
    assert CAL.is_workday(due)
    count = sum(1 for i in range(1, (due - start).days + 1) if CAL.is_workday(start + dt.timedelta(days=i)))
    assert count == length
    # monotone: one more working day is strictly later
    assert add_working_days(CAL, start, length + 1) > due


@settings(max_examples=200, deadline=None)
@given(start=days_2025_2026, a=st.integers(0, 60), b=st.integers(0, 60))
def test_monotone_in_length(start: dt.date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    first = compute_due(CAL, Period(lo, Unit.CALENDAR), start)
    second = compute_due(CAL, Period(hi, Unit.CALENDAR), start)
    assert first.nominal_due <= second.nominal_due
    assert first.statutory_due <= second.statutory_due


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=D(2025, 1, 1), max_value=D(2026, 12, 20)))
def test_roll_forward_idempotent(day: dt.date) -> None:
    once = roll_forward(CAL, day)
    assert roll_forward(CAL, once) == once


def test_empty_calendar_refuses_everything() -> None:
    with pytest.raises(CalendarNotCovered):
        HolidayCalendar().is_workday(D(2025, 1, 2))


def test_calendar_period_is_the_month_quarter_or_year_holding_the_day() -> None:
    from minsheng.core.calendar import calendar_period

    d = dt.date
    assert calendar_period(d(2024, 2, 29), "month") == (d(2024, 2, 1), d(2024, 2, 29))
    assert calendar_period(d(2025, 2, 10), "month") == (d(2025, 2, 1), d(2025, 2, 28))
    assert calendar_period(d(2025, 12, 31), "month") == (d(2025, 12, 1), d(2025, 12, 31))
    assert calendar_period(d(2025, 3, 31), "quarter") == (d(2025, 1, 1), d(2025, 3, 31))
    assert calendar_period(d(2025, 4, 1), "quarter") == (d(2025, 4, 1), d(2025, 6, 30))
    assert calendar_period(d(2025, 11, 15), "quarter") == (d(2025, 10, 1), d(2025, 12, 31))
    assert calendar_period(d(2024, 7, 4), "year") == (d(2024, 1, 1), d(2024, 12, 31))
    with pytest.raises(ValueError):
        calendar_period(d(2025, 1, 1), "week")
