"""Error pages (400, 403, 404, 405, 500) in the product's look: the workbench's for /workbench/,
the portal's elsewhere, JSON for the machine interfaces. Never Django's debug or plain pages
when DEBUG is off. No business rules here: only which page says what.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/open311/")


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("请求有误"), _("提交的内容无法处理，请返回上一页检查后重试。")),
        403: (_("无权访问"), _("您没有查看此页面的权限。如需办理，请联系本单位管理员。")),
        404: (_("页面不存在"), _("您访问的页面不存在或已被移除，请检查网址。")),
        405: (_("不支持该操作"), _("此页面不支持这种请求方式，请从页面上的按钮或链接进入。")),
        500: (
            _("系统出现错误"),
            _("服务暂时出现问题，已记录在案。请稍后再试；如情况紧急，请拨打当地信访部门电话。"),
        ),
    }


_API_CODES = {
    400: "invalid",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    500: "server_error",
}


def error_page(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
    """The page for ``status``; ``detail`` is a message the view gave (e.g. why access is denied)."""
    title, text = _titles().get(status, _titles()[400])
    if request.path.startswith("/api/"):
        # The API's one error body (docs/api.md "Errors"), also for what no endpoint answers.
        code = _API_CODES.get(status, "error")
        # A 405's text is ninja's English "Method not allowed": the translated title instead.
        message = title if status == 405 else (detail or title)
        return JsonResponse({"code": code, "message": message}, status=status)
    if request.path.startswith(MACHINE_PREFIXES):
        return JsonResponse({"detail": detail or title}, status=status)
    workbench = request.path.startswith("/workbench/")
    template = "workbench/error.html" if workbench else "portal/error.html"
    context = {"status": status, "title": title, "text": text, "detail": detail}
    body: str
    try:
        body = render_to_string(template, context, request=request)
    except Exception:  # the page itself must never fail: fall back to bare markup
        logger.exception("error page %s failed to render", status)
        body = f"<!doctype html><meta charset='utf-8'><title>{escape(title)}</title><h1>{escape(title)}</h1>"
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig) and request.path.startswith("/api/"):
        # Read outside an endpoint (the idempotency key's fingerprint reads the body first): the
        # same 413 the API's own handler answers.
        from django.conf import settings

        from minsheng.core.errors import BodyTooLarge

        error = BodyTooLarge.over(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return JsonResponse(error.as_dict(), status=error.http_status)
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception is not None and str(exception) else ""
    return error_page(request, 403, message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(request, 403, _("表单已过期，请刷新页面后重新提交。"))


class ErrorPageMiddleware:
    """Bare error responses from views (``HttpResponseForbidden("…")``, the empty 405 of
    ``require_POST``) become the product's page, with the view's message kept. Partial pages for
    htmx and JSON are left as they are."""

    STATUSES = (400, 403, 404, 405)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code not in self.STATUSES or getattr(response, "streaming", False):
            return response
        if request.headers.get("HX-Request") or not response.get("Content-Type", "").startswith("text/html"):
            return response
        content = response.content.decode("utf-8", "replace").strip()
        if "<" in content:
            return response  # already a page (or a fragment a view chose to send)
        page = error_page(request, response.status_code, content)
        if response.status_code == 405 and response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
