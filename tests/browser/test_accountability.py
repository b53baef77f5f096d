"""Who answers for what, in the browser: the supervisor's 问责建议 page (figures behind each
proposal, the chain of leaders, accept and dismiss) and the 责任链 card on a case page, whose
missed deadline names the 分管 deputy in office then, not today's."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from minsheng.accountability.demo import load_portfolios
from minsheng.accountability.models import Proposal
from minsheng.accountability.proposals import proposals_compute
from minsheng.orgs.models import Category
from minsheng.petitions.services import PetitionerInput
from minsheng.workflow.services import petition_transition
from minsheng.workflow.sweeps import deadlines_sweep
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_workbench import login

TZ = ZoneInfo("Asia/Shanghai")


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


def test_proposals_page_and_chain_on_the_case_page(
    page: Any, live_server: Any, world: Any, register: Any, act: Any, organs: Any
) -> None:
    load_portfolios(world, today=dt.date(2025, 6, 1))  # housing 分管: 王振华 until 2025-04-16, then 田宇
    sub = Category.objects.filter(path__startswith="城乡建设/", level=3).order_by("path").first()
    cases = []
    for n in range(6):
        with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
            p = register(
                received_at=at(dt.date(2025, 3, 1), 9),
                category=sub,
                petitioner=PetitionerInput(name=f"王{n}", phone=f"1390013900{n}", address="A市A1区"),
            )
        with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
            act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
            act(p, "receive", "caseworker")
            if n < 2:
                act(p, "accept", "caseworker")
        cases.append(p)
    deadlines_sweep(at(dt.date(2025, 3, 25)))
    made = proposals_compute(
        dt.date(2025, 3, 1), dt.date(2025, 3, 31), organs=[organs["a-housing"]], today=dt.date(2025, 4, 15)
    )
    assert [p.measure for p in made] == ["interview", "listed"]

    login(page, live_server, "supervisor")
    page.click("nav >> text=问责建议")
    page.wait_for_url("**/workbench/proposals/**")
    rows = page.locator("table.proposals tbody tr")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "A市住房和城乡建设局" in first and "约谈" in first and "有权处理机关及时受理率 33%" in first
    assert "2 / 6 件 · 阈值 < 80%" in first and "主管 曹丽君" in first and "总责 赵德胜" in first
    screenshot(page, "accountability-01-proposals")
    assert axe_violations(page) == []

    interview, listed = made
    page.fill(f"#reason-{interview.pk}", "同期已挂牌督办，不再另行约谈")
    with page.expect_navigation():
        page.locator(f"#proposal-{interview.pk} form.dismiss button").click()
    assert "已不采纳该建议" in page.inner_text(".messages")
    page.fill(f"#text-{listed.pk}", "挂牌督办：限期整改书面告知超期问题")
    with page.expect_navigation():
        page.locator(f"#proposal-{listed.pk} form.accept button").click()
    assert "已采纳：挂牌督办 A市住房和城乡建设局" in page.inner_text(".messages")
    assert page.locator("table.proposals tbody tr[id^=proposal-]").count() == 0  # nothing open any more
    assert "没有问责建议。" in page.inner_text("table.proposals")
    page.goto(f"{live_server.url}/workbench/proposals/?status=accepted")
    assert "挂牌督办：限期整改书面告知超期问题" in page.inner_text("table.proposals")
    screenshot(page, "accountability-02-accepted")
    assert Proposal.objects.get(pk=listed.pk).measure_record is not None

    late = cases[5]
    petition_transition(
        late.pk,
        "supervise",
        actor=world.users["supervisor"],
        data={"kind": "listed", "suggestion": "逾期未书面告知，挂牌督办"},
    )
    login(page, live_server, "caseworker")
    page.goto(f"{live_server.url}/workbench/petition/{late.pk}/")
    card = page.locator("#chain-card")
    card.scroll_into_view_if_needed()
    text = card.inner_text()
    assert text.index("田宇") < text.index("曹丽君") < text.index("赵德胜")  # today's chain
    assert "2025-03-18 届满" in text and "分管 王振华 · 主管 曹丽君 · 总责 赵德胜" in text  # then
    card.screenshot(
        path=str(
            screenshot(page, "accountability-03-case-page").with_name("accountability-04-chain-card.png")
        )
    )
    orders = page.locator("section[aria-labelledby=h-orders]")
    ladder = orders.locator("ol.ladder").inner_text()
    assert ladder.index("临期提醒") < ladder.index("超期") < ladder.index("挂牌督办") < ladder.index("通报")
    assert (
        "点名领导：分管 田宇（副局长） · 主管 曹丽君（副局长（分管信访工作）） · 总责 赵德胜（局长）"
        in orders.inner_text()
    )
    orders.screenshot(
        path=str(screenshot(page, "accountability-03-case-page").with_name("accountability-05-ladder.png"))
    )
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_indicators_of_a_government_open_with_the_organs_below(
    page: Any, live_server: Any, world: Any, register: Any, act: Any, organs: Any
) -> None:
    """The city government registers nothing itself: its leader's 考核指标 page opens on the
    government with the organs below it (范围 select), in the last quarter that counts something;
    switching to 本机关 shows the government alone."""
    day = dt.date.today() - dt.timedelta(days=120)
    for _n in range(3):
        with time_machine.travel(at(day), tick=False):
            p = register(received_at=at(day, 9))
        with time_machine.travel(at(day + dt.timedelta(days=1)), tick=False):
            act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
            act(p, "receive", "caseworker")
    login(page, live_server, "leader")
    page.goto(live_server.url + "/workbench/indicators/")
    assert page.locator("#scope").input_value() == "subtree"
    assert "（含下级机关）" in page.locator("main").inner_text()
    shot = screenshot(page, "workbench-indicators-subtree")
    assert shot.exists()
    assert axe_violations(page) == []
    page.select_option("#scope", "organ")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**scope=organ**")
    assert page.locator("#scope").input_value() == "organ"
    assert "（含下级机关）" not in page.locator("main").inner_text()
