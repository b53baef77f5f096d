"""Webhooks reach a real receiver process (scripts/webhook_receiver.py, standard library only) that
verifies the Standard Webhooks signatures itself, through the production path: the event commits,
its outbox message's task is queued in the database (django-tasks-db), and `minsheng worker --once`
runs the task and the outbox sweep. The receiver is then killed (down): the deliveries fail, stay
pending and are retried with an exponential backoff, neither lost nor sent twice; it is started
again on the same port (back) and each pending message arrives exactly once.

Runs on the suite's database (SQLite or PostgreSQL); real commits, so a transactional test."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.multiprocess.support import free_port

ROOT = Path(__file__).resolve().parents[2]
RECEIVER = ROOT / "scripts" / "webhook_receiver.py"
BACKOFF = 3  # seconds: MINSHENG_WEBHOOK_BACKOFF_SECONDS for this test (real waits, kept short)

pytestmark = pytest.mark.slow


class ReceiverProcess:
    """scripts/webhook_receiver.py as a separate OS process, started and killed by the test."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.secret = ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        env = {**os.environ, "WEBHOOK_SECRET": self.secret}
        self.process = subprocess.Popen(
            [sys.executable, str(RECEIVER), "--port", str(self.port), "--log", str(self.log)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(300):  # waiting for the start, not timing it
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else b""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the receiver did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def deliveries(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[ReceiverProcess]:
    process = ReceiverProcess(free_port(), tmp_path / "deliveries.jsonl")
    yield process
    process.kill()


@pytest.fixture
def queued_tasks(settings: Any) -> None:
    """Tasks go to the database queue, as in production, instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MINSHENG_WEBHOOK_BACKOFF_SECONDS = BACKOFF


def _worker() -> None:
    call_command("worker", "--once", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit


@pytest.mark.django_db(transaction=True)
def test_real_receiver_verifies_signatures_and_gets_each_message_once_after_being_down(
    receiver: ReceiverProcess, queued_tasks: None, world: Any, register: Any, act: Any, organs: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from minsheng.integrations.keys import integration_create
    from minsheng.integrations.models import WebhookAttempt
    from minsheng.integrations.webhooks import webhook_subscribe
    from minsheng.notifications.models import OutboxMessage

    integration, _key = integration_create("12345热线")
    _subscription, receiver.secret = webhook_subscribe(integration.pk, receiver.url, [])
    assert receiver.secret.startswith("whsec_")
    receiver.start()

    # Up: the registration commits, its message waits in the task queue, the worker delivers it.
    petition = register()
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.status == "pending" and DBTaskResult.objects.filter(status="READY").exists()
    assert receiver.deliveries() == []
    _worker()
    first = receiver.deliveries()
    assert [(d["type"], d["valid"], d["duplicate"]) for d in first] == [("petition.registered", True, False)]
    assert first[0]["id"] == f"msg_{message.pk}"
    assert json.loads(first[0]["body"])["data"]["service_request_id"] == petition.tracking_code
    assert "李四" not in first[0]["body"] and "13800138000" not in first[0]["body"]  # no personal data
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1

    # Down: the process is killed; the next events are refused at the door.
    receiver.kill()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    pending = list(OutboxMessage.objects.filter(channel="webhook", status="pending").order_by("pk"))
    assert [m.kind for m in pending] == ["petition.routed", "petition.accepted"]
    started = timezone.now()
    _worker()
    for m in pending:
        m.refresh_from_db()
        assert m.status == "pending" and m.attempts == 1 and "Connection" in m.last_error
        assert m.next_attempt_at is not None
        assert started + dt.timedelta(seconds=BACKOFF - 1) < m.next_attempt_at
        assert m.next_attempt_at <= timezone.now() + dt.timedelta(seconds=BACKOFF)
    # backing off: a sweep before the messages are due tries nothing
    from minsheng.notifications.services import outbox_send_pending

    assert outbox_send_pending() == 0
    assert WebhookAttempt.objects.filter(ok=False).count() == 2

    # Still down when they are due: a second failure, and the wait doubles.
    _wait_until(max(m.next_attempt_at for m in pending if m.next_attempt_at))
    second_try = timezone.now()
    _worker()
    for m in pending:
        m.refresh_from_db()
        assert m.status == "pending" and m.attempts == 2
        assert m.next_attempt_at is not None
        assert second_try + dt.timedelta(seconds=2 * BACKOFF - 1) < m.next_attempt_at
    assert WebhookAttempt.objects.filter(ok=False).count() == 4
    assert receiver.deliveries() == first  # nothing arrived while it was down

    # Back: started again on the same port; once due, each pending message arrives exactly once.
    receiver.start()
    _wait_until(max(m.next_attempt_at for m in pending if m.next_attempt_at))
    _worker()
    _worker()  # a second pass finds nothing left to send
    deliveries = receiver.deliveries()
    assert [d["type"] for d in deliveries] == ["petition.registered", "petition.routed", "petition.accepted"]
    assert all(d["valid"] for d in deliveries)
    assert not any(d["duplicate"] for d in deliveries)
    assert [d["id"] for d in deliveries[1:]] == [f"msg_{m.pk}" for m in pending]
    for m in pending:
        m.refresh_from_db()
        assert m.status == "sent" and m.attempts == 3
        attempts = WebhookAttempt.objects.filter(message=m).order_by("attempt")
        assert [(a.attempt, a.ok, a.status_code) for a in attempts] == [
            (1, False, None),
            (2, False, None),
            (3, True, 204),
        ]
    assert not OutboxMessage.objects.filter(channel="webhook").exclude(status="sent").exists()


def test_the_receiver_refuses_a_forged_signature(receiver: ReceiverProcess) -> None:
    """The receiver's own check is not a rubber stamp: a wrong key or a stale timestamp is 401."""
    import base64
    import hashlib
    import hmac
    import urllib.error

    receiver.secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    receiver.start()
    body = b'{"type":"petition.registered","data":{}}'

    def post(key: bytes, timestamp: int) -> int:
        signed = b"msg_1." + str(timestamp).encode() + b"." + body
        signature = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        request = urllib.request.Request(
            receiver.url,
            data=body,
            method="POST",
            headers={
                "webhook-id": "msg_1",
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signature,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    now = int(time.time())
    assert post(b"x" * 32, now) == 401
    assert post(b"k" * 32, now - 3600) == 401
    assert post(b"k" * 32, now) == 204
    assert [d["valid"] for d in receiver.deliveries()] == [False, False, True]


def _wait_until(moment: dt.datetime) -> None:
    delay = (moment - timezone.now()).total_seconds() + 0.2
    if delay > 0:
        time.sleep(delay)
