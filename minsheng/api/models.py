"""Storage of the HTTP interface: idempotency keys of POST /api/v1 (docs/api.md)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the first answer given to it.

    Unique per principal (``user:<id>``, ``integration:<id>``) and key: the unique constraint makes
    two concurrent requests with the same key serialise (the second waits for the first to commit,
    then replays its answer). The stored body is encrypted (it can hold a petitioner's data and the
    one-time query password)."""

    principal = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True, help_text="the answer, Fernet-encrypted")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="api_idempotency_principal_key")
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
