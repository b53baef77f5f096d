"""Getting back in (issue 13): SMS sign-in finds every petition registered with the phone, on any
channel and before the account existed; a new query password by SMS; phone callers get theirs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from minsheng.notifications import sms
from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.citizen_access import canonical_phone, phone_index_of
from minsheng.petitions.models import Petition
from minsheng.petitions.services import PetitionerInput, petition_check_query
from minsheng.portal.tests.helpers import last_code, submit_petition
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db

PHONE = "13600136000"


def sign_in(client: Client, phone: str = PHONE) -> None:
    client.post("/account/login/", {"otp-phone": phone, "action": "send_code"})
    response = client.post(
        "/account/login/", {"otp-phone": phone, "otp-code": last_code(phone), "action": "verify_code"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def texts_to(phone: str) -> list[str]:
    """The SMS texts sent to ``phone``, after the worker has sent what the outbox holds (the
    test transaction never commits, so the after-commit enqueue does not run)."""
    from minsheng.notifications.services import outbox_send_pending

    outbox_send_pending()
    return [text for number, text in sms.sent_messages if number == phone]


def test_canonical_phone() -> None:
    assert canonical_phone("139-0013-9000") == "13900139000"
    assert canonical_phone("+86 139 0013 9000") == "13900139000"
    assert canonical_phone("0086 13900139000") == "13900139000"
    assert canonical_phone(" 010-12345678 ") == "010-12345678"
    assert phone_index_of("139 0013 9000") == phone_index_of("13900139000")


def test_sign_in_shows_petitions_registered_by_staff_before_the_account(
    world: Any, register: Any, settings: Any
) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    person = PetitionerInput(name="钱七", phone=PHONE, address="A市A3区幸福小区5栋")
    by_phone = register(channel="phone", petitioner=person, title="来电反映路灯不亮")
    by_letter = register(channel="letter", petitioner=person, title="来信反映垃圾清运")
    someone_else = register(title="别人的事项")
    client = Client()
    sign_in(client)
    body = client.get("/account/").content.decode()
    assert by_phone.tracking_code in body and by_letter.tracking_code in body
    assert someone_else.tracking_code not in body
    # The petitions open without code + password.
    assert client.get(f"/track/{by_phone.tracking_code}/").status_code == 200
    assert client.get(f"/track/{someone_else.tracking_code}/").status_code == 302


def test_reset_query_password_by_sms(world: Any, register: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    petition = register(channel="phone", petitioner=PetitionerInput(name="钱七", phone=PHONE, address="A市"))
    old = petition.query_password
    client = Client()
    sign_in(client)
    sms.sent_messages.clear()
    response = client.post(
        "/account/", {"action": "reset_query_password", "code": petition.tracking_code}, follow=True
    )
    body = response.content.decode()
    assert "新的查询密码已通过短信发送" in body
    texts = [t for t in texts_to(PHONE) if "新查询密码" in t]
    assert len(texts) == 1 and petition.tracking_code in texts[0]
    new = re.search(r"新查询密码为 (\d{6})", texts[0])
    assert new is not None
    assert new.group(1) not in body  # sent by SMS only, never shown
    assert petition_check_query(petition.tracking_code, new.group(1)) is not None
    assert old == new.group(1) or petition_check_query(petition.tracking_code, old) is None
    event = PetitionEvent.objects.get(petition=petition, action="query_password_reset")
    assert not event.is_public and event.actor_role == "petitioner"
    message = OutboxMessage.objects.get(pk=event.data["outbox_id"])
    assert (
        message.petition_id == petition.pk and message.secret_body == "" and new.group(1) not in message.body
    )


def test_reset_refused_for_a_petition_of_another_phone(world: Any, register: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    other = register()
    client = Client()
    sign_in(client)
    response = client.post("/account/", {"action": "reset_query_password", "code": other.tracking_code})
    assert response.status_code == 404
    assert not PetitionEvent.objects.filter(petition=other, action="query_password_reset").exists()


def test_sign_in_answers_the_same_with_or_without_petitions(world: Any, register: Any, settings: Any) -> None:
    """No oracle: sending a code looks the same whether the phone has petitions or not."""
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    register(channel="phone", petitioner=PetitionerInput(name="钱七", phone=PHONE, address="A市"))
    answers = []
    for phone in (PHONE, "13600135000"):
        response = Client().post("/account/login/", {"otp-phone": phone, "action": "send_code"})
        answers.append(
            (response.status_code, response.content.decode().replace(phone, "#").replace(phone[-4:], "####"))
        )
    assert answers[0][0] == answers[1][0] == 200
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", answers[0][1]) == strip.sub("", answers[1][1])


def test_online_submission_sms_and_done_page(client: Client, world: Any) -> None:
    code, password = submit_petition(client, phone="13900139000")
    body = client.get("/submit/done/").content.decode()
    assert "已把查询码和查询密码通过短信发送" in body
    assert any(code in text and password in text for text in texts_to("13900139000"))
    petition = Petition.objects.get(tracking_code=code)
    assert PetitionEvent.objects.filter(petition=petition, action="query_credentials_sent").exists()


def test_done_page_does_not_claim_an_sms_for_anonymous(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS = True
    submit_petition(client, anonymous=True, nature="accusation")
    body = client.get("/submit/done/").content.decode()
    assert "通过短信发送" not in body
    assert "匿名提交无法找回查询密码" in body


def test_staff_phone_registration_sends_code_and_password_then_sign_in_finds_it(
    world: Any, users: Any, settings: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    staff = Client()
    staff.force_login(users["registrar"])
    received = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = staff.post(
        "/workbench/register/phone/",
        {
            "receiving_organ": world.bureau.pk,
            "received_at": received,
            "title": "来电反映小区停水",
            "request": "请求尽快恢复供水",
            "nature": "grievance",
            "name": "孙八",
            "phone": "+86 136-0013-6000",  # as typed by the registrar
            "address": "A市A1区白沙街道",
            "persons_involved": 1,
            "oral_record": "来电人口述：已停水三天。",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    petition = Petition.objects.get(title="来电反映小区停水")
    assert petition.petitioner is not None and petition.petitioner.phone == PHONE
    follow = staff.get(response["Location"]).content.decode()
    assert "已同时短信发送" in follow
    texts = [t for t in texts_to(PHONE) if "查询密码" in t]
    assert len(texts) == 1 and petition.tracking_code in texts[0]
    event = PetitionEvent.objects.get(petition=petition, action="query_credentials_sent")
    assert event.actor == users["registrar"] and not event.is_public
    # The caller signs in with the phone and finds it.
    client = Client()
    sign_in(client)
    assert petition.tracking_code in client.get("/account/").content.decode()
    assert client.get(f"/track/{petition.tracking_code}/").status_code == 200


def test_dev_sms_inbox_only_in_debug(client: Client, world: Any, settings: Any, tmp_path: Any) -> None:
    assert client.get("/dev/sms/").status_code == 404  # tests: off
    settings.DEBUG = True
    settings.TESTING = False
    settings.VAR_DIR = tmp_path
    sms.get_backend().send("13900139000", "【民声】您的验证码是 123456，10分钟内有效。")
    body = client.get("/dev/sms/").content.decode()
    assert "123456" in body and "139****9000" in body and "13900139000" not in body
    settings.DEBUG = False
    assert client.get("/dev/sms/").status_code == 404


def test_contact_step_keeps_name_and_phone_across_a_reload(client: Client, world: Any) -> None:
    from minsheng.portal.tests.helpers import MATTER

    client.post("/submit/", MATTER)
    response = client.post(
        "/submit/contact/",
        {
            "name": "王五",
            "phone": "13900139000",
            "address": "幸福小区",
            "id_number": "110101199003074514",
            "action": "send_code",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    page = client.get(response["Location"]).content.decode()
    assert 'value="王五"' in page and 'value="13900139000"' in page and 'value="幸福小区"' in page
    assert "重新发送验证码" in page
    # A plain reload (GET without ?sent) still has them; the ID number is not kept.
    page = client.get("/submit/contact/").content.decode()
    assert 'value="王五"' in page and 'value="13900139000"' in page
    assert "110101199003074514" not in page


def test_review_panel_names_the_reviewing_body_and_its_window(
    world: Any, register: Any, act: Any, organs: Any
) -> None:
    from minsheng.portal.tests.helpers import deliver, tracked_client
    from minsheng.workflow.models import Deadline

    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    page = client.get(f"/track/{petition.tracking_code}/").content.decode()
    due = Deadline.objects.get(petition=petition, rule="D-REVIEW-REQ-30").statutory_due
    assert "A市人民政府" in page  # upper organ of the housing bureau
    assert "第三十五条" in page and f"{due.year}年{due.month}月{due.day}日" in page
    page = client.get(f"/track/{petition.tracking_code}/appeal/").content.decode()
    assert "A市人民政府" in page and "30日内提出复查意见" in page


def test_review_request_takes_evidence_files(world: Any, register: Any, act: Any, organs: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.portal.tests.helpers import PNG, deliver, tracked_client

    petition = deliver(register(), act, organs)
    client = tracked_client(petition)
    response = client.post(
        f"/track/{petition.tracking_code}/appeal/",
        {"reasons": "处理意见没有落实。", "attachments": [SimpleUploadedFile("现场.png", PNG, "image/png")]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    petition.refresh_from_db()
    assert petition.state == "review_requested"
    assert petition.attachments.count() == 1
    event = PetitionEvent.objects.get(petition=petition, action="evidence_added")
    assert event.data["stage"] == "review" and not event.is_public
    # A file that is not JPG/PNG/PDF is refused with the form, and nothing is requested.
    other = deliver(register(title="另一件"), act, organs)
    client = tracked_client(other)
    response = client.post(
        f"/track/{other.tracking_code}/appeal/",
        {"reasons": "不服。", "attachments": [SimpleUploadedFile("x.exe", b"MZ\x90\x00", "image/png")]},
    )
    assert response.status_code == 422 and "不是 JPG、PNG 图片或 PDF 文件" in response.content.decode()
    other.refresh_from_db()
    assert other.state != "review_requested"


def test_new_texts_in_english(world: Any, register: Any, act: Any, organs: Any, settings: Any) -> None:
    from django.conf import settings as django_settings

    from minsheng.portal.tests.helpers import deliver, tracked_client

    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    petition = deliver(
        register(petitioner=PetitionerInput(name="钱七", phone=PHONE, address="A市")), act, organs
    )
    client = tracked_client(petition)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/track/{petition.tracking_code}/").content.decode()
    assert "Under Article 35" in page and "Article 34" in page
    sign_in(client)
    page = client.get("/account/").content.decode()
    assert "Forgot the query password?" in page and "registered with the mobile number" in page


def test_query_password_resets_are_limited(world: Any, register: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60), "query_reset_phone": (2, 86400)}
    petition = register(channel="phone", petitioner=PetitionerInput(name="钱七", phone=PHONE, address="A市"))
    client = Client()
    sign_in(client)
    for _ in range(3):
        response = client.post(
            "/account/", {"action": "reset_query_password", "code": petition.tracking_code}, follow=True
        )
    assert "次数过多" in response.content.decode()
    assert PetitionEvent.objects.filter(petition=petition, action="query_password_reset").count() == 2
