"""No Content-Security-Policy violation and no console error on the main pages, in a real browser.

A listener for ``securitypolicyviolation`` is installed before any page script runs (an init
script goes through the DevTools protocol, so the policy does not block it); Chromium also logs
each violation as a console error, which the ``page`` fixture collects.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import shows, submit
from tests.browser.test_portal import fill_contact, fill_matter
from tests.browser.test_workbench import login

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page: Any) -> Any:
    page.context.add_init_script(LISTEN)
    return page


def clean(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], violations
    assert page.console_errors == [], page.console_errors


def test_the_policy_is_enforced(watched: Any, live_server: Any, world: Any) -> None:
    """An injected inline script does not run, and the listener sees the violation."""
    page = watched
    page.goto(live_server.url + "/")
    ran = page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
        document.head.appendChild(s); return window.__ran === true; }"""
    )
    assert ran is False
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations")[0].startswith("script-src")


def test_portal_home_and_submit_flow(watched: Any, live_server: Any, world: Any) -> None:
    page = watched
    page.goto(live_server.url + "/")
    clean(page)
    page.goto(live_server.url + "/stats/")
    page.locator("canvas, svg").first.wait_for()
    clean(page)
    page.goto(live_server.url + "/submit/")
    fill_matter(page, title="小区旁工地夜间施工噪音扰民", nature_label="投诉或提出诉求（要求解决自己的问题）")
    submit(page, "button.button")
    clean(page)
    fill_contact(page, "13900139001", "王五")
    submit(page, "button[value=continue]")
    assert shows(page, "可能由哪个机关办理")
    clean(page)


def test_workbench_list_case_dashboard_and_api_docs(
    watched: Any, live_server: Any, register: Any, world: Any
) -> None:
    page = watched
    petition = register()
    login(page, live_server, "dispatcher")
    clean(page)
    page.goto(f"{live_server.url}/workbench/petitions/")
    clean(page)
    page.goto(f"{live_server.url}/workbench/petition/{petition.pk}/")
    page.click("[data-action=forward]")  # an htmx panel: indicator styles, swapped HTML
    page.locator("#action-panel form.actionform").wait_for()
    clean(page)
    page.goto(f"{live_server.url}/workbench/dashboard/")
    page.locator("#organ-pick").select_option("all")  # data-autosubmit, no inline handler
    page.wait_for_url("**organ=all**")
    clean(page)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".swagger-ui .info").wait_for()
    clean(page)


def test_analytics_dashboard(watched: Any, live_server: Any, register: Any, act: Any, organs: Any) -> None:
    from minsheng.analytics.tests.test_db_selectors import build_fixture

    page = watched
    build_fixture(register, act, organs)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/workbench/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", "test-password-123")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/workbench/analytics/")
    page.locator("#an-chart-map svg path").first.wait_for()
    page.locator("#an-chart-category svg").hover()  # an ECharts tooltip (HTML with styles)
    clean(page)
