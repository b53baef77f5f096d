"""Helpers for the staff-security tests: TOTP codes computed from a device key, API calls."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.oath import totp

PASSWORD = "test-password-123"


def code_for(device: Any) -> str:
    """The code the user's app shows now: RFC 6238 over the device's key (time.time(), so
    time-machine moves it), computed independently of the device's own verification."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def api_token(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
