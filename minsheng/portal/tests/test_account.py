"""The citizen account: one-time-code and password sign-in, my petitions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.portal.tests.helpers import (
    MATTER,
    last_code,
)

pytestmark = pytest.mark.django_db


def test_login_with_code_lists_my_petitions(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"otp_phone_gap": (5, 60)}
    assert client.get("/account/").status_code == 302
    client.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    response = client.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    assert response.status_code == 302
    # Phone already verified by the login: no second code needed for submission.
    client.post("/submit/", MATTER)
    response = client.post("/submit/contact/", {"name": "赵六", "phone": "13700137000", "action": "continue"})
    assert response.status_code == 302
    client.post("/submit/confirm/", {"truthful": "on", "privacy": "on"})
    code = client.session["portal_submit_done"]["code"]
    body = client.get("/account/").content.decode()
    assert code in body
    # A fresh browser logged in as the same citizen sees the petition without the password.
    other = Client()
    other.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    other.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    assert other.get(f"/track/{code}/").status_code == 200


def test_password_login(client: Client, world: Any) -> None:
    client.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    client.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    response = client.post("/account/", {"password": "short"})
    assert "至少" in response.content.decode() or response.status_code == 200
    response = client.post("/account/", {"password": "a-long-enough-password"})
    assert response.status_code == 302
    client.post("/account/logout/")
    assert client.get("/account/").status_code == 302
    response = client.post(
        "/account/login/",
        {"pw-phone": "13700137000", "pw-password": "wrong-password-x", "action": "password"},
    )
    assert response.status_code == 422 and "密码不正确" in response.content.decode()
    response = client.post(
        "/account/login/",
        {"pw-phone": "13700137000", "pw-password": "a-long-enough-password", "action": "password"},
    )
    assert response.status_code == 302


def test_sign_in_lists_petitions_of_own_phone_registered_before(client: Client, register: Any) -> None:
    from minsheng.petitions.services import PetitionerInput

    petition = register(petitioner=PetitionerInput(name="赵六", phone="13700137000", address="A市"))
    client.post("/account/login/", {"otp-phone": "13700137000", "action": "send_code"})
    client.post(
        "/account/login/",
        {"otp-phone": "13700137000", "otp-code": last_code("13700137000"), "action": "verify_code"},
    )
    # Issue 13: registered with the same phone before the account existed, it is listed at once
    # (blind index), with no code + password needed; tracking it still works.
    assert petition.tracking_code in client.get("/account/").content.decode()
    client.post("/track/", {"tracking_code": petition.tracking_code, "password": petition.query_password})
    assert petition.tracking_code in client.get("/account/").content.decode()


def test_staff_login_is_not_a_citizen(client: Client, users: Any, register: Any) -> None:
    petition = register()
    client.force_login(users["registrar"])
    assert client.get("/account/").status_code == 302
    assert client.get(f"/track/{petition.tracking_code}/").status_code == 302


def test_a_paused_password_sign_in_says_nothing_about_the_phone(client: Client, world: Any) -> None:
    """Five wrong passwords for one phone (from anywhere) pause its password sign-in for 15
    minutes; the answer then — even to the right password — is the one for a wrong password or a
    phone without an account, byte for byte, so nobody learns that others have been failing with
    that phone. The address's own limit is told: it depends on the caller alone."""
    import datetime as dt
    import re

    import time_machine
    from django.core.cache import cache
    from django.utils import timezone

    cache.clear()
    holder = "13700137001"
    client.post("/account/login/", {"otp-phone": holder, "action": "send_code"})
    client.post(
        "/account/login/", {"otp-phone": holder, "otp-code": last_code(holder), "action": "verify_code"}
    )
    assert client.post("/account/", {"password": "a-long-enough-password"}).status_code == 302
    client.post("/account/logout/")

    def attempt(phone: str, password: str, ip: str) -> tuple[int, str]:
        response = Client(REMOTE_ADDR=ip).post(
            "/account/login/", {"pw-phone": phone, "pw-password": password, "action": "password"}
        )
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return response.status_code, page.replace(phone, "PHONE")

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):  # someone else guesses from five addresses
            assert attempt(holder, f"guess-{n}-password", f"198.51.100.{n}")[0] == 422
        paused_wrong = attempt(holder, "another-guess-pw", "203.0.113.7")
        paused_right = attempt(holder, "a-long-enough-password", "203.0.113.8")
        no_account = attempt("13700137002", "another-guess-pw", "203.0.113.9")
        assert paused_wrong == paused_right == no_account
        assert paused_wrong[0] == 422 and "多次输错后密码登录将暂停15分钟" in paused_wrong[1]
        assert "登录失败次数过多" not in paused_wrong[1]
        # the caller's own address limit (10 failures) is told
        for n in range(10):
            attempt("13700137003", f"guess-{n}-password", "192.0.2.1")
        assert "登录失败次数过多" in attempt("13700137003", "guess-x-password", "192.0.2.1")[1]
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        response = Client(REMOTE_ADDR="203.0.113.8").post(
            "/account/login/",
            {"pw-phone": holder, "pw-password": "a-long-enough-password", "action": "password"},
        )
        assert response.status_code == 302
