"""The deadline sweep (compare-and-set, idempotent), the admin calendar, and `minsheng deadline`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from minsheng.core.rules import load_rules
from minsheng.petitions.models import Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import CalendarDay, CalendarYear, Deadline, PetitionEvent, SupervisionOrder
from minsheng.workflow.sweeps import deadlines_sweep


@pytest.mark.django_db
def test_sweep_marks_breach_once_and_raises_supervision(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    past = timezone.localdate() - dt.timedelta(days=2)
    Deadline.objects.filter(petition=petition, rule="D-NOTICE-15").update(
        start=past - dt.timedelta(days=15), nominal_due=past, statutory_due=past, is_provisional=False
    )
    first = deadlines_sweep()
    second = deadlines_sweep()  # a second worker, or the next run: nothing twice
    assert first.breached == 1 and second.breached == 0
    assert SupervisionOrder.objects.filter(petition=petition, trigger="notice_overdue").count() == 1
    assert PetitionEvent.objects.filter(petition=petition, action="deadline_breached").count() == 1
    petition.refresh_from_db()
    assert petition.has_overdue and petition.is_supervised
    # accepting late is recorded as late
    act(petition, "accept", "caseworker")
    d = Deadline.objects.get(petition=petition, rule="D-NOTICE-15")
    assert d.status == "breached" and d.met_late


@pytest.mark.django_db
def test_sweep_closes_expired_review_window(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(
        petition,
        "conclude",
        "caseworker",
        outcome="explain",
        facts_and_reasons="x",
        opinion="y",
        legal_basis="z",
    )
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="post")
    past = timezone.localdate() - dt.timedelta(days=1)
    Deadline.objects.filter(petition=petition, rule="D-REVIEW-REQ-30").update(
        start=past - dt.timedelta(days=30), nominal_due=past, statutory_due=past, is_provisional=False
    )
    result = deadlines_sweep()
    assert result.expired == 1 and result.closed == 1
    assert Petition.objects.get(pk=petition.pk).state == "closed_no_review"


@pytest.mark.django_db
def test_admin_calendar_extends_coverage_and_refreshes_provisional(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    d = dl.deadline_open(petition.pk, "D-HANDLE-60", dt.date(2026, 12, 20), organ_id=organs["a-housing"].pk)
    assert d.is_provisional and dl.uncovered_years_in_use() == [2027]
    CalendarYear.objects.create(year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    CalendarDay.objects.create(date=dt.date(2027, 2, 18), is_workday=False, note="春节")
    dl.calendar_bump_version()
    assert dl.deadlines_refresh_provisional() >= 1
    d.refresh_from_db()
    assert not d.is_provisional
    assert d.nominal_due == dt.date(2027, 2, 18)
    assert d.statutory_due == dt.date(2027, 2, 19)  # the admin's holiday rolls it over


@pytest.mark.django_db
def test_a_duty_due_on_a_provisional_date_is_breached_only_on_its_true_date(register, act, organs):
    """R-CNT-5: D-HANDLE-60 from 2034-12-20 in a year no calendar covers: provisional 2035-02-18. The
    sweep of 02-20 marks no breach on that guess; the admin loads 2035 (02-18 and 02-19 rest days),
    the refresh moves the due date to 02-20, and the sweep of 02-21 breaches it."""
    import time_machine

    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    d = dl.deadline_open(petition.pk, "D-HANDLE-60", dt.date(2034, 12, 20), organ_id=organs["a-housing"].pk)
    assert (d.is_provisional, d.statutory_due) == (True, dt.date(2035, 2, 18))
    zone = timezone.get_default_timezone()
    with time_machine.travel(dt.datetime(2035, 2, 20, 3, tzinfo=zone), tick=False):
        deadlines_sweep()
        d.refresh_from_db()
        assert d.status == "open"
        assert not SupervisionOrder.objects.filter(petition=petition, deadline_rule="D-HANDLE-60").exists()
        CalendarYear.objects.create(year=2035, source="测试")
        CalendarDay.objects.create(date=dt.date(2035, 2, 18), is_workday=False, note="春节")
        CalendarDay.objects.create(date=dt.date(2035, 2, 19), is_workday=False, note="春节")
        dl.calendar_bump_version()
        assert dl.deadlines_refresh_provisional() >= 1
        d.refresh_from_db()
        assert (d.is_provisional, d.statutory_due, d.status) == (False, dt.date(2035, 2, 20), "open")
    with time_machine.travel(dt.datetime(2035, 2, 21, 3, tzinfo=zone), tick=False):
        deadlines_sweep()
        d.refresh_from_db()
        assert d.status == "breached"


@pytest.mark.django_db
@pytest.mark.parametrize("rule", sorted(load_rules()))
def test_cli_answers_every_rule(rule, capsys):
    call_command("deadline", rule, "--from", "2025-09-30")
    out = json.loads(capsys.readouterr().out)
    assert out["rule"] == rule and out["start"] == "2025-09-30"
    assert out["nominal_due"] <= out["statutory_due"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["D-NOPE", "--from", "2025-01-01"], "unknown deadline rule"),
        (["D-HANDLE-60", "--from", "2025-02-30"], "bad date"),
        (["D-HANDLE-60", "--from", "2026-12-01"], "no holiday calendar for 2027"),
        (["D-HANDLE-60", "--from", "2025-01-01", "--extension-days", "31"], "at most 30"),
        (["D-REVIEW-30", "--from", "2025-01-01", "--hearing-days", "3"], "hearing days"),
    ],
)
@pytest.mark.django_db
def test_cli_errors(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("deadline", *args)


@pytest.mark.django_db
def test_cli_examples():
    def due(*args: str) -> dict[str, str]:
        from io import StringIO

        buffer = StringIO()
        call_command("deadline", *args, stdout=buffer)
        return json.loads(buffer.getvalue())

    assert due("D-SIMPLE-HANDLE-10WD", "--from", "2025-09-30")["nominal_due"] == "2025-10-21"
    handle = due("D-HANDLE-60", "--from", "2025-09-30")
    assert (handle["nominal_due"], handle["statutory_due"]) == ("2025-11-29", "2025-12-01")
    assert (
        due("D-HANDLE-60", "--from", "2025-09-01", "--extension-days", "30")["statutory_due"] == "2025-12-01"
    )
    assert due("D-RECHECK-30", "--from", "2025-03-03", "--hearing-days", "3")["nominal_due"] == "2025-04-05"


def test_cli_one_line_error_and_exit_code():
    result = subprocess.run(
        [sys.executable, "-m", "minsheng", "deadline", "D-NOPE", "--from", "2025-01-01"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
