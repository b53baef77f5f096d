"""复查 / 复核 requests (Arts. 35–36, R-CNT-6) pinned where mutation testing found them loose
(``scripts/mutation.py --group appeals``): what is offered, what is refused, what the window row
and the event record, and who is told. Dates as in test_statute_scenarios_main (delivered
2025-06-09 in person: D-REVIEW-REQ-30 runs to 07-09)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from minsheng.notifications.models import OutboxMessage
from minsheng.workflow.models import Deadline
from minsheng.workflow.sweeps import deadlines_sweep
from minsheng.workflow.tests.scenario_api import OPINION, Office, at, delivered_on_0609, moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world: Any, client: Client) -> Any:
    start = at("2025-03-24", 8)
    with time_machine.travel(start, tick=False) as traveller:
        yield Office(client=client, traveller=traveller, now=start)


def test_the_review_request_is_offered_while_the_window_is_open(office: Office, organs: Any) -> None:
    pk = delivered_on_0609(office, organs)
    offered = office.actions(pk, "registrar")
    assert "request_review" in offered and "request_recheck" not in offered


def test_a_request_received_in_the_future_is_refused(office: Office, organs: Any) -> None:
    pk = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-01", 10))
    office.refuse(
        "registrar", pk, "request_review", status=422, code="invalid", field="received_on",
        received_on="2025-07-02",
    )  # fmt: skip


def test_the_window_row_records_the_request_and_the_review_organ_is_told(office: Office, organs: Any) -> None:
    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    window = Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30")
    assert window.status == "met" and window.met_late is False and window.breached_at is None
    assert window.met_at == at("2025-07-01")  # the moment of the act, not of its entry
    told = OutboxMessage.objects.filter(petition_id=pk, kind="review_requested")
    assert told.exists() and all(m.channel != "sms" or m.recipient for m in told)


def test_a_late_request_with_a_good_reason_is_recorded_late(office: Office, organs: Any) -> None:
    pk = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-09", 12))  # the window is still open (nobody swept yet)
    office.act("registrar", pk, "request_review", received_on="2025-07-09", postmarked_on="2025-07-08")
    assert Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30").met_late is False
    pk2 = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-10", 12))
    office.act("registrar", pk2, "request_review", received_on="2025-07-10", good_reason="住院治疗，有病历")
    row = Deadline.objects.get(petition_id=pk2, rule="D-REVIEW-REQ-30")
    assert row.status == "met" and row.met_late is True


def test_reopening_after_the_sweep_records_what_was_closed(office: Office, organs: Any) -> None:
    pk = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-10", 1))
    deadlines_sweep()
    closed = [e for e in office.detail(pk, "registrar")["timeline"] if e["action"] == "close_no_review"]
    assert len(closed) == 1
    window = Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30")
    assert window.status == "expired" and window.breached_at is not None
    office.enter_on(at("2025-07-15", 10))
    assert "request_review" in office.actions(pk, "registrar")
    assert "request_recheck" not in office.actions(pk, "registrar")
    office.act("registrar", pk, "request_review", received_on="2025-07-08")
    (event,) = office.events(pk, "request_review", "registrar")
    reopened = event["data"]["reopened"]
    assert reopened["from_state"] == "closed_no_review"
    assert moment(reopened["closed_at"]) == moment(closed[0]["at"])
    window.refresh_from_db()
    assert window.status == "met" and window.met_late is False and window.breached_at is None
    assert window.met_at is not None


def test_only_this_matters_window_reopens_it(office: Office, organs: Any) -> None:
    """Two matters closed by the sweep: one after its 复查 (the 复核 window ran out), one without
    (the 复查 window ran out). Each offers only the request its own expired window answers."""
    after_review = delivered_on_0609(office, organs)
    office.act("registrar", after_review, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person", "delivered_on": "2025-07-08"}
    office.act("gov_head", after_review, "conclude_review", "2025-07-08", **upheld)
    no_review = delivered_on_0609(office, organs)
    office.enter_on(at("2025-08-08", 1))  # both windows (07-09 and 08-07) have run out
    deadlines_sweep()
    assert (
        office.state(after_review, "registrar") == office.state(no_review, "registrar") == "closed_no_review"
    )
    office.enter_on(at("2025-08-08", 10))
    assert "request_recheck" in office.actions(after_review, "registrar")
    assert "request_review" not in office.actions(after_review, "registrar")
    assert "request_recheck" not in office.actions(no_review, "registrar")
    assert "request_review" in office.actions(no_review, "registrar")
    refused = office.refuse(
        "registrar", no_review, "request_recheck", status=409, code="transition_not_allowed",
        received_on="2025-08-01",
    )  # fmt: skip
    assert "申请复核" in refused["message"]
    refused = office.refuse(
        "registrar", after_review, "request_review", status=409, code="transition_not_allowed",
        received_on="2025-08-01",
    )  # fmt: skip
    assert "申请复查" in refused["message"]


def _recheck_requested_0820(office: Office, organs: Any) -> int:
    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    return pk


def test_the_recheck_hearing_is_dated_checked_and_recorded(office: Office, organs: Any) -> None:
    """Art. 36(2), R-CNT-7: a hearing cannot start before the 复核 request nor end before it
    started; a one-day hearing adds one day; the hearing, the appeal and the event record it."""
    from minsheng.workflow.models import Appeal, Hearing

    pk = _recheck_requested_0820(office, organs)
    office.refuse(
        "caseworker", pk, "start_recheck_hearing", "2025-08-21", status=422, code="invalid",
        field="hearing_start", hearing_start="2025-08-19",
    )  # fmt: skip
    office.act(
        "caseworker",
        pk,
        "start_recheck_hearing",
        "2025-09-01",
        hearing_start="2025-09-01",
        participants="信访人、承办人",
    )
    hearing = Hearing.objects.get(petition_id=pk)
    assert (hearing.stage, hearing.start, hearing.end, hearing.participants) == (
        "recheck",
        dt.date(2025, 9, 1),
        None,
        "信访人、承办人",
    )
    (started,) = office.events(pk, "start_recheck_hearing", "registrar")
    assert started["data"]["hearing_start"] == "2025-09-01"
    office.refuse(
        "caseworker", pk, "end_recheck_hearing", "2025-09-01", status=422, code="invalid",
        field="hearing_end", hearing_end="2025-08-31",
    )  # fmt: skip
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-01", hearing_end="2025-09-01")
    hearing.refresh_from_db()
    assert hearing.end == dt.date(2025, 9, 1)
    appeal = Appeal.objects.get(petition_id=pk, kind="recheck")
    assert (appeal.hearing_start, appeal.hearing_end) == (dt.date(2025, 9, 1), dt.date(2025, 9, 1))
    # D-RECHECK-30 from 08-20 → 09-19 (Fri); one hearing day → 09-20 (Sat) → statutory 09-22 (Mon)
    row = office.deadline(pk, "D-RECHECK-30", "registrar")
    assert (row["nominal_due"], row["statutory_due"], row["extra_days"]) == ("2025-09-20", "2025-09-22", 1)
    (ended,) = office.events(pk, "end_recheck_hearing", "registrar")
    assert ended["data"]["hearing_end"] == "2025-09-01" and ended["data"]["hearing_days"] == 1
    assert ended["data"]["deadlines"] == [
        {
            "rule": "D-RECHECK-30",
            "nominal_due": "2025-09-20",
            "statutory_due": "2025-09-22",
            "provisional": False,
            "hearing_days": 1,
        }
    ]


def test_hearing_days_reopen_a_recheck_clock_the_sweep_marked_breached(office: Office, organs: Any) -> None:
    """Entered after the unextended due date: the sweep marked D-RECHECK-30 breached (and ordered
    supervision); the hearing's days move the due date, so the breach is withdrawn and the clock
    runs again."""
    from minsheng.workflow.models import Hearing, SupervisionOrder

    pk = _recheck_requested_0820(office, organs)
    office.enter_on(at("2025-09-20", 1))
    deadlines_sweep()
    row = Deadline.objects.get(petition_id=pk, rule="D-RECHECK-30")
    assert row.status == "breached" and row.breached_at is not None
    assert SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-RECHECK-30").exists()
    office.enter_on(at("2025-09-20", 10))
    office.act("caseworker", pk, "start_recheck_hearing", "2025-09-01", hearing_start="2025-09-01")
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-03", hearing_end="2025-09-03")
    row.refresh_from_db()
    assert (row.status, row.breached_at, row.statutory_due) == ("open", None, dt.date(2025, 9, 22))
    # the automatic order for the withdrawn breach goes with it
    assert not SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-RECHECK-30").exists()
    assert Hearing.objects.get(petition_id=pk).end == dt.date(2025, 9, 3)


def test_without_the_hearing_exclusion_the_clock_does_not_move(
    office: Office, organs: Any, settings: Any
) -> None:
    settings.MINSHENG_HEARING_EXCLUSION = False
    pk = _recheck_requested_0820(office, organs)
    office.act("caseworker", pk, "start_recheck_hearing", "2025-09-01", hearing_start="2025-09-01")
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-03", hearing_end="2025-09-03")
    row = office.deadline(pk, "D-RECHECK-30", "registrar")
    assert (row["statutory_due"], row["extra_days"]) == ("2025-09-19", 0)
    (ended,) = office.events(pk, "end_recheck_hearing", "registrar")
    assert ended["data"]["hearing_days"] == 0
