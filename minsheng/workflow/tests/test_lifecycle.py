"""Lifecycle paths through the one transition service (REGULATIONS.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.core.errors import Forbidden, InvalidInput, TransitionNotAllowed
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, PetitionEvent

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


def open_deadline(petition: Petition, rule: str) -> Deadline:
    return Deadline.objects.get(petition=petition, rule=rule, status="open")


def test_full_path_to_finality_after_recheck(register, act, organs):
    petition = register()
    assert petition.state == "registered"
    d = open_deadline(petition, "D-BUREAU-15")
    assert (d.nominal_due - d.start).days == 15

    petition = act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    assert petition.state == "forwarded"
    assert Deadline.objects.get(petition=petition, rule="D-BUREAU-15").status == "met"
    petition = act(petition, "receive", "caseworker")
    assert open_deadline(petition, "D-NOTICE-15")
    assert open_deadline(petition, "D-OBJECTION-5WD")
    petition = act(petition, "accept", "caseworker")
    assert Deadline.objects.get(petition=petition, rule="D-NOTICE-15").status == "met"
    petition = act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    handle = open_deadline(petition, "D-HANDLE-60")
    assert (handle.nominal_due - handle.start).days == 60
    petition = act(
        petition,
        "extend",
        "organ_head",
        days=20,
        reason="需要补充鉴定",
        notified_at=timezone.now().isoformat(),
    )
    assert petition.state == "extended"
    handle = open_deadline(petition, "D-HANDLE-60")
    assert (handle.nominal_due - handle.start).days == 80
    petition = act(petition, "conclude", "caseworker", **OPINION)
    petition = act(petition, "sign_opinion", "organ_head")
    assert petition.state == "concluded"
    petition = act(
        petition, "deliver", "caseworker", method="in_person", delivered_on=timezone.localdate().isoformat()
    )
    window = open_deadline(petition, "D-REVIEW-REQ-30")
    assert window.start == timezone.localdate()
    petition = act(petition, "request_review", "registrar", received_on=timezone.localdate().isoformat())
    assert petition.state == "review_requested"
    assert petition.current_organ == organs["a-gov"]
    assert open_deadline(petition, "D-REVIEW-30")
    petition = act(
        petition,
        "conclude_review",
        "gov_head",
        method="post",
        delivered_on=timezone.localdate().isoformat(),
        **{**OPINION, "outcome": "upheld"},
    )
    assert petition.state == "review_concluded"
    petition = act(petition, "request_recheck", "registrar")
    assert petition.current_organ == organs["xd-gov"]
    petition = act(
        petition, "start_recheck_hearing", "caseworker", hearing_start=timezone.localdate().isoformat()
    )
    before = open_deadline(petition, "D-RECHECK-30").nominal_due
    petition = act(
        petition, "end_recheck_hearing", "caseworker", hearing_end=timezone.localdate().isoformat()
    )
    after = open_deadline(petition, "D-RECHECK-30").nominal_due
    assert (after - before).days == 1  # one inclusive hearing day excluded
    petition = act(
        petition,
        "conclude_recheck",
        "province_head",
        method="in_person",
        delivered_on=timezone.localdate().isoformat(),
        **{**OPINION, "outcome": "upheld"},
    )
    assert petition.state == "final"
    actions = list(PetitionEvent.objects.filter(petition=petition).values_list("action", flat=True))
    assert actions[0] == "register" and actions[-1] == "finalise"
    assert not Deadline.objects.filter(petition=petition, status="open").exists()


def test_refused_action_changes_nothing(register, act):
    petition = register()
    events = PetitionEvent.objects.filter(petition=petition).count()
    with pytest.raises(Forbidden):
        act(petition, "forward", "caseworker", organ_id=1)
    with pytest.raises(TransitionNotAllowed):
        act(petition, "conclude", "dispatcher", **OPINION)
    with pytest.raises(InvalidInput) as info:
        act(petition, "forward", "dispatcher")
    assert info.value.field == "organ_id"
    petition.refresh_from_db()
    assert petition.state == "registered"
    assert PetitionEvent.objects.filter(petition=petition).count() == events


def test_extension_limits(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    with pytest.raises(Forbidden):
        act(petition, "extend", "caseworker", days=10, reason="x")
    with pytest.raises(InvalidInput):
        act(petition, "extend", "organ_head", days=31, reason="x")
    petition = act(petition, "extend", "organ_head", days=20, reason="复杂")
    assert petition.state == "in_handling"  # not effective until the petitioner is told
    assert (
        open_deadline(petition, "D-HANDLE-60").nominal_due - open_deadline(petition, "D-HANDLE-60").start
    ).days == 60
    petition = act(petition, "notify_extension", "caseworker")
    assert petition.state == "extended"
    with pytest.raises(InvalidInput) as info:
        act(petition, "extend", "organ_head", days=11, reason="再延")
    assert info.value.field == "days"


def test_notice_waived_when_anonymous(register, act, organs):
    from minsheng.petitions.services import PetitionerInput

    petition = register(petitioner=PetitionerInput(name="", phone="13900000000"))
    assert petition.is_anonymous
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    assert Deadline.objects.get(petition=petition, rule="D-NOTICE-15").status == "waived"


def test_collective_visit_more_than_five_representatives_refused(register):
    reps = [{"name": f"代表{i}"} for i in range(6)]
    with pytest.raises(InvalidInput) as info:
        register(channel="visit", is_collective=True, persons_involved=40, representatives=reps)
    assert info.value.field == "representatives"
    assert Petition.objects.count() == 0


def test_accusation_never_forwarded_to_accused(register, act, organs):
    petition = register(nature="accusation", accused_organ=organs["a-housing"], title="举报住建局干部受贿")
    with pytest.raises(InvalidInput):
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    petition = act(petition, "route_discipline", "dispatcher", organ_id=organs["a-discipline"].pk)
    assert petition.state == "routed_discipline"


def test_late_review_request_refused_without_good_reason(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    past = timezone.localdate() - dt.timedelta(days=1)
    act(petition, "deliver", "caseworker", method="post")
    Deadline.objects.filter(petition=petition, rule="D-REVIEW-REQ-30").update(
        nominal_due=past, statutory_due=past, start=past - dt.timedelta(days=30), is_provisional=False
    )
    with pytest.raises(InvalidInput):
        act(petition, "request_review", "registrar")
    petition = act(petition, "request_review", "registrar", good_reason="住院治疗，有医院证明")
    assert petition.state == "review_requested"
