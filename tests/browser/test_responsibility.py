"""End to end in the workbench, for what test_reception.py (reception days, 稳评 through approval)
and test_accountability.py (proposals, the chain card, the ladder of a listed case) leave out: a
leader's 包案 from the case page, a 下访 recorded with a matter and the district table, a
consistency flag seen side by side and sent for correction, and the supervision ladder of a case
from 催办 issued by the supervisor to the organ's written answer on the 督办单 page, where the organ's ladder shows once the organ is chosen."""

from __future__ import annotations

from typing import Any

from minsheng.orgs.models import Region
from minsheng.petitions.models import Petition
from minsheng.reception.models import CaseOwnership, OutreachVisit
from minsheng.stability.models import ConsistencyFlag
from minsheng.stability.services import consistency_scan
from minsheng.stability.tests.test_services import _concluded
from minsheng.workflow.models import SupervisionOrder
from tests.browser.conftest import axe_violations, screenshot
from tests.browser.test_workbench import do, login


def _forwarded(register: Any, act: Any, world: Any) -> Petition:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    return Petition.objects.get(pk=petition.pk)


def test_baoan_from_the_case_page(page: Any, live_server: Any, world: Any, register: Any, act: Any) -> None:
    petition = _forwarded(register, act, world)
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/workbench/petition/{petition.pk}/")
    card = page.locator("#baoan-card")
    assert "尚无包案领导" in card.inner_text()
    page.fill("#baoan-note", "群众反映强烈，本人包案化解")
    with page.expect_navigation():
        page.click("#baoan-form button[type=submit]")
    assert "您已包案该信访事项" in page.inner_text(".messages")
    assert page.locator("#baoan-leader").inner_text() == "刘市长"
    assert "包掌握情况、包思想教育、包解决化解、包息诉息访" in card.inner_text()
    card.scroll_into_view_if_needed()
    card.screenshot(
        path=str(
            screenshot(page, "responsibility-01-case-page").with_name("responsibility-02-baoan-card.png")
        )
    )
    assert CaseOwnership.objects.get(petition=petition, is_active=True).leader == world.users["leader"]
    page.click("nav >> text=下访与包案")
    page.wait_for_url("**/workbench/outreach/**")
    assert petition.tracking_code in page.inner_text("main")  # 本人包案事项
    assert page.console_errors == []


def test_outreach_recorded_with_a_matter_and_the_district_table(
    page: Any, live_server: Any, world: Any
) -> None:
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    login(page, live_server, "leader")
    page.click("nav >> text=下访与包案")
    page.wait_for_url("**/workbench/outreach/**")
    page.select_option("#o-region", str(district.pk))
    page.fill("#o-place", "洋湖街道社区服务中心")
    page.fill("#o-people", "社区居民代表12人")
    page.fill("#o-outcomes", "现场协调解决加装电梯问题")
    page.fill("#mt-1", "老旧小区加装电梯")
    page.fill("#mr-1", "请求支持老旧小区加装电梯")
    with page.expect_navigation():
        page.click("#outreach-form button[type=submit]")
    assert "下访记录已保存" in page.inner_text(".messages")
    visit = OutreachVisit.objects.get()
    matter = visit.petitions.get()
    assert matter.channel == "visit" and matter.region == district
    row = page.locator("#region-table tbody tr", has_text=district.name)
    cells = row.locator("td")
    assert cells.nth(0).inner_text().strip() == "1" and cells.nth(1).inner_text().strip() == "1"
    assert matter.tracking_code in page.inner_text("section.results")
    screenshot(page, "responsibility-03-outreach")
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_consistency_flag_side_by_side_and_sent_for_correction(
    page: Any, live_server: Any, world: Any, register: Any, act: Any
) -> None:
    text = (
        "我家位于幸福片区12栋，2025年房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"
    )
    first = _concluded(register, act, world, "support", text)
    second = _concluded(register, act, world, "not_support", text.replace("12栋", "14栋"))
    assert consistency_scan(min_score=0.5) == 1
    flag = ConsistencyFlag.objects.get()
    login(page, live_server, "supervisor")
    page.click("nav >> text=同案不同处理")
    page.wait_for_url("**/workbench/consistency/**")
    card = page.locator(f"#flag-{flag.pk}")
    sides = card.locator(".row2 > div")
    assert sides.count() == 2
    assert first.tracking_code in sides.nth(0).inner_text() and "予以支持" in sides.nth(0).inner_text()
    assert second.tracking_code in sides.nth(1).inner_text() and "不予支持" in sides.nth(1).inner_text()
    assert "《国有土地上房屋征收与补偿条例》第十九条" in sides.nth(1).inner_text()
    assert "李四" not in card.inner_text() and "13800138000" not in card.inner_text()
    screenshot(page, "responsibility-04-consistency")
    assert axe_violations(page) == []
    page.fill(f"#reason-{flag.pk}", "同一补偿协议，应统一处理")
    with page.expect_navigation():
        card.locator("button[value=correction]").click()
    assert "已处理" in page.inner_text(".messages")
    assert "没有提示" in page.inner_text("main")  # nothing open any more
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == ("correction", world.users["supervisor"])
    page.select_option("#status", "correction")
    page.wait_for_url("**status=correction**")
    assert "同一补偿协议，应统一处理" in page.locator(f"#flag-{flag.pk}").inner_text()
    screenshot(page, "responsibility-05-consistency-resolved")
    assert page.console_errors == []


def test_supervision_ladder_from_reminder_to_the_written_answer(
    page: Any, live_server: Any, world: Any, register: Any, act: Any
) -> None:
    petition = _forwarded(register, act, world)
    login(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/petition/{petition.pk}/")
    do(page, "supervise", {"kind": "reminder", "suggestion": "请加快办理，书面反馈进展"})
    order = SupervisionOrder.objects.get(petition=petition)
    assert order.kind == "reminder" and order.target_organ == world.organs["a-housing"]
    ladder = page.locator("section[aria-labelledby=h-orders] ol.ladder")
    assert "催办" in ladder.inner_text()

    login(page, live_server, "caseworker")
    page.click("nav >> text=督办单")
    page.wait_for_url("**/workbench/supervision/**")
    row = page.locator(f"#order-{order.pk}")
    assert "还剩" in row.inner_text() and petition.tracking_code in row.inner_text()
    screenshot(page, "responsibility-06-supervision-open")
    page.fill(f"#fb-{order.pk}", "已约见信访人，本周内完成现场核查")
    with page.expect_navigation():
        row.locator("form.answer button[type=submit]").click()
    assert "督办反馈已保存" in page.inner_text(".messages")
    assert "已反馈" in page.locator(f"#order-{order.pk}").inner_text()
    order.refresh_from_db()
    assert order.feedback_by == world.users["caseworker"] and not order.feedback_late
    # One organ chosen: its ladder over the period (as GET /api/v1/organs/{id}/supervision-ladder).
    page.select_option("#organ", str(world.organs["a-housing"].pk))
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    organ_ladder = page.locator("#organ-ladder")
    assert "A市住房和城乡建设局 督办阶梯" in organ_ladder.inner_text()
    assert organ_ladder.locator("li.reached").all_inner_texts() == ["催办 ×1"]
    screenshot(page, "responsibility-06b-organ-ladder")
    page.goto(f"{live_server.url}/workbench/petition/{petition.pk}/")
    orders = page.locator("section[aria-labelledby=h-orders]")
    orders.scroll_into_view_if_needed()
    assert "已约见信访人，本周内完成现场核查" in orders.inner_text()
    orders.screenshot(
        path=str(screenshot(page, "responsibility-07-case-ladder").with_name("responsibility-08-ladder.png"))
    )
    assert axe_violations(page) == []
    assert page.console_errors == []
