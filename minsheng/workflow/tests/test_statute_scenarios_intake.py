"""Intake rules of the statute through the HTTP API at fixed past dates (issue 16, scenario suite):
back-dated receipt, acceptance and simplified handling; assignment with its own deadline counted
from the assignment date; visits one level up are lawful and 越级 is decided from the organ tree
(Art. 20(1)); external limitation at intake (Art. 31 routes, R-073); a mixed letter split (Art. 30);
an accusation routed to the discipline body informs the organisation department (Art. 30(2)).

Dates (State Council 2025 calendar: 劳动节 05-01…05, make-up working day Sun 04-27), checked with
``minsheng deadline RULE --from DATE``:

- D-NOTICE-15 from 2025-03-28 → nominal 04-12 (Sat), statutory 04-14; D-HANDLE-60 from 04-01 →
  05-31 (Sat) / 06-03.
- Simplified: D-SIMPLE-ACCEPT-3WD from the organ's receipt 04-28: 04-29, 04-30, (05-01…05) 05-06.
  D-SIMPLE-HANDLE-10WD from acceptance 04-30: 05-06 … 05-19 (the 10th working day).
- Assignment on 06-03 with 30 days → due 07-03 (Thu); received 06-05: D-ASSIGNED 06-05 + 28 →
  07-03; D-NOTICE-15 from 06-05 → 06-20 (Fri).
- D-BUREAU-15 from 2025-09-01 → 09-16 (Tue); 行政复议 60 days from 07-10 → 09-08, before it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.workflow.models import AccusationSplit, SupervisionOrder
from minsheng.workflow.tests.scenario_api import OPINION, PASSWORD, Office, at, moment, notices

pytestmark = pytest.mark.django_db


OFFICE_START = at("2025-03-01", 8)  # the office fixture (conftest.py) starts its clock here


# ---- back-dated receipt and acceptance


def test_acceptance_entered_weeks_later_counts_from_its_own_date(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.enter_on(at("2025-04-20", 10))  # the office enters the paper file three weeks later
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.act("caseworker", pk, "accept", "2025-04-01", notice_given_at="2025-04-01")
    assert office.state(pk) == "accepted"
    notice = office.deadline(pk, "D-NOTICE-15")
    assert (notice["start"], notice["nominal_due"], notice["statutory_due"]) == (
        "2025-03-28",
        "2025-04-12",
        "2025-04-14",
    )
    # breached by the catch-up sweep when the receipt was entered (04-20 > 04-14), then met in time
    # by the acceptance entered next: met, and the automatic 督办 it raised withdrawn
    assert notice["status"] == "met" and moment(notice["met_at"]) == at("2025-04-01")
    assert not SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-NOTICE-15").exists()
    assert office.dues(pk, "D-HANDLE-60") == ("2025-04-01", "2025-05-31", "2025-06-03", "open")
    (accept,) = office.events(pk, "accept")
    assert accept["data"]["late_entry"] is True and accept["data"]["entered_at"].startswith("2025-04-2")
    assert moment(accept["data"]["notice_given_at"]) == at("2025-04-01")  # a date alone: 09:00
    assert notices(pk) == ["accept_notice"]


def test_a_receipt_date_alone_is_nine_in_the_morning(office: Office, organs: Any) -> None:
    """``received_at`` of ``receive`` given as a date: 09:00 local that day, not midnight."""
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.enter_on(at("2025-03-28", 17))
    office.act("caseworker", pk, "receive", received_at="2025-03-28")
    (receive,) = office.events(pk, "receive")
    assert moment(receive["data"]["received_at"]) == at("2025-03-28")
    assert office.dues(pk, "D-NOTICE-15") == ("2025-03-28", "2025-04-12", "2025-04-14", "open")


def test_a_receipt_entered_with_its_received_at_field_lets_a_later_act_be_back_dated(
    office: Office, organs: Any
) -> None:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.enter_on(at("2025-04-20", 10))
    office.act("caseworker", pk, "receive", received_at="2025-03-28")
    office.act("caseworker", pk, "accept", "2025-04-01")
    assert office.dues(pk, "D-HANDLE-60") == ("2025-04-01", "2025-05-31", "2025-06-03", "open")


def test_acts_before_the_act_they_follow_or_in_the_future_are_refused(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-03-28T14:00:00+08:00")
    office.enter_on(at("2025-04-20", 10))
    # 09:00 on the day of receipt is before the receipt at 14:00
    office.refuse("caseworker", pk, "accept", "2025-03-28", status=422, code="invalid", field="occurred_at")
    office.refuse(
        "caseworker", pk, "accept", status=422, code="invalid", field="occurred_at",
        occurred_at="2025-04-21", late_reason="x",
    )  # fmt: skip
    office.refuse(
        "caseworker", pk, "accept", status=422, code="invalid", field="late_reason",
        occurred_at="2025-04-01", late_reason="",
    )  # fmt: skip
    office.refuse(
        "caseworker", pk, "simplify", status=422, code="invalid", field="occurred_at",
        occurred_at="2025-02-30", late_reason="x",
    )  # fmt: skip
    assert not [r for r in office.detail(pk)["deadlines"] if r["rule"] == "D-HANDLE-60"]


def test_simplified_handling_entered_late_counts_working_days_from_its_date(
    office: Office, organs: Any
) -> None:
    pk = office.register(at("2025-04-25", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-04-25T15:00:00+08:00", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-04-28")
    office.enter_on(at("2025-05-08", 10))
    checklist = {
        "likely_supported": True,
        "no_statutory_procedure": True,
        "single_responsible_body": True,
        "no_conflict_of_interest": True,
    }
    office.refuse(
        "caseworker", pk, "simplify", "2025-04-30", status=422, code="invalid", field="single_responsible_body",
        **{**checklist, "single_responsible_body": False},
    )  # fmt: skip
    office.act("caseworker", pk, "simplify", "2025-04-30", **checklist)
    assert office.state(pk) == "simplified_handling"
    accept3 = office.deadline(pk, "D-SIMPLE-ACCEPT-3WD")
    assert (accept3["start"], accept3["nominal_due"], accept3["status"]) == (
        "2025-04-28",
        "2025-05-06",
        "met",
    )
    assert office.dues(pk, "D-SIMPLE-HANDLE-10WD") == ("2025-04-30", "2025-05-19", "2025-05-19", "open")
    assert moment(office.detail(pk)["accepted_at"]) == at("2025-04-30")
    # no 60-day clock on the simplified procedure
    assert not [r for r in office.detail(pk)["deadlines"] if r["rule"] == "D-HANDLE-60"]
    office.act("organ_head", pk, "conclude", "2025-05-16", **OPINION)
    assert office.state(pk) == "concluded"
    assert office.deadline(pk, "D-SIMPLE-HANDLE-10WD")["status"] == "met"
    # Art. 23(2)(3): simplified acceptance is notified like any other (受理告知书, message sent)
    assert notices(pk) == ["accept_notice", "handling_opinion"]
    assert OutboxMessage.objects.filter(petition_id=pk, kind="accepted").exists()


# ---- assignment (交办) with its own deadline


def test_an_assignment_deadline_counts_from_the_assignment_date(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-06-02", 9, 30))
    office.act("dispatcher", pk, "assign", "2025-06-03", organ_id=organs["a-housing"].pk, due_days=30)
    (assign,) = office.events(pk, "assign")
    assert assign["data"]["assigned_due"] == "2025-07-03"  # 06-03 + 30, not from the entry (06-04)
    office.act("caseworker", pk, "receive", "2025-06-05")
    assert office.dues(pk, "D-ASSIGNED") == ("2025-06-05", "2025-07-03", "2025-07-03", "open")
    assert office.dues(pk, "D-NOTICE-15") == ("2025-06-05", "2025-06-20", "2025-06-20", "open")


def test_an_assignment_entered_late_takes_a_due_date_before_the_entry_and_the_sweep_catches_up(
    office: Office, organs: Any
) -> None:
    pk = office.register(at("2025-06-02", 9, 30))
    office.enter_on(at("2025-07-01", 10))
    # a due date not after the assignment date is refused; one after it is fine, even if past now
    office.refuse(
        "dispatcher", pk, "assign", "2025-06-03", status=422, code="invalid", field="due_date",
        organ_id=organs["a-housing"].pk, due_date="2025-06-03",
    )  # fmt: skip
    office.act(
        "dispatcher", pk, "assign", "2025-06-03", organ_id=organs["a-housing"].pk, due_date="2025-06-25"
    )
    office.act("caseworker", pk, "receive", "2025-06-05")
    row = office.deadline(pk, "D-ASSIGNED")
    assert (row["start"], row["nominal_due"], row["statutory_due"]) == (
        "2025-06-05",
        "2025-06-25",
        "2025-06-25",
    )
    # entered on 07-01, after the due date: breached at once, with an automatic 督办
    assert row["status"] == "breached"
    order = SupervisionOrder.objects.get(petition_id=pk, deadline_rule="D-ASSIGNED")
    assert order.trigger == SupervisionOrder.Trigger.ASSIGNED_OVERDUE
    assert order.target_organ_id == organs["a-housing"].pk
    # D-SUPERVISION-FEEDBACK: 30 days from the order (07-01) → 07-31 (Thu)
    assert order.feedback_due.isoformat() == "2025-07-31"
    assert office.detail(pk)["has_overdue"] is True
    listed = office.client.get(
        "/api/v1/supervision-orders", {"origin": "automatic", "petition_id": pk}, **office.auth("caseworker")
    ).json()
    # the written notice (D-NOTICE-15 from 06-05, due 06-20) was not given either
    assert sorted((o["deadline_rule"], o["feedback_due"], o["status"]) for o in listed["results"]) == [
        ("D-ASSIGNED", "2025-07-31", "open"),
        ("D-NOTICE-15", "2025-07-31", "open"),
    ]
    # an assigned item is never handled by the simplified procedure
    office.refuse(
        "caseworker", pk, "simplify", status=422, code="invalid", field="action",
        likely_supported=True, no_statutory_procedure=True, single_responsible_body=True,
        no_conflict_of_interest=True,
    )  # fmt: skip


# ---- visits one level up (Art. 20(1)); 越级 decided from the organ tree


def _visit(office: Office, organs: Any, receiving: str) -> int:
    return office.register(
        at("2025-05-12", 10),
        channel="visit",
        receiving_organ_id=organs[receiving].pk,
        title="A3区洋湖街道拆迁补偿款未发放",
        request="请求发放拆迁补偿款",
        facts="2024年房屋被征收，补偿款至今未到位。",
    )


@pytest.mark.parametrize(("receiving", "competent"), [("a-bureau", "a3-gov"), ("xd-gov", "a-housing")])
def test_a_visit_to_the_level_above_is_not_yueji(
    office: Office, organs: Any, receiving: str, competent: str
) -> None:
    pk = _visit(office, organs, receiving)
    who = "dispatcher" if receiving == "a-bureau" else "caseworker"
    office.refuse(
        who, pk, "not_accept", "2025-05-13", status=422, code="invalid", field="guidance_organ_id",
        reason="yueji", guidance_organ_id=organs[competent].pk,
    )  # fmt: skip
    assert Petition.objects.get(pk=pk).is_yueji is False


def test_a_visit_two_levels_above_may_be_refused_as_yueji(office: Office, organs: Any) -> None:
    pk = _visit(office, organs, "xd-gov")  # the province (level 1) about a district (level 3)
    office.act(
        "caseworker", pk, "not_accept", "2025-05-13", reason="yueji", guidance_organ_id=organs["a3-gov"].pk
    )
    detail = office.detail(pk, "caseworker")
    assert detail["state"] == "not_accepted" and detail["is_yueji"] is True
    assert notices(pk) == ["not_accept_notice"]
    assert not [r for r in detail["deadlines"] if r["status"] == "open"]


@pytest.mark.parametrize(("competent", "yueji"), [("a-housing", False), ("a3-gov", True)])
def test_registration_marks_yueji_from_the_organ_levels(
    office: Office, organs: Any, competent: str, yueji: bool
) -> None:
    pk = office.register(
        at("2025-05-12", 10),
        channel="visit",
        receiving_organ_id=organs["xd-gov"].pk,
        competent_organ_id=organs[competent].pk,
        title="拆迁补偿款未发放",
        request="请求发放拆迁补偿款",
    )
    assert office.detail(pk, "caseworker")["is_yueji"] is yueji


def test_a_letter_is_never_yueji(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-05-12", 10))
    office.refuse(
        "dispatcher", pk, "not_accept", "2025-05-13", status=422, code="invalid", field="reason",
        reason="yueji", guidance_organ_id=organs["a3-gov"].pk,
    )  # fmt: skip


# ---- external limitation at intake (Art. 31 routes; R-073)


def test_a_limitation_closing_before_the_bureau_due_date_is_raised_at_intake(
    office: Office, organs: Any
) -> None:
    pk = office.register(
        at("2025-09-01", 9, 30),
        title="不服区市场监管局罚款决定",
        request="请求撤销罚款决定",
        facts="2025年7月10日收到罚款决定书。",
    )
    office.act(
        "registrar",
        pk,
        "record_limitation",
        "2025-09-01T11:00:00+08:00",
        limitation="admin_review",
        known_date="2025-07-10",
    )
    limitation = office.detail(pk)["limitation"]
    assert limitation["kind"] == "admin_review"
    assert (limitation["known_date"], limitation["earliest_end"]) == ("2025-07-10", "2025-09-08")
    assert limitation["bureau_due"] == "2025-09-16" and limitation["closing"] is True
    assert limitation["days_left"] == 6  # seen on 09-02 (the entry day): 09-08 is 6 days away
    assert "时效临近：还剩6日" in limitation["warning"]
    # the guidance names what may lengthen the period instead of asserting one date
    assert any("行政复议法" in c for c in limitation["conditions"])
    office.refuse(
        "registrar", pk, "record_limitation", status=422, code="invalid", field="known_date",
        limitation="admin_review", known_date="2025-09-03",
    )  # fmt: skip


def test_a_limitation_ending_after_the_bureau_due_date_is_not_closing(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-09-01", 9, 30))
    office.act(
        "dispatcher",
        pk,
        "record_limitation",
        "2025-09-01T11:00:00+08:00",
        limitation="labour_arbitration",
        known_date="2025-03-01",
    )
    limitation = office.detail(pk)["limitation"]
    assert limitation["earliest_end"] == "2026-03-01" and limitation["closing"] is False
    assert limitation["warning"] == ""


# ---- a mixed letter (Art. 30; R-150)

MIXED = {
    "title": "申请公租房多年未批，且住建局科长索要好处费",
    "request": "请求尽快审批我的公租房申请；请求查处住建局住房保障科科长索要好处费的问题",
    "facts": "本人2023年申请公租房至今未获审批。住房保障科某科长暗示要交三万元好处费才能排上号。",
}
SPLIT = {
    "accusation_title": "举报住建局住房保障科科长索要好处费",
    "accusation_request": "请求查处住房保障科科长利用分配保障房之机索要好处费的问题",
    "accusation_facts": "某科长暗示要交三万元好处费才能排上号。",
    "accused_person": "住房保障科某科长",
    "grievance_title": "申请公租房多年未获审批",
    "grievance_request": "请求尽快审批我的公租房申请",
    "grievance_facts": "本人2023年申请公租房至今未获审批。",
}


def test_a_mixed_letter_is_split_and_the_link_is_seen_by_the_bureau_and_the_discipline_body(
    office: Office, organs: Any
) -> None:
    pk = office.register(at("2025-10-09", 9, 30), **MIXED)
    office.act("dispatcher", pk, "triage", "2025-10-09T10:00:00+08:00")
    office.act(
        "dispatcher", pk, "split_accusation", "2025-10-10", accused_organ_id=organs["a-housing"].pk, **SPLIT
    )
    link = AccusationSplit.objects.get(grievance_id=pk)
    accusation = link.accusation
    # the accusation: same petitioner and receipt, an identity-protected accusation at the discipline body
    seen = office.detail(accusation.pk, "discipline_caseworker")
    assert seen["state"] == "routed_discipline" and seen["current_organ"]["id"] == organs["a-discipline"].pk
    assert seen["nature"] == "accusation"
    assert moment(seen["received_at"]) == at("2025-10-09", 9, 30)
    assert [(x["kind"], x["petition_id"]) for x in seen["split_links"]] == [("grievance", pk)]
    # the grievance goes on, without the accusation's content
    office.act("dispatcher", pk, "forward", "2025-10-11", organ_id=organs["a-housing"].pk)
    bureau = office.detail(pk, "dispatcher")
    assert [(x["kind"], x["petition_id"]) for x in bureau["split_links"]] == [("accusation", accusation.pk)]
    competent = office.detail(pk, "caseworker")
    assert competent["split_links"] == []
    assert "好处费" not in competent["title"] + competent["request"] + competent["facts"]
    assert "split_accusation" not in [e["action"] for e in competent["timeline"]]
    # the accused organ's staff cannot see the accusation at all
    response = office.client.get(f"/api/v1/petitions/{accusation.pk}", **office.auth("caseworker"))
    assert response.status_code == 404


# ---- an accusation routed to the discipline body (Art. 22(2), Art. 30(2))


def test_routing_an_accusation_to_discipline_informs_the_organisation_department(
    office: Office, organs: Any
) -> None:
    organiser = get_user_model().objects.create_user("party_organiser", password=PASSWORD)
    StaffMembership.objects.create(user=organiser, organ=organs["a-party"], role=Role.DISPATCHER)
    pk = office.register(
        at("2025-10-09", 9, 30),
        nature="accusation",
        accused_organ_id=organs["a-housing"].pk,
        accused_person="住建局某科长",
        title="举报住建局某科长索要好处费",
        request="请求查处",
    )
    bureau_clocks = {r["rule"] for r in office.detail(pk)["deadlines"] if r["status"] == "open"}
    office.refuse(
        "dispatcher", pk, "route_discipline", "2025-10-10", status=422, code="invalid", field="organ_id",
        organ_id=organs["a-police"].pk,
    )  # fmt: skip
    office.act("dispatcher", pk, "route_discipline", "2025-10-10", organ_id=organs["a-discipline"].pk)
    detail = office.detail(pk, "dispatcher")
    assert detail["state"] == "routed_discipline"
    (routed,) = office.events(pk, "route_discipline")
    assert routed["data"]["organisation_department"] == "中共A市委员会"
    # a recorded in-app notification to the committee's staff (its organisation department)
    (message,) = OutboxMessage.objects.filter(petition_id=pk, kind="cadre_accusation")
    assert message.recipient == f"user:{organiser.pk}"
    # no clock of the bureau stays open after routing by law (D-BUREAU-15 met, D-NOTICE-15 not its to give)
    assert not [r for r in detail["deadlines"] if r["status"] == "open"], (bureau_clocks, detail["deadlines"])
    # the discipline body sees it (and follows its own rules on notices, Art. 23(2))
    assert office.detail(pk, "discipline_caseworker")["current_organ"]["id"] == organs["a-discipline"].pk


def test_a_grievance_is_not_routed_to_discipline(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-10-09", 9, 30))
    office.refuse(
        "dispatcher", pk, "route_discipline", "2025-10-10", status=422, code="invalid", field="nature",
        organ_id=organs["a-discipline"].pk,
    )  # fmt: skip


# ---- objection (Art. 23(3)) and the simplified-to-ordinary clock, entered late


def test_an_objection_made_in_time_is_accepted_when_entered_after_the_period(
    office: Office, organs: Any
) -> None:
    """D-OBJECTION-5WD from 03-28 → 04-07. Entered on 04-20, the receipt's catch-up sweep marks the
    period breached; an objection made on 04-07 was in time all the same (judged by its date)."""
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.enter_on(at("2025-04-20", 10))
    office.act("caseworker", pk, "receive", "2025-03-28")
    assert office.dues(pk, "D-OBJECTION-5WD") == ("2025-03-28", "2025-04-07", "2025-04-07", "breached")
    office.act(
        "caseworker",
        pk,
        "object",
        "2025-04-07",
        reasons="属城管职责",
        suggested_organ_id=organs["a-urban"].pk,
    )
    assert office.state(pk) == "objection_pending"
    row = office.deadline(pk, "D-OBJECTION-5WD")
    assert row["status"] == "met" and moment(row["met_at"]) == at("2025-04-07")


def test_an_upheld_objection_voids_the_notice_the_organ_never_owed(office: Office, organs: Any) -> None:
    """Art. 23(3): received 03-03 (D-NOTICE-15 → 03-18), objection 03-05; the bureau decides only
    on 03-20, after the 03-19 sweep breached the notice and raised a 督办 against the housing
    bureau. Upheld, the item was never within its competence: the notice is waived, the automatic
    order withdrawn, so no figure counts it late. Rejected, the breach stands."""
    from minsheng.workflow.models import Deadline
    from minsheng.workflow.sweeps import deadlines_sweep

    upheld, rejected = (office.register(at("2025-03-03", 9, 30), entered=at("2025-03-03", 10)) for _ in "ab")
    for pk in (upheld, rejected):
        office.act("dispatcher", pk, "forward", "2025-03-03T11:00:00+08:00", organ_id=organs["a-housing"].pk)
    for pk in (upheld, rejected):
        office.act("caseworker", pk, "receive", "2025-03-03T15:00:00+08:00")
    for pk in (upheld, rejected):
        office.act(
            "caseworker",
            pk,
            "object",
            "2025-03-05",
            reasons="属城管职责",
            suggested_organ_id=organs["a-urban"].pk,
        )
    office.enter_on(at("2025-03-19", 1))
    deadlines_sweep()
    for pk in (upheld, rejected):
        assert office.dues(pk, "D-NOTICE-15")[2:] == ("2025-03-18", "breached")
        assert SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-NOTICE-15").exists()
    office.act("dispatcher", upheld, "approve_objection", "2025-03-20", note="确属城管职责")
    office.act("dispatcher", rejected, "reject_objection", "2025-03-20", note="属住建职责")
    notice = Deadline.objects.get(petition_id=upheld, rule="D-NOTICE-15")
    assert (notice.status, notice.met_at) == ("waived", None)
    assert "第二十三条第三款" in notice.waived_reason
    assert not SupervisionOrder.objects.filter(petition_id=upheld, deadline_rule="D-NOTICE-15").exists()
    (approved,) = office.events(upheld, "approve_objection")
    assert approved["data"]["voided_deadlines"] == ["D-NOTICE-15"]
    assert Deadline.objects.get(petition_id=rejected, rule="D-NOTICE-15").status == "breached"
    assert SupervisionOrder.objects.filter(petition_id=rejected, deadline_rule="D-NOTICE-15").exists()


def test_an_objection_after_five_working_days_is_refused(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.refuse(
        "caseworker",
        pk,
        "object",
        "2025-04-08",
        status=422,
        code="invalid",
        field="reasons",
        reasons="属城管职责",
    )


def test_converting_simplified_to_ordinary_keeps_the_original_acceptance(office: Office, organs: Any) -> None:
    """R-102: D-HANDLE-60 from the simplified acceptance 04-30 → 06-29 (Sun), statutory 06-30."""
    pk = office.register(at("2025-04-25", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-04-25T15:00:00+08:00", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-04-28")
    office.act(
        "caseworker", pk, "simplify", "2025-04-30", likely_supported=True, no_statutory_procedure=True,
        single_responsible_body=True, no_conflict_of_interest=True,
    )  # fmt: skip
    office.refuse(
        "caseworker", pk, "convert_to_ordinary", "2025-05-08", status=422, code="required", field="reason"
    )
    office.act("caseworker", pk, "convert_to_ordinary", "2025-05-08", reason="需要组织听证")
    assert office.state(pk) == "in_handling"
    assert office.dues(pk, "D-HANDLE-60") == ("2025-04-30", "2025-06-29", "2025-06-30", "open")
    assert {r["status"] for r in office.detail(pk)["deadlines"] if r["rule"] == "D-SIMPLE-HANDLE-10WD"} == {
        "cancelled"
    }


@pytest.mark.parametrize(
    ("nature", "organ", "action"),
    [
        ("litigation_related", "a-police", "route_political_legal"),
        ("accusation", "a-discipline", "route_discipline"),
    ],
)
def test_no_notice_clock_of_the_bureau_stays_open_after_routing_by_law(
    office: Office, organs: Any, nature: str, organ: str, action: str
) -> None:
    pk = office.register(at("2025-10-09", 9, 30), nature=nature, title="不服判决执行", request="请求依法处理")
    office.act("dispatcher", pk, action, "2025-10-10", organ_id=organs[organ].pk)
    detail = office.detail(pk)
    assert detail["current_organ"]["id"] == organs[organ].pk
    assert not [r for r in detail["deadlines"] if r["status"] == "open"]
    assert office.deadline(pk, "D-BUREAU-15")["status"] == "met"


# ---- the dates inside an act never precede the act they follow


def test_a_receipt_before_the_forwarding_is_refused(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.refuse(
        "caseworker", pk, "receive", "2025-03-28", status=422, code="invalid", field="received_at",
        received_at="2025-03-25",
    )  # fmt: skip


def test_an_acceptance_notice_before_the_acceptance_is_refused(office: Office, organs: Any) -> None:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.refuse(
        "caseworker", pk, "accept", "2025-04-01", status=422, code="invalid", field="notice_given_at",
        notice_given_at="2025-03-20",
    )  # fmt: skip
