from __future__ import annotations

from typing import Any

import pytest

from minsheng.notifications import sms
from minsheng.notifications.models import OutboxMessage
from minsheng.notifications.services import outbox_send, outbox_send_direct

pytestmark = pytest.mark.django_db


def test_secret_bodies_are_wiped_after_sending_and_sending_is_idempotent():
    mid = outbox_send_direct("sms", "13800138000", "query_password", "查询密码 123456")
    assert outbox_send(mid) is True
    assert outbox_send(mid) is False  # already sent: never twice
    message = OutboxMessage.objects.get(pk=mid)
    assert message.status == "sent" and "123456" not in message.body
    assert sms.sent_messages[-1] == ("13800138000", "查询密码 123456")


def test_recipient_encrypted_at_rest():
    from django.db import connection

    mid = outbox_send_direct("sms", "13800138000", "registered", "已登记")
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient FROM notifications_outboxmessage WHERE id = %s", [mid])
        assert "13800138000" not in cursor.fetchone()[0]


def _raw(mid: int) -> tuple[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body, secret_body FROM notifications_outboxmessage WHERE id = %s", [mid])
        return cursor.fetchone()


def test_secret_is_never_in_clear_at_rest_before_or_after_sending():
    mid = outbox_send_direct("sms", "13800138000", "query_password", "查询码 250101ABCDEF，查询密码 654321")
    body, secret = _raw(mid)  # queued, not yet sent
    assert "654321" not in body and "654321" not in secret and secret  # encrypted, not empty
    assert "654321" in OutboxMessage.objects.get(pk=mid).secret_body  # the sender can decrypt it
    assert outbox_send(mid) is True
    assert sms.sent_messages[-1] == ("13800138000", "查询码 250101ABCDEF，查询密码 654321")
    body, secret = _raw(mid)
    assert "654321" not in body and secret == ""


def test_failed_secret_sends_keep_no_secret_in_the_error(settings):
    settings.SMS_BACKEND = "minsheng.notifications.tests.test_outbox.EchoingGateway"
    mid = outbox_send_direct("sms", "13800138000", "otp", "验证码 112233")
    for _attempt in range(5):
        assert outbox_send(mid) is False
    message = OutboxMessage.objects.get(pk=mid)
    assert message.status == "failed" and "112233" not in message.last_error
    body, secret = _raw(mid)
    assert "112233" not in body and secret == ""  # given up: the secret is erased


class EchoingGateway:
    def send(self, phone: str, text: str) -> None:
        raise RuntimeError(f"gateway refused: {text}")


def test_console_backend_logs_no_secret_unless_debug(settings, caplog):
    settings.DEBUG = False
    with caplog.at_level("INFO", logger="minsheng.sms"):
        sms.ConsoleSmsBackend().send("13800138000", "【民声】您的验证码是 482913，10分钟内有效。")
    assert "482913" not in caplog.text and "13800138000" not in caplog.text
    assert "******" in caplog.text


def test_outbox_logging_never_prints_the_secret(caplog):
    with caplog.at_level("DEBUG"):
        mid = outbox_send_direct("sms", "13800138000", "query_password", "查询密码 778899")
        outbox_send(mid)
    assert "778899" not in caplog.text


def test_query_passwords_are_stored_as_keyed_salted_hashes(register):
    from minsheng.petitions.models import Petition
    from minsheng.petitions.services import petition_check_query, query_password_hash

    petition = register()
    password = petition.query_password
    stored = Petition.objects.get(pk=petition.pk).query_password_hash
    assert stored.startswith("hmac-sha256$") and password not in stored
    assert petition_check_query(petition.tracking_code, password) == petition
    assert petition_check_query(petition.tracking_code, "x" + password) is None
    # The tracking code salts the hash: one password gives different hashes on two petitions.
    assert query_password_hash("250101AAAAAA", password) != query_password_hash("250101BBBBBB", password)


def test_one_text_at_registration_when_the_credentials_go_by_sms(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The SMS with the tracking code and query password says "registered" already: the petitioner
    gets that one text, not a second 「您的信访事项已登记」; without it the notice goes as before."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.notifications.models import OutboxMessage
    from minsheng.petitions.citizen_access import petition_register_with_credentials
    from minsheng.workflow.services import PetitionerInput, RegistrationInput, petition_register

    def data(phone: str) -> RegistrationInput:
        return RegistrationInput(
            channel="phone",
            receiving_organ=world.bureau,
            title="小区旁工地夜间施工噪音扰民",
            request="请求责令工地停止夜间施工",
            facts="连续一个月夜间施工。",
            nature="grievance",
            received_at=timezone.now() - dt.timedelta(hours=1),
            petitioner=PetitionerInput(name="王五", phone=phone),
        )

    with django_capture_on_commit_callbacks(execute=True):
        with_credentials, _password, sent = petition_register_with_credentials(
            data("13912340001"), actor=world.users["registrar"]
        )
    assert sent
    texts = OutboxMessage.objects.filter(petition=with_credentials, channel="sms")
    assert [m.kind for m in texts] == ["query_password"]
    with django_capture_on_commit_callbacks(execute=True):
        plain, _password = petition_register(data("13912340002"), actor=world.users["registrar"])
    assert [m.kind for m in OutboxMessage.objects.filter(petition=plain, channel="sms")] == ["registered"]
