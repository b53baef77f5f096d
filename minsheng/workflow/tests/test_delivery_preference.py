"""Delivery respects the petitioner's stated preference (简易办法2016 [S], R-101): a petitioner who
asked for paper is served on paper, or the reason for SMS/phone/online is recorded."""

from __future__ import annotations

import pytest

from minsheng.core.errors import InvalidInput
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Delivery, PetitionEvent

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "属实",
    "opinion": "予以支持",
    "legal_basis": "某条例第三条",
}


def concluded(register, act, organs, *, paper: bool):
    petition = register()
    Petition.objects.filter(pk=petition.pk).update(paper_requested=paper)
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", **OPINION)
    return act(petition, "sign_opinion", "organ_head")


@pytest.mark.parametrize("method", ["sms", "phone", "online"])
def test_paper_requested_refuses_electronic_delivery_without_a_reason(register, act, organs, method):
    petition = concluded(register, act, organs, paper=True)
    with pytest.raises(InvalidInput) as refused:
        act(petition, "deliver", "caseworker", method=method)
    assert refused.value.field == "method_reason" and refused.value.code == "paper_requested"
    assert "简易办法" in refused.value.message
    assert Petition.objects.get(pk=petition.pk).state == "concluded"
    assert not Delivery.objects.filter(petition=petition).exists()


def test_paper_requested_with_a_reason_is_recorded_in_row_and_event(register, act, organs):
    petition = concluded(register, act, organs, paper=True)
    petition = act(
        petition, "deliver", "caseworker", method="sms", method_reason="信访人来电同意改为短信告知"
    )
    assert petition.state == "delivered"
    delivery = Delivery.objects.get(petition=petition)
    assert (delivery.method, delivery.method_reason) == ("sms", "信访人来电同意改为短信告知")
    event = PetitionEvent.objects.get(petition=petition, action="deliver")
    assert event.data["method_reason"] == "信访人来电同意改为短信告知"


def test_paper_methods_need_no_reason(register, act, organs):
    petition = concluded(register, act, organs, paper=True)
    petition = act(petition, "deliver", "caseworker", method="post")
    assert petition.state == "delivered"
    assert Delivery.objects.get(petition=petition).method_reason == ""


def test_no_paper_requested_allows_electronic_delivery(register, act, organs):
    petition = concluded(register, act, organs, paper=False)
    petition = act(petition, "deliver", "caseworker", method="online")
    assert petition.state == "delivered"
    assert "method_reason" not in PetitionEvent.objects.get(petition=petition, action="deliver").data
