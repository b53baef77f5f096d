"""Project middleware: default language, no-store caching, 400 for bad query parameters.

Language: Simplified Chinese unless the user chose otherwise (language cookie or ?lang=).
Django's LocaleMiddleware would follow the browser's Accept-Language; a government service in
China answers in Chinese by default, with English one click away.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation


class DefaultLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or ""
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


# Public pages an anonymous visitor may let a browser or proxy cache (no identity on them).
PUBLIC_VIEW_NAMES = frozenset(
    {
        "healthz",
        "portal:home",
        "portal:guide",
        "portal:legal",
        "portal:faq",
        "portal:privacy",
        "portal:stats",
        "portal:stats_json",
    }
)


def is_public_response(request: HttpRequest) -> bool:
    """True for static files and the public pages above when nobody is signed in."""
    if request.path.startswith(settings.STATIC_URL):
        return True
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in PUBLIC_VIEW_NAMES:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (and ``Pragma: no-cache``) on every response that may carry an
    identity: everything except static files and the public anonymous pages. Deny by default, so a
    new page is never cached by a shared computer's browser or a proxy unless listed as public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_public_response(request):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
            response.headers.pop("Expires", None)
        return response


class BadParameterMiddleware:
    """A BadParameter raised by a page view (minsheng.core.params) answers 400 with its message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from minsheng.core.params import BadParameter

        if not isinstance(exception, BadParameter):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(exception.as_dict(), status=400)
        return HttpResponseBadRequest(exception.message, content_type="text/plain; charset=utf-8")
