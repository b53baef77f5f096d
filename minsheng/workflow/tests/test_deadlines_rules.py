"""R-CNT-1…7 bound to the Deadline rows (minsheng.workflow.deadlines): unit tests pinning exact dates,
late/on-time completion and, above all, that every operation on a petition's deadlines touches
that petition's rows only — each test keeps a second petition and checks it is untouched. They kill
the mutants that ``make mutation-deadlines`` (scripts/mutation.py) found surviving the behaviour
tests. Dates checked with ``minsheng deadline RULE --from DATE``.

The petitions are bare rows (no demo world): the functions under test read and write Deadline,
SupervisionOrder and the petition's list flags only."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.test import override_settings
from django.utils import timezone

from minsheng.core.calendar import CalendarNotCovered, DueDate, Unit, chinese_calendar_data
from minsheng.core.rules import DeadlineRule, get_rule
from minsheng.orgs.models import Organ, Region
from minsheng.petitions.models import Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import CalendarDay, CalendarYear, Deadline, SupervisionOrder

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN, MET, BREACHED = Deadline.Status.OPEN, Deadline.Status.MET, Deadline.Status.BREACHED
_codes = itertools.count()


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# -- pure: compute_rule_due, rule_length, local_date, due_soon_cutoff (no database) --------------

CAL = chinese_calendar_data()


@pytest.mark.parametrize(
    ("rule", "start", "nominal", "statutory", "length"),
    [
        ("D-HANDLE-60", D(2025, 9, 30), D(2025, 11, 29), D(2025, 12, 1), 60),
        ("D-BUREAU-15", D(2025, 9, 20), D(2025, 10, 5), D(2025, 10, 9), 15),
        ("D-NOTICE-15", D(2024, 9, 14), D(2024, 9, 29), D(2024, 9, 29), 15),
        ("D-REVIEW-30", D(2024, 1, 11), D(2024, 2, 10), D(2024, 2, 18), 30),
        ("D-RECHECK-30", D(2026, 1, 16), D(2026, 2, 15), D(2026, 2, 24), 30),
        ("D-OBJECTION-5WD", D(2025, 9, 26), D(2025, 10, 10), D(2025, 10, 10), 5),
        ("D-OBJECTION-5WD", D(2025, 9, 28), D(2025, 10, 11), D(2025, 10, 11), 5),
        ("D-SIMPLE-ACCEPT-3WD", D(2024, 2, 8), D(2024, 2, 19), D(2024, 2, 19), 3),
        ("D-SIMPLE-HOP-1WD", D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 24), 1),
        ("D-SIMPLE-HANDLE-10WD", D(2025, 9, 30), D(2025, 10, 21), D(2025, 10, 21), 10),
    ],
)
def test_rule_due_dates(rule: str, start: dt.date, nominal: dt.date, statutory: dt.date, length: int) -> None:
    result = dl.compute_rule_due(rule, start, calendar=CAL)
    assert result.due == DueDate(start, nominal, statutory)
    assert result.length == length
    assert result.is_provisional is False
    assert result.rule.id == rule


def test_extension_and_hearing_days_are_added_before_one_roll_over() -> None:
    # D-HANDLE-60 from 2025-08-02 + 10 days' extension: 10-11, a make-up Saturday (not 10-20).
    extended = dl.compute_rule_due("D-HANDLE-60", D(2025, 8, 2), extra_days=10, calendar=CAL)
    assert extended.due == DueDate(D(2025, 8, 2), D(2025, 10, 11), D(2025, 10, 11))
    assert extended.length == 60
    # D-RECHECK-30 from 2025-09-01 + 3 hearing days: 10-04 -> 10-09
    hearing = dl.compute_rule_due("D-RECHECK-30", D(2025, 9, 1), extra_days=3, calendar=CAL)
    assert hearing.due == DueDate(D(2025, 9, 1), D(2025, 10, 4), D(2025, 10, 9))


def test_the_immediate_rule_is_due_the_same_day_without_roll_over() -> None:
    # D-URGENT-REPORT (Art. 25): on National Day it is due that day, never held for a working day.
    for start in (D(2025, 10, 1), D(2025, 11, 29), D(2027, 3, 1)):  # a holiday, a Saturday, uncovered
        result = dl.compute_rule_due("D-URGENT-REPORT", start, calendar=CAL)
        assert result.due == DueDate(start, start, start)
        assert result.is_provisional is False
        assert result.length == 0
        assert result.rule.id == "D-URGENT-REPORT"


def test_a_zero_day_calendar_rule_is_not_the_immediate_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only a rule without a unit (rules.yaml `unit: immediate`) skips the roll-over; a calendar
    # period of 0 days that ends on a holiday rolls like any other.
    zero = DeadlineRule("D-ZERO", "zero", 0, Unit.CALENDAR, "x", "x")
    monkeypatch.setattr(dl, "get_rule", lambda rule_id: zero)
    result = dl.compute_rule_due("D-ZERO", D(2025, 10, 1), calendar=CAL)
    assert result.due == DueDate(D(2025, 10, 1), D(2025, 10, 1), D(2025, 10, 9))


@override_settings(MINSHENG_RATING_WINDOW_DAYS=20)
def test_a_rule_without_unit_or_length_uses_its_configured_calendar_days() -> None:
    # D-SATISFACTION-WINDOW: length and unit null in rules.yaml; the setting's days, calendar days.
    result = dl.compute_rule_due("D-SATISFACTION-WINDOW", D(2025, 9, 20), calendar=CAL)
    assert result.due == DueDate(D(2025, 9, 20), D(2025, 10, 10), D(2025, 10, 10))
    assert result.length == 20


@override_settings(MINSHENG_COUNT_START_DAY=True)
def test_count_start_day_setting() -> None:
    assert dl.compute_rule_due("D-HANDLE-60", D(2025, 9, 30), calendar=CAL).due == DueDate(
        D(2025, 9, 30), D(2025, 11, 28), D(2025, 11, 28)
    )
    assert dl.compute_rule_due("D-OBJECTION-5WD", D(2025, 9, 26), calendar=CAL).due.statutory_due == D(
        2025, 10, 9
    )
    provisional = dl.compute_rule_due("D-HANDLE-60", D(2026, 11, 29), calendar=CAL)
    assert provisional.is_provisional is True
    assert provisional.due == DueDate(D(2026, 11, 29), D(2027, 1, 27), D(2027, 1, 27))


@override_settings(MINSHENG_ROLLOVER=False)
def test_roll_over_setting_off() -> None:
    assert dl.compute_rule_due("D-HANDLE-60", D(2025, 9, 30), calendar=CAL).due == DueDate(
        D(2025, 9, 30), D(2025, 11, 29), D(2025, 11, 29)
    )


def test_an_uncovered_year_gives_a_flagged_lower_bound_or_raises(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="minsheng.workflow.deadlines"):
        result = dl.compute_rule_due("D-HANDLE-60", D(2026, 11, 29), extra_days=5, calendar=CAL)
    assert result.is_provisional is True
    assert result.due == DueDate(D(2026, 11, 29), D(2027, 2, 2), D(2027, 2, 2))
    assert result.length == 60
    assert caplog.messages == ["calendar does not cover 2027: D-HANDLE-60 due date is provisional"]
    with pytest.raises(CalendarNotCovered) as info:
        dl.compute_rule_due("D-HANDLE-60", D(2026, 11, 29), allow_provisional=False, calendar=CAL)
    assert info.value.year == 2027


@override_settings(MINSHENG_SUPERVISION_FEEDBACK_DAYS=20, MINSHENG_ASSIGNED_DEFAULT_DAYS=25)
def test_rule_length() -> None:
    assert dl.rule_length(get_rule("D-HANDLE-60"), None) == 60
    assert dl.rule_length(get_rule("D-HANDLE-60"), 45) == 45
    assert dl.rule_length(get_rule("D-ASSIGNED"), 0) == 0  # a length given is used, even 0
    assert dl.rule_length(get_rule("D-ASSIGNED"), None) == 25
    assert dl.rule_length(get_rule("D-SUPERVISION-FEEDBACK"), None) == 20  # the setting wins over 30
    with pytest.raises(ValueError, match="case by case"):
        dl.rule_length(DeadlineRule("D-X", "x", None, Unit.CALENDAR, "x", "x"), None)


def test_local_date_is_the_beijing_date() -> None:
    assert dl.local_date(dt.datetime(2025, 9, 30, 17, 0, tzinfo=dt.UTC)) == D(2025, 10, 1)
    assert dl.local_date(dt.datetime(2025, 9, 30, 15, 59, tzinfo=dt.UTC)) == D(2025, 9, 30)
    assert dl.local_date(dt.datetime(2025, 9, 30, 23, 30)) == D(2025, 9, 30)  # naive: as given
    assert dl.local_date(D(2025, 9, 30)) == D(2025, 9, 30)


@override_settings(MINSHENG_DUE_SOON_DAYS=3)
def test_due_soon_cutoff() -> None:
    assert dl.due_soon_cutoff(D(2025, 9, 30)) == D(2025, 10, 3)


# -- the database: two petitions, the other one never touched -----------------------------------


@pytest.fixture
def organ(db: Any) -> Organ:
    region = Region.objects.create(code="990000", name="测试省", level=Region.Level.PROVINCE)
    return Organ.objects.create(
        code="test-gov", name="测试省政府", kind="government", level=Organ.Level.PROVINCE, region=region
    )


@pytest.fixture
def petition(organ: Organ) -> Any:
    def make() -> Petition:
        return Petition.objects.create(
            tracking_code=f"T{next(_codes):08d}",
            channel="letter",
            received_at=timezone.now(),
            receiving_organ=organ,
            current_organ=organ,
            nature="grievance",
            title="测试",
            request="测试",
        )

    return make


def row(petition: Petition, rule: str = "D-HANDLE-60", status: str = OPEN, **fields: Any) -> Deadline:
    values: dict[str, Any] = {
        "start": D(2025, 9, 30),
        "length": 60,
        "nominal_due": D(2025, 11, 29),
        "statutory_due": D(2025, 12, 1),
    }
    values.update(fields)
    return Deadline.objects.create(petition=petition, rule=rule, status=status, **values)


def state(deadline: Deadline) -> tuple[Any, ...]:
    deadline.refresh_from_db()
    return (
        deadline.status,
        deadline.nominal_due,
        deadline.statutory_due,
        deadline.extra_days,
        deadline.is_provisional,
        deadline.met_at,
        deadline.met_late,
        deadline.breached_at,
        deadline.due_soon_at,
    )


@pytest.fixture
def fresh_calendar(db: Any) -> Any:
    dl._cached = None
    cache.delete(dl._CAL_VERSION_KEY)
    yield
    dl._cached = None


@pytest.mark.django_db
def test_deadline_open_cancels_only_this_petitions_open_row_of_this_rule(petition: Any, organ: Organ) -> None:
    p1, p2 = petition(), petition()
    old = row(p1)
    other_rule = row(p1, "D-NOTICE-15")
    met_before = row(p1, status=MET)
    other_petition = row(p2)
    before = {d.pk: state(d) for d in (other_rule, met_before, other_petition)}

    new = dl.deadline_open(p1.pk, "D-HANDLE-60", D(2025, 8, 2), organ_id=organ.pk, extra_days=10)

    assert Deadline.objects.get(pk=old.pk).status == Deadline.Status.CANCELLED
    assert {d.pk: state(d) for d in (other_rule, met_before, other_petition)} == before
    new.refresh_from_db()
    assert (new.petition_id, new.rule, new.organ_id, new.status) == (p1.pk, "D-HANDLE-60", organ.pk, OPEN)
    assert (new.start, new.length, new.extra_days) == (D(2025, 8, 2), 60, 10)
    assert (new.nominal_due, new.statutory_due, new.is_provisional) == (
        D(2025, 10, 11),
        D(2025, 10, 11),
        False,
    )


@pytest.mark.django_db
def test_deadline_open_with_a_length_and_in_an_uncovered_year(petition: Any, fresh_calendar: Any) -> None:
    p1 = petition()
    assigned = dl.deadline_open(p1.pk, "D-ASSIGNED", D(2025, 9, 20), organ_id=None, length=15)
    assert (assigned.length, assigned.nominal_due, assigned.statutory_due) == (
        15,
        D(2025, 10, 5),
        D(2025, 10, 9),
    )
    late = dl.deadline_open(p1.pk, "D-HANDLE-60", D(2026, 11, 29), organ_id=None)
    late.refresh_from_db()
    assert late.is_provisional is True
    assert (late.nominal_due, late.statutory_due) == (D(2027, 1, 28), D(2027, 1, 28))


@pytest.mark.django_db
def test_deadline_waive_records_the_reason(petition: Any, organ: Organ) -> None:
    p1, p2 = petition(), petition()
    other = row(p2, "D-NOTICE-15")
    before = state(other)
    waived = dl.deadline_waive(p1.pk, "D-NOTICE-15", D(2025, 9, 20), organ_id=organ.pk, reason="地址不详")
    waived.refresh_from_db()
    assert (waived.status, waived.waived_reason, waived.statutory_due) == (
        Deadline.Status.WAIVED,
        "地址不详",
        D(2025, 10, 9),
    )
    assert state(other) == before


@pytest.mark.django_db
def test_deadline_get_open(petition: Any) -> None:
    p1, p2 = petition(), petition()
    row(p1, status=MET)
    row(p2)
    assert dl.deadline_get_open(p1.pk, "D-HANDLE-60") is None
    mine = row(p1)
    row(p1, "D-NOTICE-15")
    assert dl.deadline_get_open(p1.pk, "D-HANDLE-60") == mine


@pytest.mark.django_db
def test_met_on_the_due_day_is_not_late_the_day_after_is(petition: Any) -> None:
    p1, p2 = petition(), petition()
    on_time = row(p1)  # statutory due 2025-12-01 (nominal 11-29, a Saturday)
    late = row(p2)
    # 23:30 Beijing time on the due day is 15:30 UTC: on time; 00:10 the next day (16:10 UTC the
    # same UTC day) is late.
    met = dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 1, 23, 30))
    assert met == on_time
    assert state(on_time)[0] == MET and state(on_time)[5:7] == (at(2025, 12, 1, 23, 30), False)
    assert state(late)[0] == OPEN  # the other petition's deadline is untouched
    dl.deadline_meet(p2.pk, "D-HANDLE-60", at=at(2025, 12, 2, 0, 10))
    assert state(late)[0] == MET and state(late)[5:7] == (at(2025, 12, 2, 0, 10), True)
    assert state(on_time)[5:7] == (at(2025, 12, 1, 23, 30), False)


@pytest.mark.django_db
def test_met_on_the_nominal_rest_day_before_the_roll_over_is_on_time(petition: Any) -> None:
    p1 = petition()
    deadline = row(p1)
    dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 11, 30))
    assert state(deadline)[6] is False


@pytest.mark.django_db
def test_a_breached_deadline_met_late_keeps_breached_and_met_late(petition: Any) -> None:
    p1, p2 = petition(), petition()
    older = row(p1, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    breached = row(p1, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    other = row(p2, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    before = {d.pk: state(d) for d in (older, other)}

    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 5)) == breached
    assert state(breached)[0] == BREACHED
    assert state(breached)[5:8] == (at(2025, 12, 5), True, at(2025, 12, 2, 0, 5))
    assert {d.pk: state(d) for d in (older, other)} == before  # the latest row only, this petition only
    # the next completion goes to the older unmet breach, never back to the row already met
    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 9)) == older
    assert state(breached)[5] == at(2025, 12, 5)


@pytest.mark.django_db
def test_the_late_completion_lookup_is_this_petitions(petition: Any) -> None:
    p1, p2 = petition(), petition()
    other = row(p2, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    other_rule = row(p1, "D-NOTICE-15", status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    before = {d.pk: state(d) for d in (other, other_rule)}
    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 5)) is None
    assert {d.pk: state(d) for d in (other, other_rule)} == before


def _order(petition: Petition, organ: Organ, rule: str = "D-HANDLE-60", **fields: Any) -> SupervisionOrder:
    values: dict[str, Any] = {"trigger": SupervisionOrder.Trigger.HANDLING_OVERDUE}
    values.update(fields)
    return SupervisionOrder.objects.create(
        petition=petition,
        kind=SupervisionOrder.Kind.ORDINARY,
        deadline_rule=rule,
        target_organ=organ,
        **values,
    )


@pytest.mark.django_db
def test_a_breach_recorded_only_because_the_entry_lagged_is_withdrawn(petition: Any, organ: Organ) -> None:
    # Done on the due day, entered later (back-dated): met, not late; the automatic 督办 raised for
    # that deadline and not answered is withdrawn; answered, manual or other orders stay.
    p1, p2 = petition(), petition()
    breached = row(p1, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    withdrawn = _order(p1, organ)
    kept = [
        _order(p1, organ, trigger=SupervisionOrder.Trigger.OTHER_OVERDUE, feedback_at=at(2025, 12, 3)),
        _order(p1, organ, trigger=SupervisionOrder.Trigger.MANUAL),
        _order(p1, organ, rule="D-NOTICE-15", trigger=SupervisionOrder.Trigger.NOTICE_OVERDUE),
        _order(p2, organ),
    ]
    other = row(p2, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    before = state(other)

    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 1, 23, 59)) == breached
    assert state(breached)[0] == MET
    assert state(breached)[5:8] == (at(2025, 12, 1, 23, 59), False, None)
    assert not SupervisionOrder.objects.filter(pk=withdrawn.pk).exists()
    assert set(SupervisionOrder.objects.values_list("pk", flat=True)) == {o.pk for o in kept}
    assert Petition.objects.get(pk=p1.pk).is_supervised is True  # orders remain
    assert state(other) == before


@pytest.mark.django_db
def test_withdrawing_the_last_order_clears_is_supervised_of_that_petition_only(
    petition: Any, organ: Organ
) -> None:
    p1, p2 = petition(), petition()
    breached = row(p1, status=BREACHED, breached_at=at(2025, 12, 2, 0, 5))
    _order(p1, organ)
    others = _order(p2, organ, trigger=SupervisionOrder.Trigger.MANUAL)  # another petition's 督办
    dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 1, 9, 0))
    assert state(breached)[0] == MET
    assert list(SupervisionOrder.objects.values_list("pk", flat=True)) == [others.pk]
    assert Petition.objects.get(pk=p1.pk).is_supervised is False
    assert Petition.objects.get(pk=p2.pk).is_supervised is True


@pytest.mark.django_db
def test_nothing_to_meet(petition: Any) -> None:
    p1 = petition()
    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 1)) is None


@pytest.mark.django_db
def test_a_cancelled_waived_or_expired_deadline_is_never_met(petition: Any) -> None:
    # Only an open deadline is met, and only a breached one completed late: a deadline cancelled
    # (re-opened, re-routed), waived by law or expired (a petitioner's window) stays as it is.
    p1 = petition()
    rows = [
        row(p1, status=Deadline.Status.CANCELLED),
        row(p1, status=Deadline.Status.WAIVED, waived_reason="地址不详"),
        row(p1, status=Deadline.Status.EXPIRED, breached_at=at(2025, 12, 2, 0, 5)),
    ]
    before = {d.pk: state(d) for d in rows}
    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 12, 5)) is None
    assert dl.deadline_meet(p1.pk, "D-HANDLE-60", at=at(2025, 11, 20)) is None
    assert {d.pk: state(d) for d in rows} == before


@pytest.mark.django_db
def test_deadline_cancel_touches_only_this_petitions_open_rows(petition: Any) -> None:
    p1, p2 = petition(), petition()
    handle, notice, bureau = row(p1), row(p1, "D-NOTICE-15"), row(p1, "D-BUREAU-15")
    met = row(p1, "D-REVIEW-30", status=MET)
    other = row(p2)
    before = {d.pk: state(d) for d in (met, other)}

    assert dl.deadline_cancel(p1.pk, ["D-NOTICE-15", "D-BUREAU-15"]) == 2
    assert [state(d)[0] for d in (handle, notice, bureau)] == [OPEN, "cancelled", "cancelled"]
    assert dl.deadline_cancel(p1.pk) == 1
    assert state(handle)[0] == "cancelled"
    assert {d.pk: state(d) for d in (met, other)} == before
    assert dl.deadline_cancel(p1.pk) == 0


@pytest.mark.django_db
def test_deadline_recompute_adds_the_extension_before_one_roll_over(
    petition: Any, fresh_calendar: Any
) -> None:
    p1, p2 = petition(), petition()
    deadline = row(p1, start=D(2025, 8, 2), nominal_due=D(2025, 10, 1), statutory_due=D(2025, 10, 9))
    Deadline.objects.filter(pk=deadline.pk).update(due_soon_at=at(2025, 9, 28))
    deadline.refresh_from_db()
    other = row(p2, start=D(2025, 8, 2), nominal_due=D(2025, 10, 1), statutory_due=D(2025, 10, 9))
    before = state(other)

    dl.deadline_recompute(deadline, extra_days=10)
    assert state(deadline)[:5] == (OPEN, D(2025, 10, 11), D(2025, 10, 11), 10, False)
    assert deadline.due_soon_at is None
    assert state(other) == before


@pytest.mark.django_db
def test_recompute_into_an_uncovered_year_is_provisional(petition: Any, fresh_calendar: Any) -> None:
    deadline = row(
        petition(), start=D(2026, 11, 29), nominal_due=D(2027, 1, 28), statutory_due=D(2027, 1, 28)
    )
    dl.deadline_recompute(deadline, extra_days=5)
    assert state(deadline)[:5] == (OPEN, D(2027, 2, 2), D(2027, 2, 2), 5, True)


@pytest.mark.django_db
def test_refresh_provisional_recomputes_and_rejudges_what_fell_due_on_a_guess(
    petition: Any, organ: Organ, fresh_calendar: Any
) -> None:
    """R-CNT-5: a provisional due date is a lower bound. Once the year is covered (2025 and 2026
    here), every provisional row that fell or may fall due gets its true dates — D-HANDLE-60 from
    09-30: 11-29 (Sat) → statutory 12-01 (Mon) — and is judged on them: a duty met on 11-30 was not
    late; a breach marked on 11-30 was premature (re-opened, its automatic order withdrawn, a manual
    one kept) or, met on 12-01, is met in time; a breach of 12-02 stands. A petitioner's window
    keeps its judgement (made on the request's date) and an expired one its status; waived,
    cancelled and firm rows are not touched."""
    guess = {"is_provisional": True, "nominal_due": D(2025, 11, 29), "statutory_due": D(2025, 11, 29)}
    provisional = row(
        petition(), start=D(2026, 1, 16), length=30, rule="D-RECHECK-30", is_provisional=True,
        nominal_due=D(2026, 2, 15), statutory_due=D(2026, 2, 15), extra_days=0,
    )  # fmt: skip
    still_open = row(petition(), **guess)
    met_on_time = row(petition(), status=MET, met_at=at(2025, 11, 30), met_late=True, **guess)
    met_late = row(petition(), status=MET, met_at=at(2025, 12, 2), met_late=True, **guess)
    premature = row(petition(), status=BREACHED, breached_at=at(2025, 11, 30, 0, 5), **guess)
    auto = _order(premature.petition, organ)
    manual = _order(premature.petition, organ, trigger=SupervisionOrder.Trigger.MANUAL)
    met_after_premature = row(
        petition(), status=BREACHED, breached_at=at(2025, 11, 30, 0, 5), met_at=at(2025, 12, 1),
        met_late=True, **guess,
    )  # fmt: skip
    kept_order = _order(met_after_premature.petition, organ)
    real = row(petition(), status=BREACHED, breached_at=at(2025, 12, 2, 0, 5), **guess)
    real_order = _order(real.petition, organ)
    met_on_due_day = row(petition(), status=MET, met_at=at(2025, 12, 1, 17), met_late=True, **guess)
    on_due_day = row(petition(), status=BREACHED, breached_at=at(2025, 12, 1, 0, 5), **guess)
    late_anyway = row(
        petition(), status=BREACHED, breached_at=at(2025, 12, 2, 0, 5), met_at=at(2025, 12, 3),
        met_late=True, **guess,
    )  # fmt: skip
    premature_but_late = row(
        petition(), status=BREACHED, breached_at=at(2025, 11, 30, 0, 5), met_at=at(2025, 12, 3),
        met_late=True, **guess,
    )  # fmt: skip
    window = {"rule": "D-REVIEW-REQ-30", "start": D(2025, 10, 30), "length": 30}
    expired = row(
        petition(), status=Deadline.Status.EXPIRED, breached_at=at(2025, 11, 30, 0, 5), **window, **guess
    )
    window_met = row(petition(), status=MET, met_at=at(2025, 12, 2), met_late=False, **window, **guess)
    waived = row(petition(), status=Deadline.Status.WAIVED, **guess)
    cancelled = row(petition(), status=Deadline.Status.CANCELLED, **guess)
    firm = row(petition(), "D-NOTICE-15", nominal_due=D(2025, 11, 2), statutory_due=D(2025, 11, 3))
    untouched = {d.pk: state(d) for d in (waived, cancelled, firm)}

    assert dl.deadlines_refresh_provisional() == 13
    true = (D(2025, 11, 29), D(2025, 12, 1), 0, False)
    assert state(provisional)[:5] == (OPEN, D(2026, 2, 15), D(2026, 2, 24), 0, False)
    assert state(still_open)[:5] == (OPEN, *true)
    assert state(met_on_time)[:7] == (MET, *true, at(2025, 11, 30), False)
    assert state(met_late)[:7] == (MET, *true, at(2025, 12, 2), True)
    assert state(premature)[:8] == (OPEN, *true, None, False, None)
    assert list(SupervisionOrder.objects.filter(petition=premature.petition)) == [manual]
    assert auto.pk not in set(SupervisionOrder.objects.values_list("pk", flat=True))
    assert state(met_after_premature)[:8] == (MET, *true, at(2025, 12, 1), False, None)
    assert not SupervisionOrder.objects.filter(pk=kept_order.pk).exists()
    assert state(real)[:8] == (BREACHED, *true, None, False, at(2025, 12, 2, 0, 5))
    assert SupervisionOrder.objects.filter(pk=real_order.pk).exists()
    assert state(met_on_due_day)[6] is False  # met on the due day itself: in time
    assert state(on_due_day)[:8] == (OPEN, *true, None, False, None)  # a breach only after the due day
    assert state(late_anyway)[:8] == (BREACHED, *true, at(2025, 12, 3), True, at(2025, 12, 2, 0, 5))
    assert state(premature_but_late)[0] == BREACHED and state(premature_but_late)[6] is True
    assert state(expired)[:5] == (Deadline.Status.EXPIRED, *true)
    assert state(window_met)[:7] == (MET, *true, at(2025, 12, 2), False)
    assert {d.pk: state(d) for d in (waived, cancelled, firm)} == untouched
    assert dl.deadlines_refresh_provisional() == 0


@pytest.mark.django_db
def test_cancel_keeps_the_rules_it_is_told_to_keep(petition: Any) -> None:
    """``keep``: finality cancels every open clock but the 办结报告 owed to the assigning organ."""
    p1, p2 = petition(), petition()
    handle = row(p1)
    report = row(p1, "D-ASSIGNED")
    notice = row(p1, "D-NOTICE-15")
    other = row(p2, "D-ASSIGNED")
    assert dl.deadline_cancel(p1.pk, keep=["D-ASSIGNED"]) == 2
    assert [state(d)[0] for d in (handle, report, notice, other)] == [
        Deadline.Status.CANCELLED, OPEN, Deadline.Status.CANCELLED, OPEN,
    ]  # fmt: skip
    assert dl.deadline_cancel(p2.pk, ["D-ASSIGNED", "D-NOTICE-15"], keep=["D-NOTICE-15"]) == 1
    assert state(other)[0] == Deadline.Status.CANCELLED


@pytest.mark.django_db
def test_uncovered_years_in_use(petition: Any) -> None:
    p1 = petition()
    row(p1, is_provisional=True, nominal_due=D(2028, 1, 3), statutory_due=D(2028, 1, 3))
    row(p1, "D-NOTICE-15", is_provisional=True, nominal_due=D(2027, 1, 5), statutory_due=D(2027, 1, 5))
    row(p1, "D-BUREAU-15", is_provisional=True, nominal_due=D(2027, 3, 5), statutory_due=D(2027, 3, 5))
    row(
        p1,
        "D-REVIEW-30",
        status=BREACHED,
        is_provisional=True,
        nominal_due=D(2029, 1, 5),
        statutory_due=D(2029, 1, 5),
    )
    row(p1, "D-RECHECK-30", nominal_due=D(2030, 1, 7), statutory_due=D(2030, 1, 7))
    assert dl.uncovered_years_in_use() == [2027, 2028]


@pytest.mark.django_db
def test_list_flags_are_computed_from_the_deadlines(petition: Any) -> None:
    overdue, window_only, met_late, due_soon, quiet, breached_soon = (petition() for _ in range(6))
    row(overdue, status=BREACHED)
    row(overdue, "D-NOTICE-15")
    row(window_only, "D-REVIEW-REQ-30", status=BREACHED)  # a petitioner's window is no breach
    row(window_only, "D-SATISFACTION-WINDOW", due_soon_at=at(2025, 11, 27))
    row(met_late, status=BREACHED, met_at=at(2025, 12, 5), met_late=True)
    row(due_soon, due_soon_at=at(2025, 11, 27))
    row(due_soon, "D-NOTICE-15", status=MET, due_soon_at=at(2025, 11, 27))
    row(quiet, status=MET, due_soon_at=at(2025, 11, 27))
    row(quiet, "D-NOTICE-15", status=BREACHED, met_at=at(2025, 12, 5))
    row(breached_soon, status=BREACHED, due_soon_at=at(2025, 11, 27))

    everyone = (overdue, window_only, met_late, due_soon, quiet, breached_soon)
    flags = dict(Petition.objects.with_flags().values_list("pk", "has_overdue"))
    soon = dict(Petition.objects.with_flags().values_list("pk", "has_due_soon"))
    assert [flags[p.pk] for p in everyone] == [True, False, False, False, False, True]
    assert [soon[p.pk] for p in everyone] == [False, False, False, True, False, False]
    # The same through the instance properties and the list filters.
    assert [Petition.objects.get(pk=p.pk).has_overdue for p in everyone] == [flags[p.pk] for p in everyone]
    assert set(Petition.objects.flagged("has_due_soon").values_list("pk", flat=True)) == {due_soon.pk}
    assert set(Petition.objects.flagged("has_overdue", False).values_list("pk", flat=True)) == {
        window_only.pk,
        met_late.pk,
        due_soon.pk,
        quiet.pk,
    }


@pytest.mark.django_db
def test_claims_are_compare_and_set(petition: Any) -> None:
    p1 = petition()
    deadline, met = row(p1), row(p1, "D-NOTICE-15", status=MET)
    neighbour = row(p1, "D-BUREAU-15")
    now = at(2025, 11, 27, 8, 0)
    assert dl.deadline_claim_due_soon(deadline.pk, now) is True
    assert dl.deadline_claim_due_soon(deadline.pk, now) is False
    assert dl.deadline_claim_due_soon(met.pk, now) is False
    assert state(deadline)[8] == now and state(met)[8] is None
    assert state(neighbour)[8] is None  # the deadline claimed, no other

    later = at(2025, 12, 2, 0, 5)
    assert dl.deadline_claim_breach(met.pk, later, expired=False) is False
    assert dl.deadline_claim_breach(deadline.pk, later, expired=False) is True
    assert dl.deadline_claim_breach(deadline.pk, later, expired=False) is False
    assert state(deadline)[0] == BREACHED and state(deadline)[7] == later
    window = row(p1, "D-REVIEW-REQ-30")
    assert dl.deadline_claim_breach(window.pk, later, expired=True) is True
    assert state(window)[0] == Deadline.Status.EXPIRED and state(window)[7] == later
    assert state(met)[0] == MET


# -- the admin calendar ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_bump_version_counts_from_one(fresh_calendar: Any) -> None:
    assert cache.get(dl._CAL_VERSION_KEY) is None
    dl.calendar_bump_version()
    assert cache.get(dl._CAL_VERSION_KEY) == 1
    dl.calendar_bump_version()
    assert cache.get(dl._CAL_VERSION_KEY) == 2


@pytest.mark.django_db
def test_fingerprint_of_the_calendar_tables(fresh_calendar: Any) -> None:
    assert dl._fingerprint() == (0, 0, 0, 0)
    day = CalendarDay.objects.create(date=D(2025, 12, 1), is_workday=False)
    CalendarDay.objects.create(date=D(2025, 12, 2), is_workday=False)
    last = CalendarDay.objects.create(date=D(2025, 12, 3), is_workday=False)
    year = CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕")
    assert dl._fingerprint() == (3, last.pk, 1, year.pk)
    day.delete()
    assert dl._fingerprint() == (2, last.pk, 1, year.pk)


@pytest.mark.django_db
def test_the_admin_calendar_overrides_and_extends_the_package(fresh_calendar: Any) -> None:
    base = dl.holiday_calendar()
    assert base == chinese_calendar_data()
    assert dl.holiday_calendar() is base  # cached while nothing changes

    CalendarDay.objects.create(date=D(2025, 12, 1), is_workday=False)  # a weekday made a holiday
    CalendarDay.objects.create(date=D(2025, 10, 11), is_workday=False)  # a make-up day removed
    changed = dl.holiday_calendar()  # seen without a version bump: the fingerprint changed
    assert changed.is_workday(D(2025, 12, 1)) is False
    assert changed.is_workday(D(2025, 10, 11)) is False
    assert dl.compute_rule_due("D-HANDLE-60", D(2025, 9, 30)).due.statutory_due == D(2025, 12, 2)
    assert dl.holiday_calendar() is changed

    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False)
    CalendarYear.objects.create(year=2027, source="国办发明电〔2026〕")
    extended = dl.holiday_calendar()
    assert extended.covers(2027) and extended.is_workday(D(2027, 1, 1)) is False
    result = dl.compute_rule_due("D-HANDLE-60", D(2026, 11, 3))  # 2027-01-02, a Saturday
    assert (result.due.statutory_due, result.is_provisional) == (D(2027, 1, 4), False)

    dl.calendar_bump_version()  # an admin change the fingerprint cannot see (an edited row)
    CalendarDay.objects.filter(date=D(2025, 12, 1)).update(is_workday=True)
    bumped = dl.holiday_calendar()
    assert bumped is not extended and bumped.is_workday(D(2025, 12, 1)) is True


@pytest.mark.django_db
def test_without_the_calendar_tables_the_package_data_is_used(
    fresh_calendar: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    CalendarDay.objects.create(date=D(2025, 12, 1), is_workday=False)

    def unavailable() -> tuple[int, ...]:
        raise DatabaseError("no such table: workflow_calendarday")

    monkeypatch.setattr(dl, "_fingerprint", unavailable)
    with caplog.at_level(logging.DEBUG, logger="minsheng.workflow.deadlines"):
        assert dl.holiday_calendar() == chinese_calendar_data()
    assert caplog.messages == ["calendar tables unavailable; using chinesecalendar data only"]
    assert dl._cached is None


@pytest.mark.django_db
def test_the_cached_calendar_costs_no_query_and_a_recheck_only_the_fingerprint(
    fresh_calendar: Any, django_assert_num_queries: Any
) -> None:
    """Issue 14: no query per computation. The first use reads the tables (2 aggregates for the
    fingerprint, then the overrides and the years); later uses read nothing while the version is
    unchanged and the recheck interval has not passed; a recheck with nothing changed costs the
    fingerprint only and keeps the same calendar object."""
    CalendarDay.objects.create(date=D(2025, 12, 1), is_workday=False)
    with django_assert_num_queries(4):
        first = dl.holiday_calendar()
    assert first.is_workday(D(2025, 12, 1)) is False
    with django_assert_num_queries(0):
        assert dl.holiday_calendar() is first
        assert dl.holiday_calendar() is first
    dl._checked.reset()  # the recheck interval has passed
    with django_assert_num_queries(2):
        assert dl.holiday_calendar() is first
    with django_assert_num_queries(0):
        assert dl.holiday_calendar() is first


@pytest.mark.django_db
def test_a_calendar_read_that_failed_after_the_fingerprint_is_retried(
    fresh_calendar: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint was read (and the recheck marked done) but reading the overrides failed:
    nothing is cached, so the next use reads again instead of serving a calendar it never built."""
    CalendarDay.objects.create(date=D(2025, 12, 1), is_workday=False)

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(CalendarDay.objects, "values_list", unavailable)
    assert dl.holiday_calendar() == chinese_calendar_data()
    assert dl._cached is None
    monkeypatch.undo()
    assert dl.holiday_calendar().is_workday(D(2025, 12, 1)) is False
