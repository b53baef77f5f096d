"""The citizen API: track, rate, appeal with tracking code and query password, as on the portal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from minsheng.petitions.models import Petition
from minsheng.workflow.models import Appeal, PetitionEvent, Rating
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经核查属实。",
    "opinion": "责令整改。",
    "legal_basis": "《噪声污染防治法》第四十三条",
}


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def delivered(world: Any, register: Any) -> Petition:
    petition = register()
    u = world.users
    steps = [
        ("dispatcher", "forward", {"organ_id": world.organs["a-housing"].pk}),
        ("caseworker", "receive", {}),
        ("caseworker", "accept", {}),
        ("caseworker", "start_handling", {"no_conflict_of_interest": True}),
        ("caseworker", "conclude", OPINION),
        ("organ_head", "sign_opinion", {}),
        ("caseworker", "deliver", {"method": "in_person"}),
    ]
    for who, action, data in steps:
        petition_transition(petition.pk, action, actor=u[who], data=data)
    return petition


def call(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/citizen/{path}", body, content_type="application/json")


def test_track_shows_the_portal_view_without_staff_data(client: Client, world: Any, register: Any) -> None:
    petition = register()
    petition_transition(
        petition.pk, "note", actor=world.users["dispatcher"], data={"text": "内部备注：疑似重复"}
    )
    code = petition.tracking_code
    answer = call(
        client, "track", {"tracking_code": f" {code.lower()} ", "password": petition.query_password}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["tracking_code"] == code and body["state"] == "registered"
    assert [item["action"] for item in body["timeline"]] == ["register"]
    assert "疑似重复" not in answer.content.decode() and "dispatcher" not in answer.content.decode()
    assert "registrar" not in answer.content.decode()
    assert body["can_rate"] is False and body["appeal"] is None


def test_wrong_code_and_wrong_password_answer_identically(client: Client, world: Any, register: Any) -> None:
    petition = register()
    wrong_password = call(client, "track", {"tracking_code": petition.tracking_code, "password": "000000"})
    wrong_code = call(client, "track", {"tracking_code": "XJ2026ZZZZZZ", "password": petition.query_password})
    assert wrong_password.status_code == wrong_code.status_code == 404
    assert wrong_password.content == wrong_code.content
    assert wrong_code.json() == {"code": "track_failed", "message": "查询码或查询密码不正确，请核对后再试。"}


def test_failures_are_throttled_like_the_portal(
    client: Client, world: Any, register: Any, settings: Any
) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"track_fail_code": (3, 900)}
    petition = register()
    for _ in range(3):
        assert (
            call(client, "track", {"tracking_code": petition.tracking_code, "password": "1"}).status_code
            == 404
        )
    blocked = call(
        client, "track", {"tracking_code": petition.tracking_code, "password": petition.query_password}
    )
    assert blocked.status_code == 429
    assert blocked.json()["message"] == "查询失败次数过多，请15分钟后再试。"


def test_rate_then_appeal_through_the_workflow(client: Client, world: Any, register: Any) -> None:
    petition = delivered(world, register)
    creds = {"tracking_code": petition.tracking_code, "password": petition.query_password}
    seen = call(client, "track", creds).json()
    assert seen["state"] == "delivered" and seen["can_rate"] is True
    assert seen["appeal"]["kind"] == "review" and seen["appeal"]["open"] is True
    rated = call(client, "rate", {**creds, "value": "unsatisfied", "comment": "噪音仍在"})
    assert rated.status_code == 200, rated.content
    rating = Rating.objects.get(petition=petition)
    assert (rating.value, rating.comment, rating.target) == ("unsatisfied", "噪音仍在", "organ")
    assert rated.json()["can_rate"] is False
    again = call(client, "rate", {**creds, "value": "satisfied"})
    assert again.status_code in (409, 422) and Rating.objects.filter(petition=petition).count() == 1
    appealed = call(client, "appeal", {**creds, "reasons": "处理意见未解决噪音问题"})
    assert appealed.status_code == 200, appealed.content
    assert appealed.json()["state"] == "review_requested"
    event = PetitionEvent.objects.get(petition=petition, action="request_review")
    assert event.actor is None
    appeal = Appeal.objects.get(petition=petition)
    assert (appeal.kind, appeal.reasons) == ("review", "处理意见未解决噪音问题")


def test_appeal_outside_the_window_is_409_and_changes_nothing(
    client: Client, world: Any, register: Any
) -> None:
    petition = register()
    before = PetitionEvent.objects.count()
    response = call(
        client,
        "appeal",
        {"tracking_code": petition.tracking_code, "password": petition.query_password, "reasons": "x"},
    )
    assert response.status_code == 409 and response.json()["message"] == "此事项目前不能申请复查或复核。"
    assert PetitionEvent.objects.count() == before


def test_bad_rating_value_is_422(client: Client, world: Any, register: Any) -> None:
    petition = delivered(world, register)
    response = call(
        client,
        "rate",
        {"tracking_code": petition.tracking_code, "password": petition.query_password, "value": "meh"},
    )
    assert response.status_code == 422 and response.json()["field"] == "value"
    assert not Rating.objects.exists()


MATTER = {
    "nature": "grievance",
    "title": "小区旁工地夜间施工噪音扰民",
    "facts": "连续一个月夜间施工，噪音很大。",
    "request": "请求责令工地停止夜间施工",
}


def sms_code(phone: str) -> str:
    from minsheng.notifications import sms

    text = next(t for p, t in reversed(sms.sent_messages) if p == phone)
    return re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]


def test_submit_with_the_sms_code_registers_at_the_bureau(client: Client, world: Any) -> None:
    from minsheng.notifications import sms

    sms.sent_messages.clear()
    phone = "13912345678"
    sent = call(client, "verification-codes", {"phone": phone})
    assert sent.status_code == 202 and sent.json() == {"sent": True, "expires_in": 600}
    body = {**MATTER, "name": "王五", "phone": phone, "code": sms_code(phone), "address": "A市A3区"}
    made = call(client, "petitions", body)
    assert made.status_code == 201, made.content
    answer = made.json()
    petition = Petition.objects.get(tracking_code=answer["tracking_code"])
    assert petition.channel == "online" and petition.receiving_organ == world.bureau
    assert petition.petitioner.phone == phone and petition.petitioner.phone_verified_at is not None
    assert answer["sms_sent"] is True
    # The credentials open it through the citizen API.
    creds = {"tracking_code": answer["tracking_code"], "password": answer["query_password"]}
    assert call(client, "track", creds).json()["state"] == "registered"


def test_submit_refuses_what_the_portal_refuses_and_registers_nothing(client: Client, world: Any) -> None:
    before = Petition.objects.count()
    no_code = call(client, "petitions", {**MATTER, "name": "王五", "phone": "13912345678"})
    assert no_code.status_code == 422 and no_code.json() == {
        "code": "invalid",
        "message": "请先获取并填写短信验证码。",
        "field": "code",
    }
    wrong = call(client, "petitions", {**MATTER, "name": "王五", "phone": "13912345678", "code": "000000"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "code"
    bad_phone = call(client, "petitions", {**MATTER, "name": "王五", "phone": "12345", "code": "123456"})
    assert bad_phone.json()["message"] == "请输入11位手机号码，例如 13800138000。"
    accused = call(
        client, "petitions", {**MATTER, "accused_organ_id": world.organs["a-housing"].pk, "anonymous": True}
    )
    assert accused.status_code == 422 and accused.json()["field"] in ("anonymous", "accused_organ_id")
    too_long = call(client, "petitions", {**MATTER, "title": "长" * 61})
    assert too_long.status_code == 422 and too_long.json()["field"] == "title"
    assert Petition.objects.count() == before


def test_anonymous_accusation_needs_no_phone_and_hides_nobody(client: Client, world: Any) -> None:
    body = {
        **MATTER,
        "nature": "accusation",
        "accused_organ_id": world.organs["a-housing"].pk,
        "anonymous": True,
    }
    made = call(client, "petitions", body)
    assert made.status_code == 201, made.content
    petition = Petition.objects.get(tracking_code=made.json()["tracking_code"])
    assert petition.nature == "accusation" and petition.is_anonymous and made.json()["sms_sent"] is False


def test_codes_are_throttled_like_the_portal(client: Client, world: Any, settings: Any) -> None:
    """The address's limit answers 429; a phone's own limit (a code sent to it within the minute,
    whoever asked) answers as if sent and sends nothing — a 429 would say someone is using it."""
    from minsheng.notifications import sms

    sms.sent_messages.clear()
    assert call(client, "verification-codes", {"phone": "13912345678"}).status_code == 202
    again = call(client, "verification-codes", {"phone": "13912345678"})
    assert again.status_code == 202 and again.json() == {"sent": True, "expires_in": 600}
    assert [p for p, _t in sms.sent_messages] == ["13912345678"]
    settings.MINSHENG_PORTAL_LIMITS = {"otp_ip": (2, 3600)}  # two asked above
    limited = call(client, "verification-codes", {"phone": "13912345670"})
    assert limited.status_code == 429
    assert limited.json()["message"] == "验证码发送过于频繁，请稍后再试（每分钟最多1次，每小时最多5次）。"
    assert call(client, "verification-codes", {"phone": "1391"}).status_code == 422


def test_an_unsent_code_takes_as_long_as_a_sent_one(client: Client, world: Any, monkeypatch: Any) -> None:
    """ADR 0020: the SMS gateway is called in the request, so a phone whose own limit is used up
    (nothing sent) would be answered faster. Each send's duration feeds a moving average in the
    shared cache, and the unsent answer waits that long (checked through the wait asked for, not
    the clock: no timed assertion)."""
    from django.core.cache import cache

    from minsheng.portal import submission

    waits: list[float] = []
    monkeypatch.setattr(submission.time, "sleep", waits.append)
    assert call(client, "verification-codes", {"phone": "13912345671"}).status_code == 202
    first = cache.get(submission.SEND_SECONDS_KEY)
    assert isinstance(first, float) and first >= 0 and waits == []
    cache.set(submission.SEND_SECONDS_KEY, 0.15, None)  # as if the gateway answered in 150 ms
    busy = call(client, "verification-codes", {"phone": "13912345671"})
    assert busy.status_code == 202 and waits == [0.15]
    cache.set(submission.SEND_SECONDS_KEY, 60.0, None)  # a hung gateway: the wait is capped
    call(client, "verification-codes", {"phone": "13912345671"})
    assert waits[-1] == submission.MAX_SEND_PAD_SECONDS
    assert call(client, "verification-codes", {"phone": "13912345672"}).status_code == 202
    assert cache.get(submission.SEND_SECONDS_KEY) < 60.0  # a real send pulls the average down


def test_submission_says_nothing_about_the_phone_before_it_is_proved(client: Client, world: Any) -> None:
    """A phone that has petitioned up to its daily limit and a fresh phone, both with a wrong code:
    one answer (the per-phone limit is applied once the phone is proved)."""
    from minsheng.portal.security import limit_for, phone_key, throttle_hit

    busy, fresh = "13912345601", "13912345602"
    for _ in range(limit_for("submit_phone")[0]):
        throttle_hit("submit_phone", phone_key(busy))
    answers = [
        call(client, "petitions", {**MATTER, "name": "王五", "phone": phone, "code": "000000"})
        for phone in (busy, fresh)
    ]
    assert answers[0].status_code == answers[1].status_code == 422
    assert answers[0].json() == answers[1].json() and answers[0].json()["field"] == "code"
    assert call(client, "verification-codes", {"phone": busy}).status_code == 202
    proved = call(client, "petitions", {**MATTER, "name": "王五", "phone": busy, "code": sms_code(busy)})
    assert proved.status_code == 429  # told to the proved holder


# ---------------------------------------------------------------------------------- Idempotency-Key

KEY = "7d3c1f7e-6a0b-4f43-9a57-1b2f9f4c2d10"


def keyed(client: Client, path: str, body: dict[str, Any], key: str = KEY) -> Any:
    return client.post(
        f"/api/v1/citizen/{path}", body, content_type="application/json", headers={"Idempotency-Key": key}
    )


def test_submit_retried_with_the_same_key_registers_once(client: Client, world: Any) -> None:
    from minsheng.api.models import IdempotencyKey
    from minsheng.notifications import sms

    phone = "13912345678"
    assert call(client, "verification-codes", {"phone": phone}).status_code == 202
    body = {**MATTER, "name": "王五", "phone": phone, "code": sms_code(phone)}
    before, texts = Petition.objects.count(), len(sms.sent_messages)
    first = keyed(client, "petitions", body)
    assert first.status_code == 201, first.content
    assert not first.has_header("Idempotent-Replayed")
    sent_after_first = len(sms.sent_messages)
    again = keyed(client, "petitions", {**body})  # the answer was lost: the app sends it again
    assert again.status_code == 201 and again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Petition.objects.count() == before + 1
    assert len(sms.sent_messages) == sent_after_first >= texts  # no second password SMS
    record = IdempotencyKey.objects.get(key=KEY, path="/api/v1/citizen/petitions")
    assert record.principal == "anonymous"
    assert first.json()["query_password"].encode() not in bytes(record.body)  # kept encrypted


def test_same_key_with_another_body_is_refused_and_creates_nothing(client: Client, world: Any) -> None:
    phone = "13912345678"
    assert call(client, "verification-codes", {"phone": phone}).status_code == 202
    body = {**MATTER, "name": "王五", "phone": phone, "code": sms_code(phone)}
    assert keyed(client, "petitions", body, key=KEY + "-a").status_code == 201
    before = Petition.objects.count()
    other = keyed(client, "petitions", {**body, "title": "另一件事"}, key=KEY + "-a")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused" and other.json()["field"] == "Idempotency-Key"
    # the same key on another endpoint is another request too
    moved = keyed(client, "verification-codes", {"phone": phone}, key=KEY + "-a")
    assert moved.status_code == 422 and moved.json()["code"] == "idempotency_key_reused"
    assert Petition.objects.count() == before


def test_verification_code_retried_with_the_key_sends_one_sms_and_is_not_throttled(
    client: Client, world: Any
) -> None:
    from minsheng.notifications import sms

    sms.sent_messages.clear()
    first = keyed(client, "verification-codes", {"phone": "13912345678"})
    again = keyed(client, "verification-codes", {"phone": "13912345678"})
    assert first.status_code == again.status_code == 202 and again["Idempotent-Replayed"] == "true"
    assert len([p for p, _t in sms.sent_messages if p == "13912345678"]) == 1
    # without the key a second request is a second request: the phone's limit holds (nothing is
    # sent), answered as a sent code
    assert call(client, "verification-codes", {"phone": "13912345678"}).status_code == 202
    assert len([p for p, _t in sms.sent_messages if p == "13912345678"]) == 1


def test_a_throttled_answer_is_not_kept_for_the_key(client: Client, world: Any, settings: Any) -> None:
    from minsheng.api.models import IdempotencyKey

    settings.MINSHENG_PORTAL_LIMITS = {"otp_ip": (1, 3600)}
    assert call(client, "verification-codes", {"phone": "13912345677"}).status_code == 202
    throttled = keyed(client, "verification-codes", {"phone": "13912345678"})
    assert throttled.status_code == 429 and not IdempotencyKey.objects.exists()
    cache.clear()  # the minute has passed
    later = keyed(client, "verification-codes", {"phone": "13912345678"})
    assert later.status_code == 202 and not later.has_header("Idempotent-Replayed")


def test_rate_and_appeal_retried_with_their_keys_act_once(client: Client, world: Any, register: Any) -> None:
    petition = delivered(world, register)
    creds = {"tracking_code": petition.tracking_code, "password": petition.query_password}
    rate = {**creds, "value": "satisfied", "comment": "好"}
    first = keyed(client, "rate", rate, key=KEY + "-rate")
    again = keyed(client, "rate", rate, key=KEY + "-rate")
    assert first.status_code == again.status_code == 200, first.content
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    assert Rating.objects.filter(petition=petition).count() == 1
    appeal = {**creds, "reasons": "仍有噪音"}
    first = keyed(client, "appeal", appeal, key=KEY + "-appeal")
    again = keyed(client, "appeal", appeal, key=KEY + "-appeal")
    assert first.status_code == again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Appeal.objects.filter(petition=petition).count() == 1
    assert PetitionEvent.objects.filter(petition=petition, action="request_review").count() == 1


def test_short_or_malformed_keys_are_422_and_change_nothing(client: Client, world: Any) -> None:
    from minsheng.notifications import sms

    sms.sent_messages.clear()
    short = keyed(client, "verification-codes", {"phone": "13912345678"}, key="1")
    assert short.status_code == 422 and short.json()["field"] == "Idempotency-Key"
    assert "16" in short.json()["message"]
    spaced = keyed(client, "verification-codes", {"phone": "13912345678"}, key="not a valid key at all")
    assert spaced.status_code == 422 and spaced.json()["code"] == "invalid"
    assert sms.sent_messages == []


def test_the_fingerprint_of_a_citizen_request_is_keyed(client: Client, world: Any, register: Any) -> None:
    """The stored fingerprint is not the bare SHA-256 of the body (which holds the password)."""
    from django.test import RequestFactory

    from minsheng.api.idempotency import request_fingerprint
    from minsheng.api.models import IdempotencyKey

    petition = delivered(world, register)
    body = {
        "tracking_code": petition.tracking_code,
        "password": petition.query_password,
        "value": "satisfied",
    }
    assert keyed(client, "rate", body).status_code == 200
    bare = request_fingerprint(
        RequestFactory().post("/api/v1/citizen/rate", body, content_type="application/json")
    )
    assert IdempotencyKey.objects.get().fingerprint != bare


def test_track_is_a_read_and_keeps_no_key(client: Client, world: Any, register: Any) -> None:
    from minsheng.api.models import IdempotencyKey

    petition = register()
    creds = {"tracking_code": petition.tracking_code, "password": petition.query_password}
    assert keyed(client, "track", creds).status_code == 200
    assert keyed(client, "track", creds).status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_the_openapi_document_declares_the_key_on_the_citizen_writes() -> None:
    from minsheng.api.v1 import api

    paths = api.get_openapi_schema()["paths"]
    for path in ("petitions", "verification-codes", "rate", "appeal"):
        params = {p["name"]: p for p in paths[f"/api/v1/citizen/{path}"]["post"].get("parameters", [])}
        assert params["Idempotency-Key"]["schema"]["minLength"] == 16
    track = paths["/api/v1/citizen/track"]["post"].get("parameters", [])
    assert not any(p["name"] == "Idempotency-Key" for p in track)


def test_control_characters_are_refused_on_every_public_channel(client: Client, world: Any) -> None:
    """The citizen API and Open311 stored 「控告\\x0b测试\\x1b[31m」 (external client review): the one
    registration service now refuses control characters whatever the channel, naming the field."""
    from minsheng.integrations.demo import demo_integration

    before = Petition.objects.count()
    body = {
        "nature": "accusation",
        "anonymous": True,
        "title": "控告\u000b测试",
        "facts": "f",
        "request": "r",
    }
    response = client.post("/api/v1/citizen/petitions", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["field"] == "title", response.content
    assert Petition.objects.count() == before
    _integration, key = demo_integration()
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "57",
            "address_string": "幸福小区",
            "description": "请求\u000b停止\u001b施工",
            "last_name": "王",
            "first_name": "五",
            "phone": "13900139011",
        },
    )
    assert response.status_code == 400, response.content
    assert "控制字符" in str(response.json())
    assert Petition.objects.count() == before


def test_citizen_bodies_are_as_strict_as_the_staff_apis(client: Client, world: Any) -> None:
    """Unknown fields were dropped and `"accused_organ_id": true` read as organ 1 (external client
    review): now 422 naming the field, and nothing is stored."""
    before = Petition.objects.count()
    base = {
        "nature": "accusation",
        "anonymous": True,
        "title": "举报",
        "facts": "事实",
        "request": "请求查处",
    }
    cases = [
        ({**base, "accused_organ_id": True}, "accused_organ_id"),
        ({**base, "region_id": "1"}, "region_id"),
        ({**base, "anonymous": "yes"}, "anonymous"),
        ({**base, "nature": "rant"}, "nature"),
        ({**base, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/citizen/petitions", body, content_type="application/json")
        assert response.status_code == 422 and response.json()["field"] == field, (body, response.content)
    response = client.post(
        "/api/v1/citizen/track",
        {"tracking_code": "X", "password": "1", "extra": 1},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "unknown_field"
    assert Petition.objects.count() == before
