"""Idempotency-Key on POST /api/v1: a retry returns the first answer and never acts twice."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from minsheng.api.models import IdempotencyKey
from minsheng.api.tests.auth import api_token as token
from minsheng.core.crypto import decrypt_bytes
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

LETTER = {
    "channel": "letter",
    "title": "小区旁工地夜间施工扰民",
    "request": "请求停止夜间施工",
    "facts": "连续一个月夜间施工",
    "petitioner": {"name": "王五", "phone": "13712345678", "address": "A市A3区洋湖街道"},
}


def post(client: Client, url: str, body: Any, auth: dict[str, str], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, content_type="application/json", **auth, **headers)


def test_registration_retried_with_the_same_key_registers_once(client: Client, world: Any) -> None:
    reg = token(client, "registrar")
    before = Petition.objects.count()
    first = post(client, "/api/v1/petitions", LETTER, reg, key="reg-0001")
    assert first.status_code == 201, first.content
    # The same body with its keys in another order is the same request.
    again = post(client, "/api/v1/petitions", dict(reversed(list(LETTER.items()))), reg, key="reg-0001")
    assert again.status_code == 201
    assert again.content == first.content  # same id, same tracking code, same one-time password
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Petition.objects.count() == before + 1
    # Without a key a second request registers a second petition, as before.
    assert post(client, "/api/v1/petitions", LETTER, reg).status_code == 201
    assert Petition.objects.count() == before + 2


def test_the_stored_answer_is_encrypted(client: Client, world: Any) -> None:
    reg = token(client, "registrar")
    first = post(client, "/api/v1/petitions", LETTER, reg, key="enc-1")
    record = IdempotencyKey.objects.get(key="enc-1")
    assert record.status_code == 201 and record.path == "/api/v1/petitions"
    assert first.json()["query_password"].encode() not in bytes(record.body)
    assert decrypt_bytes(bytes(record.body)) == first.content


def test_action_retried_acts_once(client: Client, world: Any, register: Any) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    url = f"/api/v1/petitions/{petition.pk}/actions/forward"
    body = {"organ_id": world.organs["a-housing"].pk}
    first = post(client, url, body, disp, key="fwd-1")
    assert first.status_code == 200, first.content
    again = post(client, url, body, disp, key="fwd-1")
    assert (again.status_code, again.content) == (200, first.content)
    assert PetitionEvent.objects.filter(petition=petition, action="forward").count() == 1
    # The same request under a new key is a new request: the state no longer allows it.
    assert post(client, url, body, disp, key="fwd-2").status_code == 409


def test_same_key_other_body_is_refused_and_changes_nothing(
    client: Client, world: Any, register: Any
) -> None:
    reg = token(client, "registrar")
    assert post(client, "/api/v1/petitions", LETTER, reg, key="k-1").status_code == 201
    before = Petition.objects.count()
    other = post(client, "/api/v1/petitions", {**LETTER, "title": "另一件事"}, reg, key="k-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["field"] == "Idempotency-Key"
    # ... and on another path.
    petition = register()
    elsewhere = post(client, f"/api/v1/petitions/{petition.pk}/actions/note", {"text": "x"}, reg, key="k-1")
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "idempotency_key_reused"
    assert Petition.objects.count() == before + 1  # only the fixture's petition
    assert not PetitionEvent.objects.filter(petition=petition, action="note").exists()


def test_keys_belong_to_their_principal(client: Client, world: Any, register: Any) -> None:
    petition = register()
    url = f"/api/v1/petitions/{petition.pk}/actions/note"
    first = post(client, url, {"text": "登记员备注"}, token(client, "registrar"), key="shared")
    second = post(client, url, {"text": "转办员备注"}, token(client, "dispatcher"), key="shared")
    assert first.status_code == 200 and second.status_code == 200, second.content
    assert not second.has_header("Idempotent-Replayed")
    assert PetitionEvent.objects.filter(petition=petition, action="note").count() == 2


def test_error_answers_are_replayed_too(client: Client, world: Any, register: Any) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    url = f"/api/v1/petitions/{petition.pk}/actions/forward"
    refused = post(client, url, {"organ_id": 999999}, disp, key="bad-1")
    assert refused.status_code == 422 and refused.json()["field"] == "organ_id"
    again = post(client, url, {"organ_id": 999999}, disp, key="bad-1")
    assert (again.status_code, again.content) == (422, refused.content)
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", ["", "a" * 201, "with space", "中文键"])
def test_malformed_key_is_422_and_changes_nothing(client: Client, world: Any, key: str) -> None:
    before = Petition.objects.count()
    response = post(client, "/api/v1/petitions", LETTER, token(client, "registrar"), key=key)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert Petition.objects.count() == before
    assert not IdempotencyKey.objects.exists()


def test_without_a_valid_token_the_key_is_not_looked_at(client: Client, world: Any) -> None:
    response = post(client, "/api/v1/petitions", LETTER, {"HTTP_AUTHORIZATION": "Bearer nope"}, key="x")
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_keys_expire_after_the_configured_period(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_IDEMPOTENCY_TTL_HOURS = 2
    with time_machine.travel(START, tick=False) as traveller:
        reg = token(client, "registrar")
        first = post(client, "/api/v1/petitions", LETTER, reg, key="exp-1")
        record = IdempotencyKey.objects.get(key="exp-1")
        assert record.expires_at == START + dt.timedelta(hours=2)
        traveller.move_to(START + dt.timedelta(hours=1, minutes=59))
        assert post(client, "/api/v1/petitions", LETTER, reg, key="exp-1").content == first.content
        traveller.move_to(START + dt.timedelta(hours=2))
        reg = token(client, "registrar")
        later = post(client, "/api/v1/petitions", {**LETTER, "title": "新的事项"}, reg, key="exp-1")
        assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
        assert IdempotencyKey.objects.get(key="exp-1").expires_at == START + dt.timedelta(hours=4)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_register_once(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (CI runs the suite on it)")
    auth = token(Client(), "registrar")
    before = Petition.objects.count()
    barrier = threading.Barrier(3)
    answers: list[Any] = []

    def worker() -> None:
        barrier.wait()
        try:
            answers.append(post(Client(), "/api/v1/petitions", LETTER, auth, key="race-1"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.content for a in answers}) == 1
    assert sorted(a.has_header("Idempotent-Replayed") for a in answers) == [False, True, True]
    assert Petition.objects.count() == before + 1


def test_the_worker_purges_expired_keys_only(client: Client, world: Any, settings: Any) -> None:
    """Expired keys leave in the worker's periodic step (idempotency_purge), not on the write path."""
    from minsheng.api.idempotency import idempotency_purge

    settings.MINSHENG_IDEMPOTENCY_TTL_HOURS = 2
    with time_machine.travel(START, tick=False) as traveller:
        reg = token(client, "registrar")
        post(client, "/api/v1/petitions", LETTER, reg, key="old-1")
        traveller.move_to(START + dt.timedelta(hours=1))
        post(client, "/api/v1/petitions", {**LETTER, "title": "新的事项"}, reg, key="new-1")
        traveller.move_to(START + dt.timedelta(hours=2))
        assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-1", "old-1"]
        assert idempotency_purge() == 1
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-1"]
