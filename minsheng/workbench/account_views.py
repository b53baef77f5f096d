"""Staff two-factor authentication (django-otp TOTP): enrolment and the code step of login.

The password step is Django's login (django-axes counts its failures); after it,
minsheng.orgs.middleware.StaffTwoFactorMiddleware sends a user who has a confirmed device here
until a code is verified (django_otp.login marks the session), and a user whom
MINSHENG_REQUIRE_2FA covers to enrolment first.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from minsheng.orgs.models import SecurityEvent
from minsheng.orgs.security import client_ip, confirmed_device, is_staff_account, two_factor_required

CODE_RE = re.compile(r"^\d{6}$")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("workbench:home")


def _code(request: HttpRequest) -> str:
    return re.sub(r"\s+", "", request.POST.get("otp_token", ""))


def qr_svg(data: str) -> SafeString:
    """The otpauth URI as an inline SVG QR code, generated here (nothing leaves the server)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="qr" role="img"', svg, count=1)
    title = _("动态口令绑定二维码")  # outside the f-string, where makemessages finds it
    svg = svg.replace(">", f"><title>{title}</title>", 1)
    return mark_safe(svg)  # generated markup: path data and a fixed title only


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator app."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _failed(request: HttpRequest, user: Any, device: TOTPDevice, stage: str) -> HttpResponse | None:
    """A wrong code: audited, and counted by django-axes like a wrong password (lock-out)."""
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.OTP_FAILED,
        user_id=user.pk,
        detail={"stage": stage, "device": device.pk},
        ip_address=(client_ip(request) or "")[:64],
    )
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)  # AxesMiddleware answers with the lock-out page
        return HttpResponse(status=429)
    return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = confirmed_device(user)
    if device is None:
        return redirect(_next_url(request))
    error = ""
    status = 200
    if request.method == "POST":
        code = _code(request)
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            error = _("验证码错误次数过多，请稍后再试。")
            status = 429
        elif not CODE_RE.match(code):
            error = _("请输入动态口令应用中显示的6位数字验证码。")
            status = 422
        else:
            verified = verify_token(user, device.persistent_id, code)
            if verified is not None:
                request.session.cycle_key()
                otp_login(request, verified)
                return HttpResponseRedirect(_next_url(request))
            locked = _failed(request, user, device, "login")
            if locked is not None:
                return locked
            error = _("验证码不正确或已过期，请重新输入。")
            status = 422
    return render(
        request,
        "workbench/otp_verify.html",
        {"error": error, "next": _next_url(request)},
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not is_staff_account(user):
        return redirect("portal:home")
    existing = confirmed_device(user)
    if existing is not None:
        return render(
            request,
            "workbench/otp_enrol.html",
            {"enrolled": True, "device": existing, "next": _next_url(request)},
        )
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=_("动态口令"), confirmed=False)
    error = ""
    status = 200
    if request.method == "POST":
        code = _code(request)
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            error = _("验证码错误次数过多，请稍后再试。")
            status = 429
        elif not CODE_RE.match(code):
            error = _("请输入动态口令应用中显示的6位数字验证码。")
            status = 422
        elif device.verify_token(code):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.cycle_key()
            otp_login(request, device)
            SecurityEvent.objects.create(
                kind=SecurityEvent.Kind.OTP_ENROLLED,
                user_id=user.pk,
                actor_id=user.pk,
                detail={"device": device.pk},
                ip_address=(client_ip(request) or "")[:64],
            )
            messages.success(request, _("双因素认证已启用。今后登录时需要输入动态口令。"))
            return HttpResponseRedirect(_next_url(request))
        else:
            locked = _failed(request, user, device, "enrolment")
            if locked is not None:
                return locked
            error = _("验证码不正确，请核对手机时间后重新输入。")
            status = 422
    uri = device.config_url
    context = {
        "enrolled": False,
        "required": two_factor_required(user),
        "qr": qr_svg(uri),
        "otpauth_uri": uri,
        "manual_key": manual_key(device),
        "error": error,
        "next": _next_url(request),
    }
    return render(request, "workbench/otp_enrol.html", context, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """A staff member changes the password (AUTH_PASSWORD_VALIDATORS apply). The session stays;
    the user's API tokens are revoked (minsheng.orgs.signals)."""

    template_name = "workbench/password_change.html"

    def get_success_url(self) -> str:
        return reverse("workbench:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。已签发的API令牌随之失效。"))
        return response
