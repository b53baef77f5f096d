"""Scoped integration keys on /api/v1: exactly the organs, actions and personal data of the scope."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from minsheng.integrations.keys import integration_create, integration_revoke
from minsheng.integrations.models import Integration, IntegrationEvent
from minsheng.integrations.scopes import integration_set_scope
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db


def keyed(name: str, **scope: Any) -> tuple[Integration, dict[str, str]]:
    integration, key = integration_create(name)
    integration = integration_set_scope(integration.pk, **scope)
    return integration, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def forwarded(register: Any, world: Any, **overrides: Any) -> Petition:
    petition = register(**overrides)
    petition_transition(
        petition.pk,
        "forward",
        actor=world.users["dispatcher"],
        data={"organ_id": world.organs["a-housing"].pk},
    )
    return petition


@pytest.fixture
def housing_key(world: Any) -> tuple[Integration, dict[str, str]]:
    return keyed(
        "住建局业务系统",
        organ_codes=["a-housing"],
        role="caseworker",
        actions=["receive", "accept", "note"],
        personal_data=False,
    )


def test_reads_only_its_organs_and_never_the_petitioner_without_personal_data(
    client: Client, world: Any, register: Any, housing_key: Any
) -> None:
    _, auth = housing_key
    at_housing = forwarded(register, world)
    at_bureau = register(title="仍在信访局")
    listing = client.get("/api/v1/petitions", **auth)
    assert listing.status_code == 200, listing.content
    assert [r["id"] for r in listing.json()["results"]] == [at_housing.pk]
    detail = client.get(f"/api/v1/petitions/{at_housing.pk}", **auth).json()
    assert detail["petitioner"] == {
        "name": "",
        "phone": "",
        "id_number": "",
        "address": "",
        "masked": True,
        "hidden": True,
    }
    assert client.get(f"/api/v1/petitions/{at_housing.pk}/attachments", **auth).json() == []
    # Out of scope and missing look the same.
    hidden = client.get(f"/api/v1/petitions/{at_bureau.pk}", **auth)
    missing = client.get("/api/v1/petitions/999999", **auth)
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()


def test_acts_only_within_its_actions_with_the_same_answer_for_every_petition(
    client: Client, world: Any, register: Any, housing_key: Any
) -> None:
    integration, auth = housing_key
    mine = forwarded(register, world)
    other = register(title="仍在信访局")
    available = client.get(f"/api/v1/petitions/{mine.pk}/actions", **auth).json()
    assert {a["action"] for a in available} == {"receive", "note"}  # the caseworker's others are not in scope
    before = PetitionEvent.objects.count()
    answers = [
        client.post(f"/api/v1/petitions/{pid}/actions/{action}", {}, content_type="application/json", **auth)
        for pid in (mine.pk, other.pk, 999999)
        for action in ("forward", "not_a_real_action")
    ]
    assert {a.status_code for a in answers} == {403}
    assert len({a.content for a in answers if "forward" in a.json()["message"]}) == 1
    assert all(a.json()["code"] == "scope_forbidden" for a in answers)
    # An action in scope on a petition out of scope: 404 like a missing one.
    out = client.post(
        f"/api/v1/petitions/{other.pk}/actions/note", {"text": "x"}, content_type="application/json", **auth
    )
    gone = client.post(
        "/api/v1/petitions/999999/actions/note", {"text": "x"}, content_type="application/json", **auth
    )
    assert out.status_code == gone.status_code == 404 and out.json() == gone.json()
    assert PetitionEvent.objects.count() == before
    done = client.post(
        f"/api/v1/petitions/{mine.pk}/actions/receive", {}, content_type="application/json", **auth
    )
    assert done.status_code == 200, done.content
    event = PetitionEvent.objects.filter(petition=mine, action="receive").get()
    assert event.actor_id == integration.api_user_id
    assert event.actor.get_username() == f"integration-{integration.pk}"


def test_operations_outside_any_key_scope_are_403(client: Client, world: Any, housing_key: Any) -> None:
    _, auth = housing_key
    response = client.get("/api/v1/similar?text=噪音", **auth)
    assert response.status_code == 403 and response.json()["code"] == "scope_forbidden"
    assert client.get("/api/v1/supervision-orders", **auth).status_code == 403
    assert client.post("/api/v1/petitions", {}, content_type="application/json", **auth).status_code == 403


def test_personal_data_scope_shows_the_masked_petitioner_but_never_an_accuser(
    client: Client, world: Any, register: Any
) -> None:
    _, auth = keyed(
        "信访局登记系统", organ_codes=["a-bureau"], role="dispatcher", actions=["note"], personal_data=True
    )
    grievance = register()
    accusation = register(nature="accusation", accused_organ=world.organs["a-hrss"], title="举报人社局")
    seen = client.get(f"/api/v1/petitions/{grievance.pk}", **auth).json()["petitioner"]
    assert seen["hidden"] is False and seen["masked"] is True and seen["name"] == "李*"
    accused = client.get(f"/api/v1/petitions/{accusation.pk}", **auth)
    assert accused.status_code == 200, accused.content
    assert accused.json()["petitioner"]["hidden"] is True and accused.json()["petitioner"]["name"] == ""
    assert client.get(f"/api/v1/petitions/{accusation.pk}/attachments", **auth).json() == []
    # The bureau's dispatcher (a person) sees the same accuser masked: the key sees strictly less.
    from minsheng.petitions.selectors import petitioner_view

    assert petitioner_view(world.users["dispatcher"], accusation).hidden is False


def test_revoked_or_unscoped_keys_do_not_authenticate(client: Client, world: Any, housing_key: Any) -> None:
    integration, auth = housing_key
    assert client.get("/api/v1/auth/me", **auth).json()["username"] == f"integration-{integration.pk}"
    integration_revoke(integration.pk)
    assert client.get("/api/v1/auth/me", **auth).status_code == 401
    _, key = integration_create("只有Open311")
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_scope_changes_are_audited_and_replace_the_posts(world: Any, housing_key: Any) -> None:
    integration, _ = housing_key
    integration_set_scope(
        integration.pk, organ_codes=["a-hrss"], role="registrar", actions=["register"], personal_data=True
    )
    posts = {(m.organ.code, m.role) for m in integration.api_user.memberships.select_related("organ")}
    assert posts == {("a-hrss", "registrar")}
    changes = IntegrationEvent.objects.filter(integration=integration, kind="scope_changed").order_by("pk")
    assert [c.detail["after"]["organs"] for c in changes] == [["a-housing"], ["a-hrss"]]
    assert changes.last().detail["before"]["actions"] == ["accept", "note", "receive"]


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"organ_codes": [], "role": "caseworker", "actions": []}, "organs"),
        ({"organ_codes": ["nope"], "role": "caseworker", "actions": []}, "organs"),
        ({"organ_codes": ["a-housing"], "role": "admin", "actions": []}, "role"),
        ({"organ_codes": ["a-housing"], "role": "caseworker", "actions": ["fly"]}, "actions"),
    ],
)
def test_bad_scope_is_refused_and_changes_nothing(world: Any, scope: dict[str, Any], field: str) -> None:
    from minsheng.core.errors import InvalidInput

    integration, _key = integration_create("坏范围")
    with pytest.raises(InvalidInput) as caught:
        integration_set_scope(integration.pk, personal_data=False, **scope)
    assert caught.value.field == field
    integration.refresh_from_db()
    assert integration.api_user_id is None
    assert not IntegrationEvent.objects.filter(kind="scope_changed").exists()


def test_command_sets_and_lists_the_scope(world: Any) -> None:
    out = StringIO()
    call_command(
        "open311-key", "区网格平台", organs="a-housing,a-hrss", role="caseworker", actions="note", stdout=out
    )
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("msk_")
    listing = StringIO()
    call_command("open311-key", list=True, stdout=listing)
    row = next(r for r in json.loads(listing.getvalue()) if r["name"] == "区网格平台")
    assert row["scope"] == {
        "organs": ["a-housing", "a-hrss"],
        "role": "caseworker",
        "actions": ["note"],
        "personal_data": False,
    }


def test_a_key_with_register_in_scope_registers_once_per_idempotency_key(client: Client, world: Any) -> None:
    from minsheng.api.models import IdempotencyKey

    integration, auth = keyed(
        "12345热线", organ_codes=["a-bureau"], role="registrar", actions=["register"], personal_data=False
    )
    body = {"channel": "phone", "title": "路灯不亮", "request": "请修复路灯", "petitioner": {"name": "赵六"}}
    first = client.post(
        "/api/v1/petitions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="h-1", **auth
    )
    again = client.post(
        "/api/v1/petitions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="h-1", **auth
    )
    assert first.status_code == again.status_code == 201, first.content
    assert again.content == first.content and first.json()["petitioner"]["hidden"] is True
    assert Petition.objects.filter(title="路灯不亮").count() == 1
    assert IdempotencyKey.objects.get(key="h-1").principal == f"integration:{integration.pk}"


def test_the_demo_hotline_key_registers_through_the_api_and_is_idempotent(client: Client, world: Any) -> None:
    from minsheng.integrations.demo import demo_integration

    first, key = demo_integration()
    again, same_key = demo_integration()
    assert (again.pk, same_key) == (first.pk, key)
    assert IntegrationEvent.objects.filter(integration=first, kind="scope_changed").count() == 1
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = {"channel": "phone", "title": "路灯不亮", "request": "请修复路灯", "petitioner": {"name": "赵六"}}
    made = client.post("/api/v1/petitions", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    note = client.post(
        f"/api/v1/petitions/{made.json()['id']}/notes",
        {"text": "热线回访"},
        content_type="application/json",
        **auth,
    )
    assert note.status_code == 201 and note.json()["author"] == f"integration-{first.pk}"
    forward = client.post(
        f"/api/v1/petitions/{made.json()['id']}/actions/forward", {}, content_type="application/json", **auth
    )
    assert forward.status_code == 403 and forward.json()["code"] == "scope_forbidden"
