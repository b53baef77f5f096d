"""End to end: a reception day published in the workbench → an appointment booked on the portal
→ on the day a walk-in registered → both matters registered as petitions; and a stability risk
assessment from registration to the decision with its report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.core.cache import cache
from django.utils import timezone

from minsheng.notifications import sms
from minsheng.reception.models import Appointment, ReceptionDay
from minsheng.stability.models import MajorDecision
from tests.browser.conftest import axe_violations, screenshot, shows, submit
from tests.browser.test_citizen_recovery import last_code
from tests.browser.test_workbench import login


def test_reception_day_appointment_walk_in_registered(page: Any, live_server: Any, world: Any) -> None:
    cache.clear()
    today = timezone.localdate()
    day_date = today + dt.timedelta(days=4)
    login(page, live_server, "registrar")
    page.goto(f"{live_server.url}/workbench/reception/")
    page.select_option("#organ", str(world.organs["a-gov"].pk))
    page.select_option("#leader", str(world.users["leader"].pk))
    page.fill("#leader_post", "市长")
    page.fill("#portfolio", "全面工作")
    page.fill("#date", day_date.isoformat())
    page.fill("#place", "A市人民来访接待中心二楼")
    page.fill("#topics", "城建、住房")
    page.fill("#capacity", "5")
    with page.expect_navigation():
        page.click("#day-form button[type=submit]")
    assert page.locator("#day-status").inner_text() == "已发布"
    day = ReceptionDay.objects.get()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    submit(page, "nav.site-nav >> text=领导接访")
    assert "A市人民来访接待中心二楼" in page.locator("main").inner_text()
    screenshot(page, "reception-01-portal-schedule")
    submit(page, f"#day-{day.pk} a.button")
    page.fill("#id_name", "张三")
    page.fill("#id_phone", "13900001111")
    page.fill("#id_summary", "小区停车位被物业出租给外来车辆，业主无处停车")
    sms.sent_messages.clear()
    with page.expect_navigation():
        page.click("button[value=send_code]")
    assert shows(page, "验证码已发送")
    assert page.input_value("#id_summary") == "小区停车位被物业出租给外来车辆，业主无处停车"
    page.fill("#id_code", last_code("13900001111"))
    screenshot(page, "reception-02a-portal-code")
    with page.expect_navigation():
        page.click("button[value=book]")
    code = page.locator("#appointment-code").inner_text()
    assert code == Appointment.objects.get().code
    screenshot(page, "reception-02-portal-booked")
    assert axe_violations(page) == []

    with time_machine.travel(
        dt.datetime.combine(day_date, dt.time(10, 0), tzinfo=timezone.get_current_timezone()), tick=True
    ):
        login(page, live_server, "registrar")
        page.goto(f"{live_server.url}/workbench/reception/{day.pk}/")
        assert "139****1111" in page.locator("#appointments").inner_text()
        page.fill("#w-name", "李四")
        page.fill("#w-phone", "13900002222")
        page.fill("#w-summary", "小区路灯长期不亮，夜间出行不安全")
        with page.expect_navigation():
            page.click("#walk-in button[type=submit]")
        walk = Appointment.objects.get(kind="walk_in")
        screenshot(page, "reception-03-day-list")
        page.fill(f"#t-{walk.pk}", "幸福小区路灯长期不亮")
        page.fill(f"#addr-{walk.pk}", "A市A3区洋湖街道幸福小区5栋")
        with page.expect_navigation():
            page.click(f"#appt-{walk.code} button[type=submit]")
        assert "/workbench/petition/" in page.url
        assert "领导接访登记（接访领导：刘市长" in page.locator("#baoan-card").inner_text()
        screenshot(page, "reception-04-registered-petition")
        page.goto(f"{live_server.url}/workbench/reception/{day.pk}/")
        with page.expect_navigation():
            page.click(f"#appt-{code} button[type=submit]")
    registered = Appointment.objects.filter(status="registered").select_related("petition")
    walk_petition = Appointment.objects.get(kind="walk_in").petition
    assert walk_petition is not None and not walk_petition.is_anonymous  # name and address given
    assert sorted(a.petition.channel for a in registered) == ["visit", "visit"]
    assert {a.receiving_leader.username for a in registered} == {"leader"}


def test_stability_assessment_to_decision(page: Any, live_server: Any, world: Any, register: Any) -> None:
    from minsheng.orgs.models import Region

    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    register(
        title="旧城改造房屋征收补偿过低", request="请求提高征收补偿标准", region=district, is_collective=True
    )
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/workbench/stability/")
    page.fill("#title", "旧城改造房屋征收决定")
    page.select_option("#kind", "demolition")
    page.select_option("#region", str(district.pk))
    page.fill("#keywords", "征收，拆迁")
    page.fill("#scope", "征收老城片区住宅412户")
    page.fill("#planned_date", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    with page.expect_navigation():
        page.click("#decision-form button[type=submit]")
    assert page.locator("#ev-total").inner_text() == "1"
    page.select_option("#c-method", "hearing")
    page.fill("#c-held", timezone.localdate().isoformat())
    page.fill("#c-part", "被征收户代表21人")
    page.fill("#c-sum", "多数赞成，关注补偿标准")
    with page.expect_navigation():
        page.click("#consult-form button[type=submit]")
    for dim, rating in (
        ("legality", "sound"),
        ("reasonableness", "concern"),
        ("feasibility", "sound"),
        ("controllability", "concern"),
    ):
        page.fill(f"#f-{dim}", "经分析论证")
        page.select_option(f"#r-{dim}", rating)
        with page.expect_navigation():
            page.click(f"#dim-{dim} button[type=submit]")
    page.select_option("#g-level", "medium")
    page.fill("#g-points", "补偿标准争议可能引发集体访")
    page.fill("#g-mit", "公开补偿标准；一户一策")
    page.fill("#g-plan", "成立化解工作组")
    with page.expect_navigation():
        page.click("#grade-form button[type=submit]")
    assert page.locator("#risk-level").inner_text() == "中风险"
    page.select_option("#d-outcome", "implement_adjusted")
    page.fill("#d-note", "按评估意见调整后实施")
    with page.expect_navigation():
        page.click("#decide-form button[type=submit]")
    assert "调整后实施" in page.locator("#decision-outcome").inner_text()
    screenshot(page, "stability-01-decided")
    with page.expect_download() as download:
        page.click("#report-link")
    assert download.value.suggested_filename.endswith(".docx")
    decision = MajorDecision.objects.get()
    assert (decision.status, decision.risk_level) == ("decided", "medium")
    assert page.console_errors == []


def test_reception_duty_report(page: Any, live_server: Any, world: Any) -> None:
    """A-081: the leaders' reception days per quarter against the rule, from the reception page."""
    from minsheng.reception import services as rs

    today = timezone.localdate()
    earlier = today - dt.timedelta(days=1)
    data = rs.DayInput(
        organ=world.organs["a-gov"],
        leader=world.users["leader"],
        leader_post="市长",
        date=earlier,
        start_time=dt.time(9),
        end_time=dt.time(12),
        place="A市人民来访接待中心",
        capacity=3,
    )
    rs.day_create(
        data,
        actor=world.users["registrar"],
        publish=True,
        now=timezone.now() - dt.timedelta(days=10),
    )
    login(page, live_server, "registrar")
    page.goto(f"{live_server.url}/workbench/reception/")
    with page.expect_navigation():
        page.click("#duties-link")
    table = page.locator("#duty-city-leaders").inner_text()
    assert "刘市长" in table and "钱秘书长" in table
    assert page.locator("#duty-city-leaders td[data-verdict=met]").count() == 1
    assert "接访意见2009" in page.locator("#duty-rules").inner_text()
    screenshot(page, "reception-05-duty-report")
    assert axe_violations(page) == []
