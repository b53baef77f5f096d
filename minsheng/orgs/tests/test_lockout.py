"""Login lock-out (django-axes, attempts in the database): workbench, admin and API token endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.utils import timezone

from minsheng.orgs.tests.helpers import PASSWORD, api_token

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "登录失败次数过多"


def workbench_login(client: Client, username: str, password: str) -> Any:
    return client.post("/workbench/login/", {"username": username, "password": password})


def test_workbench_login_locks_after_the_limit(client: Client, users: Any, settings: Any) -> None:
    assert settings.AXES_FAILURE_LIMIT == settings.MINSHENG_LOGIN_FAILURE_LIMIT == 5
    for _ in range(4):
        response = workbench_login(client, "caseworker", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    response = workbench_login(client, "caseworker", "wrong-password")
    assert response.status_code == 429
    body = response.content.decode()
    assert LOCKED_TEXT in body and "30分钟后再试" in body and "联系系统管理员解锁" in body
    assert response["Retry-After"] == "1800"
    # The right password does not help while locked, and the session stays anonymous.
    response = workbench_login(client, "caseworker", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The client address is locked too (password spraying); another account elsewhere is not.
    assert workbench_login(client, "registrar", PASSWORD).status_code == 429
    assert workbench_login(Client(REMOTE_ADDR="10.0.0.9"), "registrar", PASSWORD).status_code == 302


def test_spraying_one_password_over_many_accounts_locks_the_address(users: Any) -> None:
    sprayer = Client(REMOTE_ADDR="10.0.0.66")
    names = ["registrar", "dispatcher", "caseworker", "organ_head", "leader"]
    statuses = [workbench_login(sprayer, name, "Spring-2025!").status_code for name in names]
    assert statuses == [200, 200, 200, 200, 429]
    assert workbench_login(sprayer, "analyst", PASSWORD).status_code == 429
    assert workbench_login(Client(REMOTE_ADDR="10.0.0.67"), "analyst", PASSWORD).status_code == 302


def test_lockout_by_username_only_when_configured(client: Client, users: Any, settings: Any) -> None:
    settings.AXES_LOCKOUT_PARAMETERS = ["username"]
    for _ in range(5):
        workbench_login(client, "caseworker", "wrong-password")
    assert workbench_login(client, "caseworker", PASSWORD).status_code == 429
    assert workbench_login(client, "registrar", PASSWORD).status_code == 302


def test_attempts_are_shared_by_every_process(users: Any) -> None:
    """Two clients (different addresses, different sessions: as two server processes would see
    them) add to one count, because the count is a database row, not process memory."""
    first, second = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(3):
        assert workbench_login(first, "dispatcher", "wrong-password").status_code == 200
    assert workbench_login(second, "dispatcher", "wrong-password").status_code == 200
    attempts = AccessAttempt.objects.filter(username="dispatcher")
    assert sum(a.failures_since_start for a in attempts) == 4
    assert workbench_login(second, "dispatcher", "wrong-password").status_code == 429
    assert workbench_login(first, "dispatcher", PASSWORD).status_code == 429
    assert AccessFailureLog.objects.filter(username="dispatcher").count() >= 5


def test_lockout_ends_after_the_cooloff(client: Client, users: Any) -> None:
    for _ in range(5):
        workbench_login(client, "leader", "wrong-password")
    assert workbench_login(client, "leader", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31), tick=False):
        assert workbench_login(client, "leader", PASSWORD).status_code == 302


def test_a_success_does_not_clear_the_failures(users: Any) -> None:
    """An attacker who can log in to some account (a citizen's, an insider's) from the same address
    must not wipe the failures recorded against others: failures only expire after the cool-off."""
    attacker = Client(REMOTE_ADDR="10.0.0.70")
    for _ in range(2):
        workbench_login(attacker, "caseworker", "wrong-password")
    assert workbench_login(Client(REMOTE_ADDR="10.0.0.71"), "analyst", PASSWORD).status_code == 302
    for _ in range(2):
        assert workbench_login(attacker, "caseworker", "wrong-password").status_code == 200
    assert workbench_login(attacker, "analyst", PASSWORD).status_code == 302
    assert AccessAttempt.objects.filter(username="caseworker").get().failures_since_start == 4
    response = workbench_login(Client(REMOTE_ADDR="10.0.0.72"), "caseworker", "wrong-password")
    assert response.status_code == 429


def test_limit_and_permanent_lock_from_settings(client: Client, users: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = None  # MINSHENG_LOGIN_COOLOFF_MINUTES=0: until an administrator unlocks
    assert workbench_login(client, "supervisor", "wrong-password").status_code == 200
    response = workbench_login(client, "supervisor", "wrong-password")
    assert response.status_code == 429
    assert "请联系系统管理员解锁" in response.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(days=3), tick=False):
        assert workbench_login(client, "supervisor", PASSWORD).status_code == 429


def test_admin_login_locks_and_an_administrator_unlocks(users: Any) -> None:
    attacker = Client(REMOTE_ADDR="10.0.0.5")
    for _ in range(5):
        response = attacker.post("/admin/login/", {"username": "organ_head", "password": "wrong-password"})
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    # The administrator sees the lock in Admin → Axes and deletes it (unlock).
    admin = Client()
    assert admin.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 302
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "organ_head" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="organ_head")
    response = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="organ_head").exists()
    assert workbench_login(Client(), "organ_head", PASSWORD).status_code == 302


def test_admin_login_lockout_of_the_admin_account(client: Client, users: Any) -> None:
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong-password"})
    assert response.status_code == 429
    assert client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 429


def test_api_token_endpoint_locks(client: Client, users: Any) -> None:
    for _ in range(4):
        response = api_token(client, "registrar", "wrong-password")
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
    response = api_token(client, "registrar", "wrong-password")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out" and "30 minutes" in body["message"]
    assert api_token(client, "registrar").status_code == 429
    # Counted with the workbench login: one account, one count.
    assert workbench_login(Client(), "registrar", PASSWORD).status_code == 429


def test_management_command_unlocks(client: Client, users: Any) -> None:
    from django.core.management import call_command

    for _ in range(5):
        workbench_login(client, "caseworker", "wrong-password")
    assert workbench_login(client, "caseworker", PASSWORD).status_code == 429
    call_command("axes_reset_username", "caseworker")
    assert workbench_login(client, "caseworker", PASSWORD).status_code == 302


def test_demo_password_still_logs_in(db: Any) -> None:
    from minsheng.orgs.demo import build_demo_world

    build_demo_world(password="minsheng-demo")
    assert workbench_login(Client(), "registrar", "minsheng-demo").status_code == 302
    assert api_token(Client(), "admin", "minsheng-demo").status_code == 200
