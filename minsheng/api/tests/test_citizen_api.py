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


def test_codes_are_throttled_like_the_portal(client: Client, world: Any) -> None:
    assert call(client, "verification-codes", {"phone": "13912345678"}).status_code == 202
    again = call(client, "verification-codes", {"phone": "13912345678"})
    assert again.status_code == 429
    assert again.json()["message"] == "验证码发送过于频繁，请稍后再试（每分钟最多1次，每小时最多5次）。"
    assert call(client, "verification-codes", {"phone": "1391"}).status_code == 422
