"""Jurisdiction disputes (Art. 24(1)): the lowest common superior decides; without one the
信访工作联席会议 coordinates; nobody else is offered or allowed the decision."""

from __future__ import annotations

import pytest
from django.test import Client

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Organ
from minsheng.petitions.selectors import access_petition
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import available_actions
from minsheng.workflow.services.jurisdiction import common_superior, joint_conference_for

pytestmark = pytest.mark.django_db


def at_housing(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return act(petition, "receive", "caseworker")


def offered(petition, user) -> set[str]:
    return {t.action for t in available_actions(petition, user)}


def test_common_superior_of_two_city_departments_is_the_city_government(register, act, organs, users):
    assert common_superior([organs["a-housing"], organs["a-urban"]]) == organs["a-gov"]
    petition = at_housing(register, act, organs)
    petition = act(
        petition,
        "dispute_jurisdiction",
        "caseworker",
        reasons="涉及住建和城管",
        other_organ_ids=[organs["a-urban"].pk],
    )
    event = PetitionEvent.objects.get(petition=petition, action="dispute_jurisdiction")
    assert event.data["resolver_organ_id"] == organs["a-gov"].pk
    assert event.data["resolver_basis"] == "common_superior"
    assert event.data["other_organs"] == ["A市城市管理和综合执法局"]
    # offered to the supervisor of A市政府, not to the disputing caseworker nor the forwarding bureau
    assert "resolve_jurisdiction" in offered(petition, users["supervisor"])
    assert "resolve_jurisdiction" not in offered(petition, users["caseworker"])
    assert "resolve_jurisdiction" not in offered(petition, users["dispatcher"])
    with pytest.raises(Forbidden) as refused:
        act(petition, "resolve_jurisdiction", "dispatcher", organ_id=organs["a-urban"].pk)
    assert refused.value.code == "not_dispute_resolver"
    assert "第二十四条" in refused.value.message and "A市人民政府" in refused.value.message
    petition = act(petition, "resolve_jurisdiction", "supervisor", organ_id=organs["a-urban"].pk)
    assert petition.state == "organ_received" and petition.current_organ == organs["a-urban"]


def test_court_and_department_have_no_common_superior_joint_conference_decides(register, act, organs, users):
    assert common_superior([organs["a-housing"], organs["a-court"]]) is None
    assert joint_conference_for([organs["a-housing"], organs["a-court"]]) == organs["a-joint"]
    petition = at_housing(register, act, organs)
    petition = act(
        petition,
        "dispute_jurisdiction",
        "caseworker",
        reasons="涉及判决执行",
        other_organ_ids=[organs["a-court"].pk],
    )
    event = PetitionEvent.objects.get(petition=petition, action="dispute_jurisdiction")
    assert (event.data["resolver_organ_id"], event.data["resolver_basis"]) == (
        organs["a-joint"].pk,
        "joint_conference",
    )
    joint = users["joint_office"]
    # the joint conference's office sees the matter and is offered the decision …
    assert access_petition(joint, petition.pk) == petition
    assert offered(petition, joint) >= {"resolve_jurisdiction"}
    # … the city government's supervisor and head are not (no common superior: not theirs)
    for other in ("supervisor", "gov_head", "bureau_head"):
        assert "resolve_jurisdiction" not in offered(petition, users[other])
        with pytest.raises(Forbidden):
            act(petition, "resolve_jurisdiction", other, organ_id=organs["a-court"].pk)
    petition = act(petition, "resolve_jurisdiction", "joint_office", organ_id=organs["a-court"].pk)
    assert petition.state == "organ_received" and petition.current_organ == organs["a-court"]


def test_province_level_dispute_goes_to_the_province_joint_conference(organs):
    national = Organ.objects.create(
        code="c-enterprise",
        name="某中央企业",
        kind=Organ.Kind.STATE_ENTERPRISE,
        level=0,
        region=organs["xd-gov"].region,
    )
    assert common_superior([national, organs["a-housing"]]) is None
    assert joint_conference_for([national, organs["a-housing"]]) == organs["xd-joint"]


def test_dispute_needs_the_other_organs(register, act, organs):
    petition = at_housing(register, act, organs)
    for bad in ([], ["x"], [organs["a-housing"].pk], [10**9]):
        with pytest.raises(InvalidInput) as info:
            act(petition, "dispute_jurisdiction", "caseworker", reasons="争议", other_organ_ids=bad)
        assert info.value.field == "other_organ_ids"


def test_api_refusal_names_the_rule(world, register, act, organs, client: Client):
    petition = at_housing(register, act, organs)
    act(
        petition, "dispute_jurisdiction", "caseworker", reasons="争议", other_organ_ids=[organs["a-court"].pk]
    )
    auth = client.post(
        "/api/v1/auth/token",
        {"username": "supervisor", "password": "test-password-123"},
        content_type="application/json",
    ).json()["token"]
    response = client.post(
        f"/api/v1/petitions/{petition.pk}/actions/resolve_jurisdiction",
        {"organ_id": organs["a-court"].pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {auth}",
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_dispute_resolver"
    assert "信访工作联席会议" in body["message"]
