"""Abuse protection for the public portal: cache-based throttles, one-time codes, upload checks.

No CAPTCHAs: every public write is limited per client IP and, where a phone number is involved,
per phone (keyed by the blind index, never the plain number). The limits can be overridden in
settings (``MINSHENG_PORTAL_LIMITS``), e.g. ``{"otp_phone": (5, 3600)}``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.phones import normalise_phone, phone_key, valid_mobile  # noqa: F401  (re-exported)
from minsheng.core.throttle import (  # noqa: F401  (re-exported: the portal's historical names)
    DEFAULT_LIMITS,
    Reservation,
    client_ip,
    limit_for,
    throttle_blocked,
    throttle_hit,
    throttle_reset,
    throttle_take,
)

OTP_TTL_SECONDS = 600
OTP_MAX_ATTEMPTS = 5

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


# ---- one-time codes ---------------------------------------------------------------------------


def _otp_digest(phone: str, code: str) -> str:
    key = hashlib.sha256(("portal-otp:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{normalise_phone(phone)}:{code}".encode(), hashlib.sha256).hexdigest()


def _otp_cache_key(phone: str, purpose: str) -> str:
    return f"portal:otp:{purpose}:{phone_key(phone)}"


def otp_issue(phone: str, purpose: str) -> str:
    """A fresh 6-digit code for ``phone``; only its keyed hash is kept (in the cache, with expiry)."""
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        _otp_cache_key(phone, purpose),
        {"digest": _otp_digest(phone, code), "attempts": 0, "issued": time.time()},
        timeout=OTP_TTL_SECONDS,
    )
    return code


@dataclass(frozen=True)
class OtpResult:
    ok: bool
    # "", "missing" (none or expired), "wrong", "locked" (too many wrong tries for that phone),
    # "throttled" (too many failed checks from this address). Only "throttled" may be told apart
    # by the caller (it depends on the caller alone): the others depend on the phone's state —
    # whether its holder asked for a code just now — and are answered alike (``otp_error``).
    reason: str = ""


def otp_check(phone: str, purpose: str, code: str, *, ip: str) -> OtpResult:
    """Check a code; it is single-use, and locked after OTP_MAX_ATTEMPTS wrong tries. Wrong tries
    also count per phone per day, so that requesting fresh codes does not buy more guesses, and
    every failed check counts against the address (``otp_fail_ip``, before the lookup), so that
    polling phones for a live code is bounded too."""
    reservation = throttle_take(("otp_fail_ip", ip))
    if reservation is None:
        return OtpResult(False, "throttled")
    result = _otp_verify(phone, purpose, code)
    if result.ok:
        reservation.refund()
    return result


def _otp_verify(phone: str, purpose: str, code: str) -> OtpResult:
    key = _otp_cache_key(phone, purpose)
    entry: dict[str, Any] | None = cache.get(key)
    if not entry:
        return OtpResult(False, "missing")
    # Each try is counted atomically before the comparison (shared by every server process).
    attempts_key = f"{key}:attempts:{entry['digest'][:16]}"
    remaining = max(1, OTP_TTL_SECONDS - int(time.time() - entry["issued"]))
    cache.add(attempts_key, 0, timeout=remaining)
    try:
        attempt = int(cache.incr(attempts_key))
    except ValueError:  # expired between add and incr
        return OtpResult(False, "missing")
    if attempt > OTP_MAX_ATTEMPTS:
        return OtpResult(False, "locked")
    daily = throttle_take(("otp_fail_phone_day", phone_key(phone)))
    if daily is None:
        return OtpResult(False, "locked")
    if hmac.compare_digest(entry["digest"], _otp_digest(phone, code.strip())) and cache.delete(key):
        daily.refund()  # only wrong codes count per day; ``delete`` makes the code single-use
        return OtpResult(True)
    return OtpResult(False, "locked" if attempt >= OTP_MAX_ATTEMPTS else "wrong")


# ---- uploads ----------------------------------------------------------------------------------

MAGIC: list[tuple[bytes, str, str]] = [
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
]


def sniff_content_type(head: bytes) -> str | None:
    """The content type by magic bytes (JPEG, PNG, PDF), or None: the name and the browser's
    claimed type are never trusted."""
    for magic, content_type, _ext in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def extension_for(content_type: str) -> str:
    for _magic, ctype, ext in MAGIC:
        if ctype == content_type:
            return ext
    return ".bin"


# Phones this browser session proved with an SMS code (keyed, at most five): one proof serves the
# online submission and the reception booking alike, until the session ends.
VERIFIED_PHONES = "portal_verified_phones"


def phone_verified(request: HttpRequest, phone: str) -> bool:
    return phone_key(phone) in request.session.get(VERIFIED_PHONES, [])


def mark_phone_verified(request: HttpRequest, phone: str) -> None:
    keys = [k for k in request.session.get(VERIFIED_PHONES, []) if k != phone_key(phone)]
    request.session[VERIFIED_PHONES] = [*keys[-4:], phone_key(phone)]


# One answer for a wrong password, a phone without an account or password, and a phone whose
# password sign-in is paused after failures (by anyone): it must not tell them apart.
LOGIN_FAILED = gettext_lazy(
    "手机号码或密码不正确。多次输错后密码登录将暂停15分钟。还没有设置密码，或暂时无法用密码登录？请使用短信验证码登录。"
)


def citizen_password_sign_in(phone: str, password: str, *, ip: str) -> User:
    """The citizen account of ``phone`` when ``password`` is its password; InvalidInput otherwise.

    The address's own limit (``login_fail_ip``) may be told: it depends on the caller alone. The
    phone's limit (``login_fail_phone``: 5 failures in 15 minutes, whoever failed) is not: over it,
    the answer is :data:`LOGIN_FAILED`, as for a wrong password — even for the right one — and as
    for a phone with no account, so that nobody learns that others have been failing with this
    phone (ADR 0020). The password is hashed in every case (equal work)."""
    from django.contrib.auth import get_user_model

    from minsheng.core.errors import InvalidInput
    from minsheng.petitions.citizen_access import citizen_account

    ip_attempt = throttle_take(("login_fail_ip", ip))
    if ip_attempt is None:
        raise InvalidInput(
            str(_("登录失败次数过多，请15分钟后再试，或使用短信验证码登录。")), code="throttled"
        )
    phone_attempt = throttle_take(("login_fail_phone", phone_key(phone)))
    user = citizen_account(phone, create=False)
    if user is None or not user.has_usable_password():
        # Hash anyway, as Django's ModelBackend does: the time taken must not tell whether the
        # phone has an account with a password.
        get_user_model()().set_password(password)
        user = None
    matches = user is not None and user.is_active and user.check_password(password)
    if user is None or not matches or phone_attempt is None:
        raise InvalidInput(str(LOGIN_FAILED), code="sign_in_failed")
    ip_attempt.refund()
    phone_attempt.refund()
    return user
