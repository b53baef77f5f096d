"""TOTP two-factor authentication for staff (django-otp): enrolment, login with a code, the
MINSHENG_REQUIRE_2FA gate and the API token endpoint."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from minsheng.orgs.models import SecurityEvent
from minsheng.orgs.tests.helpers import PASSWORD, api_token, code_for

pytestmark = pytest.mark.django_db

ENROL = "/workbench/account/two-factor/"
VERIFY = "/workbench/account/verify/"


def enrolled_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_enrolment_shows_qr_uri_and_key_and_confirms_with_a_code(
    client: Client, users: Any, settings: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = users["caseworker"]
    client.force_login(user)
    page = client.get(ENROL)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="qr" role="img"' in html and "<path" in html
    assert "otpauth://totp/" in html and "issuer=" in html
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    key = re.search(r'id="manual-key">([A-Z2-7 ]+)<', html)
    assert key is not None and len(key.group(1).replace(" ", "")) == 32
    # Reloading keeps the same pending key (the app may already hold it).
    assert client.get(ENROL).status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(ENROL, {"otp_token": wrong(code_for(device))})
    assert response.status_code == 422
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post(ENROL, {"otp_token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_ENROLLED, user=user).exists()
    # The session that enrolled is verified: the workbench is open.
    assert client.get("/workbench/petitions/").status_code == 200
    page = client.get(ENROL)
    assert "已启用双因素认证" in page.content.decode() and "manual-key" not in page.content.decode()


def test_login_asks_for_the_code(client: Client, users: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled_device(users["dispatcher"])
    response = client.post("/workbench/login/", {"username": "dispatcher", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/workbench/petitions/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fworkbench%2Fpetitions%2F"
    assert client.get("/admin/").status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and "6位验证码" in page.content.decode()

    refused = client.post(VERIFY, {"otp_token": wrong(code_for(device)), "next": "/workbench/petitions/"})
    assert refused.status_code == 422
    assert client.get("/workbench/petitions/").status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.OTP_FAILED).count() == 1

    ok_code = code_for(device)
    ok = client.post(VERIFY, {"otp_token": ok_code, "next": "/workbench/petitions/"})
    assert ok.status_code == 302 and ok["Location"] == "/workbench/petitions/"
    assert client.get("/workbench/petitions/").status_code == 200
    # The same code cannot be used twice (replay).
    other = Client()
    other.post("/workbench/login/", {"username": "dispatcher", "password": PASSWORD})
    assert other.post(VERIFY, {"otp_token": ok_code}).status_code == 422


def test_next_url_must_be_local(client: Client, users: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled_device(users["registrar"])
    client.post("/workbench/login/", {"username": "registrar", "password": PASSWORD})
    response = client.post(VERIFY, {"otp_token": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/workbench/"


def test_wrong_codes_are_throttled(client: Client, users: Any) -> None:
    device = enrolled_device(users["registrar"])
    client.post("/workbench/login/", {"username": "registrar", "password": PASSWORD})
    assert client.post(VERIFY, {"otp_token": wrong(code_for(device))}).status_code == 422
    # django-otp's throttle: right after a failure even the right code waits.
    response = client.post(VERIFY, {"otp_token": code_for(device)})
    assert response.status_code == 429 and "请稍后再试" in response.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=40), tick=False):
        assert client.post(VERIFY, {"otp_token": code_for(device)}).status_code == 302


def test_wrong_codes_count_towards_the_lockout(client: Client, users: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled_device(users["leader"])
    assert client.post("/workbench/login/", {"username": "leader", "password": PASSWORD}).status_code == 302
    for _ in range(4):
        assert client.post(VERIFY, {"otp_token": wrong(code_for(device))}).status_code == 422
    response = client.post(VERIFY, {"otp_token": wrong(code_for(device))})
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post("/workbench/login/", {"username": "leader", "password": PASSWORD}).status_code == 429


def test_admin_login_also_needs_the_code(client: Client, users: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled_device(users["admin"])
    assert client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    client.post(VERIFY, {"otp_token": code_for(device), "next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_unverified_session_can_log_out(client: Client, users: Any) -> None:
    enrolled_device(users["admin"])
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert client.post("/admin/logout/").status_code == 200
    assert "_auth_user_id" not in client.session


def test_without_a_device_nothing_changes_when_not_required(client: Client, users: Any) -> None:
    assert (
        client.post("/workbench/login/", {"username": "caseworker", "password": PASSWORD}).status_code == 302
    )
    assert client.get("/workbench/petitions/").status_code == 200
    assert client.get(VERIFY).status_code == 302


@pytest.mark.parametrize(
    "username", ["registrar", "dispatcher", "caseworker", "organ_head", "leader", "admin"]
)
def test_required_2fa_sends_to_enrolment(client: Client, users: Any, settings: Any, username: str) -> None:
    settings.MINSHENG_REQUIRE_2FA = True
    client.force_login(users[username])
    for url in ("/workbench/", "/workbench/petitions/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(ENROL), url
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "您的岗位要求启用双因素认证" in page.content.decode()
    # The API will not issue a token either.
    response = api_token(Client(), username)
    assert response.status_code == 403 and response.json()["code"] == "otp_enrolment_required"


@pytest.mark.parametrize("username", ["supervisor", "analyst"])
def test_required_2fa_spares_roles_that_cannot_reveal(
    client: Client, users: Any, settings: Any, username: str
) -> None:
    settings.MINSHENG_REQUIRE_2FA = True
    client.force_login(users[username])
    assert client.get("/workbench/dashboard/").status_code == 200
    assert api_token(Client(), username).status_code == 200


def test_required_2fa_enrol_then_work(client: Client, users: Any, settings: Any) -> None:
    settings.MINSHENG_REQUIRE_2FA = True
    client.force_login(users["registrar"])
    response = client.get("/workbench/petitions/")
    client.get(response["Location"])
    device = TOTPDevice.objects.get(user=users["registrar"])
    done = client.post(ENROL, {"otp_token": code_for(device), "next": "/workbench/petitions/"})
    assert done.status_code == 302 and done["Location"] == "/workbench/petitions/"
    assert client.get("/workbench/petitions/").status_code == 200


def test_api_token_needs_the_code_when_enrolled(client: Client, users: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled_device(users["caseworker"])
    response = api_token(client, "caseworker")
    assert response.status_code == 401 and response.json()["code"] == "otp_required"
    response = api_token(client, "caseworker", otp_token=wrong(code_for(device)))
    assert response.status_code == 401 and response.json()["code"] == "otp_invalid"
    response = api_token(client, "caseworker", otp_token=code_for(device))
    assert response.status_code == 200, response.content


def test_portal_is_not_gated(client: Client, users: Any, settings: Any) -> None:
    settings.MINSHENG_REQUIRE_2FA = True
    client.force_login(users["registrar"])
    assert client.get("/").status_code == 200
