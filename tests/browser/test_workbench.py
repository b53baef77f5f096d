"""End to end through the workbench UI: a letter is registered, forwarded, received, accepted,
handled, answered with an opinion, delivered, and a 复查 is requested and concluded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import axe_violations, screenshot, submit

PASSWORD = "test-password-123"


def login(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/workbench/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/inbox/**")


def do(page: Any, action: str, fill: dict[str, str] | None = None, check: list[str] | None = None) -> None:
    """Open the action's HTMX form on the case page, fill it and submit; wait for the reload."""
    page.click(f"[data-action={action}]")
    form = page.locator("#action-panel form.actionform")
    form.wait_for()
    for name, value in (fill or {}).items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    for name in check or []:
        form.locator(f"[name={name}]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_letter_to_opinion_and_review(page, live_server, world, organs):
    login(page, live_server, "registrar")
    submit(page, "text=＋ 来信")
    received = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_received_at", received)
    page.fill("#id_title", "幸福小区旁工地夜间施工噪音扰民")
    page.fill("#id_request", "请求责令工地停止夜间施工")
    page.fill("#id_facts", "工地连续一个月在夜间十一点后施工。")
    page.fill("#id_name", "李四")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_address", "A市A3区洋湖街道幸福小区3栋")
    screenshot(page, "workbench-01-register-letter")
    page.click("button[type=submit]")
    page.wait_for_url("**/workbench/petition/**")
    assert "查询密码" in page.inner_text(".messages")
    case_url = page.url
    assert page.locator(".badge", has_text="已登记").count() >= 1
    assert "李*" in page.inner_text("#petitioner-panel")

    login(page, live_server, "dispatcher")
    page.goto(case_url)
    # Reveal with a reason: logged.
    page.click("text=显示完整信息")
    page.fill("#reveal-reason", "电话核实地址")
    page.click("#petitioner-panel button")
    page.wait_for_selector("text=本次查看已记录")
    assert "13800138000" in page.inner_text("#petitioner-panel")
    # A refused submit shows the error next to the field, and nothing changes.
    page.click("[data-action=assign]")
    page.locator("#action-panel form").wait_for()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    page.locator("#action-panel input[name=due_date]").fill(yesterday)
    page.click("#action-panel button[type=submit]")
    page.wait_for_selector("#action-panel .has-error")
    screenshot(page, "workbench-02-forward-error")
    page.click("[data-close-panel]")
    do(page, "forward", {"organ_id": str(organs["a-housing"].pk)})
    assert page.locator(".badge", has_text="已转送").count() >= 1

    login(page, live_server, "caseworker")
    page.goto(case_url)
    do(page, "receive")
    do(page, "accept")
    do(page, "start_handling", check=["no_conflict_of_interest"])
    do(page, "note", {"text": "已现场查看，施工单位承认夜间施工"})
    do(
        page,
        "draft_opinion",
        {
            "outcome": "support",
            "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
            "opinion": "责令施工单位停止夜间施工。",
            "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
        },
    )
    screenshot(page, "workbench-03-case-in-handling")
    do(page, "conclude")  # the draft fills every field
    login(page, live_server, "organ_head")  # 签发: the caseworker's opinion is issued once signed
    page.goto(case_url)
    do(page, "sign_opinion")
    assert page.locator(".badge", has_text="已办结").count() >= 1
    login(page, live_server, "caseworker")
    page.goto(case_url)
    do(page, "deliver", {"method": "in_person"})
    assert page.locator(".badge", has_text="处理意见已送达").count() >= 1
    with page.expect_download() as download:
        page.click("#h-docs ~ ul button:has-text('PDF') >> nth=-1")
    assert download.value.suggested_filename.endswith("信访事项处理意见书.pdf")

    login(page, live_server, "registrar")  # the upper organ (A市政府) receives the 复查 request
    page.goto(case_url)
    do(page, "request_review", {"reasons": "认为处理不到位"})
    assert page.locator(".badge", has_text="复查中").count() >= 1

    login(page, live_server, "gov_head")  # head of A市政府, who neither decided nor signed the opinion
    page.goto(case_url)
    do(
        page,
        "conclude_review",
        {
            "outcome": "upheld",
            "facts_and_reasons": "原处理意见认定事实清楚。",
            "opinion": "维持原处理意见。",
            "legal_basis": "《信访工作条例》第三十五条",
            "method": "post",
        },
    )
    assert page.locator(".badge", has_text="复查意见已送达").count() >= 1
    docs = page.inner_text("#h-docs ~ ul")
    assert "复查意见书" in docs and "信访处理意见书" in docs
    screenshot(page, "workbench-04-review-concluded")
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_inboxes_dashboard_and_search(page, live_server, world, register, act, organs):
    for i in range(3):
        register(title=f"拖欠农民工工资问题{i}", request="请求支付工资")
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    login(page, live_server, "dispatcher")
    screenshot(page, "workbench-05-dispatcher-inbox")
    assert page.locator("table.grid tbody tr").count() == 3
    page.fill("#topq", "拖欠工资")
    page.press("#topq", "Enter")
    page.wait_for_url("**/petitions/**")
    assert page.locator("table.grid tbody tr td a.mono, table.grid tbody tr td.mono a").count() == 3
    screenshot(page, "workbench-06-search")
    assert axe_violations(page) == []
    login(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/dashboard/")
    page.wait_for_selector("#chart-state svg")
    screenshot(page, "workbench-07-dashboard")
    assert axe_violations(page) == []
    assert page.console_errors == []


@pytest.mark.parametrize("lang", ["en"])
def test_english_case_page(page, live_server, world, register, lang):
    petition = register()
    login(page, live_server, "dispatcher")
    submit(page, "button[value=en]")
    page.goto(f"{live_server.url}/workbench/petition/{petition.pk}/")
    text = page.inner_text("main")
    assert "Petitioner" in text and "Tracking code" not in text
    for chinese in ("可执行的操作", "信访事项", "办理过程", "内部备注", "关联事项", "文书"):
        assert chinese not in text
    screenshot(page, "workbench-08-case-english")
