"""``Idempotency-Key`` for every POST of /api/v1 (docs/api.md "Retries").

A client that sends ``Idempotency-Key: <1–200 visible ASCII characters>`` with a POST may send the
same request again (a timeout, a lost answer): the first answer (status, body, ETag/Location) is
returned again with ``Idempotent-Replayed: true`` and nothing is done a second time. The same key with
a different request (other path or body) is refused with 422 ``idempotency_key_reused``. Keys are
kept per principal (a staff user, an integration) for ``MINSHENG_IDEMPOTENCY_TTL_HOURS``.

The citizen endpoints that change something (submit, rate, appeal, SMS code) have no principal of
their own: their keys share one namespace (``ANONYMOUS``), so they must be long enough not to meet
another client's by chance (``ANONYMOUS_MIN_KEY_LENGTH``, a UUID is 36), and their fingerprint is
keyed with the server's secret (the body holds a query password or an SMS code: a bare SHA-256 of it
would let whoever reads the table try passwords offline).

Race safety: the key row is inserted in the same transaction as the work it guards. A second request
with the same key blocks on the unique index until the first commits (PostgreSQL), then finds the
answer and replays it; if the first failed (rolled back), the second does the work. Server errors
(5xx) and 429 (too many requests: nothing was done, and it says "try later") are not kept: the work
is rolled back with the key, and a retry may succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.api.models import IdempotencyKey
from minsheng.core.crypto import decrypt_bytes, encrypt_bytes

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Content-Type", "ETag", "Location", "Content-Disposition", "Cache-Control")
MAX_KEY_LENGTH = 200
ANONYMOUS = "anonymous"
ANONYMOUS_MIN_KEY_LENGTH = 16


def _error(code: str, message: str, status: int) -> HttpResponse:
    body = {"code": code, "message": message, "field": HEADER}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def request_fingerprint(request: HttpRequest) -> str:
    """What makes two requests "the same": method, path with query, and the body — a JSON body by
    its value (key order and spacing do not matter), a multipart body by its fields and the
    SHA-256 of each file (the boundary does)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.get_full_path()}\n".encode())
    content_type = (request.content_type or "").lower()
    if content_type.startswith("multipart/"):
        fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k))
        files = sorted(
            (name, f.name or "", hashlib.sha256(b"".join(f.chunks())).hexdigest())
            for name in request.FILES
            for f in request.FILES.getlist(name)
        )
        digest.update(json.dumps([fields, files], ensure_ascii=False).encode())
        return digest.hexdigest()
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest.update(b"json:" + canonical.encode())
    except (ValueError, UnicodeDecodeError):
        digest.update(b"raw:" + body)
    return digest.hexdigest()


def keyed_fingerprint(fingerprint: str) -> str:
    """The fingerprint keyed with a secret derived from SECRET_KEY (not computable from the table)."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("minsheng.api.idempotency.fingerprint", fingerprint, algorithm="sha256").hexdigest()


def _replay(record: IdempotencyKey) -> HttpResponse:
    headers = dict(record.headers or {})
    response = HttpResponse(
        decrypt_bytes(bytes(record.body)) if record.body else b"",
        status=record.status_code or 200,
        content_type=headers.pop("Content-Type", "application/json; charset=utf-8"),
    )
    for name, value in headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent_call(
    principal: str,
    key: str,
    fingerprint: str,
    produce: Callable[[], HttpResponseBase],
    *,
    method: str = "POST",
    path: str = "",
) -> HttpResponseBase:
    """The answer of ``produce()`` for the first request with (principal, key); the stored answer
    for a repeat; 422 for the key reused on another request."""
    now = timezone.now()
    expires = now + dt.timedelta(hours=settings.MINSHENG_IDEMPOTENCY_TTL_HOURS)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    principal=principal,
                    key=key,
                    fingerprint=fingerprint,
                    method=method,
                    path=path[:500],
                    created_at=now,
                    expires_at=expires,
                )
        except IntegrityError:
            # Another request holds (or held) this key: wait for it, then look at its answer.
            record = IdempotencyKey.objects.select_for_update().get(principal=principal, key=key)
            if record.expires_at <= now:
                record.fingerprint, record.method, record.path = fingerprint, method, path[:500]
                record.status_code, record.headers, record.body = None, {}, b""
                record.created_at, record.expires_at = now, expires
                record.save()
            elif record.fingerprint != fingerprint:
                return _error(
                    "idempotency_key_reused",
                    _("此 Idempotency-Key 已用于另一个请求（路径或内容不同）；请为新的请求使用新的键。"),
                    422,
                )
            elif record.status_code is None:  # pragma: no cover - not visible before commit
                return _error("idempotency_key_in_use", _("使用此键的请求仍在处理中，请稍后重试。"), 409)
            else:
                return _replay(record)
        response = produce()
        if response.status_code >= 500 or response.status_code == 429 or response.streaming:
            transaction.set_rollback(True)
            return response
        assert isinstance(response, HttpResponse)
        record.status_code = response.status_code
        record.headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        record.body = encrypt_bytes(response.content)
        record.save(update_fields=["status_code", "headers", "body"])
    return response


def idempotency_purge(now: dt.datetime | None = None) -> int:
    """Delete expired keys (the worker's periodic step; an expired key is already ignored by
    ``idempotent`` on the write path); returns how many."""
    deleted, _rows = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def idempotent_view(
    principal_of: Callable[[HttpRequest, Any], str | None],
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """A ninja "view" decorator (wraps ``Operation.run``): POSTs with the header go through
    ``idempotent_call``; everything else runs as before. ``principal_of(request, operation)``
    authenticates the request the way the operation would (None: not authenticated, or an
    operation that is not keyed, e.g. the token request)."""

    def decorate(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        operation = operation_of(run)

        @wraps(run)
        def wrapper(request: HttpRequest, **kw: Any) -> HttpResponseBase:
            key = request.headers.get(HEADER)
            if request.method != "POST" or key is None:
                return run(request, **kw)
            key = key.strip()
            if not valid_key(key):
                return _error("invalid", _("Idempotency-Key 应为1至200个可见ASCII字符。"), 422)
            principal = principal_of(request, operation)
            if principal is None:
                return run(request, **kw)
            fingerprint = request_fingerprint(request)
            if principal == ANONYMOUS:
                if len(key) < ANONYMOUS_MIN_KEY_LENGTH:
                    return _error(
                        "invalid",
                        _("无需登录的接口的 Idempotency-Key 至少应有%(n)d个字符（建议使用UUID）。")
                        % {"n": ANONYMOUS_MIN_KEY_LENGTH},
                        422,
                    )
                fingerprint = keyed_fingerprint(fingerprint)
            return idempotent_call(
                principal,
                key,
                fingerprint,
                lambda: run(request, **kw),
                method=request.method,
                path=request.path,
            )

        wrapper._operation = operation  # type: ignore[attr-defined]
        return wrapper

    return decorate


def operation_of(run: Callable[..., Any]) -> Any:
    """The ninja Operation behind ``run`` (its bound method, or a wrapper made here)."""
    return getattr(run, "__self__", None) or getattr(run, "_operation", None)
