"""The outbox hands each SMS to a backend that takes a key with the key of its outbox row, and the
journal backend (development, the crash drill) accepts a key once (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import override_settings

from minsheng.notifications.models import OutboxMessage
from minsheng.notifications.services import outbox_send
from minsheng.notifications.sms import JournalSmsBackend, send_sms

pytestmark = pytest.mark.django_db


def lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_journal_accepts_a_key_once_and_counts_every_hand_over(tmp_path: Path) -> None:
    journal = tmp_path / "sms.jsonl"
    with override_settings(MINSHENG_SMS_JOURNAL=str(journal)):
        backend = JournalSmsBackend()
        backend.send("13800138000", "您的信访事项已登记", key="outbox-7")
        backend.send("13800138000", "您的信访事项已登记", key="outbox-7")  # after a crash: again
        backend.send("13900139000", "另一条", key="outbox-8")
    assert lines(journal) == [
        {"key": "outbox-7", "to": "13800138000", "text": "您的信访事项已登记"},
        {"key": "outbox-8", "to": "13900139000", "text": "另一条"},
    ]
    assert [row["key"] for row in lines(Path(str(journal) + ".offers"))] == [
        "outbox-7",
        "outbox-7",
        "outbox-8",
    ]


def test_a_backend_without_keys_is_called_as_before() -> None:
    calls: list[tuple[str, str]] = []

    class Plain:
        def send(self, phone: str, text: str) -> None:
            calls.append((phone, text))

    send_sms(Plain(), "13800138000", "文本", key="outbox-1")
    assert calls == [("13800138000", "文本")]


def test_outbox_send_passes_the_row_key(tmp_path: Path) -> None:
    journal = tmp_path / "sms.jsonl"
    message = OutboxMessage.objects.create(
        channel="sms", recipient="13800138000", kind="registered", body="已登记"
    )
    with override_settings(
        MINSHENG_SMS_JOURNAL=str(journal), SMS_BACKEND="minsheng.notifications.sms.JournalSmsBackend"
    ):
        assert outbox_send(message.pk) is True
        assert outbox_send(message.pk) is False  # sent: not handed over again
    assert lines(journal) == [{"key": f"outbox-{message.pk}", "to": "13800138000", "text": "已登记"}]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
