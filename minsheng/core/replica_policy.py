"""Where a read goes when a streaming replica is configured: the pure decision (no Django).

The router (minsheng.core.replica) asks :func:`read_target` for every ORM read and
:func:`request_may_use_replica` once per request. The rules (docs/adr/0018-read-replica-router.md):

* writes always go to the primary, and so does every read inside a transaction on it and every
  read that follows a write in the same request;
* only requests marked replica-eligible (dashboards, analytics, exports, search; safe methods) and
  jobs that ask for it (``replica_reads()``) read from the replica;
* never for a client that wrote within the pin window (read-your-writes): the window is at least
  the lag bound plus the lag-probe interval, so once a pin expires, a replica whose measured lag is
  within the bound has replayed the client's write;
* never when the replica's measured lag exceeds the bound, or when it could not be measured;
* security data (sessions, users, tokens, lock-outs, keys) is always read from the primary, so a
  revoked token or a lock-out never lives on for the replica's lag.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

PRIMARY = "primary"
REPLICA = "replica"

#: App labels whose reads always go to the primary (authentication, sessions, lock-outs, 2FA).
PRIMARY_ONLY_APPS = frozenset(
    {"auth", "sessions", "axes", "otp_totp", "otp_static", "django_otp", "contenttypes"}
)
#: Models (app_label.model_name) always read from the primary: API tokens, posts (roles), integration keys.
PRIMARY_ONLY_MODELS = frozenset({"orgs.apitoken", "orgs.staffmembership", "integrations.integration"})


@dataclass(frozen=True)
class ReplicaConfig:
    """The knobs (settings ``MINSHENG_REPLICA_*``)."""

    max_lag_seconds: float = 5.0
    pin_seconds: float = 15.0
    lag_check_seconds: float = 1.0
    paths: tuple[str, ...] = ()
    search_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_lag_seconds < 0 or self.lag_check_seconds < 0:
            raise ValueError("the lag bound and the probe interval must be >= 0")
        if self.pin_seconds < self.max_lag_seconds + self.lag_check_seconds:
            raise ValueError(
                "the pin window must be at least the lag bound plus the lag-probe interval "
                f"({self.max_lag_seconds} + {self.lag_check_seconds} s), got {self.pin_seconds} s"
            )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def path_is_eligible(method: str, path: str, query_keys: Iterable[str], config: ReplicaConfig) -> bool:
    """A safe request for a dashboard, analytics page, export (a path prefix of ``paths``) or a search
    (a path of ``search_paths`` with a non-empty ``q`` parameter)."""
    if method.upper() not in SAFE_METHODS:
        return False
    if any(path.startswith(prefix) for prefix in config.paths):
        return True
    return path in config.search_paths and "q" in set(query_keys)


def is_pinned(pinned_until: Iterable[float | None], now: float) -> bool:
    """True while any of the client's pins (cookie, token, user) is still running."""
    return any(until is not None and until > now for until in pinned_until)


def lag_is_acceptable(lag_seconds: float | None, config: ReplicaConfig) -> bool:
    """A measured lag within the bound; an unknown lag (probe failed, nothing replayed) is not."""
    return lag_seconds is not None and math.isfinite(lag_seconds) and lag_seconds <= config.max_lag_seconds


def request_may_use_replica(
    *, eligible: bool, pinned: bool, lag_seconds: float | None, config: ReplicaConfig
) -> bool:
    """Whether this request's reads may go to the replica at all."""
    return eligible and not pinned and lag_is_acceptable(lag_seconds, config)


def read_target(
    *,
    replica_allowed: bool,
    wrote: bool,
    in_primary_transaction: bool,
    model_label: str,
    app_label: str,
) -> str:
    """PRIMARY or REPLICA for one read of a model (``model_label`` is ``app_label.model_name``)."""
    if not replica_allowed or wrote or in_primary_transaction:
        return PRIMARY
    if app_label in PRIMARY_ONLY_APPS or model_label.lower() in PRIMARY_ONLY_MODELS:
        return PRIMARY
    return REPLICA


def write_counts(*, model_label: str, app_label: str) -> bool:
    """Whether a write moves later reads to the primary and pins the client. Writes to the
    primary-only data (a token's last use, a session, a lock-out counter) do not: every read of
    those is on the primary anyway."""
    return app_label not in PRIMARY_ONLY_APPS and model_label.lower() not in PRIMARY_ONLY_MODELS


def pin_until(now: float, config: ReplicaConfig) -> float:
    """The moment until which a client that just wrote reads from the primary."""
    return now + config.pin_seconds
