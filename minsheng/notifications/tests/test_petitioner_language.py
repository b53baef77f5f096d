"""Texts to a petitioner are written in the petitioner's language, never in the sender's.

A registrar who works in English registers a letter from a Chinese petitioner: the SMS with the
query credentials and every later notice go in Chinese (the deployment's language). A petitioner
who used the portal in English, or for whom staff chose English, gets English texts. A language
the product does not speak is refused and nothing is registered, booked or spent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from minsheng.api.tests.auth import api_token
from minsheng.api.tests.test_citizen_reception import published
from minsheng.core.errors import InvalidInput
from minsheng.notifications import sms
from minsheng.notifications.models import OutboxMessage
from minsheng.notifications.services import outbox_notify_petitioner
from minsheng.petitions.citizen_access import petition_register_with_credentials
from minsheng.petitions.models import Petition, Petitioner
from minsheng.petitions.services import petitioner_language
from minsheng.portal.security import otp_issue
from minsheng.portal.tests.helpers import submit_petition
from minsheng.reception.models import Appointment, ReceptionDay
from minsheng.reception.services import appointment_book, day_cancel
from minsheng.workflow.services import PetitionerInput, RegistrationInput

pytestmark = pytest.mark.django_db

CREDENTIALS_ZH = "【民声】您的信访事项已登记。查询码 "
CREDENTIALS_EN = "[Minsheng] Your petition is registered. Tracking code "


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    cache.clear()
    sms.sent_messages.clear()
    yield
    cache.clear()


def texts_to(phone: str) -> list[str]:
    return [text for number, text in sms.sent_messages if number == phone]


def letter(world: Any, phone: str, language: str = "") -> RegistrationInput:
    return RegistrationInput(
        channel="letter",
        receiving_organ=world.bureau,
        title="小区旁工地夜间施工噪音扰民",
        request="请求责令工地停止夜间施工",
        facts="连续一个月夜间施工。",
        nature="grievance",
        received_at=timezone.now() - dt.timedelta(hours=1),
        petitioner=PetitionerInput(name="王五", phone=phone, language=language),
    )


def test_language_codes_are_normalised_or_refused(settings: Any) -> None:
    assert petitioner_language("") == ""
    assert petitioner_language(" EN-us ") == "en"
    assert petitioner_language("zh-CN") == "zh-hans"
    assert petitioner_language("zh_Hans") == "zh-hans"
    with pytest.raises(InvalidInput) as refused:
        petitioner_language("fr")
    assert refused.value.field == "petitioner.language"
    with pytest.raises(InvalidInput) as refused:
        petitioner_language("de-DE", field="language")
    assert refused.value.field == "language"


def test_a_registrar_working_in_english_sends_chinese_texts(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        petition, _password, sent = petition_register_with_credentials(
            letter(world, "13912340001"), actor=world.users["registrar"]
        )
    assert sent and petition.petitioner.language == ""
    (credentials,) = texts_to("13912340001")
    assert credentials.startswith(CREDENTIALS_ZH) and petition.tracking_code in credentials
    # A later notice, sent while the caseworker reads English, is Chinese too (SMS and e-mail subject).
    Petitioner.objects.filter(pk=petition.petitioner_id).update(email="wang@example.org")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        outbox_notify_petitioner(petition.pk, "accepted")
    notices = OutboxMessage.objects.filter(petition=petition, kind="accepted")
    assert {m.body for m in notices} == {
        f"您的信访事项（查询码 {petition.tracking_code}）已受理，受理告知书可在网上查询。"
    }
    assert notices.get(channel="email").subject == "民声 · 信访事项进展"


def test_a_petitioner_registered_in_english_gets_english_texts(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the registrar works in Chinese
        petition, _password, _sent = petition_register_with_credentials(
            letter(world, "13912340002", language="en"), actor=world.users["registrar"]
        )
    assert petition.petitioner.language == "en"
    (credentials,) = texts_to("13912340002")
    assert credentials.startswith(CREDENTIALS_EN)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_notify_petitioner(petition.pk, "forwarded", organ="A市住房和城乡建设局")
    notice = OutboxMessage.objects.get(petition=petition, kind="forwarded")
    assert notice.body == (
        f"Your petition (tracking code {petition.tracking_code}) has been forwarded to A市住房和城乡建设局."
    )
    # The same person writing again and asking for Chinese: the record follows the latest choice.
    again, _password, _sent = petition_register_with_credentials(
        letter(world, "13912340002", language="zh-hans"), actor=world.users["registrar"]
    )
    assert again.petitioner_id == petition.petitioner_id
    assert Petitioner.objects.get(pk=petition.petitioner_id).language == "zh-hans"


def test_the_portal_in_english_records_english(
    client: Client, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        code, password = submit_petition(client, phone="13900139011")
    petition = Petition.objects.select_related("petitioner").get(tracking_code=code)
    assert petition.petitioner.language == "en"
    credentials = texts_to("13900139011")[-1]
    assert credentials.startswith(CREDENTIALS_EN) and password in credentials


def test_the_portal_in_chinese_records_chinese(
    client: Client, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        code, _password = submit_petition(client, phone="13900139012")
    assert Petition.objects.get(tracking_code=code).petitioner.language == "zh-hans"
    assert texts_to("13900139012")[-1].startswith(CREDENTIALS_ZH)


def test_staff_api_takes_the_language_and_refuses_an_unknown_one(client: Client, world: Any) -> None:
    auth = api_token(client, "registrar")
    body = {
        "channel": "letter",
        "received_at": (timezone.now() - dt.timedelta(days=1)).isoformat(),
        "title": "小区旁工地夜间施工扰民",
        "request": "请求停止夜间施工",
        "facts": "连续一个月夜间施工",
        "petitioner": {"name": "王五", "phone": "13712345670", "language": "fr"},
    }
    before = (Petition.objects.count(), Petitioner.objects.count(), OutboxMessage.objects.count())
    refused = client.post("/api/v1/petitions", body, content_type="application/json", **auth)
    assert refused.status_code == 422 and refused.json()["field"] == "petitioner.language", refused.content
    assert "fr" in refused.json()["message"]
    assert (Petition.objects.count(), Petitioner.objects.count(), OutboxMessage.objects.count()) == before
    body["petitioner"]["language"] = "en"
    made = client.post("/api/v1/petitions", body, content_type="application/json", **auth)
    assert made.status_code == 201, made.content
    assert Petition.objects.get(pk=made.json()["id"]).petitioner.language == "en"


def test_citizen_api_refuses_an_unknown_language_before_the_code_is_spent(client: Client, world: Any) -> None:
    phone = "13912345671"
    matter = {
        "nature": "grievance",
        "title": "小区旁工地夜间施工扰民",
        "facts": "小区旁的工地连续一个月在夜间十一点后施工，噪音很大。",
        "request": "请求责令工地停止夜间施工",
    }
    code = otp_issue(phone, "submit")
    body = {**matter, "name": "王五", "phone": phone, "code": code, "language": "xx"}
    refused = client.post("/api/v1/citizen/petitions", body, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "language", refused.content
    assert not Petition.objects.exists()
    # The same code still works: the refusal spent nothing. The request's language by default.
    del body["language"]
    made = client.post("/api/v1/citizen/petitions?lang=en", body, content_type="application/json")
    assert made.status_code == 201, made.content
    petition = Petition.objects.get(tracking_code=made.json()["tracking_code"])
    assert petition.petitioner.language == "en"


def test_reception_texts_follow_the_booking_language(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=3)
    day = published(world, on=tomorrow, capacity=3)
    summary = "小区停车位被强制捆绑销售"
    with pytest.raises(InvalidInput) as refused:
        appointment_book(
            day.pk, name="张三", phone="13900001111", summary=summary, phone_verified=True, language="fr"
        )
    assert refused.value.field == "language"
    assert not Appointment.objects.exists() and ReceptionDay.objects.get(pk=day.pk).booked == 0
    english = appointment_book(
        day.pk, name="张三", phone="13900001111", summary=summary, phone_verified=True, language="en"
    )
    with translation.override("en"):  # booked where English is active, no language given: Chinese
        chinese = appointment_book(
            day.pk, name="李四", phone="13900002222", summary=summary, phone_verified=True
        )
    booked = {m.recipient: m.body for m in OutboxMessage.objects.filter(kind="reception_booked")}
    assert booked["13900001111"].startswith("You have booked the leaders' reception on ")
    assert english.code in booked["13900001111"] and "09:00" in booked["13900001111"]
    assert booked["13900002222"].startswith(
        f"您已预约{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日 09:00"
    )
    # Cancelled by staff working in Chinese: each citizen is told in the language they booked in.
    with translation.override("zh-hans"):
        day_cancel(day.pk, reason="领导临时公务", actor=world.users["registrar"])
    told = {m.recipient: m.body for m in OutboxMessage.objects.filter(kind="reception_cancelled")}
    assert re.match(
        r"The leaders' reception on .+ that you booked \(code JF\w{8}\) is cancelled: 领导临时公务\.",
        told["13900001111"],
    )
    assert told["13900002222"].startswith("您预约的") and chinese.code in told["13900002222"]


def test_the_booking_api_refuses_an_unknown_language_before_the_code_is_spent(
    client: Client, world: Any
) -> None:
    day = published(world, on=timezone.localdate() + dt.timedelta(days=3), capacity=3)
    phone = "13900003333"
    body = {
        "name": "张三",
        "phone": phone,
        "summary": "小区停车位被强制捆绑销售",
        "code": otp_issue(phone, "reception"),
    }
    url = f"/api/v1/citizen/reception-days/{day.pk}/appointments"
    refused = client.post(url, {**body, "language": "fr"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "language", refused.content
    assert not Appointment.objects.exists()
    booked = client.post(url + "?lang=en", body, content_type="application/json")  # the same code
    assert booked.status_code == 201, booked.content
    assert Appointment.objects.get().language == "en"
    text = OutboxMessage.objects.get(kind="reception_booked").body
    assert text.startswith("You have booked the leaders' reception on ")
