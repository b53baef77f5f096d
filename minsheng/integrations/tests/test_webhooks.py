"""Webhooks delivered to a real HTTP server (a thread on 127.0.0.1) that verifies the Standard
Webhooks signature the way a receiver would, including a receiver that is down and comes back."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from minsheng.core.errors import InvalidInput
from minsheng.integrations.models import Integration, IntegrationEvent, WebhookAttempt, WebhookSubscription
from minsheng.integrations.webhooks import (
    webhook_backoff,
    webhook_enable,
    webhook_replay,
    webhook_subscribe,
)
from minsheng.notifications.models import OutboxMessage
from minsheng.notifications.services import outbox_send_pending

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver: verifies each delivery independently of minsheng's code."""

    def __init__(self) -> None:
        self.secret = ""
        self.status = 200
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(
                    {"headers": headers, "body": body, "valid": receiver.valid(headers, body)}
                )
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def valid(self, headers: dict[str, str], body: str) -> bool:
        # The reference verifier (the standardwebhooks package) and a hand-written one must agree.
        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        version, _sep, signature = headers["webhook-signature"].partition(",")
        fresh = abs(int(headers["webhook-timestamp"]) - timezone.now().timestamp()) < 300
        return version == "v1" and hmac.compare_digest(signature, expected) and fresh

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def integration(world: Any) -> tuple[Integration, str]:
    from minsheng.integrations.keys import integration_create

    return integration_create("12345热线")


def subscribe(integration: Integration, receiver: Receiver, events: list[str]) -> WebhookSubscription:
    subscription, secret = webhook_subscribe(integration.pk, receiver.url, events)
    receiver.secret = secret
    return subscription


def open311_post(client: Client, key: str, **extra: str) -> str:
    from minsheng.integrations.tests.test_open311 import form

    response = client.post("/open311/v2/requests.json", {**form(key), **extra})
    assert response.status_code == 201, response.content
    return str(json.loads(response.content)[0]["service_request_id"])


def test_registration_is_delivered_signed(
    client: Client, integration: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    row, key = integration
    subscription = subscribe(row, receiver, ["petition.registered"])
    with django_capture_on_commit_callbacks(execute=True):
        code = open311_post(client, key)
    assert len(receiver.received) == 1
    delivery = receiver.received[0]
    assert delivery["valid"] is True
    assert delivery["headers"]["webhook-id"].startswith("msg_")
    payload = json.loads(delivery["body"])
    assert payload["type"] == "petition.registered"
    assert payload["data"]["service_request_id"] == code
    assert payload["data"]["status"] == "open"
    for secret in ("王五", "13900139000", "wang@example.com", "petitioner"):
        assert secret not in delivery["body"]
    attempt = WebhookAttempt.objects.get()
    assert attempt.ok and attempt.status_code == 200 and attempt.subscription == subscription
    assert OutboxMessage.objects.get(channel="webhook").status == "sent"
    # a tampered body does not verify
    assert not receiver.valid(delivery["headers"], delivery["body"].replace(code, "X"))


def test_event_filter_accusations_and_personal_data_scope(
    client: Client, integration: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    row, key = integration
    subscribe(row, receiver, ["petition.accepted"])
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key)
    assert receiver.received == []  # not an event it subscribed to
    Integration.objects.filter(pk=row.pk).update(personal_data=True)
    subscribe(row, receiver, [])  # every event
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key, phone="13700137000")
        open311_post(
            client,
            key,
            first_name="",
            last_name="",
            phone="",
            email="",
            **{"attribute[nature]": "accusation"},
        )
    assert len(receiver.received) == 1  # the accusation never leaves the system
    payload = json.loads(receiver.received[0]["body"])
    assert payload["data"]["petitioner"]["phone"] == "13700137000"


def test_receiver_down_then_back_with_backoff_and_replay(
    client: Client, integration: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    row, key = integration
    subscribe(row, receiver, ["petition.registered"])
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key)
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.status == "pending" and message.attempts == 1
    assert message.next_attempt_at is not None and message.next_attempt_at > timezone.now()
    assert outbox_send_pending() == 0  # backing off: not yet due
    assert len(receiver.received) == 1
    receiver.status = 204  # back
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert outbox_send_pending() == 1
    message.refresh_from_db()
    assert message.status == "sent"
    ids = {d["headers"]["webhook-id"] for d in receiver.received}
    assert len(ids) == 1  # the same id on every retry: the receiver can deduplicate
    assert all(d["valid"] for d in receiver.received)
    assert list(WebhookAttempt.objects.order_by("attempt").values_list("ok", "status_code")) == [
        (False, 503),
        (True, 204),
    ]
    # replay from the delivery log (admin)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_replay(message.pk)
    assert len(receiver.received) == 3
    assert IntegrationEvent.objects.filter(kind="delivery_replayed").count() == 1


def test_backoff_is_exponential_and_capped(settings: Any) -> None:
    settings.MINSHENG_WEBHOOK_BACKOFF_SECONDS = 30
    assert [webhook_backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhook_backoff(30) == dt.timedelta(days=1)


def test_repeated_failures_disable_the_subscription(
    client: Client,
    integration: Any,
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MINSHENG_WEBHOOK_DISABLE_AFTER = 2
    from django.contrib.auth import get_user_model

    world_admin = get_user_model().objects.get(username="admin")
    world_admin.email = "ops@example.cn"
    world_admin.save(update_fields=["email"])
    row, key = integration
    subscription = subscribe(row, receiver, ["petition.registered"])
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key)
        open311_post(client, key, phone="13700137000")
    subscription.refresh_from_db()
    assert subscription.is_active is False and subscription.consecutive_failures == 2
    assert "2" in subscription.disabled_reason
    assert IntegrationEvent.objects.filter(kind="subscription_disabled").count() == 1
    assert not OutboxMessage.objects.filter(channel="webhook", status="pending").exists()
    notice = OutboxMessage.objects.get(kind="webhook_disabled")  # the administrators are told
    assert notice.channel == "email" and notice.recipient == "ops@example.cn"
    assert receiver.url in notice.body
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key, phone="13600136000")
    assert len(receiver.received) == 2  # nothing more is sent to a disabled subscription
    with pytest.raises(InvalidInput):
        webhook_replay(OutboxMessage.objects.filter(channel="webhook").first().pk)  # type: ignore[union-attr]
    webhook_enable(subscription.pk)
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0


def test_a_receiver_that_refuses_connections_is_a_failed_attempt(
    client: Client, integration: Any, django_capture_on_commit_callbacks: Any
) -> None:
    row, key = integration
    webhook_subscribe(row.pk, "http://127.0.0.1:9/nowhere", ["petition.registered"])
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key)
    attempt = WebhookAttempt.objects.get()
    assert attempt.ok is False and attempt.status_code is None and attempt.error


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [("ftp://example.com/x", [], "url"), ("not a url", [], "url"), ("https://example.com", ["x"], "events")],
)
def test_subscribe_refuses_bad_input(integration: Any, url: str, events: list[str], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        webhook_subscribe(integration[0].pk, url, events)
    assert error.value.field == field
    assert not WebhookSubscription.objects.exists()


def test_workflow_events_reach_the_subscription(
    integration: Any,
    receiver: Receiver,
    register: Any,
    act: Any,
    organs: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Every step taken through the transition service, in order; a caseworker's draft is not an
    issued opinion, the organ head's signature is."""
    row, _key = integration
    subscribe(row, receiver, [])
    opinion = {
        "outcome": "support",
        "facts_and_reasons": "属实",
        "opinion": "予以支持",
        "legal_basis": "某条例第三条",
    }
    with django_capture_on_commit_callbacks(execute=True):
        petition = register()
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        act(petition, "accept", "caseworker")
        act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
        act(petition, "conclude", "caseworker", **opinion)
        act(petition, "sign_opinion", "organ_head")
    types = [json.loads(d["body"])["type"] for d in receiver.received]
    assert types == [
        "petition.registered",
        "petition.routed",
        "petition.accepted",
        "petition.opinion_issued",
    ]
    assert all(d["valid"] for d in receiver.received)
    last = json.loads(receiver.received[-1]["body"])["data"]
    assert last["service_request_id"] == petition.tracking_code and last["state"] == "concluded"


def test_breaches_marked_by_the_set_based_sweep_reach_the_subscription(
    integration: Any, receiver: Receiver, register: Any, act: Any, organs: Any
) -> None:
    """The sweep inserts its deadline_breached events in one statement (no save()): they are
    announced by workflow.signals.events_inserted and become ``petition.overdue`` messages."""
    from minsheng.workflow.models import Deadline
    from minsheng.workflow.sweeps import deadlines_sweep

    row, _key = integration
    petition = register()  # the bureau's 15 days (D-BUREAU-15) run from registration
    subscribe(row, receiver, ["petition.overdue"])
    due = (
        Deadline.objects.filter(petition=petition, status=Deadline.Status.OPEN)
        .order_by("statutory_due")
        .first()
    )
    assert due is not None
    later = timezone.make_aware(dt.datetime.combine(due.statutory_due + dt.timedelta(days=3), dt.time(10, 0)))
    deadlines_sweep(later)
    messages = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK, kind="petition.overdue")
    assert messages.count() >= 1
    assert {m.petition_id for m in messages} == {petition.pk}
    # a second sweep marks nothing new and sends nothing new
    before = messages.count()
    deadlines_sweep(later + dt.timedelta(minutes=1))
    assert (
        OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK, kind="petition.overdue").count()
        == before
    )


def test_a_payload_with_personal_data_is_kept_encrypted_and_delivered_whole(
    client: Any, integration: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An integration allowed personal data gets the petitioner's name, phone and e-mail; the
    outbox keeps that payload only in its encrypted column (ADR 0003), the plain body without them."""
    from django.db import connection

    from minsheng.integrations.models import Integration

    row, key = integration
    Integration.objects.filter(pk=row.pk).update(personal_data=True)
    subscribe(row, receiver, [])
    with django_capture_on_commit_callbacks(execute=True):
        open311_post(client, key, phone="13700137000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, secret_body FROM notifications_outboxmessage WHERE channel = 'webhook'")
        rows = cursor.fetchall()
    assert rows
    for body, secret in rows:
        assert "13700137000" not in body and "13700137000" not in secret and "（已加密保存）" in body
    # delivered whole, and signed over what was sent
    (sent,) = receiver.received
    assert json.loads(sent["body"])["data"]["petitioner"]["phone"] == "13700137000"
    assert receiver.valid(sent["headers"], sent["body"])
