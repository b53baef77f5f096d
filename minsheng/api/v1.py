"""JSON API v1 (django-ninja). An interface only: parse → access check → service → serialise.

Errors share one body: {"code", "message", "field"?, "detail"?}: 401 unauthenticated, 403 role
may not, 404 missing or not visible, 409 action not allowed in this state, 422 invalid input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import wraps
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Status, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from minsheng.api.action_schemas import add_action_bodies
from minsheng.api.idempotency import ANONYMOUS, ANONYMOUS_MIN_KEY_LENGTH, idempotent_view, operation_of
from minsheng.api.schema import Schema
from minsheng.core.errors import ApplicationError, BodyTooLarge, Forbidden, InvalidInput, NotFound
from minsheng.core.rules import load_rules
from minsheng.core.text import has_control_characters
from minsheng.integrations.keys import KEY_PREFIX
from minsheng.integrations.models import Integration
from minsheng.integrations.scopes import (
    api_integration_authenticate,
    integration_allows,
    integration_may,
    integration_sees_petitioner,
)
from minsheng.orgs.models import Category, Organ, Region, Role
from minsheng.orgs.security import confirmed_device, two_factor_required
from minsheng.orgs.selectors import memberships_of, roles_of
from minsheng.orgs.tokens import authenticate_token, issue_token
from minsheng.petitions.citizen_access import canonical_phone, petition_register_with_credentials
from minsheng.petitions.models import Channel, Nature, Petition, State
from minsheng.petitions.selectors import (
    HIDDEN,
    PetitionFilters,
    access_petition,
    first_time_for,
    listed_titles,
    next_due_of,
    page_rows,
    petition_list,
    petition_texts,
    petitioner_view,
    registered_petition_for,
    suggestions_for,
    timeline_data_for,
)
from minsheng.workflow.inputs import moment_of_day, schema_for
from minsheng.workflow.labels import rule_name
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.selectors import (
    appeal_views,
    follow_up_views,
    limitation_for,
    split_links_for,
    version_of_events,
    visible_events,
)
from minsheng.workflow.services import (
    MAX_ID,
    TRANSITIONS,
    PetitionerInput,
    RegistrationInput,
    available_actions,
    petition_transition,
)


class BearerAuth(HttpBearer):
    """A live token (minsheng.orgs.tokens): refused once revoked, expired, or when the user's
    password or posts changed since it was issued."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        if getattr(request, "_api_bearer_token", None) == token:  # already checked (idempotency)
            return request._api_bearer_user  # type: ignore[attr-defined,no-any-return]
        user: AbstractBaseUser | None
        if token.startswith(KEY_PREFIX):
            # A scoped integration key (minsheng.integrations.scopes): acts as its service account.
            integration = api_integration_authenticate(token)
            user = integration.api_user if integration is not None else None
            if user is not None and not user.is_active:
                user = None
            request.integration = integration if user is not None else None  # type: ignore[attr-defined]
        else:
            user = authenticate_token(token)
        request._api_bearer_token, request._api_bearer_user = token, user  # type: ignore[attr-defined]
        if user is not None:
            request.user = user  # type: ignore[assignment]
        return user


class MinshengAPI(NinjaAPI):
    """The API whose OpenAPI document carries each action's request body (api.action_schemas)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        prefix = path_prefix if path_prefix is not None else self.get_root_path(path_params or {})
        return add_protocol_headers(add_action_bodies(schema, prefix))


def principal_label(auth: Any) -> str | None:
    """Whose idempotency keys these are: ``user:<id>`` for a staff token, ``integration:<id>``."""
    from minsheng.integrations.models import Integration

    if isinstance(auth, Integration):
        return f"integration:{auth.pk}"
    if isinstance(auth, AbstractBaseUser):
        return f"user:{auth.pk}"
    return None


# Unauthenticated POSTs that keep Idempotency-Key (the citizen API's writes; its `track` is a read
# and `auth_token` has nothing lasting to repeat): one shared namespace (idempotency.ANONYMOUS).
ANONYMOUS_KEYED_OPERATIONS = frozenset(
    {
        "citizen_submit",
        "citizen_verification_code",
        "citizen_rate",
        "citizen_appeal",
        "citizen_appointment_book",
        "citizen_appointment_cancel",
    }
)


def _principal_of(request: HttpRequest, operation: Any) -> str | None:
    """Authenticate as the operation will (the result is remembered on the request)."""
    if getattr(operation, "operation_id", None) in ANONYMOUS_KEYED_OPERATIONS:
        return ANONYMOUS
    for callback in getattr(operation, "auth_callbacks", None) or []:
        result = callback(request)
        if result:
            return principal_label(getattr(request, "integration", None) or result)
    return None


def request_integration(request: HttpRequest) -> Integration | None:
    """The integration whose key authenticated the request (None for staff tokens)."""
    return getattr(request, "integration", None)


# What an integration key may call at all (its scope narrows further: organs, actions, personal data).
INTEGRATION_OPERATIONS = frozenset(
    {
        "auth_me",
        "organs_list",
        "categories_list",
        "regions_list",
        "deadline_rules_list",
        "actions_list",
        "petition_register",
        "petition_list",
        "petition_get",
        "petition_action",
        "petition_available_actions",
        "petition_attachments",
        "petition_attachment_download",
        "petition_documents",
        "petition_document_download",
        "petition_notes",
        "petition_note_add",
        "petition_export",
    }
)


#: Posts that may register (and ask the 预检 of a draft); the receiving organ is one of theirs.
REGISTERING_ROLES = frozenset({Role.REGISTRAR, Role.CASEWORKER, Role.ORGAN_HEAD, Role.DISPATCHER})
#: Operations a staff member without such a post is refused before the body is read, so that he
#: gets the same 403 whatever he sends (docs/api.md "Errors").
REGISTERING_OPERATIONS = frozenset({"petition_register", "draft_suggestions"})
NO_REGISTERING_POST = "your role cannot register petitions"


def _registering_posts(user: AbstractBaseUser) -> list[Any]:
    """The user's posts that may register (``REGISTERING_ROLES``), in post order."""
    return [m for m in memberships_of(user) if m.role in REGISTERING_ROLES]


def integration_guard(run: Any) -> Any:
    """Refuse (403 ``scope_forbidden``) the operations integration keys may not use at all, and
    (403 ``forbidden``) registering operations to staff without a registering post — both before
    the body is read."""
    operation = operation_of(run)

    @wraps(run)
    def wrapper(request: HttpRequest, **kw: Any) -> Any:
        if (
            operation is not None
            and operation.operation_id in REGISTERING_OPERATIONS
            and operation.auth_callbacks
            and _bearer(request)
            and not _bearer(request).startswith(KEY_PREFIX)
        ):
            _principal_of(request, operation)
            user = getattr(request, "_api_bearer_user", None)
            if user is not None and not _registering_posts(user):
                error = Forbidden(NO_REGISTERING_POST)
                return api.create_response(request, error.as_dict(), status=error.http_status)
        if _bearer(request).startswith(KEY_PREFIX) and operation is not None and operation.auth_callbacks:
            _principal_of(request, operation)
            integration = request_integration(request)
            if integration is not None:
                if operation.operation_id not in INTEGRATION_OPERATIONS:
                    body = {"code": "scope_forbidden", "message": _("接口密钥不能使用此功能。")}
                    return api.create_response(request, body, status=403)
                if operation.operation_id == "petition_register":
                    try:  # before the body is read: the same 403 whatever is sent
                        integration_may(integration, "register")
                    except ApplicationError as exc:
                        return api.create_response(request, exc.as_dict(), status=exc.http_status)
        return run(request, **kw)

    wrapper._operation = operation  # type: ignore[attr-defined]
    return wrapper


UNSUPPORTED_MEDIA_TYPE = 415
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def json_body_guard(run: Any) -> Any:
    """415 ``unsupported_media_type`` for a body that is not declared as JSON (``application/json``
    or ``application/*+json``): a ``text/plain`` or form body used to be parsed as JSON all the
    same, so a client's mistake went unnoticed. Before the body is read or remembered for
    ``Idempotency-Key``; an empty body (an action without input) needs no type."""

    @wraps(run)
    def wrapper(request: HttpRequest, **kw: Any) -> Any:
        if request.method in BODY_METHODS and _has_body(request) and not _is_json(request.content_type):
            body = {
                "code": "unsupported_media_type",
                "message": _("请求体应为 JSON（Content-Type: application/json）。"),
                "field": "Content-Type",
            }
            return api.create_response(request, body, status=UNSUPPORTED_MEDIA_TYPE)
        return run(request, **kw)

    wrapper._operation = operation_of(run)  # type: ignore[attr-defined]
    return wrapper


def _has_body(request: HttpRequest) -> bool:
    if "Transfer-Encoding" in request.headers:
        return True
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return True
    if length <= 0:
        return False
    if (request.content_type or "").startswith("multipart/") and length <= 200:
        # An empty multipart form (only the closing delimiter, as some clients send for a POST
        # without data) carries nothing to misread.
        boundary = (request.content_params or {}).get("boundary", "")
        try:
            return bool(boundary) and request.body.strip() != f"--{boundary}--".encode()
        except RequestDataTooBig:  # cannot happen at this size; the operation answers 413 anyway
            return True
    return True


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "retry safely: the same key with the same request returns the first answer "
    "(header Idempotent-Replayed: true) and does nothing again; with another request 422 "
    "idempotency_key_reused. 1–200 visible ASCII characters; kept MINSHENG_IDEMPOTENCY_TTL_HOURS.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


ANONYMOUS_IDEMPOTENCY_PARAMETER = {
    **IDEMPOTENCY_PARAMETER,
    "description": "retry safely: the same key with the same request returns the first answer "
    "(header Idempotent-Replayed: true) and does nothing again (no second petition, rating, appeal "
    "or SMS); with another request 422 idempotency_key_reused. No principal here: keys of every "
    f"client share one namespace, so at least {ANONYMOUS_MIN_KEY_LENGTH} visible ASCII characters "
    "(a UUID); kept MINSHENG_IDEMPOTENCY_TTL_HOURS.",
    "schema": {
        "type": "string",
        "minLength": ANONYMOUS_MIN_KEY_LENGTH,
        "maxLength": 200,
        "pattern": "^[!-~]+$",
    },
}


IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "the ETag of GET /petitions/{id}: the action is refused with 412 "
    "precondition_failed if the petition has had an event since; `*` or absent: no check",
    "schema": {"type": "string", "maxLength": 200},
}

IF_NONE_MATCH_PARAMETER = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "an ETag received before: 304 Not Modified when the petition is unchanged for you",
    "schema": {"type": "string", "maxLength": 200},
}


def _add_parameter(operation: dict[str, Any], parameter: dict[str, Any]) -> None:
    params = operation.setdefault("parameters", [])
    if not any(p.get("name") == parameter["name"] for p in params):
        params.append(parameter)


def add_protocol_headers(schema: Any) -> Any:
    """Declare the optional request headers the API honours: Idempotency-Key on every
    authenticated POST, If-Match on actions, If-None-Match on the petition read."""
    for path, item in schema.get("paths", {}).items():
        operation = item.get("post")
        if operation is not None and operation.get("operationId") in ANONYMOUS_KEYED_OPERATIONS:
            _add_parameter(operation, ANONYMOUS_IDEMPOTENCY_PARAMETER)
        elif operation is not None and operation.get("security"):  # other unauthenticated POSTs: none
            _add_parameter(operation, IDEMPOTENCY_PARAMETER)
            if "/petitions/{petition_id}/actions/" in path:
                _add_parameter(operation, IF_MATCH_PARAMETER)
        if path.endswith("/petitions/{petition_id}") and "get" in item:
            _add_parameter(item["get"], IF_NONE_MATCH_PARAMETER)
        for method in ("post", "put", "patch"):
            with_body = item.get(method)
            if with_body is not None and "requestBody" in with_body:  # json_body_guard
                with_body.setdefault("responses", {}).setdefault(
                    UNSUPPORTED_MEDIA_TYPE,
                    {
                        "description": "the body is not declared as JSON (Content-Type)",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                        },
                    },
                )
    return schema


api = MinshengAPI(
    title="minsheng 民声 API",
    version="1.0.0",
    description="Staff JSON API for 信访 case handling. Authenticate with POST /api/v1/auth/token, "
    "then send `Authorization: Bearer <token>`.",
    auth=BearerAuth(),
    urls_namespace="api-v1",
    # Swagger UI from static files ("ninja" in INSTALLED_APPS), never a CDN; no call to the public
    # validator service; off altogether with MINSHENG_API_DOCS=false.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs" if settings.MINSHENG_API_DOCS else None,
)
# Idempotency-Key on every POST (minsheng.api.idempotency): wraps each operation's run.
api.add_decorator(idempotent_view(_principal_of), mode="view")
api.add_decorator(json_body_guard, mode="view")  # runs before the idempotency record
api.add_decorator(integration_guard, mode="view")  # outermost: a role's 403 whatever is sent


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    detail: Any | None = None
    extra: dict[str, Any] | None = None  # facts of a refusal a client may act on (409, 412)


ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
# Actions also refuse a stale If-Match (412); the petition read answers If-None-Match with 304.
ACTION_ERRORS: dict[int, type[Schema]] = {**ERRORS, 412: ErrorOut}


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


def _error_code(error: dict[str, Any]) -> str:
    """The documented code of one pydantic error (docs/api.md "Errors"), as the actions name them."""
    kind = str(error.get("type"))
    if kind == "missing" or (kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1):
        return "required"
    if kind == "extra_forbidden":
        return "unknown_field"
    return "invalid"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = list(exc.errors)
    # A misspelt field also leaves the intended one missing: naming the stray one helps more.
    first = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0] if errors else {})
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "payload", "query", "path")]
    # The body as a whole (an array, null, a number where an object belongs): `field: "body"`.
    whole_body = tuple(first.get("loc", ()))[:1] == ("body",)
    field = ".".join(loc) or ("body" if whole_body else None)
    message = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg", "invalid input"))
    body = {"code": _error_code(first), "message": message, "field": field, "detail": errors}
    return api.create_response(request, body, status=422)


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (12 MiB): 413 in the shared body, not a 500."""
    error = BodyTooLarge.over(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return api.create_response(request, error.as_dict(), status=error.http_status)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"code": "unauthenticated", "message": "missing or invalid bearer token"}, status=401
    )
    # RFC 9110 §11.6.1: a 401 names its scheme (RFC 6750 §3: invalid_token when one was sent).
    challenge = 'Bearer realm="minsheng"'
    if request.headers.get("Authorization"):
        challenge += ', error="invalid_token"'
    response["WWW-Authenticate"] = challenge
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own errors in the shared body; an unparsable body (ninja: 400) is a 422 on ``body``."""
    if exc.status_code == 400:
        body = {"code": "invalid", "message": "the body must be a JSON object", "field": "body"}
        return api.create_response(request, body, status=422)
    return api.create_response(request, {"code": "error", "message": str(exc)}, status=exc.status_code)


# ---------------------------------------------------------------------------------------------- auth

auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)
    otp_token: str | None = Field(
        None,
        min_length=6,
        max_length=8,
        description="the 6-digit TOTP code, required when the user has enrolled two-factor authentication",
    )


class MembershipOut(Schema):
    organ_id: int
    organ: str
    role: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: dt.datetime
    username: str
    memberships: list[MembershipOut]


def _memberships(user: AbstractBaseUser) -> list[MembershipOut]:
    return [MembershipOut(organ_id=m.organ_id, organ=m.organ.name, role=m.role) for m in memberships_of(user)]


@auth_router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="auth_token",
)
def auth_token(request: HttpRequest, payload: TokenIn) -> Any:
    """A bearer token for the user. Failed logins count towards the lock-out (django-axes, 429
    ``locked_out`` once locked); a user with two-factor authentication also sends ``otp_token``.
    The token stops working when the user's password or posts change."""
    from django_otp import verify_token

    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        return Status(401, ErrorOut(code="invalid_credentials", message="username or password is wrong"))
    device = confirmed_device(user)
    if device is not None:
        if not payload.otp_token:
            return Status(
                401, ErrorOut(code="otp_required", message="otp_token is required", field="otp_token")
            )
        if verify_token(user, device.persistent_id, payload.otp_token.strip()) is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=request
            )
            return Status(
                401, ErrorOut(code="otp_invalid", message="otp_token is wrong or expired", field="otp_token")
            )
    elif two_factor_required(user):
        return Status(
            403,
            ErrorOut(
                code="otp_enrolment_required",
                message="enrol two-factor authentication in the workbench first",
            ),
        )
    token, row = issue_token(user)
    return TokenOut(
        token=token, expires_at=row.expires_at, username=user.get_username(), memberships=_memberships(user)
    )


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    memberships: list[MembershipOut]


@auth_router.get("/me", response={200: MeOut, 401: ErrorOut}, operation_id="auth_me")
def auth_me(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return MeOut(
        username=user.get_username(),
        name=user.get_full_name(),
        roles=sorted(roles_of(user)),
        memberships=_memberships(user),
    )


api.add_router("/auth", auth_router)

# ---------------------------------------------------------------------------------------------- reference data

ref_router = Router(tags=["reference"])


class OrganOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    level: int
    region_code: str
    parent_id: int | None


class CategoryOut(Schema):
    id: int
    name: str
    level: int
    path: str
    parent_id: int | None


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    parent_id: int | None
    aliases: list[str]


class RuleOut(Schema):
    id: str
    name: str
    length: int | None
    unit: str | None
    starts_at: str
    article: str


class ActionInfoOut(Schema):
    action: str
    label: str
    article: str
    from_states: list[str]
    to_state: str | None
    roles: list[str]
    input_schema: dict[str, Any]  # JSON schema of the body (minsheng.workflow.inputs)


@ref_router.get("/organs", response={200: list[OrganOut], 401: ErrorOut}, operation_id="organs_list")
def organs_list(request: HttpRequest) -> Any:
    return [
        OrganOut(
            id=o.pk,
            code=o.code,
            name=o.name,
            short_name=o.short_name,
            kind=o.kind,
            level=o.level,
            region_code=o.region.code,
            parent_id=o.parent_id,
        )
        for o in Organ.objects.filter(is_active=True).select_related("region")
    ]


@ref_router.get(
    "/categories",
    response={200: list[CategoryOut], 401: ErrorOut, 422: ErrorOut},
    operation_id="categories_list",
)
def categories_list(request: HttpRequest, level: int | None = Query(None, ge=0, le=10)) -> Any:
    qs = Category.objects.all()
    if level is not None:
        qs = qs.filter(level=level)
    return [CategoryOut(id=c.pk, name=c.name, level=c.level, path=c.path, parent_id=c.parent_id) for c in qs]


@ref_router.get("/regions", response={200: list[RegionOut], 401: ErrorOut}, operation_id="regions_list")
def regions_list(request: HttpRequest) -> Any:
    return [
        RegionOut(id=r.pk, code=r.code, name=r.name, level=r.level, parent_id=r.parent_id, aliases=r.aliases)
        for r in Region.objects.all()
    ]


@ref_router.get(
    "/deadline-rules", response={200: list[RuleOut], 401: ErrorOut}, operation_id="deadline_rules_list"
)
def deadline_rules(request: HttpRequest) -> Any:
    return [
        RuleOut(
            id=r.id,
            name=rule_name(r.id),
            length=r.length,
            unit=r.unit.value if r.unit else None,
            starts_at=r.starts_at,
            article=r.article,
        )
        for r in load_rules().values()
    ]


@ref_router.get("/actions", response={200: list[ActionInfoOut], 401: ErrorOut}, operation_id="actions_list")
def actions_list(request: HttpRequest) -> Any:
    return [
        ActionInfoOut(
            action=t.action,
            label=str(t.label),
            from_states=sorted(t.sources),
            article=t.article,
            to_state=t.target,
            roles=sorted(t.roles),
            input_schema=schema_for(t.action),
        )
        for t in TRANSITIONS.values()
    ]


api.add_router("", ref_router)

# ---------------------------------------------------------------------------------------------- petitions

router = Router(tags=["petitions"])


def _not_null(value: Any) -> Any:
    """``null`` for a required field is a missing field (code ``required``, docs/api.md "Errors")."""
    if value is None:
        raise PydanticCustomError("missing", "Field required")
    return value


def _plain_text(value: Any) -> Any:
    """Text without control characters (NUL, vertical tab …): PostgreSQL refuses NUL in text, and no
    document or spreadsheet can hold them. The workbench and portal forms refuse NUL likewise."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValueError("must not contain control characters")
    return value


PETITIONER_FIELDS = frozenset({"name", "phone", "id_number", "address", "email", "nationality", "language"})


class PetitionerIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt or unsupported field is refused

    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    id_number: str = Field("", max_length=30)
    address: str = Field("", max_length=300)
    email: str = Field("", max_length=200)
    nationality: str = Field("中国", max_length=40)
    is_organisation: bool = Field(False, strict=True)
    language: str = Field(
        "",
        max_length=10,
        description="the language of texts sent to the petitioner (zh-hans | en); '' = the deployment's",
    )

    _texts = field_validator("name", "phone", "id_number", "address", "email", "nationality")(_plain_text)


class RepresentativeIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt or unsupported field is refused

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field("", max_length=30)

    _texts = field_validator("name", "phone")(_plain_text)
    _required = field_validator("name", mode="before")(_not_null)


class PetitionIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt or unsupported field is refused

    channel: str = Field(description="online | letter | phone | fax | visit")
    received_at: dt.datetime | None = Field(
        None, description="when the item was received (a letter's receipt date); default now"
    )
    title: str = Field(min_length=1, max_length=200)
    request: str = Field(min_length=1, max_length=20000, description="请求")
    facts: str = Field("", max_length=20000, description="事实")
    reasons: str = Field("", max_length=20000, description="理由")
    nature: str = Field("grievance", description="suggestion | accusation | grievance | litigation_related")
    # Ids, counts and flags are strict: `true` is no organ id (it was read as organ 1, and an
    # accusation's shield then guarded the wrong organ) and "yes" is no flag (external client review).
    category_id: int | None = Field(None, strict=True)
    region_code: str | None = None
    place_text: str = Field("", max_length=200)
    petitioner: PetitionerIn | None = None
    is_oral: bool | None = Field(None, strict=True)
    is_collective: bool = Field(False, strict=True)
    persons_involved: int = Field(1, ge=1, le=1_000_000, strict=True)
    representatives: list[RepresentativeIn] = Field(default_factory=list)
    is_urgent: bool = Field(False, strict=True)
    accused_organ_id: int | None = Field(None, strict=True)
    accused_person: str = Field("", max_length=100)
    receiving_organ_id: int | None = Field(
        None, strict=True, description="default: the caller's registering organ"
    )
    competent_organ_id: int | None = Field(
        None, strict=True, description="for visits: the competent organ (越级 check)"
    )
    paper_requested: bool = Field(True, strict=True)

    _texts = field_validator(
        "title", "request", "facts", "reasons", "region_code", "place_text", "accused_person"
    )(_plain_text)
    _required = field_validator("channel", "title", "request", mode="before")(_not_null)

    @field_validator("received_at", mode="before")
    @classmethod
    def _date_alone(cls, value: Any) -> Any:
        """A date alone is 09:00 local that day, or now if earlier — as in the workbench and for
        actions (the API read it as midnight)."""
        if isinstance(value, str) and len(value) == 10:
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return value  # pydantic names the error
            return moment_of_day(day)
        return value

    @field_validator("petitioner", mode="before")
    @classmethod
    def _petitioner_object(cls, value: Any) -> Any:
        # ninja's Schema would otherwise read a list or a string as an object with every default.
        if value is not None and not isinstance(value, dict | PetitionerIn):
            raise ValueError("must be an object")
        return value


class OrganRef(Schema):
    id: int
    name: str


class PetitionerOut(Schema):
    name: str
    phone: str
    id_number: str
    address: str
    masked: bool
    hidden: bool


class DeadlineOut(Schema):
    rule: str
    name: str
    start: dt.date
    nominal_due: dt.date
    statutory_due: dt.date
    provisional: bool
    status: str
    extra_days: int
    met_at: dt.datetime | None
    organ: str | None


class EventOut(Schema):
    id: int
    action: str
    at: dt.datetime
    actor: str | None
    role: str
    organ: str | None
    from_state: str
    to_state: str
    data: dict[str, Any]


class PetitionOut(Schema):
    id: int
    tracking_code: str
    title: str
    state: str
    state_label: str
    channel: str
    nature: str
    received_at: dt.datetime
    entered_at: dt.datetime
    current_organ: OrganRef
    category: str | None
    region: str | None
    is_urgent: bool
    urgent_reported_at: dt.datetime | None = Field(
        default=None, description="Art. 25: when the matter was first reported as major or urgent"
    )
    urgent_report_late: bool = Field(
        default=False,
        description="缓报 (Art. 46(4)): the first urgent report came later than "
        "MINSHENG_URGENT_REPORT_HOURS after receipt",
    )
    is_collective: bool
    is_anonymous: bool
    has_overdue: bool
    has_due_soon: bool
    next_due: dt.date | None = None
    petitioner: PetitionerOut


class ActionOut(Schema):
    action: str
    label: str


class FollowUpOut(Schema):
    """A task owed after an answer: ``execution`` of a supporting opinion (Art. 32(2); ``overdue``
    when still unrecorded past the local check period, Art. 42(4)), ``guidance`` after one that does
    not support (Art. 32(2)), ``counselling`` after a matter is final (Art. 37(3)). ``superseded``:
    a 复查/复核 opinion changed or revoked the opinion it belonged to."""

    id: int
    kind: str
    organ: str
    created_at: dt.datetime
    done_at: dt.datetime | None
    superseded: bool
    overdue: bool
    note: str


class SplitLinkOut(Schema):
    """A mixed letter split by the bureau (Art. 30): the other part. Shown only to staff of the
    registering bureau and of the discipline body; for everyone else the list is empty."""

    kind: str = Field(description="what the other petition is: accusation | grievance")
    petition_id: int
    tracking_code: str
    bureau: str
    discipline_organ: str | None
    created_at: dt.datetime


class LimitationOut(Schema):
    """R-073: the external procedure's window recorded at intake (`record_limitation`)."""

    kind: str
    label: str
    known_date: dt.date
    earliest_end: dt.date = Field(description="counted plainly from known_date; see conditions")
    days_left: int
    bureau_due: dt.date | None
    closing: bool = Field(description="may end before the bureau's own D-BUREAU-15 due date")
    conditions: list[str]
    warning: str


class ChainLinkOut(Schema):
    role: Literal["portfolio", "competent", "chief"] = Field(description="分管 / 主管 / 总责")
    role_label: str
    leader: str
    title: str
    valid_from: dt.date
    valid_to: dt.date | None
    scope: list[str] = Field(description="categories and regions of a 分管 portfolio (empty = all)")


class AccountableChainOut(Schema):
    organ_id: int
    organ: str
    on: dt.date = Field(description="the day whose portfolios are named")
    links: list[ChainLinkOut]
    missing: list[str] = Field(description="roles nobody held that day")


class BreachChainOut(Schema):
    rule: str
    name: str
    statutory_due: dt.date
    chain: AccountableChainOut


class AccountabilityOut(Schema):
    current: AccountableChainOut
    breaches: list[BreachChainOut] = Field(description="each missed deadline with the chain of its due date")


class AppealOut(Schema):
    kind: Literal["review", "recheck"] = Field(description="复查 / 复核")
    kind_label: str
    organ: str = Field(description="the organ asked to review")
    received_on: dt.date
    postmarked_on: dt.date | None
    reasons: str = Field(description="what the petitioner contests (masked as the petition's texts)")
    good_reason: str = Field(description="the good reason for a late request, if any")
    is_late: bool
    hearing_start: dt.date | None
    hearing_end: dt.date | None


class PetitionDetailOut(PetitionOut):
    request: str
    facts: str
    reasons: str
    place_text: str
    is_oral: bool
    is_yueji: bool
    is_first_time: bool
    persons_involved: int
    route: str
    procedure: str
    accepted_at: dt.datetime | None
    concluded_at: dt.datetime | None
    final_at: dt.datetime | None
    deadlines: list[DeadlineOut]
    timeline: list[EventOut]
    available_actions: list[ActionOut]
    suggestions: dict[str, Any]
    follow_up_tasks: list[FollowUpOut] = Field(default_factory=list)
    appeals: list[AppealOut] = Field(
        default_factory=list, description="复查/复核 requests with the petitioner's reasons (Arts. 35-36)"
    )
    split_links: list[SplitLinkOut] = Field(default_factory=list)
    limitation: LimitationOut | None = None
    accountability: AccountabilityOut | None = Field(
        default=None, description="who answers for the petition (A-003); staff only"
    )


class PetitionPage(Schema):
    count: int
    page: int | None = Field(description="the page number; null in cursor mode")
    page_size: int
    next: str | None = Field(None, description="the URL of the next page (null on the last)")
    next_cursor: str | None = Field(None, description="cursor mode: the `cursor` of the next page")
    results: list[PetitionOut]


class PetitionCreatedOut(PetitionDetailOut):
    query_password: str = Field(description="shown once: give it to the petitioner with the tracking code")


class PetitionReceiptOut(Schema):
    """The answer to a registration whose case file the caller may not see: an accusation against his
    own unit (a visitor at its reception). It is registered and goes to the petition bureau, away
    from the accused unit (条例 Art. 30(3)); the petitioner needs the receipt all the same."""

    tracking_code: str
    query_password: str | None = Field(
        description="only when no SMS could carry it to the petitioner (no phone): give it to him"
    )
    visible: bool = Field(False, description="always false: the case file is not yours to open")
    message: str


def _petition_rows(http: HttpRequest, rows: list[Petition]) -> list[Any]:
    """A list page's petitions, their titles as the caller may read them (``listed_titles``)."""
    titles = listed_titles(http.auth, rows, allowed=_identity_allowed(http))  # type: ignore[attr-defined]
    return [_petition_out(http, p, title=titles[p.pk]) for p in rows]


def _identity_allowed(http: HttpRequest) -> Any:
    """For an integration key: which petitions' identity its scope allows (texts are masked for
    the others whatever the key owner's posts allow); None for a staff token."""
    integration = request_integration(http)
    if integration is None:
        return None
    return lambda p: integration_sees_petitioner(integration, p)


def _petition_out(
    http: HttpRequest, p: Petition, cls: type[Schema] = PetitionOut, *, title: str, **extra: Any
) -> Any:
    """``p`` for the caller; ``title`` as he may read it (``petition_texts``/``listed_titles``)."""
    view = petitioner_view(http.auth, p)  # type: ignore[attr-defined]
    integration = request_integration(http)
    if integration is not None and not integration_sees_petitioner(integration, p):
        view = HIDDEN
    base = {
        "id": p.pk,
        "tracking_code": p.tracking_code,
        "title": title,
        "state": p.state,
        "state_label": str(State(p.state).label),
        "channel": p.channel,
        "nature": p.nature,
        "received_at": p.received_at,
        "entered_at": p.entered_at,
        "current_organ": OrganRef(id=p.current_organ_id, name=p.current_organ.name),
        "category": p.category.path if p.category else None,
        "region": p.region.name if p.region else None,
        "is_urgent": p.is_urgent,
        "urgent_reported_at": p.urgent_reported_at,
        "urgent_report_late": p.urgent_report_late,
        "is_collective": p.is_collective,
        "is_anonymous": p.is_anonymous,
        "has_overdue": p.has_overdue,
        "has_due_soon": p.has_due_soon,
        "next_due": getattr(p, "next_due", None),
        "petitioner": PetitionerOut(
            name=view.name,
            phone=view.phone,
            id_number=view.id_number,
            address=view.address,
            masked=view.masked,
            hidden=view.hidden,
        ),
    }
    base.update(extra)
    return cls(**base)


def _detail(
    http: HttpRequest,
    p: Petition,
    cls: type[Schema] = PetitionDetailOut,
    *,
    events: list[PetitionEvent] | None = None,
    **extra: Any,
) -> Any:
    """The detail of ``p`` for this caller; ``events`` are the events this caller is shown
    (``visible_events``, oldest first, with actor and organ) when read already, else read here."""
    if events is None:
        events = visible_events(http.auth, p.pk, _all_events(p))  # type: ignore[attr-defined]
    rows = list(p.deadlines.select_related("organ").order_by("created_at", "pk"))
    deadlines = [
        DeadlineOut(
            rule=d.rule,
            name=rule_name(d.rule),
            start=d.start,
            nominal_due=d.nominal_due,
            statutory_due=d.statutory_due,
            provisional=d.is_provisional,
            status=d.status,
            extra_days=d.extra_days,
            met_at=d.met_at,
            organ=d.organ.name if d.organ else None,
        )
        for d in rows
    ]
    timeline = [
        EventOut(
            id=e.pk,
            action=e.action,
            at=e.occurred_at,
            actor=e.actor.get_username() if e.actor else None,
            role=e.actor_role,
            organ=e.actor_organ.name if e.actor_organ else None,
            from_state=e.from_state,
            to_state=e.to_state,
            data=timeline_data_for(http.auth, e.data),  # type: ignore[attr-defined]
        )
        for e in events
    ]
    actions = _actions_for(http, p)
    next_due = next_due_of(rows)  # the list's definition: open, or breached and not yet met
    allowed = _identity_allowed(http)
    texts = petition_texts(http.auth, p, identity=None if allowed is None or allowed(p) else False)  # type: ignore[attr-defined]
    return _petition_out(
        http,
        p,
        cls,
        title=texts["title"],
        request=texts["request"],
        facts=texts["facts"],
        reasons=texts["reasons"],
        place_text=p.place_text,
        is_oral=p.is_oral,
        is_yueji=p.is_yueji,
        is_first_time=first_time_for(http.auth, p),  # type: ignore[attr-defined]
        persons_involved=p.persons_involved,
        route=p.route,
        procedure=p.procedure,
        accepted_at=p.accepted_at,
        concluded_at=p.concluded_at,
        final_at=p.final_at,
        deadlines=deadlines,
        timeline=timeline,
        available_actions=actions,
        next_due=next_due,
        suggestions=suggestions_for(http.auth, p),  # type: ignore[attr-defined]
        follow_up_tasks=[
            FollowUpOut(
                id=t.id,
                kind=t.kind,
                organ=t.organ,
                created_at=t.created_at,
                done_at=t.done_at,
                superseded=t.superseded,
                overdue=t.overdue,
                note=t.note,
            )
            for t in follow_up_views(p)
        ],
        # A registration has no appeal yet: not read for its answer (the statement bound).
        appeals=[]
        if cls is PetitionCreatedOut
        else [AppealOut(**vars(a)) for a in appeal_views(http.auth, p)],  # type: ignore[attr-defined]
        split_links=[
            SplitLinkOut(**link)  # type: ignore[arg-type]
            for link in split_links_for(http.auth, p)  # type: ignore[attr-defined]
        ],
        limitation=limitation_for(p),
        # Not in the registration answer (kept lean; bounded queries): GET the petition for it.
        accountability=None if cls is PetitionCreatedOut else _accountability(http.auth, p),  # type: ignore[attr-defined]
        **extra,
    )


def _accountability(user: Any, p: Petition) -> AccountabilityOut | None:
    """The accountable chain, for staff only (callers have checked that the petition is visible);
    a caller without posts (a petitioner) gets none."""
    from minsheng.accountability.selectors import petition_accountability
    from minsheng.orgs.selectors import is_admin

    if not (memberships_of(user) or is_admin(user)):
        return None
    current, breaches = petition_accountability(p)
    return AccountabilityOut(
        current=_chain_out(current),
        breaches=[
            BreachChainOut(
                rule=b.rule, name=rule_name(b.rule), statutory_due=b.statutory_due, chain=_chain_out(b.chain)
            )
            for b in breaches
        ],
    )


def _chain_out(chain: Any) -> AccountableChainOut:
    return AccountableChainOut(
        organ_id=chain.organ_id,
        organ=chain.organ,
        on=chain.on,
        links=[
            ChainLinkOut(
                role=link.role,
                role_label=link.role_label,
                leader=link.leader,
                title=link.title,
                valid_from=link.valid_from,
                valid_to=link.valid_to,
                scope=link.scope,
            )
            for link in chain.links
        ],
        missing=chain.missing,
    )


def _all_events(p: Petition) -> list[PetitionEvent]:
    return list(p.events.select_related("actor", "actor_organ").order_by("occurred_at", "pk"))


def _detail_response(http: HttpRequest, petition: Petition, status: int = 200, **extra: Any) -> HttpResponse:
    """The detail as ninja would render it, with ``ETag: "<version>.<digest of the body>"`` — the
    version (``workflow.selectors.petition_version``) is what If-Match compares; the digest makes
    the tag change with anything else this caller sees (a deadline turning due, masking)."""
    cls = PetitionCreatedOut if "query_password" in extra else PetitionDetailOut
    events = visible_events(http.auth, petition.pk, _all_events(petition))  # type: ignore[attr-defined]
    out = _detail(http, petition, cls, events=events, **extra)
    response = api.create_response(http, out.model_dump(), status=status)
    if status == 201:
        response["Location"] = f"/api/v1/petitions/{petition.pk}"
    digest = hashlib.sha256(response.content).hexdigest()[:16]
    # The version from the events just read and shown (petition_version for this caller).
    version = version_of_events(events)
    response["ETag"] = f'"{version}.{digest}"'
    response["Vary"] = "Authorization"
    return response


def _entity_tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()]


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match: any listed tag (weak comparison) or ``*``."""
    if not header:
        return False
    tags = _entity_tags(header)
    return "*" in tags or etag.strip('"') in tags


def if_match_version(header: str | None) -> str | None:
    """The petition version an If-Match names (None: no precondition). ``*`` means any version;
    a tag this API did not make is refused (422), never ignored."""
    if header is None or not header.strip():
        return None
    tags = _entity_tags(header)
    if "*" in tags:
        return None
    if len(tags) != 1 or not re.fullmatch(r"\d+-\d+(\.[0-9a-f]{16})?", tags[0]):
        raise InvalidInput(_("If-Match 应为 GET /api/v1/petitions/{id} 返回的一个 ETag。"), field="If-Match")
    return tags[0].split(".")[0]


def _region_by_code(code: str | None) -> Region | None:
    """The region a request names by code (None when it names none); 422 for an unknown code."""
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise InvalidInput("unknown region code", field="region_code")
    return region


def _organ_by_id(organ_id: int | None, field: str) -> Organ | None:
    """The organ a request names by id (None when it names none); 422 for an unknown id."""
    if organ_id is None:
        return None
    organ = Organ.objects.filter(pk=organ_id).first()
    if organ is None:
        raise InvalidInput("unknown organ", field=field)
    return organ


def _receiving_organ(user: AbstractBaseUser, organ_id: int | None) -> Organ:
    memberships = _registering_posts(user)
    if organ_id is not None:
        for m in memberships:
            if m.organ_id == organ_id:
                return m.organ
        if not Organ.objects.filter(pk=organ_id).exists():
            raise InvalidInput("unknown organ", field="receiving_organ_id")
        raise Forbidden("you cannot register petitions for this organ")
    registrars = [m for m in memberships if m.role == Role.REGISTRAR] or memberships
    if not registrars:
        raise Forbidden(NO_REGISTERING_POST)
    return registrars[0].organ


@router.post(
    "/petitions",
    response={201: PetitionCreatedOut | PetitionReceiptOut, **ERRORS},
    operation_id="petition_register",
)
def petition_register_endpoint(request: HttpRequest, payload: PetitionIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    # An integration key's "register" scope is checked by integration_guard, before the body is read.
    organ = _receiving_organ(user, payload.receiving_organ_id)
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id).first()
        if category is None:
            raise InvalidInput("unknown category", field="category_id")
    region = _region_by_code(payload.region_code)
    accused = _organ_by_id(payload.accused_organ_id, "accused_organ_id")
    competent = _organ_by_id(payload.competent_organ_id, "competent_organ_id")
    gap = competent.level - organ.level if competent is not None else None
    received_at = payload.received_at
    if received_at is not None and timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    data = RegistrationInput(
        channel=payload.channel,
        receiving_organ=organ,
        title=payload.title,
        request=payload.request,
        received_at=received_at,
        facts=payload.facts,
        reasons=payload.reasons,
        nature=payload.nature,
        category=category,
        region=region,
        place_text=payload.place_text,
        petitioner=PetitionerInput(
            **{**payload.petitioner.model_dump(), "phone": canonical_phone(payload.petitioner.phone)}
        )
        if payload.petitioner
        else PetitionerInput(),
        is_oral=payload.is_oral,
        is_collective=payload.is_collective,
        persons_involved=payload.persons_involved,
        representatives=[r.model_dump() for r in payload.representatives],
        is_urgent=payload.is_urgent,
        accused_organ=accused,
        accused_person=payload.accused_person,
        visited_organ_level_gap=gap,
        paper_requested=payload.paper_requested,
    )
    # The petitioner gets the tracking code and query password by SMS too (issue 13), committed
    # with the registration.
    try:
        petition, password, sent = petition_register_with_credentials(data, actor=user)
    except InvalidInput as exc:
        # The service names the petitioner's fields as the workbench form does ("phone"); here they
        # are inside `petitioner`, as pydantic names them ("petitioner.phone").
        if exc.field in PETITIONER_FIELDS:
            exc.field = f"petitioner.{exc.field}"
        raise
    try:
        petition = registered_petition_for(user, petition)
    except NotFound:
        # Registered (committed) but not his to open: the receipt, not a 404 that would leave the
        # petitioner without his code and invite a second registration (external client review).
        # The query password opens the accusation's progress on the portal: the accused unit does
        # not keep it when the SMS already gave it to the petitioner.
        receipt = PetitionReceiptOut(
            tracking_code=petition.tracking_code,
            query_password=None if sent else password,
            visible=False,
            message=_("已登记。该检举控告涉及本单位，依规定由其他机关办理，本单位不能查看。")
            + (_("查询密码已短信发送给信访人。") if sent else ""),
        )
        return api.create_response(request, receipt.model_dump(), status=201)
    return _detail_response(request, petition, 201, query_password=password)


class ListQuery(Schema):
    state: str | None = Field(None, description="comma-separated states")
    channel: str | None = Field(None, description="online | letter | phone | fax | visit")
    nature: str | None = Field(None, description="suggestion | accusation | grievance | litigation_related")
    organ_id: int | None = Field(None, ge=1, le=MAX_ID)
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    region_id: int | None = Field(None, ge=1, le=MAX_ID)
    overdue: bool | None = None
    due_soon: bool | None = None
    urgent: bool | None = None
    collective: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    due_before: dt.date | None = None
    q: str | None = Field(None, max_length=200)
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(
        None,
        max_length=500,
        description="cursor mode: empty for the first page, then `next_cursor`; newest first (id "
        "descending), stable while petitions are added or change state",
    )


@router.get("/petitions", response={200: PetitionPage, **ERRORS}, operation_id="petition_list")
def petition_list_endpoint(request: HttpRequest, filters: Query[ListQuery]) -> Any:
    qs = petition_list(
        request.auth,  # type: ignore[attr-defined]
        petition_filters(filters),
    ).select_related("petitioner", "accused_organ")
    count = qs.count()
    if filters.cursor is not None:
        return _cursor_page(request, qs, filters, count)
    start = (filters.page - 1) * filters.page_size
    rows = page_rows(qs, start, start + filters.page_size)
    more = start + len(rows) < count
    return PetitionPage(
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        next=_list_url(request, page=str(filters.page + 1)) if more else None,
        next_cursor=None,
        results=_petition_rows(request, rows),
    )


def petition_filters(filters: ListQuery) -> PetitionFilters:
    """The list filters of a query (422 for an unknown state); shared by the list and the export."""
    states = [s for s in (filters.state or "").split(",") if s]
    unknown = [s for s in states if s not in State.values]
    if unknown:
        raise InvalidInput(f"unknown state {unknown[0]!r}", field="state")
    # An unknown channel or nature is a mistake, not a filter that matches nothing (as for state).
    for field, value, allowed in (
        ("channel", filters.channel, Channel.values),
        ("nature", filters.nature, Nature.values),
    ):
        if value and value not in allowed:
            raise InvalidInput(f"unknown {field} {value!r}; one of: {', '.join(allowed)}", field=field)
    return PetitionFilters(
        state=states or None,
        channel=filters.channel,
        nature=filters.nature,
        organ_id=filters.organ_id,
        category_id=filters.category_id,
        region_id=filters.region_id,
        overdue=filters.overdue,
        due_soon=filters.due_soon,
        urgent=filters.urgent,
        collective=filters.collective,
        received_from=filters.received_from,
        received_to=filters.received_to,
        due_before=filters.due_before,
        q=filters.q,
    )


CURSOR_SALT = "minsheng.api.petition-cursor"


def _filters_digest(filters: ListQuery) -> str:
    """What a cursor belongs to: the filters, not the page position."""
    values = filters.model_dump(exclude={"page", "page_size", "cursor"})
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _list_url(request: HttpRequest, **changes: str) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = value
    if "cursor" in changes:
        query.pop("page", None)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _cursor_page(request: HttpRequest, qs: Any, filters: ListQuery, count: int) -> PetitionPage:
    """Keyset pagination: id descending, after the last id of the previous page. The cursor is
    signed (opaque, not forgeable) and bound to the filters it was made for."""
    from django.core import signing

    digest = _filters_digest(filters)
    if filters.page != 1:
        raise InvalidInput(_("cursor 与 page 不能同时使用。"), field="page")
    qs = qs.order_by("-pk")
    if filters.cursor:
        try:
            position = signing.loads(filters.cursor, salt=CURSOR_SALT)
            after, made_for = int(position["after"]), str(position["filters"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise InvalidInput(_("cursor 无效，请从第一页重新开始。"), field="cursor") from None
        if made_for != digest:
            raise InvalidInput(_("cursor 属于另一组筛选条件，请从第一页重新开始。"), field="cursor")
        qs = qs.filter(pk__lt=after)
    rows = list(qs[: filters.page_size + 1])
    more = len(rows) > filters.page_size
    rows = rows[: filters.page_size]
    next_cursor = (
        signing.dumps({"after": rows[-1].pk, "filters": digest}, salt=CURSOR_SALT, compress=True)
        if more
        else None
    )
    return PetitionPage(
        count=count,
        page=None,
        page_size=filters.page_size,
        next=_list_url(request, cursor=next_cursor) if next_cursor else None,
        next_cursor=next_cursor,
        results=_petition_rows(request, rows),
    )


@router.get(
    "/petitions/{petition_id}",
    response={200: PetitionDetailOut, 304: None, **ERRORS},
    operation_id="petition_get",
)
def petition_get_endpoint(request: HttpRequest, petition_id: int) -> Any:
    """The petition with its ``ETag`` (send it back as ``If-Match`` on actions; ``If-None-Match``
    answers 304 when nothing changed for you)."""
    petition = access_petition(request.auth, petition_id)  # type: ignore[attr-defined]
    response = _detail_response(request, petition)
    if etag_matches(request.headers.get("If-None-Match"), response["ETag"]):
        not_modified = HttpResponse(status=304)
        for name in ("ETag", "Vary"):
            not_modified[name] = response[name]
        return not_modified
    return response


@router.post(
    "/petitions/{petition_id}/actions/{action}",
    response={200: PetitionDetailOut, **ACTION_ERRORS},
    operation_id="petition_action",
)
def petition_action_endpoint(request: HttpRequest, petition_id: int, action: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    integration = request_integration(request)
    if integration is not None:
        integration_may(integration, action)  # before the petition is looked at: no oracle
    petition = access_petition(user, petition_id)
    try:
        data = json.loads(request.body or b"{}") if request.body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the body must be a JSON object", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    expected = if_match_version(request.headers.get("If-Match"))
    petition_transition(
        petition.pk, action, actor=user, data=data, expected_version=expected, json_types=True
    )
    return _detail_response(request, access_petition(user, petition.pk))


@router.get(
    "/petitions/{petition_id}/actions",
    response={200: list[ActionOut], **ERRORS},
    operation_id="petition_available_actions",
)
def petition_actions_endpoint(request: HttpRequest, petition_id: int) -> Any:
    return _actions_for(request, access_petition(request.auth, petition_id))  # type: ignore[attr-defined]


def _actions_for(http: HttpRequest, petition: Petition) -> list[ActionOut]:
    """The actions the caller may take now (for an integration key: only those in its scope)."""
    integration = request_integration(http)
    return [
        ActionOut(action=t.action, label=str(t.label))
        for t in available_actions(petition, http.auth)  # type: ignore[attr-defined]
        if integration is None or integration_allows(integration, t.action)
    ]


api.add_router("", router)


# ---------------------------------------------------------------------------------------------- intelligence

intel_router = Router(tags=["intelligence"])


class SimilarOut(Schema):
    id: int
    tracking_code: str
    title: str
    score: float
    state: str


class FeedbackIn(Schema):
    kind: Literal["category", "nature", "routing", "region", "place", "urgency", "similar"] = Field(
        description="the suggestion's key in GET …/suggestions; `place` is an alias of `region`"
    )
    suggested: Any = None
    chosen: Any = None


@intel_router.get(
    "/petitions/{petition_id}/suggestions",
    response={200: dict[str, Any], **ERRORS},
    operation_id="petition_suggestions",
)
def petition_suggestions_endpoint(request: HttpRequest, petition_id: int, refresh: bool = False) -> Any:
    """Suggestions computed at registration (category, nature, places, routing, urgency, similar).
    With ``refresh=true`` they are computed again now. Staff accept or override; nothing is decided here."""
    user = request.auth  # type: ignore[attr-defined]
    petition = access_petition(user, petition_id)
    if refresh:
        from minsheng.intelligence.services import petition_enrich

        petition_enrich(petition)
        petition = access_petition(user, petition_id)
    return suggestions_for(user, petition)


@intel_router.post(
    "/petitions/{petition_id}/suggestions/feedback",
    response={200: dict[str, Any], **ERRORS},
    operation_id="petition_suggestion_feedback",
)
def petition_suggestion_feedback_endpoint(request: HttpRequest, petition_id: int, payload: FeedbackIn) -> Any:
    """Record that staff accepted or overrode a suggestion (feeds retraining; audited)."""
    from minsheng.intelligence.services import suggestion_feedback

    user = request.auth  # type: ignore[attr-defined]
    petition = access_petition(user, petition_id)
    # The document offered `place` while the service records `region` (the suggestions' key): a
    # place suggestion's feedback was refused either way (external client review, 2026-12-08).
    kind = "region" if payload.kind == "place" else payload.kind
    suggestion_feedback(petition, kind=kind, suggested=payload.suggested, chosen=payload.chosen, actor=user)
    return {"recorded": True, "accepted": payload.suggested == payload.chosen}


class DraftIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    request: str = Field("", max_length=20000, description="请求")
    facts: str = Field("", max_length=20000, description="事实")
    reasons: str = Field("", max_length=20000, description="理由")
    nature: str = Field("", description="suggestion | accusation | grievance | litigation_related (optional)")
    region_code: str | None = None
    place_text: str = Field("", max_length=200)
    accused_organ_id: int | None = None
    accused_person: str = Field("", max_length=100)
    receiving_organ_id: int | None = Field(None, description="default: the caller's registering organ")
    petitioner_phone: str = Field("", max_length=30, description="to recognise repeats by the same person")
    petitioner_id_number: str = Field(
        "", max_length=30, description="to recognise repeats by the same person"
    )


@intel_router.post(
    "/suggestions/draft",
    response={200: dict[str, Any], **ERRORS},
    operation_id="draft_suggestions",
)
def draft_suggestions_endpoint(request: HttpRequest, payload: DraftIn) -> Any:
    """What registration would suggest for a matter that is not registered yet (预检): similar and
    repeat petitions (with their relation: same petitioner, Art. 36 final, in progress elsewhere —
    Art. 19(3), possible collective issue), category, nature, competent organs with reasons, urgency.
    Nothing is written. Only staff who may register for the receiving organ may ask; petitions the
    caller may not see keep only their tracking code, score and an identity-free relation."""
    from minsheng.intelligence.services import DraftPetition, draft_analyse

    user = request.auth  # type: ignore[attr-defined]
    organ = _receiving_organ(user, payload.receiving_organ_id)
    if not (payload.title.strip() or payload.request.strip()):
        raise InvalidInput("title or request must not be empty", field="title")
    if payload.nature and payload.nature not in Nature.values:
        raise InvalidInput("unknown nature", field="nature")
    region = _region_by_code(payload.region_code)
    _organ_by_id(payload.accused_organ_id, "accused_organ_id")
    result = draft_analyse(
        DraftPetition(
            title=payload.title,
            request=payload.request,
            facts=payload.facts,
            reasons=payload.reasons,
            nature=payload.nature,
            region_id=region.pk if region is not None else None,
            place_text=payload.place_text,
            accused_organ_id=payload.accused_organ_id,
            accused_person=payload.accused_person,
            receiving_organ_id=organ.pk,
            petitioner_id_number=payload.petitioner_id_number,
            petitioner_phone=payload.petitioner_phone,
        ),
        viewer=user,
    )
    return result


@intel_router.get("/similar", response={200: list[SimilarOut], **ERRORS}, operation_id="similar_search")
def similar_endpoint(
    request: HttpRequest,
    text: str = Query(..., min_length=1, max_length=2000),  # longer URLs hit server limits (414)
    top: int = Query(10, ge=1, le=100),
) -> Any:
    """Earlier petitions with near-identical text (character 3-gram Jaccard), among those the caller
    may open (analysts: 403, they work on de-identified aggregates)."""
    from minsheng.petitions.selectors import similar_search

    if not text.strip():
        raise InvalidInput("text must not be empty", field="text")
    if not 1 <= top <= 100:
        raise InvalidInput("top must be between 1 and 100", field="top")
    hits = similar_search(request.auth, text, top)  # type: ignore[attr-defined]
    titles = listed_titles(request.auth, [p for p, _score in hits], allowed=_identity_allowed(request))  # type: ignore[attr-defined]
    return [
        SimilarOut(
            id=p.pk, tracking_code=p.tracking_code, title=titles[p.pk], score=round(score, 4), state=p.state
        )
        for p, score in hits
    ]


api.add_router("", intel_router)

# Attachments (masked list, logged download): a module of their own, registered here.
from minsheng.api.personal_data import router as personal_data_router  # noqa: E402

api.add_router("", personal_data_router)

# Supervision orders (list, read, answer): a module of their own, registered here.
from minsheng.api.supervision import router as supervision_router  # noqa: E402

api.add_router("", supervision_router)

# Assessment indicators (figures, drill-down, trend, ranking): a module of their own, registered here.
from minsheng.api.accountability import router as accountability_router  # noqa: E402
from minsheng.api.indicators import router as indicators_router  # noqa: E402

api.add_router("", indicators_router)
api.add_router("", accountability_router)

# Leader reception days, 稳评 decisions and consistency flags (read), and in ``responsibility`` on
# the same router: their writes, 包案, 下访 and the supervision ladder.
import minsheng.api.responsibility  # noqa: E402, F401
from minsheng.api.reception import router as reception_router  # noqa: E402

api.add_router("", reception_router)

# Documents, notes, saved filters, the list export (what the workbench does): a module of their own.
from minsheng.api.workbench import router as workbench_router  # noqa: E402

api.add_router("", workbench_router)

# The citizen API for mobile apps (track, rate, appeal, submit): no staff token.
from minsheng.api.citizen import router as citizen_router  # noqa: E402

api.add_router("/citizen", citizen_router)
