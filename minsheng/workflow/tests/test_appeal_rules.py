"""复查 / 复核 requests (Arts. 35–36, R-CNT-6) pinned where mutation testing found them loose
(``scripts/mutation.py --group appeals``): what is offered, what is refused, what the window row
and the event record, and who is told. Dates as in test_statute_scenarios_main (delivered
2025-06-09 in person: D-REVIEW-REQ-30 runs to 07-09)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minsheng.notifications.models import OutboxMessage
from minsheng.workflow.models import Deadline
from minsheng.workflow.sweeps import deadlines_sweep
from minsheng.workflow.tests.scenario_api import OPINION, Office, at, delivered_on_0609, moment

pytestmark = pytest.mark.django_db


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
    assert len(closed) == 1 and closed[0]["data"]["reason"] == "request window expired"
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


def test_a_request_made_in_time_reopens_the_matter_even_after_it_was_archived(
    office: Office, organs: Any
) -> None:
    """R-CNT-6: the 复查 window (06-09 → 07-09) closed the matter on 07-10; the administrator archived
    it on 07-11; a request postmarked 07-08 arrives 07-14 and is entered on 07-15. Archiving took no
    right away: the request re-opens the matter, the event says from which state; only the request
    whose window closed it is offered."""
    pk = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-10", 1))
    deadlines_sweep()
    office.act("admin", pk, "archive", "2025-07-11")
    assert office.state(pk, "registrar") == "archived"
    office.enter_on(at("2025-07-15", 10))
    assert "request_review" in office.actions(pk, "registrar")
    assert "request_recheck" not in office.actions(pk, "registrar")
    office.act("registrar", pk, "request_review", received_on="2025-07-14", postmarked_on="2025-07-08")
    (event,) = office.events(pk, "request_review", "registrar")
    assert event["data"]["reopened"]["from_state"] == "archived"
    assert office.state(pk, "registrar") == "review_requested"
    window = Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30")
    assert (window.status, window.met_late) == ("met", False)


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
            "extra_days": 1,
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


def test_without_a_recorded_window_the_request_needs_a_good_reason(office: Office, organs: Any) -> None:
    """A matter whose delivery opened no request window (the delivery was not recorded, as for a
    matter entered before windows were kept): nothing shows the request to be in time, so it is
    taken only with a good reason, recorded late, and no window row is made up."""
    from minsheng.workflow.models import Appeal

    pk = delivered_on_0609(office, organs)
    Deadline.objects.filter(petition_id=pk, rule="D-REVIEW-REQ-30").delete()
    office.enter_on(at("2025-07-01", 10))
    refused = office.refuse(
        "registrar", pk, "request_review", status=422, code="invalid", field="received_on",
        received_on="2025-07-01",
    )  # fmt: skip
    assert refused["message"] == "未记录意见书送达，无法确认申请是否在期限内；如有正当理由，请填写。"
    office.act("registrar", pk, "request_review", received_on="2025-07-01", good_reason="送达记录遗失")
    appeal = Appeal.objects.get(petition_id=pk, kind="review")
    assert (appeal.is_late, appeal.good_reason, appeal.received_on) == (
        True,
        "送达记录遗失",
        dt.date(2025, 7, 1),
    )
    (event,) = office.events(pk, "request_review", "registrar")
    assert event["data"]["late_with_good_reason"] is True and "reopened" not in event["data"]
    assert not Deadline.objects.filter(petition_id=pk, rule="D-REVIEW-REQ-30").exists()
    assert office.deadline(pk, "D-REVIEW-30", "registrar")["start"] == "2025-07-01"


def test_the_reopening_names_this_matters_own_closing(office: Office, organs: Any) -> None:
    """The re-opening event quotes the moment the sweep closed *this* matter: not a later closing
    of another matter, not a later act on this one."""
    from minsheng.workflow.models import PetitionEvent

    no_review = delivered_on_0609(office, organs)
    after_review = delivered_on_0609(office, organs)
    office.act("registrar", after_review, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person", "delivered_on": "2025-07-08"}
    office.act("gov_head", after_review, "conclude_review", "2025-07-08", **upheld)
    office.enter_on(at("2025-07-10", 1))
    deadlines_sweep()  # closes no_review (its 复查 window ran out on 07-09)
    office.enter_on(at("2025-07-20", 10))
    office.act("registrar", no_review, "note", text="信访人来电询问，告知可持邮寄凭证申请复查")
    office.enter_on(at("2025-08-08", 1))
    deadlines_sweep()  # closes after_review (its 复核 window ran out on 08-07)
    closings = PetitionEvent.objects.filter(action="close_no_review").order_by("occurred_at")
    assert [e.petition_id for e in closings] == [no_review, after_review]
    office.enter_on(at("2025-08-08", 10))
    office.act("registrar", no_review, "request_review", received_on="2025-07-20", postmarked_on="2025-07-08")
    (event,) = office.events(no_review, "request_review", "registrar")
    assert moment(event["data"]["reopened"]["closed_at"]) == at("2025-07-10", 1)
    assert event["data"]["reopened"]["window_statutory_due"] == "2025-07-09"


def test_no_configured_upper_organ_is_a_clear_refusal(office: Office, organs: Any) -> None:
    """An organ with no reviewing organ configured (neither review_organ nor a parent): the
    petitioner's own request (citizen API) is refused naming the missing setting, and nothing
    changes. (Staff are refused before, by the post check at the upper organ.)"""
    from minsheng.orgs.models import Organ
    from minsheng.petitions.models import Petition
    from minsheng.petitions.services import query_password_hash
    from minsheng.workflow.models import Appeal, PetitionEvent

    pk = delivered_on_0609(office, organs)
    code = Petition.objects.get(pk=pk).tracking_code
    Petition.objects.filter(pk=pk).update(query_password_hash=query_password_hash(code, "pw-123456"))
    Organ.objects.filter(pk=organs["a-housing"].pk).update(parent=None, review_organ=None)
    office.enter_on(at("2025-07-01", 10))
    events = PetitionEvent.objects.filter(petition_id=pk).count()
    body = {"tracking_code": code, "password": "pw-123456", "reasons": "处理意见未解决噪音问题"}
    refused = office.client.post("/api/v1/citizen/appeal", body, content_type="application/json")
    assert refused.status_code == 422, refused.content
    assert refused.json()["message"] == "未配置上一级机关，无法复查复核；请管理员设置。"
    assert refused.json()["field"] == "organ"
    assert not Appeal.objects.filter(petition_id=pk).exists()
    assert PetitionEvent.objects.filter(petition_id=pk).count() == events
    assert Petition.objects.get(pk=pk).state == "delivered"


def test_the_handling_organ_stays_the_one_that_handled_it(office: Office, organs: Any) -> None:
    """The matter moves up to the 复查 and then the 复核 organ; the organ that handled it (and is
    answerable for it in the indicators) stays recorded."""
    from minsheng.petitions.models import Petition

    pk = _recheck_requested_0820(office, organs)
    petition = Petition.objects.get(pk=pk)
    assert petition.handling_organ_id == organs["a-housing"].pk
    assert petition.current_organ_id != organs["a-housing"].pk


def test_the_postmark_counts_only_where_the_rule_is_on(office: Office, organs: Any, settings: Any) -> None:
    """R-CNT-6 with MINSHENG_POSTMARK_RULE off: the day the request was received decides, not the
    postmark; received a day after the window, it needs a good reason."""
    settings.MINSHENG_POSTMARK_RULE = False
    pk = delivered_on_0609(office, organs)
    office.enter_on(at("2025-07-10", 0, 30))  # before the night's sweep
    refused = office.refuse(
        "registrar", pk, "request_review", status=422, code="invalid", field="received_on",
        received_on="2025-07-10", postmarked_on="2025-07-08",
    )  # fmt: skip
    assert "2025-07-09" in refused["message"]
    settings.MINSHENG_POSTMARK_RULE = True
    office.act("registrar", pk, "request_review", received_on="2025-07-10", postmarked_on="2025-07-08")
    assert Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30").met_late is False


def test_the_request_records_the_day_it_was_received_not_the_day_it_was_entered(
    office: Office, organs: Any
) -> None:
    """复查 received on 07-01, entered on 07-03; 复核 received on 08-20, entered on 08-22: the matter
    and the events keep the days of receipt (they start the answer clocks), and name the organ."""
    from minsheng.petitions.models import Petition

    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-03", received_on="2025-07-01")
    (review,) = office.events(pk, "request_review", "registrar")
    assert review["data"]["received_on"] == "2025-07-01"
    assert review["data"]["organ"] == organs["a-gov"].name
    assert review["data"]["late_with_good_reason"] is False
    assert Petition.objects.get(pk=pk).review_requested_on == dt.date(2025, 7, 1)
    assert office.deadline(pk, "D-REVIEW-30", "registrar")["start"] == "2025-07-01"
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
    office.act("registrar", pk, "request_recheck", "2025-08-22", received_on="2025-08-20")
    petition = Petition.objects.get(pk=pk)
    assert (petition.review_requested_on, petition.recheck_requested_on) == (
        dt.date(2025, 7, 1),
        dt.date(2025, 8, 20),
    )
    (recheck,) = office.events(pk, "request_recheck", "registrar")
    assert recheck["data"]["received_on"] == "2025-08-20"


def _assigned_and_delivered(office: Office, organs: Any) -> int:
    """A letter of 2025-03-24 assigned (交办) by the city bureau to the housing bureau on 03-26 with
    the completion report due 2025-12-31, handled, signed and delivered on 06-09."""
    pk = office.register(at("2025-03-24", 9, 30))
    office.act(
        "dispatcher", pk, "assign", "2025-03-26", organ_id=organs["a-housing"].pk, due_date="2025-12-31"
    )
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.act("caseworker", pk, "accept", "2025-04-01")
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("caseworker", pk, "conclude", "2025-06-05", **OPINION)
    office.act("organ_head", pk, "sign_opinion", "2025-06-06")
    office.act("caseworker", pk, "deliver", "2025-06-09", method="in_person", delivered_on="2025-06-09")
    return pk


def test_the_answers_are_told_and_finality_ends_the_petitioners_clocks_only(
    office: Office, organs: Any
) -> None:
    """The petitioner is told of the 复查 answer and of the final 复核 answer (Art. 36(3)); the
    finalise event names the article. Finality ends every clock of the petitioner's procedure
    still open, but not the 交办's 办结报告 owed to the assigning organ (Art. 22(1)(3)): it stays
    open with its own due date, and may be sent after finality."""
    from minsheng.workflow import deadlines as dl

    pk = _assigned_and_delivered(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
    texts = OutboxMessage.objects.filter(petition_id=pk)
    assert texts.filter(kind="review_answered", channel="sms").exists()
    assert office.dues(pk, "D-ASSIGNED")[2:] == ("2025-12-31", "open")
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    # a clock of the procedure left open by mistake must not outlive finality either
    stray = dl.deadline_open(pk, "D-HANDLE-60", dt.date(2025, 8, 25), organ_id=organs["a-housing"].pk)
    office.act("province_head", pk, "conclude_recheck", "2025-09-15", **upheld, delivered_on="2025-09-15")
    assert office.state(pk, "registrar") == "final"
    assert texts.filter(kind="final", channel="sms").exists()
    (finalised,) = office.events(pk, "finalise", "registrar")
    assert finalised["data"]["article"] == "条例第三十六条第三款"
    stray.refresh_from_db()
    assert stray.status == "cancelled"
    still_open = Deadline.objects.filter(petition_id=pk, status="open")
    assert list(still_open.values_list("rule", "statutory_due")) == [("D-ASSIGNED", dt.date(2025, 12, 31))]
    assert "report_completion" in office.actions(pk, "caseworker")
    office.act("caseworker", pk, "report_completion", "2025-09-20", report="已办结，复查复核均维持")
    report = Deadline.objects.get(petition_id=pk, rule="D-ASSIGNED")
    assert (report.status, report.met_at) == ("met", at("2025-09-20"))


def test_the_completion_report_is_sent_by_the_handling_organ_while_the_matter_is_reviewed(
    office: Office, organs: Any
) -> None:
    """Art. 22(1)(3): the petitioner asked for 复查 before the housing bureau sent its 办结报告.
    The duty stays with the housing bureau (not the city government now reviewing the matter): its
    staff are offered the report and send it once; the reviewing organ's head is refused; the city
    bureau that assigned the matter is told; a second report is refused by name."""
    from minsheng.workflow.models import Assignment

    pk = _assigned_and_delivered(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    assert "report_completion" not in office.actions(pk, "gov_head")
    office.refuse(
        "gov_head", pk, "report_completion", "2025-07-02", status=403, code="forbidden", report="已办结"
    )
    assert "report_completion" in office.actions(pk, "organ_head")
    office.act("organ_head", pk, "report_completion", "2025-07-03", report="已于6月9日送达处理意见书")
    lead = Assignment.objects.get(petition_id=pk, kind="assign", role="lead")
    assert lead.completion_report == "已于6月9日送达处理意见书"
    assert lead.completion_reported_at == at("2025-07-03")
    assert Deadline.objects.get(petition_id=pk, rule="D-ASSIGNED").status == "met"
    assert office.state(pk, "registrar") == "review_requested"
    (reported,) = office.events(pk, "report_completion", "registrar")
    assert reported["data"]["to_organ"] == organs["a-bureau"].name
    told = OutboxMessage.objects.filter(petition_id=pk, kind="completion_report")
    assert told.exists()
    assert "report_completion" not in office.actions(pk, "organ_head")
    office.refuse(
        "organ_head", pk, "report_completion", "2025-07-04",
        status=409, code="completion_report_sent", report="补充报告",
    )  # fmt: skip
    lead.refresh_from_db()
    assert lead.completion_report == "已于6月9日送达处理意见书"


def test_a_matter_whose_completion_report_is_owed_is_not_archived(office: Office, organs: Any) -> None:
    """Archiving cancels every clock; while the 办结报告 is owed it is refused (the duty would be
    dropped unseen), and allowed once the report is sent."""
    pk = _assigned_and_delivered(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
    office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    office.act("province_head", pk, "conclude_recheck", "2025-09-15", **upheld, delivered_on="2025-09-15")
    body = office.refuse("admin", pk, "archive", "2025-09-16", status=409, code="completion_report_owed")
    assert "2025-12-31" in body["message"]
    assert "archive" not in office.actions(pk, "admin")  # not offered while it can only fail
    office.act("caseworker", pk, "report_completion", "2025-09-17", report="已办结")
    assert "archive" in office.actions(pk, "admin")
    from minsheng.workflow import deadlines as dl

    stray = dl.deadline_open(pk, "D-HANDLE-60", dt.date(2025, 9, 1), organ_id=organs["a-housing"].pk)
    office.act("admin", pk, "archive", "2025-09-18")
    assert office.state(pk, "registrar") == "archived"
    stray.refresh_from_db()
    assert stray.status == "cancelled"  # archiving ends whatever clock was left


def test_the_completion_report_is_recorded_on_this_matters_lead_assignment(
    office: Office, organs: Any
) -> None:
    """Assigned with an assisting organ (协办): the report goes on the lead (主办) row of this
    matter; another assigned matter still owes its own report."""
    from minsheng.workflow.models import Assignment

    first = office.register(at("2025-03-24", 9, 30))
    office.act(
        "dispatcher", first, "assign", "2025-03-26", organ_id=organs["a-housing"].pk,
        assisting_organ_ids=[organs["a-env"].pk], due_date="2025-12-31",
    )  # fmt: skip
    second = _assigned_and_delivered(office, organs)
    for step, on, extra in (
        ("receive", "2025-06-10", {}),
        ("accept", "2025-06-11", {}),
        ("start_handling", "2025-06-12", {"no_conflict_of_interest": True}),
        ("conclude", "2025-06-13", OPINION),
    ):
        office.act("caseworker", first, step, on, **extra)
    office.act("organ_head", first, "sign_opinion", "2025-06-16")
    office.act("caseworker", first, "report_completion", "2025-06-17", report="主办报告")
    rows = Assignment.objects.filter(petition_id=first, kind="assign")
    assert dict(rows.values_list("role", "completion_report")) == {"lead": "主办报告", "assisting": ""}
    assert office.dues(second, "D-ASSIGNED")[3] == "open"
    assert "report_completion" in office.actions(second, "caseworker")
    assert "report_completion" not in office.actions(first, "caseworker")


def test_a_second_hearing_adds_its_days_and_may_not_overlap_the_first(office: Office, organs: Any) -> None:
    """R-CNT-7 with two hearings: 09-01 (1 day), then 09-05..09-06 (2 days): D-RECHECK-30 from
    08-20 → 09-19 + 3 days = 09-22 (Mon). A second hearing starting on the first one's last day is
    refused (the day would count twice); the first hearing's record is left as it was."""
    from minsheng.workflow.models import Hearing

    pk = _recheck_requested_0820(office, organs)
    office.act("caseworker", pk, "start_recheck_hearing", "2025-09-01", hearing_start="2025-09-01")
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-01", hearing_end="2025-09-01")
    assert office.dues(pk, "D-RECHECK-30", "registrar")[1:3] == ("2025-09-20", "2025-09-22")
    office.refuse(
        "caseworker", pk, "start_recheck_hearing", "2025-09-02", status=422, code="invalid",
        field="hearing_start", hearing_start="2025-09-01",
    )  # fmt: skip
    office.act("caseworker", pk, "start_recheck_hearing", "2025-09-05", hearing_start="2025-09-05")
    office.act("caseworker", pk, "end_recheck_hearing", "2025-09-06", hearing_end="2025-09-06")
    row = office.deadline(pk, "D-RECHECK-30", "registrar")
    assert (row["nominal_due"], row["statutory_due"], row["extra_days"]) == ("2025-09-22", "2025-09-22", 3)
    hearings = list(Hearing.objects.filter(petition_id=pk).order_by("start").values_list("start", "end"))
    assert hearings == [
        (dt.date(2025, 9, 1), dt.date(2025, 9, 1)),
        (dt.date(2025, 9, 5), dt.date(2025, 9, 6)),
    ]
    second = office.events(pk, "end_recheck_hearing", "registrar")[-1]
    assert second["data"]["hearing_days"] == 2 and second["data"]["deadlines"][0]["extra_days"] == 3


def test_ending_a_hearing_touches_only_this_matter(office: Office, organs: Any) -> None:
    """Two matters in 复核 hearings at once: ending the older one's hearing closes its hearing and
    moves its clock only; the newer one's hearing stays open and its clock unchanged."""
    from minsheng.workflow.models import Hearing

    older = delivered_on_0609(office, organs)
    newer = delivered_on_0609(office, organs)
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    for pk in (older, newer):
        office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
        office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
        office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    for pk in (older, newer):
        office.act("caseworker", pk, "start_recheck_hearing", "2025-09-01", hearing_start="2025-09-01")
    office.act("caseworker", older, "end_recheck_hearing", "2025-09-02", hearing_end="2025-09-02")
    assert Hearing.objects.get(petition_id=older).end == dt.date(2025, 9, 2)
    assert Hearing.objects.get(petition_id=newer).end is None
    assert office.dues(older, "D-RECHECK-30", "registrar")[1] == "2025-09-21"
    assert office.dues(newer, "D-RECHECK-30", "registrar")[1] == "2025-09-19"


def test_the_recheck_clock_does_not_breach_while_the_hearing_lasts(office: Office, organs: Any) -> None:
    """Art. 36(2): the hearing's days do not count, so while a 复核 hearing lasts the clock's due
    date is not known yet. D-RECHECK-30 from 08-20 → 09-19; a hearing 09-15..09-25 (11 days) moves
    it to 09-30. The sweep of 09-22 breaches the matter without a hearing, not the one in a hearing,
    raises no 督办 against it, and after the hearing nothing is breached before 10-01."""
    heard, plain = delivered_on_0609(office, organs), delivered_on_0609(office, organs)
    upheld = {**OPINION, "outcome": "upheld", "method": "in_person"}
    for pk in (heard, plain):
        office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
        office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-07-28")
        office.act("registrar", pk, "request_recheck", "2025-08-20", received_on="2025-08-20")
    office.act("caseworker", heard, "start_recheck_hearing", "2025-09-15", hearing_start="2025-09-15")
    office.enter_on(at("2025-09-22", 1))
    deadlines_sweep()
    assert office.dues(plain, "D-RECHECK-30")[2:] == ("2025-09-19", "breached")
    assert office.dues(heard, "D-RECHECK-30")[2:] == ("2025-09-19", "open")
    from minsheng.workflow.models import SupervisionOrder

    assert not SupervisionOrder.objects.filter(petition_id=heard, deadline_rule="D-RECHECK-30").exists()
    assert SupervisionOrder.objects.filter(petition_id=plain, deadline_rule="D-RECHECK-30").exists()
    office.act("caseworker", heard, "end_recheck_hearing", "2025-09-25", hearing_end="2025-09-25")
    assert office.dues(heard, "D-RECHECK-30")[2:] == ("2025-09-30", "open")
    office.enter_on(at("2025-09-30", 23))
    deadlines_sweep()
    assert office.dues(heard, "D-RECHECK-30")[3] == "open"
    office.enter_on(at("2025-10-01", 1))
    deadlines_sweep()
    assert office.dues(heard, "D-RECHECK-30")[3] == "breached"


def test_a_provisional_window_neither_expires_nor_makes_a_request_late(office: Office, organs: Any) -> None:
    """R-CNT-3/R-CNT-5 in a year the calendar does not cover (2035): delivered 2035-12-03, the 复查
    window's provisional due (30 calendar days, no roll-over known) is 2036-01-02 — a lower bound.
    The sweep of 01-05 does not expire it (the matter stays open for the request), and a request
    received on 01-05 is not late: no good reason asked, the event says the window was provisional."""
    pk = office.register(at("2035-10-08", 9, 30))
    office.act("dispatcher", pk, "forward", "2035-10-09", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2035-10-10")
    office.act("caseworker", pk, "accept", "2035-10-11")
    office.act("caseworker", pk, "start_handling", "2035-10-12", no_conflict_of_interest=True)
    office.act("caseworker", pk, "conclude", "2035-11-20", **OPINION)
    office.act("organ_head", pk, "sign_opinion", "2035-11-21")
    office.act("caseworker", pk, "deliver", "2035-12-03", method="in_person", delivered_on="2035-12-03")
    window = Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30")
    assert (window.is_provisional, window.statutory_due) == (True, dt.date(2036, 1, 2))
    office.enter_on(at("2036-01-05", 1))
    deadlines_sweep()
    assert office.dues(pk, "D-REVIEW-REQ-30")[2:] == ("2036-01-02", "open")
    assert office.state(pk) == "delivered"
    office.act("registrar", pk, "request_review", "2036-01-05", received_on="2036-01-05")
    window.refresh_from_db()
    assert (window.status, window.met_late) == ("met", False)
    (requested,) = office.events(pk, "request_review")
    assert requested["data"]["window_provisional"] is True
    assert requested["data"]["late_with_good_reason"] is False
