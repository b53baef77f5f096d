"""ETag on the petition read, If-None-Match → 304, If-Match on actions → 412 when stale."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from minsheng.api.tests.auth import api_token as token
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.selectors import petition_version

pytestmark = pytest.mark.django_db


def act(client: Client, pid: int, action: str, body: Any, auth: dict[str, str], **headers: str) -> Any:
    return client.post(
        f"/api/v1/petitions/{pid}/actions/{action}", body, content_type="application/json", **auth, **headers
    )


def test_etag_names_the_version_and_changes_with_every_event(
    client: Client, world: Any, register: Any
) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    first = client.get(f"/api/v1/petitions/{petition.pk}", **disp)
    events = list(PetitionEvent.objects.filter(petition=petition).order_by("pk"))
    version = f"{len(events)}-{events[-1].pk}"
    assert petition_version(petition.pk) == version
    assert re.fullmatch(rf'"{version}\.[0-9a-f]{{16}}"', first["ETag"]), first["ETag"]
    assert first["Cache-Control"] == "no-store"  # personal data: never cached by intermediaries
    assert client.get(f"/api/v1/petitions/{petition.pk}", **disp)["ETag"] == first["ETag"]
    note = act(client, petition.pk, "note", {"text": "已电话联系"}, disp)
    assert note.status_code == 200
    assert petition_version(petition.pk) == f"{len(events) + 1}-{events[-1].pk + 1}"
    after = client.get(f"/api/v1/petitions/{petition.pk}", **disp)
    assert after["ETag"] != first["ETag"] and after["ETag"] == note["ETag"]


def test_if_none_match_gives_304_until_something_changes(client: Client, world: Any, register: Any) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    url = f"/api/v1/petitions/{petition.pk}"
    etag = client.get(url, **disp)["ETag"]
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag, **disp)
    assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"0-0.0000000000000000", W/{etag}', **disp).status_code == 304
    act(client, petition.pk, "note", {"text": "x"}, disp)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **disp)
    assert changed.status_code == 200 and changed.json()["id"] == petition.pk


def test_if_match_current_acts_and_stale_is_412_changing_nothing(
    client: Client, world: Any, register: Any
) -> None:
    petition = register()
    disp, reg = token(client, "dispatcher"), token(client, "registrar")
    etag = client.get(f"/api/v1/petitions/{petition.pk}", **disp)["ETag"]
    # Someone else writes an event after the dispatcher read the petition.
    assert act(client, petition.pk, "note", {"text": "登记员补充"}, reg).status_code == 200
    before = PetitionEvent.objects.filter(petition=petition).count()
    housing = world.organs["a-housing"].pk
    stale = act(client, petition.pk, "forward", {"organ_id": housing}, disp, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412, stale.content
    body = stale.json()
    assert body["code"] == "precondition_failed" and body["field"] == "If-Match"
    assert body["extra"]["version"] == petition_version(petition.pk)
    assert PetitionEvent.objects.filter(petition=petition).count() == before
    assert Petition.objects.get(pk=petition.pk).state == "registered"
    fresh = client.get(f"/api/v1/petitions/{petition.pk}", **disp)["ETag"]
    done = act(client, petition.pk, "forward", {"organ_id": housing}, disp, HTTP_IF_MATCH=fresh)
    assert done.status_code == 200 and done.json()["state"] == "forwarded"
    assert done["ETag"] != fresh


def test_if_match_star_or_bare_version(client: Client, world: Any, register: Any) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    assert act(client, petition.pk, "note", {"text": "a"}, disp, HTTP_IF_MATCH="*").status_code == 200
    bare = f'"{petition_version(petition.pk)}"'
    assert act(client, petition.pk, "note", {"text": "b"}, disp, HTTP_IF_MATCH=bare).status_code == 200
    assert act(client, petition.pk, "note", {"text": "c"}, disp, HTTP_IF_MATCH=bare).status_code == 412


@pytest.mark.parametrize("header", ['"abc"', '"1-2", "3-4"', "12-x", '"1-2.zz"'])
def test_malformed_if_match_is_422(client: Client, world: Any, register: Any, header: str) -> None:
    petition = register()
    before = PetitionEvent.objects.count()
    response = act(
        client, petition.pk, "note", {"text": "x"}, token(client, "dispatcher"), HTTP_IF_MATCH=header
    )
    assert response.status_code == 422 and response.json()["field"] == "If-Match"
    assert PetitionEvent.objects.count() == before


def test_a_retried_action_replays_instead_of_failing_its_own_precondition(
    client: Client, world: Any, register: Any
) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    etag = client.get(f"/api/v1/petitions/{petition.pk}", **disp)["ETag"]
    headers = {"HTTP_IF_MATCH": etag, "HTTP_IDEMPOTENCY_KEY": "fwd-retry"}
    body = {"organ_id": world.organs["a-housing"].pk}
    first = act(client, petition.pk, "forward", body, disp, **headers)
    again = act(client, petition.pk, "forward", body, disp, **headers)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert PetitionEvent.objects.filter(petition=petition, action="forward").count() == 1


def test_the_invisible_petition_is_404_whatever_the_if_match(
    client: Client, world: Any, register: Any
) -> None:
    petition = register(nature="accusation", accused_organ=world.organs["a-housing"])
    cw = token(client, "caseworker")  # a post in 住建局: the accused side, for whom it does not exist
    missing = act(client, 10**9, "note", {"text": "x"}, cw, HTTP_IF_MATCH='"1-1"')
    hidden = act(client, petition.pk, "note", {"text": "x"}, cw, HTTP_IF_MATCH='"1-1"')
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
