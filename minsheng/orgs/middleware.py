"""Staff session middleware: idle time-out and the two-factor gate.

Both apply to staff accounts only (a citizen's portal session keeps its own handling). Install
after AuthenticationMiddleware, django_otp's OTPMiddleware and MessageMiddleware.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.orgs.models import SecurityEvent
from minsheng.orgs.security import confirmed_device, is_staff_account, two_factor_required

LAST_ACTIVITY_KEY = "minsheng_staff_last_activity"
# The stored activity time is refreshed at most this often (one session write per interval).
REFRESH_SECONDS = 30
# Session-authenticated staff surfaces the two-factor gate protects.
GATED_PREFIXES = ("/workbench/", "/admin/")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect; for HTMX requests an HX-Redirect so the whole page goes, not a fragment."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _with_next(url: str, request: HttpRequest) -> str:
    if request.method == "GET":
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class StaffIdleTimeoutMiddleware:
    """Log out a staff session idle for longer than MINSHENG_STAFF_IDLE_MINUTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if is_staff_account(user):
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = int(settings.MINSHENG_STAFF_IDLE_MINUTES) * 60
            if isinstance(last, int) and now - last > limit:
                assert user is not None
                SecurityEvent.objects.create(
                    kind=SecurityEvent.Kind.IDLE_LOGOUT,
                    user_id=user.pk,
                    detail={"idle_seconds": now - last, "path": request.path[:200]},
                )
                logout(request)
                messages.warning(
                    request,
                    _("您已超过%(m)d分钟未操作，系统已自动退出登录。请重新登录。")
                    % {"m": settings.MINSHENG_STAFF_IDLE_MINUTES},
                )
                return _redirect(request, _with_next(settings.LOGIN_URL, request))
            if not isinstance(last, int) or now - last >= REFRESH_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class StaffTwoFactorMiddleware:
    """The workbench and the admin need a verified TOTP code when the user has a device, and
    enrolment first when MINSHENG_REQUIRE_2FA applies to the user and there is none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        user = getattr(request, "user", None)
        if not path.startswith(GATED_PREFIXES) or not is_staff_account(user):
            return self.get_response(request)
        verify_url = reverse("account:otp_verify")
        enrol_url = reverse("account:otp_enrol")
        always_open = {reverse("workbench:logout"), reverse("workbench:login"), reverse("admin:logout")}
        if path in always_open:
            return self.get_response(request)
        verified = bool(getattr(user, "is_verified", lambda: False)())
        if verified:
            return self.get_response(request)
        device = confirmed_device(user)
        if device is not None:
            if path == verify_url:
                return self.get_response(request)
            return _redirect(request, _with_next(verify_url, request))
        if two_factor_required(user):
            if path == enrol_url:
                return self.get_response(request)
            return _redirect(request, _with_next(enrol_url, request))
        if path == verify_url:
            return HttpResponseRedirect(reverse("workbench:home"))
        return self.get_response(request)
