"""API bearer tokens: issue, authenticate, revoke.

A token is bound, when issued, to an HMAC of the user's password hash and the posts
(organ, role) the user holds. It is refused — and revoked, with an audit row — as soon as that
binding no longer matches, whatever changed it (a password form, ``set_password`` in a shell, a
queryset update, an admin editing a post). Signals (minsheng.orgs.signals) also revoke a user's
tokens at once when the password changes, a post ends or the account is deactivated, so the
audit trail names the cause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from minsheng.orgs.models import ApiToken, SecurityEvent, StaffMembership

log = logging.getLogger("minsheng.security")

_SALT = "minsheng.orgs.tokens.binding"


class Reason:
    PASSWORD_CHANGED = "password_changed"
    POST_ENDED = "post_ended"
    POST_CHANGED = "post_changed"
    USER_DEACTIVATED = "user_deactivated"
    BINDING_MISMATCH = "binding_mismatch"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def binding_fingerprint(user: AbstractBaseUser) -> str:
    """HMAC of the password hash and the (organ, role) posts the user holds now."""
    posts = sorted(
        f"{organ_id}:{role}"
        for organ_id, role in StaffMembership.objects.filter(user_id=user.pk).values_list("organ_id", "role")
    )
    value = f"{user.pk}|{user.password}|{','.join(posts)}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()


def issue_token(user: AbstractBaseUser) -> tuple[str, ApiToken]:
    """A new random token (returned once, only its hash is stored) bound to the user's state."""
    token = secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(hours=settings.MINSHENG_API_TOKEN_TTL_HOURS)
    row = ApiToken.objects.create(
        user_id=user.pk, key_hash=hash_token(token), expires_at=expires, fingerprint=binding_fingerprint(user)
    )
    return token, row


def authenticate_token(token: str) -> AbstractBaseUser | None:
    """The user of a live token, or None (unknown, expired, revoked, inactive user, binding changed)."""
    row = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token)).first()
    now = timezone.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = row.user
    if not user.is_active:
        revoke_tokens(user, Reason.USER_DEACTIVATED)
        return None
    if not row.fingerprint or not constant_time_compare(row.fingerprint, binding_fingerprint(user)):
        revoke_tokens(user, Reason.BINDING_MISMATCH, only=[row.pk])
        return None
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return user


def revoke_tokens(
    user: AbstractBaseUser | Any,
    reason: str,
    *,
    actor: AbstractBaseUser | None = None,
    only: list[int] | None = None,
) -> int:
    """Revoke the user's live tokens; one audit row (SecurityEvent) when any was live."""
    qs = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True, expires_at__gt=timezone.now())
    if only is not None:
        qs = qs.filter(pk__in=only)
    ids = list(qs.values_list("pk", flat=True))
    if not ids:
        return 0
    count = ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now(), revoked_reason=reason)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.TOKEN_REVOKED,
        user_id=user.pk,
        actor_id=actor_id,
        detail={"reason": reason, "tokens": ids},
    )
    log.info("api tokens revoked: user=%s reason=%s count=%s", user.pk, reason, count)
    return count
