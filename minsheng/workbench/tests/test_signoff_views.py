"""Workbench: the 待签发 inbox, the sign-off and recusal on the case page, and the two common
fields of every action form (办理时间, 补录原因)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.workbench.forms import ACTION_FIELDS
from minsheng.workflow.models import Deadline, PetitionEvent

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


@pytest.fixture
def login(client: Any, users: Any) -> Any:
    def _login(username: str) -> Any:
        client.force_login(users[username])
        return client

    return _login


def test_every_action_form_has_the_back_dating_fields() -> None:
    for action, specs in ACTION_FIELDS.items():
        names = [s.name for s in specs]
        assert names[-2:] == ["occurred_at", "late_reason"], action


def test_signoff_inbox_lists_drafts_awaiting_the_head(login, register, act, organs):
    petition = register(title="待签发的工地噪音件")
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    head = login("organ_head")
    assert "待签发的工地噪音件" not in head.get(reverse("workbench:inbox", args=["signoff"])).content.decode()
    act(petition, "draft_opinion", "caseworker", **OPINION)
    page = head.get(reverse("workbench:inbox", args=["signoff"])).content.decode()
    assert "待签发的工地噪音件" in page
    case = head.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert 'data-action="sign_opinion"' in case and "待签发" in case
    response = head.post(reverse("workbench:action", args=[petition.pk, "sign_opinion"]), {})
    assert response.status_code == 302
    case = head.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "已签发" in case and "意字第" in case
    assert "待签发的工地噪音件" not in head.get(reverse("workbench:inbox", args=["signoff"])).content.decode()


def test_recused_caseworker_sees_the_rule_and_is_refused(login, register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    client = login("caseworker")
    url = reverse("workbench:action", args=[petition.pk, "declare_conflict"])
    assert client.post(url, {"reason": "信访人是本人亲属"}).status_code == 302
    case = client.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "recused-notice" in case and "data-action=" not in case
    refused = client.post(reverse("workbench:action", args=[petition.pk, "accept"]), {})
    assert refused.status_code == 422 and "第二十八条第三款" in refused.content.decode()


def test_back_dated_acceptance_through_the_form(login, register, act, organs):
    now = timezone.now()
    petition = register(received_at=now - dt.timedelta(days=25))
    act(
        petition,
        "forward",
        "dispatcher",
        organ_id=organs["a-housing"].pk,
        occurred_at=(now - dt.timedelta(days=23)).isoformat(),
        late_reason="补录",
    )
    act(
        petition,
        "receive",
        "caseworker",
        occurred_at=(now - dt.timedelta(days=22)).isoformat(),
        late_reason="补录",
    )
    client = login("caseworker")
    day = timezone.localdate() - dt.timedelta(days=20)
    url = reverse("workbench:action", args=[petition.pk, "accept"])
    missing = client.post(url, {"occurred_at": f"{day.isoformat()}T10:00"})
    assert missing.status_code == 422 and "请说明原因" in missing.content.decode()
    assert (
        client.post(url, {"occurred_at": f"{day.isoformat()}T10:00", "late_reason": "纸质件补录"}).status_code
        == 302
    )
    clock = Deadline.objects.get(petition=petition, rule="D-HANDLE-60")
    assert clock.start == day
    event = PetitionEvent.objects.get(petition=petition, action="accept")
    assert event.data["late_reason"] == "纸质件补录" and event.data["late_entry"] is True
