"""Application errors with stable codes, mapped to HTTP by the interfaces (404/403/409/422)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    code = "error"
    http_status = 400

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.extra:
            body["extra"] = self.extra
        return body


class Throttled(ApplicationError):
    """Too many attempts from this address or on this subject; try later (429)."""

    code = "throttled"
    http_status = 429


class NotFound(ApplicationError):
    """Missing, or not visible to the caller (never tell the two apart)."""

    code = "not_found"
    http_status = 404


class Forbidden(ApplicationError):
    """The caller can see the object but may not do this."""

    code = "forbidden"
    http_status = 403


class TransitionNotAllowed(ApplicationError):
    """The action does not apply to the petition's current state."""

    code = "transition_not_allowed"
    http_status = 409


class InvalidInput(ApplicationError):
    """Bad input for a named field; nothing was changed."""

    code = "invalid"
    http_status = 422


class PreconditionFailed(ApplicationError):
    """The caller's copy is stale: the object changed since (HTTP If-Match); nothing was changed."""

    code = "precondition_failed"
    http_status = 412


class BodyTooLarge(ApplicationError):
    """A request body over the upload limit (Django's ``RequestDataTooBig``); nothing was read."""

    code = "too_large"
    http_status = 413

    @classmethod
    def over(cls, limit: int) -> BodyTooLarge:
        return cls(f"the request body is larger than {limit} bytes", field="body")
