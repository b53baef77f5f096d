"""``/open311/v2/``: GeoReport v2 in XML and JSON. Views parse parameters, call minsheng.integrations.open311,
and render the spec's element names and nesting; errors are the spec's error list (400/403/404)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from minsheng.core.errors import ApplicationError, InvalidInput, NotFound
from minsheng.integrations import open311
from minsheng.integrations.keys import integration_authenticate

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-05T00:00:00Z"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
#: Plural → singular element names of the spec's XML lists.
LIST_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
}


# ---- rendering ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _text(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _xml_fill(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        element = ET.SubElement(parent, name)
        for item in value:
            _xml_fill(element, LIST_ITEMS.get(name, "item"), item)
    elif isinstance(value, dict):
        element = ET.SubElement(parent, name)
        for key, item in value.items():
            _xml_fill(element, key, item)
    else:
        ET.SubElement(parent, name).text = _text(value)


def render(fmt: str, root: str, payload: Any, status: int = 200) -> HttpResponse:
    """``payload`` is a list (rendered as ``<root><item>…</item></root>``) or a dict (``<root>…</root>``)."""
    if fmt == "json":
        body = json.dumps(_json_value(payload), ensure_ascii=False)
    else:
        element = ET.Element(root)
        if isinstance(payload, list):
            for item in payload:
                _xml_fill(element, LIST_ITEMS[root], item)
        else:
            for key, value in payload.items():
                _xml_fill(element, key, value)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": description}], status=status)


def _error_of(exc: ApplicationError) -> tuple[int, str]:
    status = 404 if isinstance(exc, NotFound) else 403 if exc.http_status == 403 else 400
    description = f"{exc.field}: {exc.message}" if exc.field else exc.message
    return status, description


def endpoint(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turns the services' errors into the spec's error list, in the format asked for."""

    def view(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return handler(request, fmt, **kwargs)
        except ApplicationError as exc:
            return error(fmt, *_error_of(exc))

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


def _param(request: HttpRequest, name: str) -> str:
    value = request.GET.get(name, "") if request.method == "GET" else request.POST.get(name, "")
    if "\x00" in value or len(value) > 20000:
        raise InvalidInput(_("参数无效。"), field=name)
    return value


def _check_jurisdiction(request: HttpRequest) -> None:
    open311.open311_jurisdiction(_param(request, "jurisdiction_id"))


# ---- endpoints ---------------------------------------------------------------------------------


@require_http_methods(["GET"])
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    url = request.build_absolute_uri("/open311/v2/").rstrip("/")
    return render(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": getattr(settings, "MINSHENG_OPEN311_CONTACT", "") or _("请联系信访部门获取接口密钥。"),
            "key_service": _("接口密钥由系统管理员使用 minsheng open311-key 命令签发。"),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production" if settings.PRODUCTION else "test",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@require_http_methods(["GET"])
@endpoint
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_jurisdiction(request)
    return render(fmt, "services", open311.open311_services())


@require_http_methods(["GET"])
@endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    _check_jurisdiction(request)
    definition = open311.open311_service_definition(code)
    return render(fmt, "service_definition", definition)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@endpoint
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_jurisdiction(request)
    if request.method == "POST":
        return _create(request, fmt)
    query = open311.Open311Query(
        service_request_id=_param(request, "service_request_id"),
        service_code=_param(request, "service_code"),
        start_date=_param(request, "start_date"),
        end_date=_param(request, "end_date"),
        status=_param(request, "status"),
    )
    return render(fmt, "service_requests", open311.open311_requests(query))


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    integration = integration_authenticate(_param(request, "api_key"))
    if integration is None:
        return error(fmt, 403, _("api_key 无效，不能提交请求。"))
    attributes = {}
    for key in request.POST:
        if key.startswith("attribute[") and key.endswith("]"):
            attributes[key[len("attribute[") : -1]] = _param(request, key)
    data = open311.Open311RequestInput(
        service_code=_param(request, "service_code"),
        description=_param(request, "description"),
        jurisdiction_id=_param(request, "jurisdiction_id"),
        lat=_param(request, "lat"),
        long=_param(request, "long"),
        address_string=_param(request, "address_string"),
        address_id=_param(request, "address_id"),
        first_name=_param(request, "first_name"),
        last_name=_param(request, "last_name"),
        phone=_param(request, "phone"),
        email=_param(request, "email"),
        attributes=attributes,
    )
    if not data.service_code.strip():
        raise InvalidInput(_("请提供 service_code。"), field="service_code")
    try:
        created = open311.open311_request_create(integration, data)
    except NotFound as exc:  # an unknown service code in a POST is a bad request
        return error(fmt, 400, _error_of(exc)[1])
    row = {
        "service_request_id": created.service_request_id,
        "token": created.token,
        "service_notice": created.service_notice,
        "account_id": None,
    }
    return render(fmt, "service_requests", [row], status=201)


@require_http_methods(["GET"])
@endpoint
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    _check_jurisdiction(request)
    return render(fmt, "service_requests", [open311.open311_request(service_request_id)])


@require_http_methods(["GET"])
@endpoint
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    _check_jurisdiction(request)
    return render(fmt, "service_requests", [open311.open311_token(token)])


@require_http_methods(["GET"])
@endpoint
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's extension (FixMyStreet): the status changes of public requests."""
    _check_jurisdiction(request)
    rows = open311.open311_updates(_param(request, "start_date"), _param(request, "end_date"))
    return render(fmt, "service_request_updates", rows)


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "json" if request.path.endswith(".json") else "xml"
    return error(fmt, 404, _("没有这个接口。"))
