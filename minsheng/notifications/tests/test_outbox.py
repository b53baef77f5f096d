from __future__ import annotations

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
