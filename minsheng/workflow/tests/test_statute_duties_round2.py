"""Duties and deliveries pinned after the second statute review of 2026-12-06 (each failed before):
a posted 复查 opinion's window runs from its receipt; 简易办理 does not refuse a request; the 交办
report survives settlement; the organ found not competent in a jurisdiction dispute owes nothing;
an organ forwarding an item it received itself has given its notice; Art. 19(3) only inside the
earlier item's handling deadline. Dates by hand (2025 calendar: 05-01..05 holiday)."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.workflow.models import Deadline, SupervisionOrder
from minsheng.workflow.sweeps import deadlines_sweep
from minsheng.workflow.tests.scenario_api import OPINION, Office, at, delivered_on_0609

pytestmark = pytest.mark.django_db


def test_a_posted_review_opinion_opens_the_recheck_window_on_the_day_it_is_received(
    office: Office, organs: Any
) -> None:
    """R-CNT-6, Art. 36(1): the 复查 opinion is issued and posted on 07-28 and received on 08-04;
    entered on 08-05 back-dated to its issue. D-REVIEW-30 is met on 07-28 (the answer in time), the
    30 days for 复核 run from 08-04 → 09-03, and a request received 09-01 is in time."""
    pk = delivered_on_0609(office, organs)
    office.act("registrar", pk, "request_review", "2025-07-01", received_on="2025-07-01")
    office.enter_on(at("2025-08-05", 10))
    upheld = {**OPINION, "outcome": "upheld", "method": "post"}
    office.refuse(
        "gov_head",
        pk,
        "conclude_review",
        "2025-07-28",
        status=422,
        code="invalid",
        field="delivered_on",
        **upheld,
        delivered_on="2025-08-06",
    )  # fmt: skip  (not yet received on the day of entry)
    office.act("gov_head", pk, "conclude_review", "2025-07-28", **upheld, delivered_on="2025-08-04")
    answer = Deadline.objects.get(petition_id=pk, rule="D-REVIEW-30")
    assert (answer.status, answer.met_at, answer.met_late) == ("met", at("2025-07-28"), False)
    assert office.dues(pk, "D-RECHECK-REQ-30")[:3] == ("2025-08-04", "2025-09-03", "2025-09-03")
    office.enter_on(at("2025-09-02", 10))
    office.act("registrar", pk, "request_recheck", received_on="2025-09-01")
    assert office.state(pk) == "recheck_requested"


def _simplified(office: Office, organs: Any) -> int:
    pk = office.register(at("2025-03-24", 9, 30))
    office.act("dispatcher", pk, "forward", "2025-03-26", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.act(
        "caseworker", pk, "simplify", "2025-03-28", likely_supported=True, no_statutory_procedure=True,
        single_responsible_body=True, no_conflict_of_interest=True,
    )  # fmt: skip
    return pk


def test_the_simplified_procedure_does_not_refuse_a_request(office: Office, organs: Any) -> None:
    """简易办法 Art. 5(2), R-102, Art. 32: 不予支持 is refused (convert first); 部分支持 states its
    legal basis; the simplified acceptance gave its 受理告知书 (Art. 23(2))."""
    from minsheng.notifications.models import OutboxMessage
    from minsheng.workflow.models import Decision

    pk = _simplified(office, organs)
    assert Decision.objects.filter(petition_id=pk, kind="accept").exists()
    assert OutboxMessage.objects.filter(petition_id=pk, kind="accepted").exists()
    no_basis = {k: v for k, v in OPINION.items() if k != "legal_basis"}
    office.refuse(
        "organ_head", pk, "conclude", "2025-04-02", status=422, code="invalid", field="outcome",
        **{**OPINION, "outcome": "not_support"},
    )  # fmt: skip
    office.refuse(
        "organ_head", pk, "conclude", "2025-04-02", status=422, code="required", field="legal_basis",
        **{**no_basis, "outcome": "partial_support"},
    )  # fmt: skip
    office.act("organ_head", pk, "conclude", "2025-04-02", **{**no_basis, "outcome": "support"})
    assert office.state(pk) == "concluded"


def test_settling_an_assigned_matter_leaves_its_report_owed(office: Office, organs: Any) -> None:
    """Art. 22(1)(3): mediation settles the 交办 matter on 04-20; the 办结报告 is still owed (due
    05-20), offered, and archiving waits for it."""
    pk = office.register(at("2025-03-24", 9, 30))
    office.act(
        "dispatcher", pk, "assign", "2025-03-26", organ_id=organs["a-housing"].pk, due_date="2025-05-20"
    )
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.act("caseworker", pk, "accept", "2025-04-01")
    office.act("caseworker", pk, "start_handling", "2025-04-10", no_conflict_of_interest=True)
    office.act("caseworker", pk, "start_mediation", "2025-04-15", both_parties_consent=True)
    office.act("caseworker", pk, "settle", "2025-04-20", agreement="双方达成和解")
    assert office.dues(pk, "D-ASSIGNED")[2:] == ("2025-05-20", "open")
    assert "report_completion" in office.actions(pk, "caseworker")
    office.refuse("admin", pk, "archive", "2025-04-21", status=409, code="completion_report_owed")


def test_the_organ_found_not_competent_owes_nothing_after_a_dispute(office: Office, organs: Any) -> None:
    """Art. 24(1): assigned to the housing bureau 03-26 (report due 04-25); the dispute is decided
    for the HR bureau on 04-02. The housing bureau's 交办 clock is waived and the 05-06 sweep
    raises no 督办 against it."""
    pk = office.register(at("2025-03-24", 9, 30))
    office.act(
        "dispatcher", pk, "assign", "2025-03-26", organ_id=organs["a-housing"].pk, due_date="2025-04-25"
    )
    office.act("caseworker", pk, "receive", "2025-03-28")
    office.act(
        "caseworker", pk, "dispute_jurisdiction", "2025-03-31", reasons="属人社局职责",
        other_organ_ids=[organs["a-hrss"].pk],
    )  # fmt: skip
    office.act("supervisor", pk, "resolve_jurisdiction", "2025-04-02", organ_id=organs["a-hrss"].pk)
    report = Deadline.objects.get(petition_id=pk, rule="D-ASSIGNED")
    assert (report.status, report.organ_id) == ("waived", organs["a-housing"].pk)
    (resolved,) = office.events(pk, "resolve_jurisdiction")
    assert "D-ASSIGNED" in resolved["data"]["voided_deadlines"]
    office.enter_on(at("2025-05-06", 1))
    deadlines_sweep()
    assert not SupervisionOrder.objects.filter(petition_id=pk, target_organ=organs["a-housing"]).exists()


def test_an_organ_forwarding_what_it_received_itself_has_given_its_notice(
    office: Office, organs: Any, users: Any
) -> None:
    """Art. 23(1)(2): the city government registers a letter itself on 03-24 (D-NOTICE-15 → 04-08)
    and forwards it to the housing bureau on 03-25, telling the petitioner where it went: its
    notice is met that day, and a late receipt downstream does not breach it."""
    from minsheng.orgs.models import Role, StaffMembership

    StaffMembership.objects.get_or_create(
        user=users["dispatcher"], organ=organs["a-gov"], role=Role.DISPATCHER
    )
    pk = office.register(at("2025-03-24", 9, 30), receiving_organ_id=organs["a-gov"].pk)
    assert office.dues(pk, "D-NOTICE-15")[3] == "open"
    office.act("dispatcher", pk, "forward", "2025-03-25", organ_id=organs["a-housing"].pk)
    notice = Deadline.objects.filter(petition_id=pk, rule="D-NOTICE-15", organ=organs["a-gov"]).get()
    assert (notice.status, notice.met_at, notice.met_late) == ("met", at("2025-03-25"), False)
    office.enter_on(at("2025-04-10", 1))
    deadlines_sweep()
    assert not SupervisionOrder.objects.filter(petition_id=pk, target_organ=organs["a-gov"]).exists()


def test_a_duplicate_is_refused_only_inside_the_earlier_items_handling_deadline(
    office: Office, organs: Any
) -> None:
    """Art. 19(3), R-050: the earlier item was accepted 04-01 (D-HANDLE-60 → 06-03) and assigned
    with its report due 06-24. After 06-03 its handling is overdue: the same matter again is
    accepted as a 督办 matter, not refused — the report period does not count."""
    first = office.register(at("2025-03-24", 9, 30))
    office.act(
        "dispatcher", first, "assign", "2025-03-26", organ_id=organs["a-housing"].pk, due_date="2025-06-24"
    )
    office.act("caseworker", first, "receive", "2025-03-28")
    office.act("caseworker", first, "accept", "2025-04-01")
    office.enter_on(at("2025-06-10", 1))
    deadlines_sweep()
    assert office.dues(first, "D-HANDLE-60")[2:] == ("2025-06-03", "breached")
    again = office.register(at("2025-06-10", 9, 30), entered=at("2025-06-10", 10))
    office.refuse(
        "dispatcher", again, "not_accept", status=422, code="invalid", field="related_petition_id",
        reason="duplicate_in_progress", related_petition_id=first,
    )  # fmt: skip
