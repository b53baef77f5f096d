"""Webhooks: an integration's subscriptions receive petition events, signed per Standard Webhooks.

Each event of a petition's timeline that a subscription wants becomes an outbox message
(``OutboxMessage`` with channel ``webhook``) in the same transaction as the event, sent after commit
by the outbox task and retried by the worker's sweep with exponential backoff
(``MINSHENG_WEBHOOK_BACKOFF_SECONDS`` × 2^(attempt−1), at most a day; ``MINSHENG_WEBHOOK_MAX_ATTEMPTS``
attempts). Every attempt is logged (``WebhookAttempt``); after ``MINSHENG_WEBHOOK_DISABLE_AFTER``
consecutive failures the subscription is disabled, its pending messages given up, and the
integration's audit trail notes it.

Signing (https://www.standardwebhooks.com/): ``webhook-id`` (stable across retries),
``webhook-timestamp`` (seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body" keyed with the secret's base64-decoded bytes>``.

Payloads carry no personal data unless the integration may receive it, and an accusation
(检举控告) never leaves the system by webhook.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.integrations.models import Integration, IntegrationEvent, WebhookAttempt, WebhookSubscription
from minsheng.notifications.models import OutboxMessage
from minsheng.notifications.services import queue_sending
from minsheng.petitions.models import Nature, Petition, State
from minsheng.workflow.models import PetitionEvent

logger = logging.getLogger(__name__)

Event = WebhookSubscription.Event
_ACTION_EVENTS: dict[str, str] = {
    "register": Event.REGISTERED,
    "forward": Event.ROUTED,
    "assign": Event.ROUTED,
    "route_political_legal": Event.ROUTED,
    "route_discipline": Event.ROUTED,
    "accept": Event.ACCEPTED,
    "conclude_review": Event.OPINION_ISSUED,
    "conclude_recheck": Event.OPINION_ISSUED,
    "deliver": Event.DELIVERED,
    "rate": Event.RATED,
    "request_review": Event.APPEALED,
    "request_recheck": Event.APPEALED,
    "deadline_breached": Event.OVERDUE,
    "supervise": Event.SUPERVISED,
}


class WebhookFailed(Exception):
    """The receiver did not acknowledge the message (non-2xx, timeout, refused, disabled)."""


def event_type(event: PetitionEvent) -> str | None:
    """The webhook event of a timeline event, or None for events no subscription can want."""
    if event.to_state == State.CONCLUDED and event.from_state != State.CONCLUDED:
        return str(Event.OPINION_ISSUED)  # the opinion is issued (signed), not a draft submitted
    found = _ACTION_EVENTS.get(event.action)
    return str(found) if found else None


# ---- subscriptions ---------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _check_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise InvalidInput(_("没有这个事件：%(e)s") % {"e": unknown[0]}, field="events")
    return chosen


def webhook_subscribe(
    integration_id: int, url: str, events: Iterable[str] = (), *, actor: AbstractBaseUser | None = None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (also readable later by the admin)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    url = (url or "").strip()
    if len(url) > WebhookSubscription._meta.get_field("url").max_length:  # type: ignore[operator]
        raise InvalidInput(_("接收地址过长（最多500个字符）。"), field="url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise InvalidInput(_("接收地址须为 http(s) 网址。"), field="url") from None
    if settings.PRODUCTION and not url.startswith("https://"):
        raise InvalidInput(_("生产环境的接收地址须使用 https。"), field="url")
    chosen = _check_events(events)
    integration = Integration.objects.filter(pk=integration_id, revoked_at__isnull=True).first()
    if integration is None:
        raise NotFound(_("没有这个接口。"), field="integration")
    secret = new_secret()
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            integration=integration, url=url, secret=secret, events=chosen
        )
        IntegrationEvent.objects.create(
            integration=integration,
            kind=IntegrationEvent.Kind.SUBSCRIPTION_CREATED,
            actor_id=actor.pk if actor is not None else None,
            detail={"subscription": subscription.pk, "url": url, "events": chosen},
        )
    return subscription, secret


def webhook_enable(subscription_id: int, *, actor: AbstractBaseUser | None = None) -> WebhookSubscription:
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().filter(pk=subscription_id).first()
        if subscription is None:
            raise NotFound(_("没有这个订阅。"))
        if not subscription.is_active:
            subscription.is_active = True
            subscription.consecutive_failures = 0
            subscription.disabled_at = None
            subscription.disabled_reason = ""
            subscription.save(
                update_fields=["is_active", "consecutive_failures", "disabled_at", "disabled_reason"]
            )
            IntegrationEvent.objects.create(
                integration_id=subscription.integration_id,
                kind=IntegrationEvent.Kind.SUBSCRIPTION_ENABLED,
                actor_id=actor.pk if actor is not None else None,
                detail={"subscription": subscription.pk},
            )
    return subscription


def webhook_disable(
    subscription_id: int, reason: str, *, actor: AbstractBaseUser | None = None
) -> WebhookSubscription:
    """Disable a subscription and give up its pending messages (audited)."""
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update()
            .select_related("integration")
            .filter(pk=subscription_id)
            .first()
        )
        if subscription is None:
            raise NotFound(_("没有这个订阅。"))
        if subscription.is_active:
            subscription.is_active = False
            subscription.disabled_at = timezone.now()
            subscription.disabled_reason = reason[:200]
            subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
            OutboxMessage.objects.filter(
                channel=OutboxMessage.Channel.WEBHOOK,
                subject=_address(subscription.pk),
                status=OutboxMessage.Status.PENDING,
            ).update(status=OutboxMessage.Status.FAILED, last_error="subscription disabled")
            IntegrationEvent.objects.create(
                integration_id=subscription.integration_id,
                kind=IntegrationEvent.Kind.SUBSCRIPTION_DISABLED,
                actor_id=actor.pk if actor is not None else None,
                detail={"subscription": subscription.pk, "reason": reason[:200]},
            )
            logger.warning("webhook subscription %s disabled: %s", subscription.pk, reason)
            if actor is None:
                _notify_administrators(subscription, reason)
    return subscription


def _notify_administrators(subscription: WebhookSubscription, reason: str) -> None:
    """The notice of an automatic disabling: an e-mail (through the outbox) to every active
    superuser with an address and to ``settings.ADMINS``."""
    from django.contrib.auth import get_user_model

    from minsheng.notifications.services import outbox_send_direct

    users = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    emails = {str(e) for e in users.values_list("email", flat=True)}
    emails |= {str(entry[1]) for entry in getattr(settings, "ADMINS", []) if len(entry) > 1}
    text = _(
        "网络钩子订阅已停用：%(integration)s → %(url)s。%(reason)s 修复接收方后请在管理后台启用并重发。"
    ) % {
        "integration": subscription.integration.name,
        "url": subscription.url,
        "reason": reason,
    }
    for email in sorted(emails):
        outbox_send_direct("email", email, "webhook_disabled", text, subject=_("民声 · 网络钩子已停用"))


def webhook_replay(message_id: int, *, actor: AbstractBaseUser | None = None) -> OutboxMessage:
    """Send a webhook message again (same id and body), from the admin's delivery log."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=message_id, channel=OutboxMessage.Channel.WEBHOOK)
            .first()
        )
        if message is None:
            raise NotFound(_("没有这条消息。"))
        subscription = _subscription_of(message)
        if subscription is None or not subscription.is_active:
            raise InvalidInput(_("订阅已停用，请先启用。"), field="subscription")
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=None, last_error=""
        )
        IntegrationEvent.objects.create(
            integration_id=subscription.integration_id,
            kind=IntegrationEvent.Kind.DELIVERY_REPLAYED,
            actor_id=actor.pk if actor is not None else None,
            detail={"message": message.pk, "event": message.kind},
        )
        queue_sending([message.pk])
    message.refresh_from_db()
    return message


# ---- enqueueing ------------------------------------------------------------------------------


def _address(subscription_id: int) -> str:
    return f"webhook:{subscription_id}"


def _subscription_of(message: OutboxMessage) -> WebhookSubscription | None:
    prefix, _sep, value = message.subject.partition(":")
    if prefix != "webhook" or not value.isdigit():
        return None
    return WebhookSubscription.objects.select_related("integration").filter(pk=int(value)).first()


def webhook_payload(
    event: PetitionEvent, kind: str, petition: Petition, *, personal_data: bool
) -> dict[str, Any]:
    from minsheng.integrations.open311 import CLOSED_STATES, service_code

    data: dict[str, Any] = {
        "service_request_id": petition.tracking_code,
        "action": event.action,
        "state": petition.state if event.to_state == "" else event.to_state,
        "status": "closed" if (event.to_state or petition.state) in CLOSED_STATES else "open",
        "status_notes": str(State(event.to_state or petition.state).label),
        "service_code": service_code(petition.category) if petition.category else None,
        "agency_responsible": petition.current_organ.name if petition.current_organ_id else None,
        "occurred_at": timezone.localtime(event.occurred_at).isoformat(timespec="seconds"),
    }
    if kind == Event.OVERDUE:
        data["deadline_rule"] = event.data.get("rule")
    if personal_data and petition.petitioner is not None:
        data["petitioner"] = {
            "name": petition.petitioner.name,
            "phone": petition.petitioner.phone,
            "email": petition.petitioner.email,
        }
    return {
        "type": kind,
        "timestamp": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "data": data,
    }


def webhook_enqueue(event: PetitionEvent) -> list[int]:
    """Outbox messages for the subscriptions wanting this event (in the caller's transaction)."""
    from minsheng.notifications.services import notifications_are_suppressed

    kind = event_type(event)
    if kind is None or notifications_are_suppressed():
        return []
    subscriptions = [
        s
        for s in WebhookSubscription.objects.filter(is_active=True, integration__revoked_at__isnull=True)
        .select_related("integration")
        .order_by("pk")
        if s.wants(kind)
    ]
    if not subscriptions:
        return []
    petition = (
        Petition.objects.select_related("petitioner", "category", "current_organ")
        .filter(pk=event.petition_id)
        .first()
    )
    if petition is None or petition.nature == Nature.ACCUSATION or petition.is_historical:
        return []
    ids = []
    for subscription in subscriptions:
        payload = webhook_payload(event, kind, petition, personal_data=subscription.integration.personal_data)
        body, secret = _bodies(payload)
        message = OutboxMessage.objects.create(
            petition=petition,
            channel=OutboxMessage.Channel.WEBHOOK,
            recipient=_address(subscription.pk),
            subject=_address(subscription.pk),
            kind=kind,
            body=body,
            secret_body=secret,
        )
        ids.append(message.pk)
    queue_sending(ids)
    return ids


def _bodies(payload: dict[str, Any]) -> tuple[str, str]:
    """(body, secret_body) of a webhook message. A payload carrying the petitioner's name, phone
    and e-mail (an integration allowed personal data) is kept only in the encrypted column, the
    plain one shows it without them: personal data is encrypted at rest (ADR 0003)."""
    full = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    data = payload.get("data") or {}
    if "petitioner" not in data:
        return full, ""
    shown = {**payload, "data": {**data, "petitioner": "（已加密保存）"}}
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":")), full


def webhooks_for_inserted_events(action: str, after_pk: int) -> int:
    """Outbox messages for events written in bulk (the sweep): nothing to do, and one cheap query,
    unless an active subscription wants their kind."""
    kind = _ACTION_EVENTS.get(action)
    if kind is None:
        return 0
    active = WebhookSubscription.objects.filter(is_active=True, integration__revoked_at__isnull=True)
    if not any(s.wants(str(kind)) for s in active):
        return 0
    count = 0
    inserted = PetitionEvent.objects.filter(pk__gt=after_pk, action=action).order_by("pk")
    for event in inserted.iterator():
        count += len(webhook_enqueue(event))
    return count


# ---- sending ---------------------------------------------------------------------------------


def message_id(message: OutboxMessage) -> str:
    return f"msg_{message.pk}"


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: str, *, tolerance: int = 300) -> bool:
    """Receiver side (docs and tests): the signature and a timestamp within ``tolerance`` seconds."""
    try:
        timestamp = int(headers["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, headers.get("webhook-id", ""), timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in headers.get("webhook-signature", "").split())


def webhook_backoff(attempt: int) -> dt.timedelta:
    """Delay before the next attempt after the ``attempt``-th failed one."""
    base = int(getattr(settings, "MINSHENG_WEBHOOK_BACKOFF_SECONDS", 30))
    return dt.timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), 86400))


def webhook_deliver(message: OutboxMessage, *, attempt: int) -> None:
    """POST one message (called by the outbox); raises WebhookFailed unless the receiver said 2xx."""
    subscription = _subscription_of(message)
    if subscription is None or not subscription.is_active or not subscription.integration.is_active:
        raise WebhookFailed("subscription disabled")
    timestamp = int(time.time())
    msg_id = message_id(message)
    body = message.secret_body or message.body  # the full payload when it carries personal data
    request = urllib.request.Request(
        subscription.url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "minsheng-webhooks/1",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(subscription.secret, msg_id, timestamp, body),
        },
    )
    started = time.monotonic()
    status: int | None = None
    failure = ""
    try:
        with urllib.request.urlopen(  # the admin-configured http(s) URL
            request, timeout=settings.MINSHENG_WEBHOOK_TIMEOUT_SECONDS
        ) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        failure = f"HTTP {exc.code}"
    except Exception as exc:  # refused, timeout, DNS, TLS: a failed attempt, never a crash
        failure = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    if not ok and not failure:
        failure = f"HTTP {status}"
    WebhookAttempt.objects.create(
        subscription=subscription,
        message=message,
        event=message.kind,
        attempt=attempt,
        ok=ok,
        status_code=status,
        error=failure[:500],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if ok:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
        return
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=subscription.consecutive_failures + 1
    )
    if subscription.consecutive_failures + 1 >= settings.MINSHENG_WEBHOOK_DISABLE_AFTER:
        webhook_disable(
            subscription.pk,
            _("连续%(n)d次投递失败，已自动停用。") % {"n": subscription.consecutive_failures + 1},
        )
    raise WebhookFailed(failure)
