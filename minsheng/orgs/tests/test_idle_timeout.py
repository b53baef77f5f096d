"""Idle time-out of staff sessions (MINSHENG_STAFF_IDLE_MINUTES); citizens' sessions untouched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from minsheng.orgs.models import SecurityEvent

pytestmark = pytest.mark.django_db


def test_idle_staff_session_is_logged_out(client: Client, users: Any) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(users["caseworker"])
        assert client.get("/workbench/petitions/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        response = client.get("/workbench/petitions/?q=x")
        assert response.status_code == 302
        assert response["Location"].startswith("/workbench/login/?next=")
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"])
        assert "30分钟未操作" in page.content.decode()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.IDLE_LOGOUT)
    assert event.user == users["caseworker"] and event.detail["idle_seconds"] >= 31 * 60


def test_activity_keeps_the_session(client: Client, users: Any) -> None:
    start = timezone.now()
    client.force_login(users["registrar"])
    for minutes in (0, 20, 40, 60, 80):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get("/workbench/petitions/").status_code == 200


def test_idle_limit_from_settings(client: Client, users: Any, settings: Any) -> None:
    settings.MINSHENG_STAFF_IDLE_MINUTES = 5
    start = timezone.now()
    client.force_login(users["dispatcher"])
    with time_machine.travel(start, tick=False):
        assert client.get("/workbench/petitions/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        assert client.get("/workbench/petitions/").status_code == 302


def test_htmx_request_gets_a_full_page_redirect(client: Client, users: Any) -> None:
    start = timezone.now()
    client.force_login(users["caseworker"])
    with time_machine.travel(start, tick=False):
        client.get("/workbench/petitions/")
    with time_machine.travel(start + dt.timedelta(hours=2), tick=False):
        response = client.get("/workbench/petitions/", HTTP_HX_REQUEST="true")
        assert response.status_code == 204
        assert response["HX-Redirect"].startswith("/workbench/login/")


def test_citizen_portal_session_is_not_timed_out(client: Client, db: Any) -> None:
    citizen = get_user_model().objects.create_user(username="citizen-00aa11bb22cc")
    start = timezone.now()
    client.force_login(citizen)
    with time_machine.travel(start, tick=False):
        assert client.get("/account/").status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        assert client.get("/account/").status_code == 200
        assert client.session.get("_auth_user_id") == str(citizen.pk)
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IDLE_LOGOUT).exists()
