"""Rate limits shared by every interface (portal, citizen API, Open311, staff 预检): fixed-window
counters in the shared cache (Redis in production), so the limits hold across server processes.

The limits and their defaults are here; ``MINSHENG_PORTAL_LIMITS`` overrides any of them. The
cache keys keep their historical ``portal:throttle:`` prefix (counters survive an upgrade).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

# name -> (max events, window in seconds)
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "otp_ip": (20, 3600),  # code requests per IP per hour
    "otp_phone": (5, 3600),  # code requests per phone per hour
    "otp_phone_gap": (1, 50),  # at most one code per phone every ~minute
    "submit_ip": (10, 3600),  # petitions per IP per hour
    "submit_phone": (5, 86400),  # petitions per phone per day
    "track_fail_ip": (10, 900),  # failed code+password checks per IP per 15 minutes
    "track_fail_code": (5, 900),  # failed checks per tracking code per 15 minutes
    "track_fail_code_day": (20, 86400),  # ... and per day (6-digit passwords: bound the guesses)
    # failed cancellations per appointment code (code + a guessed phone), per 15 minutes and per day,
    # whatever the address: someone who saw a code cannot try phones from many addresses
    "appointment_fail_code": (5, 900),
    "appointment_fail_code_day": (10, 86400),
    "otp_fail_phone_day": (15, 86400),  # wrong one-time codes per phone per day, whatever the code
    "otp_fail_ip": (20, 900),  # failed one-time-code checks per IP per 15 minutes, any phone
    "login_fail_ip": (10, 900),
    "login_fail_phone": (5, 900),
    "appeal_ip": (20, 3600),
    "open311_key": (600, 3600),  # petitions per Open311 integration key per hour
    "query_reset_phone": (5, 86400),  # query-password resets (each an SMS) per signed-in phone per day
    # staff 预检 of a draft with a phone or ID number typed, per user per hour: a busy desk stays far
    # below it, a script testing guessed phones against a petitioner does not
    "draft_identity_user": (120, 3600),
}


def limit_for(name: str) -> tuple[int, int]:
    overrides: dict[str, tuple[int, int]] = getattr(settings, "MINSHENG_PORTAL_LIMITS", {}) or {}
    return overrides.get(name, DEFAULT_LIMITS[name])


def client_ip(request: HttpRequest) -> str:
    """The client's address for throttling.

    REMOTE_ADDR, unless MINSHENG_TRUSTED_PROXIES = N > 0: then the N-th address from the right of
    X-Forwarded-For (the one our own N proxies saw), so clients cannot forge it by adding entries.
    """
    proxies = int(getattr(settings, "MINSHENG_TRUSTED_PROXIES", 0) or 0)
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    if proxies <= 0:
        return remote
    chain = [
        part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()
    ]
    if len(chain) < proxies:
        return remote
    return chain[-proxies]


def _key(name: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]
    return f"portal:throttle:{name}:{digest}"


def throttle_blocked(name: str, subject: str) -> bool:
    """Whether ``subject`` has used up its allowance of ``name`` events in the current window."""
    allowed, _window = limit_for(name)
    count = cache.get(_key(name, subject), 0)
    return int(count) >= allowed


def throttle_hit(name: str, subject: str) -> int:
    """Count one event; the window starts at the first event (fixed window)."""
    _allowed, window = limit_for(name)
    key = _key(name, subject)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def throttle_reset(name: str, subject: str) -> None:
    cache.delete(_key(name, subject))


@dataclass
class Reservation:
    """Events already counted by :func:`throttle_take`; ``refund`` gives them back (a success
    that should not count as a failure)."""

    taken: list[tuple[str, str]]

    def refund(self) -> None:
        for name, subject in self.taken:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
                cache.decr(_key(name, subject))


def throttle_take(*limits: tuple[str, str]) -> Reservation | None:
    """Count one event for each (limit name, subject) *before* the guarded work, atomically
    (``cache.add`` / ``cache.incr``: one Redis INCR each), and answer None — with the counts given
    back — when any allowance is used up. Checking first and counting afterwards would let
    concurrent requests on several server processes all pass the check before any of them counts;
    counting first bounds the guesses exactly, whatever the concurrency."""
    taken: list[tuple[str, str]] = []
    for name, subject in limits:
        allowed, _window = limit_for(name)
        count = throttle_hit(name, subject)
        taken.append((name, subject))
        if count > allowed:
            Reservation(taken).refund()
            return None
    return Reservation(taken)
