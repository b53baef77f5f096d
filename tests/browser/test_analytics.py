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
    with page.expect_navigation():
        page.click("button[type=submit]")


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


@pytest.mark.django_db(transaction=True)
def test_hot_issue_panel_shows_real_matters(page, live_server, register):
    """Petitions made from three hand-labelled matters of the vendored messages (the demo does the
    same): the panel shows each matter once, named by its place, with a short title."""
    from minsheng.petitions.demo import matter_groups, read_messages
    from minsheng.workflow.services import PetitionerInput

    wanted = {"KTV", "怡海星城", "仁爱医院"}
    groups = [g for g in matter_groups(list(read_messages())) if any(w in g[0].title for w in wanted)]
    assert len(groups) == 3
    now = timezone.now()
    for g, members in enumerate(groups):
        for i, m in enumerate(members):
            register(
                title=m.title[:200],
                request="请求处理。",
                facts=m.body,
                reasons="",
                received_at=now - dt.timedelta(days=2 + 3 * i + g),
                petitioner=PetitionerInput(name=f"王{g}{i}", phone=f"1380000{g}{i:04d}"),
            )
    login(page, live_server, "analyst")
    page.goto(f"{live_server.url}/workbench/analytics/")
    page.locator(".an-hot li").first.wait_for()
    text = page.locator(".an-hot").inner_text()
    screenshot(page, "analytics-hot-issues-real-matters")
    assert page.locator(".an-hot li").count() == 3
    for place in ("泉星", "怡海星城", "仁爱医院"):
        assert place in text, text
    assert not getattr(page, "console_errors", [])
