"""Staff account security in the browser: lock-out message, idle time-out, TOTP enrolment and a
login with the code, an API token refused after the password is changed in the workbench."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

PASSWORD = "test-password-123"


def password_login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/workbench/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def code_from_key(manual_key: str) -> str:
    """What the phone app shows: TOTP over the base32 key the enrolment page displayed."""
    key = base64.b32decode(manual_key.replace(" ", ""))
    return f"{totp(key):06d}"


def test_lockout_message_after_too_many_bad_passwords(page: Any, live_server: Any, world: Any) -> None:
    base = live_server.url
    for attempt in range(5):
        password_login(page, base, "leader", f"wrong-password-{attempt}")
    alert = page.locator("#lockout")
    assert "登录失败次数过多，账户已被暂时锁定" in alert.inner_text()
    assert "30分钟后再试" in alert.inner_text()
    path = screenshot(page, "staff-01-lockout")
    assert path.exists()
    # Even the right password is refused now.
    password_login(page, base, "leader")
    assert page.locator("#lockout").count() == 1
    assert "/workbench/login/" in page.url


def test_idle_session_is_logged_out(page: Any, live_server: Any, world: Any) -> None:
    base = live_server.url
    password_login(page, base, "registrar")
    assert "/workbench/login/" not in page.url
    page.goto(f"{base}/workbench/petitions/")
    assert page.locator("h1").count() >= 1 and "/workbench/petitions/" in page.url
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=True):
        page.goto(f"{base}/workbench/petitions/")
        assert "/workbench/login/?next=" in page.url
        assert "30分钟未操作，系统已自动退出登录" in page.inner_text(".messages")
        screenshot(page, "staff-02-idle-logout")


def test_totp_enrolment_and_login_with_the_code(page: Any, live_server: Any, world: Any) -> None:
    base = live_server.url
    password_login(page, base, "dispatcher")
    page.goto(f"{base}/workbench/account/two-factor/")
    assert page.locator("svg.qr path").count() == 1
    assert (page.text_content("#otpauth-uri") or "").startswith("otpauth://totp/")
    manual_key = page.inner_text("#manual-key")
    screenshot(page, "staff-03-totp-enrol")
    page.fill("#id_otp_token", "000000" if code_from_key(manual_key) != "000000" else "111111")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "验证码不正确" in page.inner_text("[role=alert]")
    # django-otp throttles for a second after a failure.
    page.wait_for_timeout(1100)
    page.fill("#id_otp_token", code_from_key(manual_key))
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/workbench/account/" not in page.url
    assert "双因素认证已启用" in page.inner_text(".messages")

    # Log out, log in again: the password is not enough any more.
    with page.expect_navigation():
        page.click("form[action$='/workbench/logout/'] button")
    password_login(page, base, "dispatcher")
    assert "/workbench/account/verify/" in page.url
    page.goto(f"{base}/workbench/petitions/")
    assert "/workbench/account/verify/" in page.url
    screenshot(page, "staff-04-totp-verify")
    # The next time step (a code is accepted once only).
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=True):
        page.fill("#id_otp_token", code_from_key(manual_key))
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/workbench/petitions/" in page.url
        assert "/workbench/account/" not in page.url


def test_api_token_refused_after_password_change(page: Any, live_server: Any, world: Any) -> None:
    base = live_server.url
    issued = page.request.post(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"username": "organ_head", "password": PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    assert issued.status == 200
    auth = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert page.request.get(f"{base}/api/v1/auth/me", headers=auth).status == 200

    password_login(page, base, "organ_head")
    page.goto(f"{base}/workbench/account/password/")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "simple-password")
    page.fill("#id_new_password2", "simple-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "至少3类" in page.inner_text("form")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Xinfang-Ju-2025")
    page.fill("#id_new_password2", "Xinfang-Ju-2025")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "密码已修改" in page.inner_text(".messages")

    refused = page.request.get(f"{base}/api/v1/auth/me", headers=auth)
    assert refused.status == 401
    assert refused.json()["code"] == "unauthenticated"
