"""Integration API keys: create (shown once), authenticate, revoke. Every change is audited."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.integrations.models import Integration, IntegrationEvent

KEY_PREFIX = "msk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def integration_create(
    name: str, *, actor: AbstractBaseUser | None = None, personal_data: bool = False
) -> tuple[Integration, str]:
    """A new integration and its key (returned once; only the hash is kept)."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("请填写接口名称。"), field="name")
    if len(name) > 100:
        raise InvalidInput(_("接口名称最多100字。"), field="name")
    if Integration.objects.filter(name=name).exists():
        raise InvalidInput(_("已有同名接口。"), field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        integration = Integration.objects.create(
            name=name,
            key_prefix=key[:10],
            key_hash=hash_key(key),
            personal_data=personal_data,
            created_by_id=actor.pk if actor is not None else None,
        )
        IntegrationEvent.objects.create(
            integration=integration,
            kind=IntegrationEvent.Kind.KEY_CREATED,
            actor_id=actor.pk if actor is not None else None,
            detail={"key_prefix": integration.key_prefix},
        )
    return integration, key


def integration_authenticate(key: str) -> Integration | None:
    """The active integration holding this key, or None (unknown and revoked look the same)."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return None
    integration = Integration.objects.filter(key_hash=hash_key(key), revoked_at__isnull=True).first()
    if integration is not None:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=timezone.now())
    return integration


def integration_revoke(integration_id: int, *, actor: AbstractBaseUser | None = None) -> Integration:
    """Revoke the key at once; idempotent (a second revocation changes and logs nothing)."""
    with transaction.atomic():
        integration = Integration.objects.select_for_update().filter(pk=integration_id).first()
        if integration is None:
            raise NotFound(_("没有这个接口。"))
        if integration.revoked_at is None:
            integration.revoked_at = timezone.now()
            integration.revoked_by_id = actor.pk if actor is not None else None
            integration.save(update_fields=["revoked_at", "revoked_by"])
            IntegrationEvent.objects.create(
                integration=integration,
                kind=IntegrationEvent.Kind.KEY_REVOKED,
                actor_id=actor.pk if actor is not None else None,
            )
    return integration
