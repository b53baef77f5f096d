"""预检 at registration: what registration would suggest for a draft, computed without writing anything."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.api.tests.auth import api_token as _token
from minsheng.intelligence.services import DraftPetition, draft_analyse
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.petitions.models import Petition, State
from minsheng.petitions.relations import SYSTEM
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db

PHONE = "13800138000"  # the phone of the conftest register() petitioner


def _draft(petition: Any, **overrides: Any) -> DraftPetition:
    fields: dict[str, Any] = {
        "title": petition.title,
        "request": petition.request,
        "facts": petition.facts,
        "reasons": petition.reasons,
        "nature": "grievance",
        "receiving_organ_id": petition.receiving_organ_id,
    }
    fields.update(overrides)
    return DraftPetition(**fields)


def _outsider_registrar() -> Any:
    """A registrar at a county government: may not see the city bureau's petitions."""
    user = get_user_model().objects.create_user("outsider", password="test-password-123")
    StaffMembership.objects.create(user=user, organ=Organ.objects.get(code="a5-gov"), role=Role.REGISTRAR)
    return user


def test_repeat_by_the_same_petitioner_is_recognised_and_nothing_is_written(register: Any) -> None:
    earlier = register()
    counts = (Petition.objects.count(), PetitionEvent.objects.count())
    result = draft_analyse(
        _draft(earlier, petitioner_phone=" 138 0013 8000 ".replace(" ", "")), viewer=SYSTEM
    )
    assert (Petition.objects.count(), PetitionEvent.objects.count()) == counts
    top = result["similar"][0]
    assert top["id"] == earlier.pk and top["score"] == 1.0
    assert top["relation"] == "same_petitioner_repeat" and top["final"] is False
    assert {"category", "nature", "routing", "urgency"} <= set(result)
    assert result["routing"] and result["routing"][0]["reasons"]
    assert "errors" not in result


def test_the_id_number_alone_identifies_the_person(register: Any) -> None:
    earlier = register()
    result = draft_analyse(_draft(earlier, petitioner_id_number="110101199003074514"), viewer=SYSTEM)
    assert result["similar"][0]["relation"] == "same_petitioner_repeat"


def test_another_person_is_not_a_repeat(register: Any) -> None:
    earlier = register()
    result = draft_analyse(_draft(earlier, petitioner_phone="13900000001"), viewer=SYSTEM)
    assert result["similar"][0]["id"] == earlier.pk
    assert result["similar"][0]["relation"] != "same_petitioner_repeat"


def test_final_matter_is_flagged_for_article_36(register: Any) -> None:
    earlier = register()
    Petition.objects.filter(pk=earlier.pk).update(state=State.FINAL)
    result = draft_analyse(_draft(earlier, petitioner_phone=PHONE), viewer=SYSTEM)
    top = result["similar"][0]
    assert top["relation"] == "same_petitioner_repeat" and top["final"] is True
    assert "第三十六条" in top["explanation"]


def test_in_progress_elsewhere_when_received_by_another_organ(register: Any, organs: Any) -> None:
    earlier = register()
    result = draft_analyse(
        _draft(earlier, receiving_organ_id=Organ.objects.get(code="a-gov").pk), viewer=SYSTEM
    )
    assert result["similar"][0]["relation"] == "same_matter_in_progress_elsewhere"


def test_viewer_who_cannot_see_the_petition_gets_no_identity_link(register: Any, users: Any) -> None:
    earlier = register()
    insider = draft_analyse(_draft(earlier, petitioner_phone=PHONE), viewer=users["registrar"])["similar"][0]
    assert insider["visible"] and insider["id"] == earlier.pk
    assert insider["relation"] == "same_petitioner_repeat"
    outsider = draft_analyse(_draft(earlier, petitioner_phone=PHONE), viewer=_outsider_registrar())[
        "similar"
    ][0]
    assert outsider["visible"] is False and outsider["id"] is None and outsider["state"] is None
    assert outsider["relation"] == "similar"
    assert outsider["tracking_code"] == earlier.tracking_code


def test_empty_index_gives_no_similar(world: Any) -> None:
    result = draft_analyse(
        DraftPetition(title="桂花路路灯长期不亮", request="请求尽快维修路灯"), viewer=SYSTEM
    )
    assert result["similar"] == []
    assert result["category"]["label"]


# -- the API ------------------------------------------------------------------------------------


def test_api_draft_suggestions(register: Any, client: Client) -> None:
    earlier = register()
    count = Petition.objects.count()
    body = {
        "title": earlier.title,
        "request": earlier.request,
        "facts": earlier.facts,
        "petitioner_phone": PHONE,
    }
    response = client.post(
        "/api/v1/suggestions/draft", body, content_type="application/json", **_token(client, "registrar")
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["similar"][0]["id"] == earlier.pk
    assert data["similar"][0]["relation"] == "same_petitioner_repeat"
    assert "identity_free_relation" not in data["similar"][0]
    assert data["routing"] and data["urgency"]["level"] in ("none", "attention", "urgent")
    assert Petition.objects.count() == count


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "噪音", "nature": "gossip"}, "nature"),
        ({"title": "噪音", "region_code": "nowhere"}, "region_code"),
        ({"title": "噪音", "accused_organ_id": 999999}, "accused_organ_id"),
        ({"title": "   ", "request": ""}, "title"),
    ],
)
def test_api_draft_rejects_bad_input(world: Any, client: Client, body: dict[str, Any], field: str) -> None:
    response = client.post(
        "/api/v1/suggestions/draft", body, content_type="application/json", **_token(client, "registrar")
    )
    assert response.status_code == 422, response.content
    assert field in response.content.decode()


def test_api_draft_needs_a_registering_post(world: Any, client: Client) -> None:
    response = client.post(
        "/api/v1/suggestions/draft",
        {"title": "噪音扰民"},
        content_type="application/json",
        **_token(client, "analyst"),
    )
    assert response.status_code == 403


# -- the workbench --------------------------------------------------------------------------------


def test_workbench_check_button_shows_the_repeat_without_registering(
    register: Any, client: Client, users: Any
) -> None:
    earlier = register()
    count = Petition.objects.count()
    client.force_login(users["registrar"])
    response = client.post(
        "/workbench/register/letter/",
        {
            "action": "check",
            "title": earlier.title,
            "request": earlier.request,
            "facts": earlier.facts,
            "phone": PHONE,
            "name": "李四",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "同一信访人重复信访" in page
    assert earlier.tracking_code in page
    assert earlier.title in page  # the form comes back as typed
    assert Petition.objects.count() == count


def test_workbench_check_with_no_text_asks_for_text(world: Any, client: Client, users: Any) -> None:
    client.force_login(users["registrar"])
    response = client.post("/workbench/register/letter/", {"action": "check", "title": " "})
    assert response.status_code == 200
    assert "请先填写标题或信访请求" in response.content.decode()
