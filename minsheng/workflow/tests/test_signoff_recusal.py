"""签发 (sign-off) of handling opinions and 回避 (recusal, Art. 28(3)), through the one transition
service and through the HTTP API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.api.tests.auth import api_token as _token
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Role, StaffMembership
from minsheng.workflow.models import Deadline, Opinion, OpinionDraft, PetitionEvent, Recusal
from minsheng.workflow.services import available_actions, petition_transition

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


@pytest.fixture
def in_handling(register: Any, act: Any, organs: Any) -> Any:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    return act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)


def _second_caseworker(organs: Any) -> Any:
    user = get_user_model().objects.create_user(
        "caseworker2", password="test-password-123", first_name="林承办"
    )
    StaffMembership.objects.create(user=user, organ=organs["a-housing"], role=Role.CASEWORKER)
    return user


# ---- sign-off


def test_caseworker_conclusion_waits_for_the_heads_signature(in_handling, act, users):
    petition = act(in_handling, "conclude", "caseworker", **OPINION)
    assert petition.state == "in_handling"
    assert not Opinion.objects.filter(petition=petition).exists()
    draft = OpinionDraft.objects.get(petition=petition)
    assert draft.status == "pending" and draft.drafted_by == users["caseworker"]
    assert Deadline.objects.get(petition=petition, rule="D-HANDLE-60").status == "open"
    assert "sign_opinion" not in {t.action for t in available_actions(petition, users["caseworker"])}
    assert {"sign_opinion", "return_draft"} <= {
        t.action for t in available_actions(petition, users["organ_head"])
    }
    with pytest.raises(Forbidden) as refused:
        act(petition, "sign_opinion", "caseworker")
    assert refused.value.code == "not_signer"

    petition = act(petition, "sign_opinion", "organ_head", comment="同意")
    assert petition.state == "concluded"
    opinion = Opinion.objects.get(petition=petition)
    assert opinion.issued_by == users["caseworker"] and opinion.signed_by == users["organ_head"]
    assert opinion.signed_at == opinion.issued_at and opinion.number.endswith("号")
    assert "意字第" in opinion.number
    handle = Deadline.objects.get(petition=petition, rule="D-HANDLE-60")
    assert handle.status == "met" and handle.met_at == opinion.signed_at
    draft.refresh_from_db()
    assert draft.status == "signed" and draft.issued == opinion and draft.comment == "同意"
    event = PetitionEvent.objects.get(petition=petition, action="sign_opinion")
    assert event.actor == users["organ_head"] and event.data["number"] == opinion.number
    assert event.from_state == "in_handling" and event.to_state == "concluded"
    # The petitioner's timeline shows the opinion once: when it is signed, with its number.
    assert PetitionEvent.objects.get(petition=petition, action="conclude").is_public is False
    assert event.is_public is True
    from minsheng.portal.queries import public_timeline

    issued = [r for r in public_timeline(petition) if r["headline"] == "已出具处理意见书"]
    assert len(issued) == 1 and opinion.number in issued[0]["detail"]


def test_draft_opinion_submits_and_a_returned_draft_goes_back_with_a_comment(in_handling, act):
    petition = act(in_handling, "draft_opinion", "caseworker", submit=False, opinion="半成品")
    assert not OpinionDraft.objects.filter(petition=petition).exists()  # a working draft only
    with pytest.raises(InvalidInput) as missing:
        act(petition, "draft_opinion", "caseworker", opinion="半成品")
    assert missing.value.field == "outcome"
    petition = act(petition, "draft_opinion", "caseworker", **OPINION)
    assert OpinionDraft.objects.get(petition=petition).status == "pending"
    with pytest.raises(InvalidInput) as no_comment:
        act(petition, "return_draft", "organ_head")
    assert no_comment.value.field == "comment"
    petition = act(petition, "return_draft", "organ_head", comment="法律依据请写明条款")
    assert petition.state == "in_handling"
    returned = OpinionDraft.objects.get(petition=petition)
    assert returned.status == "returned" and returned.comment == "法律依据请写明条款"
    with pytest.raises(InvalidInput) as nothing:
        act(petition, "sign_opinion", "organ_head")
    assert nothing.value.field == "draft_id"
    petition = act(
        petition, "conclude", "caseworker", **{**OPINION, "legal_basis": "噪声污染防治法第四十三条"}
    )
    petition = act(petition, "sign_opinion", "organ_head")
    assert Opinion.objects.get(petition=petition).legal_basis == "噪声污染防治法第四十三条"


def test_organ_head_concludes_directly_signing_his_own(in_handling, act, users):
    petition = act(in_handling, "conclude", "organ_head", **OPINION)
    assert petition.state == "concluded"
    opinion = Opinion.objects.get(petition=petition)
    assert opinion.issued_by == opinion.signed_by == users["organ_head"]


def test_a_delegate_named_by_the_organ_signs(in_handling, act, organs):
    delegate = _second_caseworker(organs)
    petition = act(in_handling, "conclude", "caseworker", **OPINION)
    with pytest.raises(Forbidden):
        petition_transition(petition.pk, "sign_opinion", actor=delegate, data={})
    organs["a-housing"].signoff_delegates.add(delegate)
    petition = petition_transition(petition.pk, "sign_opinion", actor=delegate, data={})
    assert petition.state == "concluded"
    assert Opinion.objects.get(petition=petition).signed_by == delegate


# ---- recusal


def test_declared_conflict_blocks_the_person_until_another_is_assigned(in_handling, act, organs, users):
    other = _second_caseworker(organs)
    petition = act(in_handling, "conclude", "caseworker", **OPINION)
    with pytest.raises(InvalidInput) as no_reason:
        act(petition, "declare_conflict", "caseworker")
    assert no_reason.value.field == "reason"
    petition = act(petition, "declare_conflict", "caseworker", reason="信访人是本人的表兄")
    recusal = Recusal.objects.get(petition=petition)
    assert recusal.user == users["caseworker"] and recusal.organ == organs["a-housing"]
    assert recusal.reason == "信访人是本人的表兄"
    assert petition.caseworker is None
    assert OpinionDraft.objects.get(petition=petition).status == "superseded"  # his draft is withdrawn
    event = PetitionEvent.objects.get(petition=petition, action="declare_conflict")
    assert event.data["reason"] == "信访人是本人的表兄" and event.is_public is False

    assert available_actions(petition, users["caseworker"]) == []
    for action, data in (
        ("note", {"text": "x"}),
        ("conclude", OPINION),
        ("declare_conflict", {"reason": "再"}),
    ):
        with pytest.raises(Forbidden) as refused:
            act(petition, action, "caseworker", **data)
        assert refused.value.code == "recused" and "第二十八条第三款" in refused.value.message
    with pytest.raises(InvalidInput) as not_him:
        act(petition, "assign_caseworker", "organ_head", user_id=users["caseworker"].pk)
    assert not_him.value.field == "user_id"

    petition = act(petition, "assign_caseworker", "organ_head", user_id=other.pk)
    assert petition.caseworker == other
    petition = petition_transition(petition.pk, "conclude", actor=other, data=OPINION)
    petition = act(petition, "sign_opinion", "organ_head")
    assert petition.state == "concluded"
    with pytest.raises(Forbidden):  # still recused: the conflict is with the matter
        act(petition, "deliver", "caseworker", method="post")


def _to_review(register: Any, act: Any, organs: Any) -> Any:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="post")
    return act(petition, "request_review", "registrar")


REVIEW = {**OPINION, "outcome": "upheld", "method": "post"}


def test_who_decided_or_signed_the_opinion_does_not_review_it(register, act, organs):
    petition = _to_review(register, act, organs)
    assert petition.current_organ == organs["a-gov"]
    with pytest.raises(Forbidden) as signer:
        act(petition, "conclude_review", "organ_head", **REVIEW)  # head of A市政府 too, but he signed it
    assert signer.value.code == "recusal_reviewer" and signer.value.field == "actor"
    with pytest.raises(Forbidden) as caseworker:
        act(petition, "conclude_review", "caseworker", **REVIEW)  # not a signer at A市政府
    assert caseworker.value.code == "not_signer"
    petition = act(petition, "conclude_review", "gov_head", **REVIEW)
    assert petition.state == "review_concluded"
    review = Opinion.objects.get(petition=petition, stage="review")
    assert review.signed_by is not None and review.signed_by.get_username() == "gov_head"
    act(petition, "request_recheck", "registrar")
    with pytest.raises(Forbidden) as reviewer:
        act(petition, "conclude_recheck", "organ_head", **{**REVIEW, "method": "in_person"})
    assert reviewer.value.code == "recusal_reviewer"
    petition = act(petition, "conclude_recheck", "province_head", **{**REVIEW, "method": "in_person"})
    assert petition.state == "final"


def test_the_organ_that_issued_the_opinion_does_not_review_it(register, act, organs):
    petition = _to_review(register, act, organs)
    Opinion.objects.filter(petition=petition).update(organ=organs["a-gov"])  # a misconfigured chain
    with pytest.raises(Forbidden) as refused:
        act(petition, "conclude_review", "gov_head", **REVIEW)
    assert refused.value.code == "recusal_organ" and refused.value.field == "organ"


# ---- the same through the API


def _post(client: Client, who: str, pk: int, action: str, **data: Any) -> Any:
    return client.post(
        f"/api/v1/petitions/{pk}/actions/{action}",
        json.dumps(data),
        content_type="application/json",
        **_token(client, who),
    )


def test_api_sign_off_and_recusal(in_handling, client, organs):
    other = _second_caseworker(organs)
    pk = in_handling.pk
    response = _post(client, "caseworker", pk, "draft_opinion", **OPINION)
    assert response.status_code == 200 and response.json()["state"] == "in_handling"
    response = _post(client, "caseworker", pk, "sign_opinion")
    assert response.status_code == 403 and response.json()["code"] == "not_signer"
    actions = client.get(f"/api/v1/petitions/{pk}/actions", **_token(client, "organ_head")).json()
    assert "sign_opinion" in {a["action"] for a in actions}

    response = _post(client, "caseworker", pk, "declare_conflict", reason="与信访人有亲属关系")
    assert response.status_code == 200
    response = _post(client, "caseworker", pk, "note", text="试图继续办理")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "recused" and "第二十八条第三款" in body["message"]
    detail = client.get(f"/api/v1/petitions/{pk}", **_token(client, "caseworker"))
    assert detail.status_code == 200 and detail.json()["available_actions"] == []  # reads stay allowed
    response = _post(client, "organ_head", pk, "assign_caseworker", user_id=other.pk)
    assert response.status_code == 200
    response = _post(client, "caseworker2", pk, "conclude", **OPINION)
    assert response.status_code == 200 and response.json()["state"] == "in_handling"
    response = _post(client, "organ_head", pk, "sign_opinion")
    assert response.status_code == 200 and response.json()["state"] == "concluded"
    opinion = Opinion.objects.get(petition_id=pk)
    assert opinion.issued_by == other and opinion.number
