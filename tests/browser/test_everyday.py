"""Everyday use without dead ends (issue 13): the public figures on a 390 px phone with readable
column headers, and the error pages in the product's look (DEBUG is off under pytest-django)."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.orgs.models import Category
from minsheng.petitions.models import Petition
from tests.browser.conftest import screenshot, submit

pytestmark = pytest.mark.django_db(transaction=True)

HEADER_BOXES = """() => [...document.querySelectorAll('table.table-numbers thead th')].map(th => {
  const r = th.getBoundingClientRect();
  const style = getComputedStyle(th);
  return {text: th.textContent.trim(), width: r.width, height: r.height,
          font: parseFloat(style.fontSize), line: parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5};
})"""


def test_stats_headers_are_readable_on_a_390px_phone(
    live_server: Any, phone_page: Any, register: Any
) -> None:
    tops = list(Category.objects.filter(parent__isnull=True).order_by("pk")[:7])
    assert len(tops) >= 5
    for category in tops:
        petition = register()
        Petition.objects.filter(pk=petition.pk).update(category=category)
    phone_page.goto(live_server.url + "/stats/")
    boxes = phone_page.evaluate(HEADER_BOXES)
    assert len(boxes) == len(tops) + 2  # 月份, one per category, 合计
    for box in boxes:
        # One line each: never a column so narrow that the header stacks a character per line.
        assert box["height"] < 2 * box["line"], box
        assert box["width"] >= min(len(box["text"]), 2) * box["font"] * 0.9, box
    # The page itself does not scroll sideways: only the table does, inside its frame.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = phone_page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap'); return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] > wrap[1]  # seven categories do not fit in 390 px: the table scrolls
    screenshot(phone_page, "portal-stats-390-headers")


def test_error_pages_in_the_product_look(live_server: Any, page: Any, phone_page: Any) -> None:
    response = phone_page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    assert phone_page.locator("h1").inner_text() == "页面不存在"
    assert phone_page.locator("header.site-header").count() == 1
    screenshot(phone_page, "portal-404-phone")
    response = page.goto(live_server.url + "/workbench/no-such-page/?lang=en")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("header.topbar").count() == 1
    screenshot(page, "workbench-404-en")


def _staff_login(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/workbench/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-password-123")
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_dashboard_charts_say_no_data_and_label_every_bar(
    live_server: Any, page: Any, world: Any, register: Any, act: Any, organs: Any
) -> None:
    _staff_login(page, live_server, "leader")
    page.goto(live_server.url + "/workbench/dashboard/")
    empty = page.locator(".chart.chart-empty")
    assert empty.count() == 4
    assert set(empty.all_inner_texts()) == {"暂无数据"}
    screenshot(page, "workbench-dashboard-empty")
    # Cases in four states: every bar of the status chart has its label.
    register()
    forwarded = register()
    act(forwarded, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    received = register()
    act(received, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(received, "receive", "caseworker")
    accepted = register()
    act(accepted, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(accepted, "receive", "caseworker")
    act(accepted, "accept", "caseworker")
    page.reload()
    page.locator("#chart-state svg").wait_for()
    labels = page.locator("table.sr-table tbody td:first-child").all_inner_texts()
    assert len(labels) == 4
    svg_text = page.locator("#chart-state svg").text_content() or ""
    for label in labels:
        assert label in svg_text, (label, svg_text)
    # States, weeks and channels have data now; nothing is rated yet.
    assert page.locator(".chart.chart-empty").count() == 1
    assert page.locator("#chart-rating").inner_text() == "暂无数据"
    screenshot(page, "workbench-dashboard-states")


def test_choosing_a_suggestion_fills_the_category(live_server: Any, page: Any, world: Any) -> None:
    _staff_login(page, live_server, "registrar")
    page.goto(live_server.url + "/workbench/register/phone/")
    page.fill("#id_title", "公司拖欠工资三个月")
    page.fill("#id_request", "请求责令公司支付拖欠的工资")
    page.fill("#id_facts", "我在A3区某公司工作，公司已经拖欠工资三个月，多次讨要未果。")
    submit(page, "button[value=check]")  # a plain POST: the page is replaced
    page.locator("#check").wait_for()
    assert page.input_value("#id_category") == ""
    # A routing suggestion that rests on the suggested category offers to fill it in; one that
    # rests on another category (here the housing bureau's 城乡建设) does not.
    routed = page.locator("#h-intel ~ ol li")
    assert routed.count() >= 2
    assert routed.nth(0).locator("[data-fill-category]").count() == 1
    assert routed.nth(1).locator("[data-fill-category]").count() == 0
    button = routed.nth(0).locator("[data-fill-category]")
    expected = button.get_attribute("data-fill-category")
    assert expected
    button.click()
    assert page.input_value("#id_category") == expected
    label = page.locator("#id_category option:checked").inner_text()
    assert label and label != "—"
    screenshot(page, "workbench-register-suggestion-filled")
