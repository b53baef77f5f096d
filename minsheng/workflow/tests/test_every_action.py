"""Every action of the transition table is named in at least one test, and the actions no other test
drove are driven here, each with the refusal that pins its rule (the field or the code)."""

from __future__ import annotations

import pathlib
import re
from typing import Any

import pytest

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Assignment, Deadline, Hearing, Objection, PetitionEvent
from minsheng.workflow.services import TRANSITIONS, petition_transition

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_every_action_is_named_in_a_test() -> None:
    text = (
        "".join(
            p.read_text(encoding="utf-8")
            for base in (ROOT / "minsheng", ROOT / "tests")
            for p in base.rglob("test_*.py")
            if p.name != pathlib.Path(__file__).name
        )
        + pathlib.Path(__file__).read_text(encoding="utf-8").split("# -- the actions --", 1)[1]
    )
    missing = [a for a in TRANSITIONS if not re.search(r"[\"']" + re.escape(a) + r"[\"']", text)]
    assert missing == []


# -- the actions --------------------------------------------------------------------------------


def _received(register: Any, act: Any, organs: Any, **kw: Any) -> Petition:
    petition = register(**kw)
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return act(petition, "receive", "caseworker")


def _in_handling(register: Any, act: Any, organs: Any) -> Petition:
    petition = _received(register, act, organs)
    act(petition, "accept", "caseworker")
    return act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)


def test_report_for_decision_needs_a_note_and_reaches_the_parent(register: Any, users: Any) -> None:
    petition = register()
    with pytest.raises(InvalidInput) as refused:
        petition_transition(petition.pk, "report_for_decision", actor=users["bureau_head"], data={})
    assert refused.value.field == "note"
    done = petition_transition(
        petition.pk,
        "report_for_decision",
        actor=users["bureau_head"],
        data={"note": "涉及多部门，报请市政府决定"},
    )
    assert done.state == "reported_for_decision"
    # the dispatcher has no such power (Art. 22(1)(3): the organ head reports)
    other = register()
    with pytest.raises(Forbidden):
        petition_transition(other.pk, "report_for_decision", actor=users["dispatcher"], data={"note": "x"})


def test_reject_objection_returns_the_matter_to_the_organ(register: Any, act: Any, organs: Any) -> None:
    petition = _received(register, act, organs)
    act(petition, "object", "caseworker", reasons="不属本机关职责")
    with pytest.raises(InvalidInput) as refused:
        act(petition, "reject_objection", "dispatcher")
    assert refused.value.field == "note"
    done = act(petition, "reject_objection", "dispatcher", note="属住建职责，请依法办理")
    assert done.state == "organ_received"
    assert Objection.objects.get(petition=petition).status == Objection.Status.REJECTED


def test_hearing_start_and_end_with_dates_in_order(register: Any, act: Any, organs: Any) -> None:
    petition = _in_handling(register, act, organs)
    act(petition, "start_hearing", "caseworker", participants="双方当事人")
    with pytest.raises(InvalidInput) as refused:
        act(petition, "end_hearing", "caseworker", end="2000-01-01")
    assert refused.value.field == "end"
    done = act(petition, "end_hearing", "caseworker", summary="听取意见")
    assert done.state == "in_handling"
    hearing = Hearing.objects.get(petition=petition)
    assert hearing.end is not None and hearing.end >= hearing.start


def test_mediation_needs_consent_and_can_end_without_agreement(register: Any, act: Any, organs: Any) -> None:
    petition = _in_handling(register, act, organs)
    with pytest.raises(InvalidInput) as refused:
        act(petition, "start_mediation", "caseworker")
    assert refused.value.field == "both_parties_consent"
    act(petition, "start_mediation", "caseworker", both_parties_consent=True)
    done = act(petition, "end_mediation", "caseworker", note="未达成协议")
    assert done.state == "in_handling"


def test_report_completion_only_for_assigned_items(register: Any, act: Any, organs: Any, users: Any) -> None:
    forwarded = _received(register, act, organs)
    act(forwarded, "accept", "caseworker")
    act(forwarded, "perform_duty", "caseworker", outcome="support", reply="已依法履行职责")
    with pytest.raises(InvalidInput) as refused:
        act(forwarded, "report_completion", "caseworker", report="已办结")
    assert refused.value.field == "report"
    assigned = register()
    act(assigned, "assign", "dispatcher", organ_id=organs["a-housing"].pk, due_days=30)
    act(assigned, "receive", "caseworker")
    act(assigned, "accept", "caseworker")
    act(assigned, "perform_duty", "caseworker", outcome="support", reply="已依法履行职责")
    act(assigned, "report_completion", "caseworker", report="已办结，详见报告")
    lead = Assignment.objects.get(petition=assigned, role=Assignment.Role.LEAD, kind=Assignment.Kind.ASSIGN)
    assert lead.completion_report == "已办结，详见报告" and lead.completion_reported_at is not None
    assert Deadline.objects.get(petition=assigned, rule="D-ASSIGNED").status == "met"


def test_close_no_review_is_the_systems_alone(register: Any, act: Any, organs: Any, users: Any) -> None:
    petition = _in_handling(register, act, organs)
    Petition.objects.filter(pk=petition.pk).update(state="delivered")
    with pytest.raises(Forbidden):
        petition_transition(petition.pk, "close_no_review", actor=users["organ_head"], data={})
    done = petition_transition(petition.pk, "close_no_review", actor=None, as_system=True, data={})
    assert done.state == "closed_no_review"
    assert PetitionEvent.objects.filter(
        petition=petition, action="close_no_review", actor_role="system"
    ).exists()
