"""The three submission steps: matter, contact with a one-time code, confirmation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.models import Petition
from minsheng.portal.tests.helpers import (
    MATTER,
    PDF,
    PNG,
    last_code,
    submit_petition,
)

pytestmark = pytest.mark.django_db


def test_full_submission_registers_online_at_city_bureau(
    client: Client, world: Any, organs: Any, django_capture_on_commit_callbacks: Any
) -> None:
    region = organs["a3-gov"].region
    with django_capture_on_commit_callbacks(execute=True):
        code, password = submit_petition(
            client,
            region=str(region.pk),
            files=[
                SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
                SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
            ],
        )
    petition = Petition.objects.get(tracking_code=code)
    assert petition.channel == "online"
    assert petition.receiving_organ.code == "a-bureau"
    assert petition.state == "registered"
    assert petition.request == MATTER["request_text"]
    assert petition.facts == MATTER["facts"]
    assert petition.reasons == MATTER["reasons"]
    assert petition.region == region
    assert petition.petitioner is not None and petition.petitioner.phone == "13900139000"
    assert petition.petitioner.phone_verified_at is not None
    assert petition.suggestions["portal"]["category"]  # classifier or keyword guess
    assert petition.suggestions["portal"]["source"] in ("classifier", "keywords")
    assert sorted(a.content_type for a in petition.attachments.all()) == ["application/pdf", "image/png"]
    done = client.get("/submit/done/").content.decode()
    assert code in done and password in done
    message = OutboxMessage.objects.filter(kind="query_password").get()
    assert message.recipient == "13900139000" and message.status == "sent"
    from minsheng.notifications import sms

    assert any(number == "13900139000" and password in text for number, text in sms.sent_messages)
    # The submitter's browser may follow the case straight away.
    assert client.get(f"/track/{code}/").status_code == 200


def test_confirm_step_suggests_organ_and_guides_to_legal_channels(client: Client, world: Any) -> None:
    client.post(
        "/submit/",
        {
            **MATTER,
            "title": "公司拖欠工资三个月",
            "facts": "我在某公司工作，公司拖欠工资三个月，还要求我辞职。",
            "request_text": "请求帮助追回欠薪。",
        },
    )
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    client.post(
        "/submit/contact/",
        {"name": "王五", "phone": "13900139000", "code": last_code("13900139000"), "action": "continue"},
    )
    body = client.get("/submit/confirm/").content.decode()
    assert "A市人力资源和社会保障局" in body
    assert "劳动争议仲裁" in body and "1年" in body
    assert "可能" in body  # honest: a guess


def test_matter_errors_are_summarised_with_links(client: Client, world: Any) -> None:
    response = client.post("/submit/", {"nature": "", "title": "", "facts": "x", "request_text": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in body
    assert 'href="#id_title"' in body and 'href="#id_nature_0"' in body
    assert 'aria-invalid="true"' in body
    assert "<title>错误：" in body


def test_accused_organ_only_for_accusations(client: Client, organs: Any) -> None:
    response = client.post("/submit/", {**MATTER, "accused_organ": str(organs["a-housing"].pk)})
    assert "只有检举控告才填写被检举控告的单位" in response.content.decode()


def test_phone_must_be_verified(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    response = client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "continue"})
    assert "请先获取并填写短信验证码" in response.content.decode()
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": "000000", "action": "continue"}
    )
    assert "验证码不正确" in response.content.decode() or last_code("13900139000") == "000000"
    # Skipping the contact step is not possible either.
    assert client.get("/submit/confirm/").status_code == 302


def test_otp_is_locked_after_too_many_wrong_codes(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    right = last_code("13900139000")
    wrong = "111111" if right != "111111" else "222222"
    for _ in range(5):
        client.post(
            "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": wrong, "action": "continue"}
        )
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": right, "action": "continue"}
    )
    assert response.status_code == 200 and "如已过期或多次输错，请重新获取验证码" in response.content.decode()
    assert client.get("/submit/confirm/").status_code == 302  # still not verified


def test_a_code_check_says_nothing_about_the_phone(client: Client, world: Any) -> None:
    """A wrong code for a phone whose holder has just asked for one, for a phone nobody asked a
    code for, and for a phone locked by wrong tries: one answer (no oracle on who is petitioning
    or signing in right now). Failed checks count against the address."""
    from minsheng.notifications import sms

    busy, idle = "13900139000", "13900139001"
    other = Client()
    other.post("/submit/", MATTER)
    other.post("/submit/contact/", {"name": "王五", "phone": busy, "action": "send_code"})
    assert last_code(busy)
    client.post("/submit/", MATTER)
    pages = []
    for phone in (busy, idle):
        typed = {"name": "某人", "phone": phone, "code": "000000", "action": "continue"}
        page = client.post("/submit/contact/", typed).content.decode()
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.replace(phone, "PHONE")))
    assert pages[0] == pages[1] and "验证码不正确或已失效" in pages[0]
    # Sending: a phone that was just sent a code answers as if sent again (nothing is sent).
    sms.sent_messages.clear()
    again = client.post("/submit/contact/", {"name": "某人", "phone": busy, "action": "send_code"})
    fresh = client.post("/submit/contact/", {"name": "某人", "phone": idle, "action": "send_code"})
    assert again.status_code == fresh.status_code == 302 and again["Location"] == fresh["Location"]
    assert [number for number, _ in sms.sent_messages] == [idle]


def test_failed_code_checks_are_limited_per_address(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_fail_ip": (3, 900)}
    client.post("/submit/", MATTER)
    for i in range(3):
        typed = {"name": "某人", "phone": f"1390013900{i}", "code": "000000", "action": "continue"}
        assert "验证码不正确或已失效" in client.post("/submit/contact/", typed).content.decode()
    typed = {"name": "某人", "phone": "13900139009", "code": "000000", "action": "continue"}
    assert "验证码尝试次数过多，请15分钟后再试" in client.post("/submit/contact/", typed).content.decode()


def test_otp_sending_is_throttled_per_address(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_ip": (2, 3600)}
    client.post("/submit/", MATTER)
    for i in range(2):
        sent = client.post(
            "/submit/contact/", {"name": "王五", "phone": f"1390013900{i}", "action": "send_code"}
        )
        assert sent.status_code == 302
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139009", "action": "send_code"}
    )
    assert "过于频繁" in response.content.decode()


def test_invalid_phone_is_rejected(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    response = client.post("/submit/contact/", {"name": "王五", "phone": "12345", "action": "send_code"})
    assert "11位手机号码" in response.content.decode()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("fake.png", b"<html><script>alert(1)</script>")], "不是 JPG、PNG 图片或 PDF 文件"),
        ([("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))], "超过5MB"),
        ([(f"p{i}.png", PNG) for i in range(4)], "最多上传3个附件"),
    ],
)
def test_attachments_are_checked(
    client: Client, world: Any, files: list[tuple[str, bytes]], message: str
) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    client.post(
        "/submit/contact/",
        {"name": "王五", "phone": "13900139000", "code": last_code("13900139000"), "action": "continue"},
    )
    uploads = [SimpleUploadedFile(name, content, content_type="image/png") for name, content in files]
    response = client.post("/submit/confirm/", {"truthful": "on", "privacy": "on", "attachments": uploads})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Petition.objects.exists()


def test_notices_must_be_acknowledged(client: Client, world: Any) -> None:
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    client.post(
        "/submit/contact/",
        {"name": "王五", "phone": "13900139000", "code": last_code("13900139000"), "action": "continue"},
    )
    body = client.post("/submit/confirm/", {}).content.decode()
    assert "请阅读并确认真实性承诺" in body and "请阅读并同意个人信息保护告知" in body
    assert not Petition.objects.exists()


def test_anonymous_accusation(client: Client, organs: Any, settings: Any) -> None:
    code, _password = submit_petition(
        client,
        anonymous=True,
        nature="accusation",
        title="某局工作人员吃拿卡要",
        accused_organ=str(organs["a-housing"].pk),
        accused_person="张某",
    )
    petition = Petition.objects.get(tracking_code=code)
    assert petition.petitioner is None and petition.is_anonymous
    assert petition.nature == "accusation" and petition.accused_organ == organs["a-housing"]
    body = client.get("/submit/done/").content.decode()
    assert "匿名提交无法找回查询密码" in body


def test_anonymity_only_for_accusations_and_when_allowed(client: Client, world: Any, settings: Any) -> None:
    client.post("/submit/", MATTER)
    body = client.get("/submit/contact/").content.decode()
    assert 'name="anonymous"' not in body
    response = client.post("/submit/contact/", {"anonymous": "on", "action": "continue"})
    assert response.status_code == 200 and "请填写姓名" in response.content.decode()
    settings.MINSHENG_ALLOW_ANONYMOUS_ACCUSATIONS = False
    client.post("/submit/", {**MATTER, "nature": "accusation"})
    assert 'name="anonymous"' not in client.get("/submit/contact/").content.decode()


def test_submission_is_throttled_per_ip(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"submit_ip": (1, 3600)}
    submit_petition(client)
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "continue"})
    response = client.post("/submit/confirm/", {"truthful": "on", "privacy": "on"})
    assert "提交过于频繁" in response.content.decode()
    assert Petition.objects.count() == 1


def test_submission_is_throttled_per_phone(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"submit_phone": (1, 86400)}
    submit_petition(client)
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "continue"})
    response = client.post("/submit/confirm/", {"truthful": "on", "privacy": "on"})
    assert "提交过于频繁" in response.content.decode()
    assert Petition.objects.count() == 1


def test_user_input_is_escaped(client: Client, world: Any) -> None:
    code, _ = submit_petition(client, title="<script>alert('x')</script>", facts="<b>粗体</b>")
    body = client.get(f"/track/{code}/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body and "&lt;b&gt;粗体&lt;/b&gt;" in body


def test_csrf_is_enforced(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/submit/", MATTER).status_code == 403
    assert client.post("/track/", {"tracking_code": "X", "password": "1"}).status_code == 403


def test_enter_in_the_code_field_continues(client: Client, world: Any) -> None:
    """Implicit submission uses the first button ("send code"); a typed code means continue."""
    client.post("/submit/", MATTER)
    client.post("/submit/contact/", {"name": "王五", "phone": "13900139000", "action": "send_code"})
    code = last_code("13900139000")
    response = client.post(
        "/submit/contact/", {"name": "王五", "phone": "13900139000", "code": code, "action": "send_code"}
    )
    assert response.status_code == 302 and response["Location"] == "/submit/confirm/"
