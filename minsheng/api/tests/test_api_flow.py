"""The API drives a petition from registration to finality after 复核, with every deadline on its timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.api.tests.auth import api_token as token
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(url, body, content_type="application/json", **auth)


OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经核查属实。",
    "opinion": "责令整改。",
    "legal_basis": "《噪声污染防治法》第四十三条",
}


def test_registration_to_finality(world, client):
    reg, disp, cw, head = (token(client, u) for u in ("registrar", "dispatcher", "caseworker", "organ_head"))
    received = (timezone.now() - dt.timedelta(days=3)).isoformat()
    response = post(
        client,
        "/api/v1/petitions",
        {
            "channel": "letter",
            "received_at": received,
            "title": "小区旁工地夜间施工扰民",
            "request": "请求停止夜间施工",
            "facts": "连续一个月夜间施工",
            "reasons": "影响休息",
            "petitioner": {"name": "王五", "phone": "13712345678", "address": "A市A3区洋湖街道"},
        },
        reg,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pid = body["id"]
    assert body["state"] == "registered" and body["query_password"]
    assert body["petitioner"]["masked"] is True and "*" in body["petitioner"]["phone"]
    assert body["deadlines"][0]["rule"] == "D-BUREAU-15"
    housing = world.organs["a-housing"].pk
    steps = [
        (disp, "forward", {"organ_id": housing}),
        (cw, "receive", {}),
        (cw, "accept", {}),
        (cw, "start_handling", {"no_conflict_of_interest": True}),
        (head, "extend", {"days": 10, "reason": "需要鉴定", "notified_at": timezone.now().isoformat()}),
        (cw, "conclude", OPINION),
        (head, "sign_opinion", {}),
        (cw, "deliver", {"method": "in_person"}),
        (reg, "request_review", {}),
        (token(client, "gov_head"), "conclude_review", {**OPINION, "outcome": "upheld", "method": "post"}),
        (reg, "request_recheck", {}),
        (
            token(client, "province_head"),
            "conclude_recheck",
            {**OPINION, "outcome": "upheld", "method": "in_person"},
        ),
    ]
    for auth, action, data in steps:
        response = post(client, f"/api/v1/petitions/{pid}/actions/{action}", data, auth)
        assert response.status_code == 200, (action, response.content)
    detail = client.get(f"/api/v1/petitions/{pid}", **cw).json()
    assert detail["state"] == "final"
    rules = {d["rule"] for d in detail["deadlines"]}
    assert {
        "D-BUREAU-15",
        "D-NOTICE-15",
        "D-OBJECTION-5WD",
        "D-HANDLE-60",
        "D-REVIEW-REQ-30",
        "D-REVIEW-30",
        "D-RECHECK-REQ-30",
        "D-RECHECK-30",
    } <= rules
    timeline_rules = {d["rule"] for e in detail["timeline"] for d in e["data"].get("deadlines", [])}
    assert {"D-BUREAU-15", "D-HANDLE-60", "D-REVIEW-30", "D-RECHECK-30"} <= timeline_rules
    assert detail["timeline"][-1]["to_state"] == "final"


def test_errors_403_404_409_422_change_nothing(world, register, client):
    petition = register()
    cw = token(client, "caseworker")
    disp = token(client, "dispatcher")
    before = PetitionEvent.objects.count()
    # caseworker of 住建局 cannot see a petition still at the bureau
    assert client.get(f"/api/v1/petitions/{petition.pk}", **cw).status_code == 404
    assert (
        post(client, f"/api/v1/petitions/{petition.pk}/actions/forward", {"organ_id": 1}, cw).status_code
        == 404
    )
    # dispatcher may see it but not conclude it (409: not from this state)
    response = post(client, f"/api/v1/petitions/{petition.pk}/actions/conclude", OPINION, disp)
    assert response.status_code == 409
    # a supervisor sees it (supervision subtree) but may not forward it
    supervisor = token(client, "supervisor")
    response = post(client, f"/api/v1/petitions/{petition.pk}/actions/forward", {"organ_id": 1}, supervisor)
    assert response.status_code == 403
    # an analyst never opens case files through the API
    assert client.get(f"/api/v1/petitions/{petition.pk}", **token(client, "analyst")).status_code == 404
    response = post(client, f"/api/v1/petitions/{petition.pk}/actions/forward", {}, disp)
    assert response.status_code == 422 and response.json()["field"] == "organ_id"
    response = post(
        client,
        "/api/v1/petitions",
        {"channel": "letter", "title": "", "request": "x"},
        token(client, "registrar"),
    )
    assert response.status_code == 422 and "title" in response.json()["message"]
    assert PetitionEvent.objects.count() == before
    assert Petition.objects.get(pk=petition.pk).state == "registered"
    assert client.get("/api/v1/petitions").status_code == 401


def test_accused_organ_never_sees_accuser(world, register, client, act):
    petition = register(
        nature="accusation", accused_organ=world.organs["a-housing"], title="举报住建局某科长"
    )
    act(petition, "forward", "dispatcher", organ_id=world.organs["a-hrss"].pk)
    # A supervisor sees the petitioner masked; nobody in the accused organ can unmask.
    from minsheng.petitions.selectors import can_see_identity, petitioner_view

    assert not can_see_identity(world.users["caseworker"], petition)
    assert petitioner_view(world.users["caseworker"], petition).hidden


def test_openapi_schema_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/petitions/{petition_id}/actions/{action}" in response.json()["paths"]


def test_api_suggestions_never_link_an_accuser_to_his_other_petitions(world, register, act, client):
    first = register(title="小区噪音", facts="同一小区工地夜间施工噪音扰民，持续一个月。")
    accusation = register(
        nature="accusation", accused_organ=world.organs["a-housing"], title="举报住建局某科长"
    )
    Petition.objects.filter(pk=accusation.pk).update(
        suggestions={"similar": [{"id": first.pk, "tracking_code": first.tracking_code, "score": 0.9}]}
    )
    Petition.objects.filter(pk=first.pk).update(
        suggestions={
            "similar": [{"id": accusation.pk, "tracking_code": accusation.tracking_code, "score": 0.9}]
        }
    )
    act(accusation, "forward", "dispatcher", organ_id=world.organs["a-gov"].pk)
    act(first, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    # `caseworker` also works in the accused organ (a-housing): the accusation does not exist for him
    response = client.get(f"/api/v1/petitions/{accusation.pk}/suggestions", **token(client, "caseworker"))
    assert response.status_code == 404
    body = client.get(f"/api/v1/petitions/{first.pk}/suggestions", **token(client, "caseworker")).json()
    assert body["similar"] == []
    # the dispatcher may see the petitioner: he gets the link
    body = client.get(f"/api/v1/petitions/{accusation.pk}/suggestions", **token(client, "dispatcher")).json()
    assert body["similar"][0]["relation"] == "same_petitioner_repeat"
