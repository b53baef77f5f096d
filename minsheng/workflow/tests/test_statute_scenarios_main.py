"""The statute's main path through the HTTP API at the dates things happened (issue 16, scenario
suite): register → forward → receive → accept → investigate → extend (effective once told) →
opinion (drafted, signed) → delivery → 复查 → 复核 → final; and a 复查/复核 request made in time
but entered after the sweep closed the window (R-CNT-6).

A letter reaches the A市信访局 on Mon 2025-03-24; the office enters each act the day after it
happened. Dates (State Council 2025 calendar: 清明 04-04…06, 劳动节 05-01…05, 端午 05-31…06-02),
checked with ``minsheng deadline RULE --from DATE``:

- D-BUREAU-15 from 03-24 → 04-08 (Tue).
- D-NOTICE-15 from the housing bureau's receipt 03-28 → nominal 04-12 (Sat), statutory 04-14.
- D-OBJECTION-5WD from 03-28: 03-31, 04-01, 04-02, 04-03, (04-04…06 清明) 04-07.
- D-HANDLE-60 from acceptance 04-01 → nominal 05-31 (Sat, 端午), statutory 06-03 (Tue). Had it run
  from receipt (03-24) it would be 05-23; from the organ's receipt (03-28) 05-27; from the start
  of investigation (04-10) 06-09.
- Extension of 10 days, told 05-22: 04-01 + 70 → 06-10 (Tue), both dates.
- D-REVIEW-REQ-30 from delivery 06-09 → 07-09 (Wed).
- D-REVIEW-30 from the request received 07-01 → 07-31 (Thu).
- D-RECHECK-REQ-30 from the 复查 opinion delivered 07-28 → 08-27 (Wed).
- D-RECHECK-30 from 08-20 → 09-19 (Fri); with the hearing 09-01…09-03 (3 days excluded) 09-22.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.workflow.models import SupervisionOrder
from minsheng.workflow.sweeps import deadlines_sweep
from minsheng.workflow.tests.scenario_api import (
    OPINION,
    Office,
    accepted_on_0401,
    at,
    delivered_on_0609,
    moment,
    notices,
)

pytestmark = pytest.mark.django_db

RECEIVED = at("2025-03-24", 9, 30)


def test_intake_clocks_from_the_dates_of_receipt(office: Office, organs: Any) -> None:
    pk = office.register(RECEIVED)
    assert office.dues(pk, "D-BUREAU-15") == ("2025-03-24", "2025-04-08", "2025-04-08", "open")
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    assert office.deadline(pk, "D-BUREAU-15")["status"] == "met"
    office.act("caseworker", pk, "receive", "2025-03-28")
    assert office.state(pk) == "organ_received"
    assert office.dues(pk, "D-NOTICE-15") == ("2025-03-28", "2025-04-12", "2025-04-14", "open")
    assert office.dues(pk, "D-OBJECTION-5WD") == ("2025-03-28", "2025-04-07", "2025-04-07", "open")


def test_the_sixty_days_open_at_acceptance_not_at_receipt(office: Office, organs: Any) -> None:
    """Art. 34, rules.yaml D-HANDLE-60 starts_at: accepted. Fails if the clock started at receipt
    (05-23), at the organ's receipt (05-27) or at the start of investigation (06-09)."""
    pk = accepted_on_0401(office, organs)
    detail = office.detail(pk, "caseworker")
    assert detail["state"] == "accepted"  # no investigation yet: the clock is already running
    assert office.dues(pk, "D-HANDLE-60") == ("2025-04-01", "2025-05-31", "2025-06-03", "open")
    # the written notice (受理告知书) was given at acceptance, in time for D-NOTICE-15 (04-14)
    notice = office.deadline(pk, "D-NOTICE-15")
    assert notice["status"] == "met" and moment(notice["met_at"]) == at("2025-04-01")
    # accepting ends the objection period and the bureau's clock
    assert {r["status"] for r in detail["deadlines"] if r["rule"] == "D-OBJECTION-5WD"} == {"cancelled"}
    assert notices(pk) == ["accept_notice"]
    (accept,) = office.events(pk, "accept")
    assert accept["data"]["notice_number"]
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    assert office.state(pk) == "in_handling"
    # investigation does not restart the clock
    assert office.dues(pk, "D-HANDLE-60") == ("2025-04-01", "2025-05-31", "2025-06-03", "open")


def test_a_date_alone_means_nine_in_the_morning(office: Office, organs: Any) -> None:
    """occurred_at "2025-04-01" is 09:00 local on that day (docs/domain.md, 补录), not midnight:
    Django's parse_datetime accepts a date alone on Python 3.11 and would give 00:00."""
    pk = accepted_on_0401(office, organs)
    (accept,) = office.events(pk, "accept")
    assert moment(accept["at"]) == at("2025-04-01", 9, 0)
    assert moment(office.detail(pk)["accepted_at"]) == at("2025-04-01", 9, 0)
    (receive,) = office.events(pk, "receive")
    assert moment(receive["at"]) == at("2025-03-28", 9, 0)
    assert receive["data"]["late_entry"] is True and receive["data"]["late_reason"] == "纸质件补录"


def _case_page(users: Any, pk: int) -> str:
    page = Client()  # the workbench, in a session of its own
    page.force_login(users["caseworker"])
    return str(page.get(f"/workbench/petition/{pk}/").content.decode())


def test_an_extension_counts_only_once_its_notice_is_sent(office: Office, organs: Any, users: Any) -> None:
    pk = accepted_on_0401(office, organs)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("organ_head", pk, "extend", "2025-05-20", days=10, reason="需委托第三方噪声监测")
    # approved, not yet told: the original due date stands and the state does not change
    assert office.state(pk) == "in_handling"
    row = office.deadline(pk, "D-HANDLE-60")
    assert (row["nominal_due"], row["statutory_due"], row["extra_days"]) == ("2025-05-31", "2025-06-03", 0)
    page = _case_page(users, pk)
    assert "尚未告知信访人延期理由" in page and "2025-05-20 批准延期 10 日" in page
    # a second extension waits for the first one's notice (Art. 34)
    office.refuse("organ_head", pk, "extend", status=422, code="invalid", field="days", days=5, reason="再延")
    # a notice dated after the original due date comes too late
    office.refuse(
        "caseworker", pk, "notify_extension", status=422, code="invalid", field="notified_at",
        notified_at="2025-06-04",
    )  # fmt: skip
    office.act("caseworker", pk, "notify_extension", "2025-05-22", notified_at="2025-05-22")
    assert office.state(pk) == "extended"
    row = office.deadline(pk, "D-HANDLE-60")
    assert (row["start"], row["nominal_due"], row["statutory_due"], row["extra_days"]) == (
        "2025-04-01",
        "2025-06-10",
        "2025-06-10",
        10,
    )
    (notified,) = office.events(pk, "notify_extension")
    assert notified["data"]["total_extension_days"] == 10
    assert notices(pk) == ["accept_notice", "extension_notice"]
    assert "尚未告知信访人延期理由" not in _case_page(users, pk)


def test_register_to_final_at_the_dates_they_happened(office: Office, organs: Any) -> None:
    pk = accepted_on_0401(office, organs)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("organ_head", pk, "extend", "2025-05-20", days=10, reason="需委托第三方噪声监测")
    office.act("caseworker", pk, "notify_extension", "2025-05-22", notified_at="2025-05-22")
    # the caseworker's opinion is a draft awaiting 签发: the state stays, the clock keeps running
    office.act("caseworker", pk, "conclude", "2025-06-05", **OPINION)
    assert office.state(pk) == "extended"
    assert office.deadline(pk, "D-HANDLE-60")["status"] == "open"
    office.refuse(
        "caseworker", pk, "sign_opinion", "2025-06-06", status=403, code="not_signer", field="actor"
    )
    office.act("organ_head", pk, "sign_opinion", "2025-06-06")
    assert office.state(pk) == "concluded"
    handle = office.deadline(pk, "D-HANDLE-60")
    assert handle["status"] == "met" and moment(handle["met_at"]) == at("2025-06-06")  # due 06-10
    assert notices(pk) == ["accept_notice", "extension_notice", "handling_opinion"]
    # delivery never before issue
    office.refuse(
        "caseworker", pk, "deliver", "2025-06-09", status=422, code="invalid", field="delivered_on",
        method="in_person", delivered_on="2025-06-05",
    )  # fmt: skip
    office.act("caseworker", pk, "deliver", "2025-06-09", method="in_person", delivered_on="2025-06-09")
    assert office.state(pk) == "delivered"
    assert office.dues(pk, "D-REVIEW-REQ-30") == ("2025-06-09", "2025-07-09", "2025-07-09", "open")

    # 复查 at A市人民政府 (Art. 35)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01", reasons="不服")
    detail = office.detail(pk, "registrar")
    assert detail["state"] == "review_requested" and detail["current_organ"]["id"] == organs["a-gov"].pk
    window = office.deadline(pk, "D-REVIEW-REQ-30", "registrar")
    assert window["status"] == "met"
    assert office.dues(pk, "D-REVIEW-30", "registrar") == ("2025-07-01", "2025-07-31", "2025-07-31", "open")
    # 维持/变更/撤销 only; the one who signed the original may not review it (Art. 28(3))
    changed = {**OPINION, "outcome": "changed", "method": "in_person", "delivered_on": "2025-07-28"}
    office.refuse(
        "gov_head", pk, "conclude_review", "2025-07-28", status=422, code="invalid", field="outcome",
        **{**changed, "outcome": "support"},
    )  # fmt: skip
    office.refuse(
        "organ_head", pk, "conclude_review", "2025-07-28", status=403, code="recusal_reviewer", field="actor",
        **changed,
    )  # fmt: skip
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **changed)
    assert office.state(pk, "registrar") == "review_concluded"
    assert office.deadline(pk, "D-REVIEW-30", "registrar")["status"] == "met"
    assert office.dues(pk, "D-RECHECK-REQ-30", "registrar") == (
        "2025-07-28",
        "2025-08-27",
        "2025-08-27",
        "open",
    )
    (review,) = office.events(pk, "conclude_review", "registrar")
    assert review["data"]["outcome"] == "changed"

    # 复核 at 西地省人民政府 (Art. 36), with a hearing whose days are excluded (Art. 36(2))
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    detail = office.detail(pk, "registrar")
    assert detail["state"] == "recheck_requested" and detail["current_organ"]["id"] == organs["xd-gov"].pk
    assert office.dues(pk, "D-RECHECK-30", "registrar") == ("2025-08-20", "2025-09-19", "2025-09-19", "open")
    office.act("caseworker", pk, "start_recheck_hearing", "2025-09-01", hearing_start="2025-09-01")
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-03", hearing_end="2025-09-03")
    row = office.deadline(pk, "D-RECHECK-30", "registrar")
    assert (row["nominal_due"], row["statutory_due"], row["extra_days"]) == ("2025-09-22", "2025-09-22", 3)
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person", "delivered_on": "2025-09-15"}
    office.act("province_head", pk, "conclude_recheck", "2025-09-15", **upheld)
    detail = office.detail(pk, "registrar")
    assert detail["state"] == "final" and moment(detail["final_at"]) == at("2025-09-15")
    assert detail["timeline"][-1]["action"] == "finalise" and detail["timeline"][-1]["to_state"] == "final"
    assert office.deadline(pk, "D-RECHECK-30", "registrar")["status"] == "met"
    assert not [r for r in detail["deadlines"] if r["status"] == "open"]
    assert notices(pk) == [
        "accept_notice",
        "extension_notice",
        "handling_opinion",
        "review_opinion",
        "recheck_opinion",
    ]
    # final (Art. 36(3)): no further request
    office.refuse(
        "registrar", pk, "request_review", status=409, code="transition_not_allowed", received_on="2025-09-20"
    )


# ---- R-CNT-6: in time is judged by the date received (or postmarked), not the date entered


def _closed_by_the_sweep(office: Office, organs: Any) -> int:
    pk = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-10", 1))  # the nightly sweep after the window (due 07-09) ran out
    deadlines_sweep()
    assert office.state(pk) == "closed_no_review"
    assert office.deadline(pk, "D-REVIEW-REQ-30")["status"] == "expired"
    office.enter_on(at("2025-07-15", 10))
    return pk


@pytest.mark.parametrize(
    "dates",
    [
        {"received_on": "2025-07-08"},  # received in time, entered on 07-15
        {"received_on": "2025-07-11", "postmarked_on": "2025-07-09"},  # posted on the last day
    ],
)
def test_a_review_request_made_in_time_reopens_a_matter_the_sweep_closed(
    office: Office, organs: Any, dates: dict[str, str]
) -> None:
    pk = _closed_by_the_sweep(office, organs)
    office.act("registrar", pk, "request_review", **dates)
    detail = office.detail(pk, "registrar")
    assert detail["state"] == "review_requested" and detail["current_organ"]["id"] == organs["a-gov"].pk
    received = dates["received_on"]
    # D-REVIEW-30 from the day the request was received: 07-08 → 08-07 (Thu); 07-11 → 08-10 (Sun) → 08-11
    expected = {"2025-07-08": ("2025-08-07", "2025-08-07"), "2025-07-11": ("2025-08-10", "2025-08-11")}
    assert office.dues(pk, "D-REVIEW-30", "registrar") == (received, *expected[received], "open")
    window = office.deadline(pk, "D-REVIEW-REQ-30", "registrar")
    assert window["status"] == "met"
    (event,) = office.events(pk, "request_review", "registrar")
    assert (event["from_state"], event["to_state"]) == ("closed_no_review", "review_requested")
    assert event["data"]["reopened"]["window"] == "D-REVIEW-REQ-30"
    assert event["data"]["reopened"]["window_statutory_due"] == "2025-07-09"
    assert event["data"]["late_with_good_reason"] is False
    # the closing stays on the timeline, before the re-opening
    actions = [e["action"] for e in detail["timeline"]]
    assert actions.index("close_no_review") < actions.index("request_review")


def test_a_late_review_request_after_closing_needs_a_good_reason(office: Office, organs: Any) -> None:
    pk = _closed_by_the_sweep(office, organs)
    office.refuse(
        "registrar", pk, "request_review", status=422, code="invalid", field="received_on",
        received_on="2025-07-10",
    )  # fmt: skip
    # the 复核 window never opened on this matter: request_recheck does not re-open it
    office.refuse(
        "registrar",
        pk,
        "request_recheck",
        status=409,
        code="transition_not_allowed",
        received_on="2025-07-08",
    )
    office.act("registrar", pk, "request_review", received_on="2025-07-10", good_reason="住院治疗，有病历")
    (event,) = office.events(pk, "request_review", "registrar")
    assert event["data"]["late_with_good_reason"] is True
    window = office.deadline(pk, "D-REVIEW-REQ-30", "registrar")
    assert window["status"] == "met"


def test_a_recheck_request_made_in_time_reopens_a_matter_closed_after_review(
    office: Office, organs: Any
) -> None:
    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person", "delivered_on": "2025-07-28"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld)
    office.enter_on(at("2025-08-28", 1))  # D-RECHECK-REQ-30 due 08-27
    deadlines_sweep()
    assert office.state(pk, "registrar") == "closed_no_review"
    office.enter_on(at("2025-09-02", 10))
    # the 复查 was made: request_review cannot re-open this matter
    office.refuse(
        "registrar", pk, "request_review", status=409, code="transition_not_allowed", received_on="2025-08-26"
    )
    office.act("registrar", pk, "request_recheck", received_on="2025-08-26")
    detail = office.detail(pk, "registrar")
    assert detail["state"] == "recheck_requested" and detail["current_organ"]["id"] == organs["xd-gov"].pk
    # D-RECHECK-30 from 08-26 → 09-25 (Thu)
    assert office.dues(pk, "D-RECHECK-30", "registrar") == ("2025-08-26", "2025-09-25", "2025-09-25", "open")
    (event,) = office.events(pk, "request_recheck", "registrar")
    assert event["data"]["reopened"]["window"] == "D-RECHECK-REQ-30"


def test_an_extension_approved_and_told_in_time_counts_when_entered_after_the_original_due_date(
    office: Office, organs: Any
) -> None:
    """Approved 05-20 and told 05-22 (before 06-03), entered on 06-09: the catch-up sweep had no
    reason to breach a clock that was extended in time. Due 06-10 with the 10 days."""
    pk = accepted_on_0401(office, organs)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.enter_on(at("2025-06-09", 10))
    office.act("organ_head", pk, "extend", "2025-05-20", days=10, reason="需委托第三方噪声监测")
    office.act("caseworker", pk, "notify_extension", "2025-05-22", notified_at="2025-05-22")
    assert office.state(pk) == "extended"
    row = office.deadline(pk, "D-HANDLE-60")
    assert (row["nominal_due"], row["statutory_due"], row["extra_days"], row["status"]) == (
        "2025-06-10",
        "2025-06-10",
        10,
        "open",
    )
    # the automatic 督办 the lagging entry raised is withdrawn; the case is not overdue
    assert not SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-HANDLE-60").exists()
    assert office.detail(pk)["has_overdue"] is False


def test_recheck_hearing_days_entered_after_the_unextended_due_date_still_count(
    office: Office, organs: Any
) -> None:
    """复核 requested 08-20 (D-RECHECK-30: 09-19), hearing 09-01…09-03 (→ 09-22), answered on 09-22;
    the office enters the hearing and the answer on 09-25. The 复核 was answered in time."""
    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    office.enter_on(at("2025-09-25", 10))
    office.act("caseworker", pk, "start_recheck_hearing", "2025-09-01", hearing_start="2025-09-01")
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-03", hearing_end="2025-09-03")
    row = office.deadline(pk, "D-RECHECK-30", "registrar")
    assert (row["nominal_due"], row["statutory_due"], row["extra_days"], row["status"]) == (
        "2025-09-22",
        "2025-09-22",
        3,
        "breached",  # entered on 09-25: the extended due date has passed too
    )
    office.act("province_head", pk, "conclude_recheck", "2025-09-22", **upheld, delivered_on="2025-09-22")
    row = office.deadline(pk, "D-RECHECK-30", "registrar")
    assert row["status"] == "met" and moment(row["met_at"]) == at("2025-09-22")
    assert not SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-RECHECK-30").exists()


def test_an_extension_told_before_it_was_approved_is_refused(office: Office, organs: Any) -> None:
    pk = accepted_on_0401(office, organs)
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("organ_head", pk, "extend", "2025-05-20", days=10, reason="需委托第三方噪声监测")
    office.refuse(
        "caseworker", pk, "notify_extension", "2025-05-22", status=422, code="invalid", field="notified_at",
        notified_at="2025-05-10",
    )  # fmt: skip


def test_a_review_request_received_before_the_opinion_was_delivered_is_refused(
    office: Office, organs: Any
) -> None:
    pk = delivered_on_0609(office, organs)
    office.refuse(
        "registrar", pk, "request_review", "2025-07-01", status=422, code="invalid", field="received_on",
        received_on="2025-06-08",
    )  # fmt: skip
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-06-09")
    assert office.dues(pk, "D-REVIEW-30", "registrar") == ("2025-06-09", "2025-07-09", "2025-07-09", "open")


def test_only_the_request_that_reopens_is_offered_after_closing(office: Office, organs: Any) -> None:
    pk = _closed_by_the_sweep(office, organs)
    offered = office.actions(pk, "registrar")
    assert "request_review" in offered and "request_recheck" not in offered


def test_the_reviewing_organ_reads_what_the_petitioner_contests(office: Office, organs: Any) -> None:
    """Arts. 35-36: the 复查 organ reviews the opinion against the request's reasons. They were
    stored but no read returned them (external client review, 2026-12-08): the API's detail and the
    case page now list each request with its reasons, masked for a reader who may not see the
    petitioner."""
    pk = delivered_on_0609(office, organs)
    reasons = "处理意见没有解决夜间施工噪音问题，李四（电话13800138000）仍每晚被吵醒。"
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01", reasons=reasons)
    detail = office.detail(pk, "gov_head")
    assert [(a["kind"], a["received_on"], a["is_late"]) for a in detail["appeals"]] == [
        ("review", "2025-07-01", False)
    ]
    assert detail["appeals"][0]["reasons"] == reasons  # the reviewing organ's head may see him
    masked = office.detail(pk, "supervisor")["appeals"][0]["reasons"]
    assert "夜间施工噪音" in masked and "13800138000" not in masked and "李四" not in masked
    from django.contrib.auth import get_user_model

    web = Client()
    web.force_login(get_user_model().objects.get(username="gov_head"))
    page = web.get(f"/workbench/petition/{pk}/")
    assert page.status_code == 200 and "夜间施工噪音" in page.content.decode()
