"""Outbox: every message to a petitioner or an organ is written in the same transaction as the
state change that causes it, then sent by a task after commit; none is lost or sent twice."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from minsheng.core.crypto import EncryptedTextField


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "E-mail"
        IN_APP = "in_app", "In-app"
        WEBHOOK = "webhook", "Webhook"  # recipient: webhook:<subscription id>; body: the JSON payload

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    petition = models.ForeignKey(
        "petitions.Petition", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = EncryptedTextField(help_text="phone, e-mail address or organ:<code>/user:<id> (encrypted)")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # Messages carrying a secret (query password, one-time code) keep their text only here,
    # encrypted, until sent (then emptied); ``body`` holds a placeholder. Never a clear secret at rest.
    secret_body = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Not sent before this time (exponential backoff of webhook retries); null: at once.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["created_at"], name="outbox_pending", condition=Q(status="pending"))]
