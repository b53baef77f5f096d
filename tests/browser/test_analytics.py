"""The analyst dashboard in a real browser: charts, the demo-city map, hot issues, a drill-down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.analytics.tests.test_db_selectors import build_fixture
from tests.browser.conftest import axe_violations, screenshot

PASSWORD = "test-password-123"


def login(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/workbench/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_dashboard_charts_map_and_drill_down(page, live_server, register, act, organs):
    build_fixture(register, act, organs)
    login(page, live_server, "analyst")
    today = timezone.localdate()
    page.goto(
        f"{live_server.url}/workbench/analytics/?from={(today - dt.timedelta(days=27)).isoformat()}"
        f"&to={today.isoformat()}"
    )
    page.locator("#an-chart-map svg path").first.wait_for()
    page.locator("#an-chart-category svg").wait_for()
    assert page.locator(".an-hot li").count() == 2
    assert "A3区" in page.locator("#an-chart-map").inner_html()
    screenshot(page, "analytics-dashboard")
    assert not [v["id"] for v in axe_violations(page)]
    assert not getattr(page, "console_errors", [])
    page.locator(".an-hot li a").first.click()
    page.wait_for_url("**/workbench/analytics/petitions/**")
    assert page.locator("table.grid tbody tr").count() >= 2
    screenshot(page, "analytics-drill-down")
