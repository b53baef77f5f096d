"""Read replica routing (docs/adr/0018-read-replica-router.md): installed by the settings only when
``DATABASE_REPLICA_URL`` is set; without it there is one database, ``default``, and nothing here runs.

* :class:`ReplicaRouter` — the database router: writes and ordinary reads to ``default`` (the
  primary); reads to ``replica`` only inside a replica context (:func:`replica_reads`, or a request
  the middleware found eligible) and never after a write in the same context (pure rules:
  minsheng.core.replica_policy).
* :class:`ReplicaMiddleware` — per request: eligible (dashboards, analytics, exports, search),
  client not pinned (read-your-writes), replica lag within the bound → replica context. After a
  write (or any unsafe method) it pins the client to the primary for ``MINSHENG_REPLICA_PIN_SECONDS``:
  a signed cookie for browsers, and a timestamp per API token and per user in the shared cache
  (Redis), which every app server reads.
* :func:`replica_lag_seconds` — ``pg_last_xact_replay_timestamp()`` on the replica, probed at most
  once per ``MINSHENG_REPLICA_LAG_CHECK_SECONDS`` per process.

The response of an eligible request carries ``X-Minsheng-Read-From: replica|primary``.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

from minsheng.core import replica_policy as policy

logger = logging.getLogger(__name__)

REPLICA_ALIAS = "replica"
PIN_COOKIE = "minsheng_primary"
PIN_SALT = "minsheng.core.replica.pin"
READ_FROM_HEADER = "X-Minsheng-Read-From"


@dataclass
class _State:
    allowed: bool = False
    wrote: bool = False
    replica_reads: int = 0


_state: contextvars.ContextVar[_State | None] = contextvars.ContextVar("minsheng_replica_state", default=None)


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


def config() -> policy.ReplicaConfig:
    return policy.ReplicaConfig(
        max_lag_seconds=float(settings.MINSHENG_REPLICA_MAX_LAG_SECONDS),
        pin_seconds=float(settings.MINSHENG_REPLICA_PIN_SECONDS),
        lag_check_seconds=float(settings.MINSHENG_REPLICA_LAG_CHECK_SECONDS),
        paths=tuple(settings.MINSHENG_REPLICA_PATHS),
        search_paths=tuple(settings.MINSHENG_REPLICA_SEARCH_PATHS),
    )


# --- the router ----------------------------------------------------------------------------------


class ReplicaRouter:
    """Django database router: see the module docstring."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        state = _state.get()
        target = policy.read_target(
            replica_allowed=state is not None and state.allowed,
            wrote=state is not None and state.wrote,
            in_primary_transaction=connections[DEFAULT_DB_ALIAS].in_atomic_block,
            model_label=model._meta.label_lower,
            app_label=model._meta.app_label,
        )
        if target == policy.REPLICA:
            assert state is not None
            state.replica_reads += 1
            return REPLICA_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        state = _state.get()
        if state is not None and policy.write_counts(
            model_label=model._meta.label_lower, app_label=model._meta.app_label
        ):
            state.wrote = True  # later reads of this context follow the write to the primary
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        aliases = {DEFAULT_DB_ALIAS, REPLICA_ALIAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # one database, two copies of it
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica replays the primary's schema; never migrate it


@contextmanager
def replica_reads(allowed: bool | None = None) -> Iterator[_State]:
    """Reads in this block go to the replica (when configured, its lag within the bound, and until
    the block writes). For jobs that read a consistent past: analytics, exports, reports."""
    if allowed is None:
        allowed = replica_configured() and policy.lag_is_acceptable(replica_lag_seconds(), config())
    token = _state.set(_State(allowed=allowed))
    try:
        yield _state.get()  # type: ignore[misc]
    finally:
        _state.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads in this block go to the primary even inside a replica context."""
    token = _state.set(_State(allowed=False))
    try:
        yield
    finally:
        _state.reset(token)


# --- replica lag ---------------------------------------------------------------------------------

LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
         AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
    ELSE EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))
END
"""

_lag_lock = threading.Lock()
_lag_cache: dict[str, tuple[float, float | None]] = {}  # alias → (probed at, lag or None)


def measure_lag(alias: str = REPLICA_ALIAS) -> float | None:
    """Seconds the replica is behind (0 when it has replayed all it received from a live stream);
    None when it cannot be measured (connection refused, nothing replayed yet)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return 0.0  # tests and single-file set-ups: a "replica" that is the same database
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
    except Exception as exc:
        logger.warning("replica lag probe failed: %s", exc)
        with contextlib.suppress(Exception):
            connection.close()
        return None
    return None if row is None or row[0] is None else float(row[0])


def replica_lag_seconds(
    alias: str = REPLICA_ALIAS,
    *,
    clock: Callable[[], float] = time.monotonic,
    probe: Callable[[str], float | None] | None = None,
) -> float | None:
    """The replica's lag, probed at most once per ``MINSHENG_REPLICA_LAG_CHECK_SECONDS`` per process.

    The cached value is aged by the time since the probe (a lag can only grow while unobserved)."""
    now = clock()
    interval = float(settings.MINSHENG_REPLICA_LAG_CHECK_SECONDS)
    with _lag_lock:
        cached = _lag_cache.get(alias)
        if cached is not None and now - cached[0] < interval:
            return None if cached[1] is None else cached[1] + (now - cached[0])
    lag = (probe or measure_lag)(alias)
    with _lag_lock:
        _lag_cache[alias] = (now, lag)
    return lag


def forget_lag() -> None:
    with _lag_lock:
        _lag_cache.clear()


# --- read-your-writes pins -----------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def token_pin_key(token: str) -> str:
    return "minsheng:replica-pin:token:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def user_pin_key(user_id: Any) -> str:
    return f"minsheng:replica-pin:user:{user_id}"


def _as_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def pins_of(request: HttpRequest) -> list[float | None]:
    """The client's pin deadlines (wall-clock seconds): signed cookie, API token, signed-in user."""
    pins: list[float | None] = [_as_float(request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT))]
    keys = []
    token = _bearer(request)
    if token:
        keys.append(token_pin_key(token))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(user_pin_key(user.pk))
    if keys:
        try:
            found = cache.get_many(keys)
        except Exception as exc:
            logger.warning("replica pin lookup failed: %s", exc)
            return [float("inf")]
        pins.extend(_as_float(v) for v in found.values())
    return pins


def pin(request: HttpRequest, response: HttpResponse, cfg: policy.ReplicaConfig) -> None:
    """Pin the client that just wrote to the primary for the pin window."""
    until = policy.pin_until(time.time(), cfg)
    timeout = int(cfg.pin_seconds) + 1
    response.set_signed_cookie(
        PIN_COOKIE,
        f"{until:.3f}",
        salt=PIN_SALT,
        max_age=timeout,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    entries: dict[str, str] = {}
    token = _bearer(request)
    if token:
        entries[token_pin_key(token)] = f"{until:.3f}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        entries[user_pin_key(user.pk)] = f"{until:.3f}"
    if entries:
        try:
            cache.set_many(entries, timeout=timeout)
        except Exception as exc:
            logger.warning("replica pin could not be stored: %s", exc)


class ReplicaMiddleware:
    """Decides per request whether its reads may use the replica; pins clients that wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cfg = config()
        eligible = policy.path_is_eligible(request.method or "GET", request.path, request.GET.keys(), cfg)
        allowed = False
        if eligible:
            pinned = policy.is_pinned(pins_of(request), time.time())
            lag = None if pinned else replica_lag_seconds()
            allowed = policy.request_may_use_replica(
                eligible=True, pinned=pinned, lag_seconds=lag, config=cfg
            )
        state = _State(allowed=allowed)
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote or (request.method or "GET").upper() not in policy.SAFE_METHODS:
            pin(request, response, cfg)
        if eligible:
            response[READ_FROM_HEADER] = "replica" if state.replica_reads else "primary"
        return response
