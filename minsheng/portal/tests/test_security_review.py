"""Security review of the portal: brute force of 6-digit secrets over many throttle windows.

The per-window throttles (5 wrong tries per 15 minutes, 5 codes per hour) still allow hundreds of
guesses a day against one petition or one phone; a daily cap bounds them. The tests simulate
"the short windows have passed" by lifting the short limits in settings.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.portal.tests.helpers import last_code

pytestmark = pytest.mark.django_db

PHONE = "13700137000"


def test_query_password_guesses_are_capped_per_day(client: Client, register: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {"track_fail_code": (10_000, 900), "track_fail_ip": (10_000, 900)}
    petition = register()
    wrong = "999999" if petition.query_password != "999999" else "888888"
    for i in range(40):
        other = Client(REMOTE_ADDR=f"10.0.{i // 250}.{i % 250}")
        other.post("/track/", {"tracking_code": petition.tracking_code, "password": wrong})
    response = client.post(
        "/track/", {"tracking_code": petition.tracking_code, "password": petition.query_password}
    )
    assert response.status_code == 200  # refused: too many failures for this code today
    assert "查询失败次数过多" in response.content.decode()


def test_one_time_code_guesses_are_capped_per_day(client: Client, world: Any, settings: Any) -> None:
    settings.MINSHENG_PORTAL_LIMITS = {
        "otp_phone": (10_000, 3600),
        "otp_phone_gap": (10_000, 60),
        "otp_ip": (10_000, 3600),
    }
    for _round in range(6):
        client.post("/account/login/", {"otp-phone": PHONE, "action": "send_code"})
        code = last_code(PHONE)
        wrong = "000000" if code != "000000" else "111111"
        for _try in range(5):
            client.post("/account/login/", {"otp-phone": PHONE, "otp-code": wrong, "action": "verify_code"})
    client.post("/account/login/", {"otp-phone": PHONE, "action": "send_code"})
    response = client.post(
        "/account/login/", {"otp-phone": PHONE, "otp-code": last_code(PHONE), "action": "verify_code"}
    )
    assert response.status_code == 422  # 30 wrong codes today: this phone is locked until tomorrow
    assert client.get("/account/").status_code == 302


def test_a_normal_sign_in_after_a_few_mistakes_still_works(client: Client, world: Any) -> None:
    client.post("/account/login/", {"otp-phone": PHONE, "action": "send_code"})
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    client.post("/account/login/", {"otp-phone": PHONE, "otp-code": wrong, "action": "verify_code"})
    response = client.post("/account/login/", {"otp-phone": PHONE, "otp-code": code, "action": "verify_code"})
    assert response.status_code == 302


def test_query_password_is_shown_once(client: Client, world: Any) -> None:
    from minsheng.portal.tests.helpers import submit_petition

    code, password = submit_petition(client)
    first = client.get("/submit/done/").content.decode()
    assert code in first and password in first
    again = client.get("/submit/done/").content.decode()
    assert code in again and password not in again  # a shared computer does not show it again
    assert password not in str(dict(client.session))


def test_client_ip_behind_trusted_proxies(settings, rf):
    from minsheng.portal.security import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    settings.MINSHENG_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"
    settings.MINSHENG_TRUSTED_PROXIES = 2  # the client cannot forge the address our proxies recorded
    assert client_ip(request) == "203.0.113.7"
    settings.MINSHENG_TRUSTED_PROXIES = 5
    assert client_ip(request) == "10.0.0.1"
