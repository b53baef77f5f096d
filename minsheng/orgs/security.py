"""Staff account security: password policy, lock-out responses, two-factor requirement.

Lock-out itself is django-axes (attempts in the database, shared by every process); TOTP is
django-otp. This module holds only the project's policy around them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from minsheng.orgs.models import Role
from minsheng.orgs.selectors import roles_of

AnyUser = AbstractBaseUser | AnonymousUser

# Portal (citizen) accounts: this prefix and the blind index of the proved phone
# (petitions.citizen_access.citizen_account); the one definition, imported wherever it is needed.
CITIZEN_USERNAME_PREFIX = "citizen-"


def is_citizen_account(user: Any) -> bool:
    return bool(user is not None and str(user.get_username() or "").startswith(CITIZEN_USERNAME_PREFIX))


def is_staff_account(user: AnyUser | None) -> bool:
    """An authenticated account that is not a citizen's portal account."""
    return bool(user is not None and user.is_authenticated and not is_citizen_account(user))


# ------------------------------------------------------------------------------------ password policy


class CharacterClassesValidator:
    """Staff passwords: at least ``min_length`` characters from ``min_classes`` of the four classes
    (lower-case letters, upper-case letters, digits, other characters).

    Citizens' portal accounts keep Django's validators only (the portal asks for 10 characters).
    """

    def __init__(self, min_classes: int = 3, min_length: int = 12) -> None:
        self.min_classes = min_classes
        self.min_length = min_length

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password: str, user: Any = None) -> None:
        if is_citizen_account(user):
            return
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "工作人员密码至少需要%(n)d个字符。",
                        "工作人员密码至少需要%(n)d个字符。",
                        self.min_length,
                    )
                    % {"n": self.min_length},
                    code="password_too_short",
                )
            )
        if self.classes(password) < self.min_classes:
            errors.append(
                ValidationError(
                    _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes},
                    code="password_too_simple",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _("工作人员密码至少%(len)d个字符，并包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {
            "len": self.min_length,
            "n": self.min_classes,
        }


# ----------------------------------------------------------------------------------------- lock-out


def login_cooloff() -> dt.timedelta | None:
    """The lock-out period (AXES_COOLOFF_TIME); None: until an administrator unlocks."""
    from axes.helpers import get_cool_off

    cooloff: dt.timedelta | None = get_cool_off()
    return cooloff


def lockout_message() -> str:
    cooloff = login_cooloff()
    if cooloff is None:
        return _("登录失败次数过多，账户已被锁定。请联系系统管理员解锁。")
    minutes = int(cooloff.total_seconds() // 60)
    return _("登录失败次数过多，账户已被暂时锁定。请%(m)d分钟后再试，或联系系统管理员解锁。") % {"m": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page with the lock-out message; JSON on the API."""
    cooloff = login_cooloff()
    if request.path.startswith("/api/"):
        minutes = int(cooloff.total_seconds() // 60) if cooloff else None
        message = (
            f"too many failed logins: locked for {minutes} minutes"
            if minutes
            else "too many failed logins: locked until an administrator unlocks the account"
        )
        response: HttpResponse = JsonResponse({"code": "locked_out", "message": message}, status=429)
    else:
        username = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
        context = {
            "lockout_message": lockout_message(),
            "username_value": username,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        }
        response = render(request, "workbench/login.html", context, status=429)
    if cooloff is not None:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same client address as the portal throttles use — or None when
    the request carries no valid address (axes stores addresses in an IP column, which PostgreSQL
    checks: 'unknown' would fail the login)."""
    import ipaddress

    from minsheng.core.throttle import client_ip as portal_client_ip

    address = portal_client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


# ------------------------------------------------------------------------------------- two-factor


def two_factor_required(user: AnyUser | None) -> bool:
    """MINSHENG_REQUIRE_2FA: administrators and roles that may reveal petitioners' identities."""
    if not settings.MINSHENG_REQUIRE_2FA or not is_staff_account(user):
        return False
    assert user is not None
    if getattr(user, "is_superuser", False) or getattr(user, "is_staff", False):
        return True
    from minsheng.petitions.selectors import IDENTITY_ROLES

    return bool(roles_of(user) & ({Role.ADMIN.value} | {str(r) for r in IDENTITY_ROLES}))


def confirmed_device(user: AnyUser | None) -> Any:
    """The user's confirmed TOTP device, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if user is None or not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()
