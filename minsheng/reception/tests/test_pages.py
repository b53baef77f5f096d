"""The reception pages: the portal schedule and booking, the workbench day list, day page (walk-in,
register the matter), 包案 on the petition page, and the 下访 page with its region table."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.notifications import sms
from minsheng.reception.models import Appointment, CaseOwnership, OutreachVisit, ReceptionDay

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def _web(world: Any, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def test_day_to_registered_petition_through_the_pages(world: Any) -> None:
    cache.clear()
    with time_machine.travel(at("2026-03-02"), tick=False):
        staff = _web(world, "registrar")
        page = staff.get(reverse("workbench:reception"))
        assert page.status_code == 200 and "安排接访日" in page.content.decode()
        form = {
            "organ": world.organs["a-gov"].pk,
            "leader": world.users["leader"].pk,
            "leader_post": "市长",
            "date": "2026-03-04",
            "start_time": "09:00",
            "end_time": "12:00",
            "place": "A市人民来访接待中心",
            "topics": "住房",
            "capacity": "1",
            "publish": "1",
        }
        refused = staff.post(reverse("workbench:reception"), form, follow=True)
        assert "须至少提前3日" in refused.content.decode()
        assert not ReceptionDay.objects.exists()
        form["date"] = "2026-03-05"
        created = staff.post(reverse("workbench:reception"), form)
        day = ReceptionDay.objects.get()
        assert created["Location"] == reverse("workbench:reception_day", args=[day.pk])
        assert day.status == "published"
    with time_machine.travel(at("2026-03-03"), tick=False):
        citizen = Client()
        listing = citizen.get(reverse("portal:reception")).content.decode()
        assert "A市人民来访接待中心" in listing and "剩余 1 / 1 个名额" in listing
        assert reverse("portal:reception") in citizen.get(reverse("portal:guide")).content.decode()
        bad = citizen.post(
            reverse("portal:reception_book", args=[day.pk]),
            {"name": "张三", "phone": "123", "summary": "小区停车难问题"},
        )
        assert "请填写11位手机号码" in bad.content.decode()
        book_url = reverse("portal:reception_book", args=[day.pk])
        typed = {"name": "张三", "phone": "13900001111", "summary": "小区停车难问题"}
        unproved = citizen.post(book_url, typed).content.decode()
        assert "请先获取并填写短信验证码" in unproved and not Appointment.objects.exists()
        sms.sent_messages.clear()
        # The code can be asked for before the summary is written.
        sent = citizen.post(book_url, {"name": "张三", "phone": "13900001111", "action": "send_code"})
        assert sent["Location"] == book_url + "?sent=1"
        again = citizen.get(sent["Location"]).content.decode()
        assert 'value="张三"' in again and "重新发送验证码" in again  # what was typed is kept
        (text,) = [t for p, t in sms.sent_messages if p == "13900001111"]
        code = re.search(r"\d{6}", text).group(0)  # type: ignore[union-attr]
        ok = citizen.post(book_url, {**typed, "code": code, "action": "book"}, follow=True)
        appt = Appointment.objects.get()
        assert appt.code in ok.content.decode()
        # The same phone typed in another browser, without its code: told nothing about it.
        other = Client().post(book_url, typed).content.decode()
        assert "请先获取并填写短信验证码" in other and "已预约本场" not in other
        # The holder, proved in this browser, is told.
        assert (
            "该手机号码已预约本场接访" in citizen.post(book_url, {**typed, "action": "book"}).content.decode()
        )
        full = Client().get(reverse("portal:reception")).content.decode()
        assert "网上预约名额已满" in full
    with time_machine.travel(at("2026-03-05", 10), tick=False):
        staff = _web(world, "registrar")
        day_page = staff.get(reverse("workbench:reception_day", args=[day.pk])).content.decode()
        assert "张*" in day_page and "139****1111" in day_page and "13900001111" not in day_page
        staff.post(
            reverse("workbench:reception_act", args=[day.pk, "walk_in"]),
            {"name": "李四", "phone": "", "summary": "路灯不亮"},
        )
        walk = Appointment.objects.get(kind="walk_in")
        response = staff.post(
            reverse("workbench:reception_act", args=[day.pk, "register"]),
            {"appointment": walk.pk, "title": "幸福小区路灯不亮"},
        )
        walk.refresh_from_db()
        assert walk.petition is not None
        assert response["Location"] == reverse("workbench:petition", args=[walk.petition.pk])
        petition_page = _web(world, "leader").get(response["Location"]).content.decode()
        assert "领导接访登记（接访领导：刘市长" in petition_page
        assert "本人包案" in petition_page


def test_baoan_from_the_petition_page(world: Any, register: Any) -> None:
    petition = register()
    leader = _web(world, "leader")
    url = reverse("workbench:baoan", args=[petition.pk])
    leader.post(url, {"duties": ["包掌握情况", "包解决化解"], "target_date": "2999-01-01"})
    ownership = CaseOwnership.objects.get(petition=petition)
    assert ownership.duties == ["包掌握情况", "包解决化解"]
    page = leader.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "包掌握情况、包解决化解" in page and "领导包案不改变法定办理期限" in page
    # A caseworker cannot: the take_charge row is for leaders; nothing changes.
    _web(world, "caseworker").post(url, {"duties": ["包掌握情况"]})
    assert CaseOwnership.objects.filter(petition=petition).count() == 1


def test_outreach_page_records_a_visit_and_shows_the_region_table(world: Any) -> None:
    from minsheng.orgs.models import Region

    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    leader = _web(world, "leader")
    today = timezone.localdate().isoformat()
    leader.post(
        reverse("workbench:outreach"),
        {
            "organ": world.organs["a-gov"].pk,
            "region": district.pk,
            "place": "某社区服务中心",
            "date": today,
            "people_met": "居民10人",
            "outcomes": "当场答复3件",
            "matter_title": ["加装电梯", ""],
            "matter_request": ["请求支持加装电梯", ""],
        },
    )
    visit = OutreachVisit.objects.get()
    assert visit.petitions.count() == 1
    page = leader.get(reverse("workbench:outreach")).content.decode()
    assert "region-table" in page and district.name in page and "某社区服务中心" in page


def test_portal_schedule_in_english(world: Any, settings: Any) -> None:
    from minsheng.reception.tests.test_services import _day

    with time_machine.travel(at("2026-03-02"), tick=False):
        _day(world, "2026-03-06", capacity=4)
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get(reverse("portal:reception")).content.decode()
    assert "Leader reception days" in page and "4 of 4 places left" in page
    assert "Reception at a fixed place" in page


def test_citizen_cancels_on_the_portal(world: Any) -> None:
    from minsheng.reception import services as rs
    from minsheng.reception.tests.test_services import _day

    cache.clear()
    day = _day(world, "2026-03-06", capacity=1)
    with time_machine.travel(at("2026-03-03"), tick=False):
        appt = rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="小区停车难问题", phone_verified=True
        )
        client = Client()
        wrong = client.post(reverse("portal:reception_cancel"), {"code": appt.code, "phone": "13900002222"})
        assert "预约不存在" in wrong.content.decode()
        done = client.post(
            reverse("portal:reception_cancel"),
            {"code": appt.code.lower(), "phone": "13900001111"},
            follow=True,
        )
        assert "预约已取消" in done.content.decode() and "剩余 1 / 1 个名额" in done.content.decode()
    appt.refresh_from_db()
    assert appt.status == "cancelled"


def test_analysts_see_no_reception_pages(world: Any) -> None:
    from minsheng.reception.tests.test_services import _day

    day = _day(world, "2026-03-06")
    analyst = _web(world, "analyst")
    assert analyst.get(reverse("workbench:reception_day", args=[day.pk])).status_code == 404
    assert analyst.get(reverse("workbench:outreach")).status_code == 404
    assert "A市人民来访接待中心二楼" not in analyst.get(reverse("workbench:reception")).content.decode()


def test_no_booking_button_on_the_day(world: Any) -> None:
    from minsheng.reception.tests.test_services import _day

    _day(world, "2026-03-06")
    with time_machine.travel(at("2026-03-06", 8), tick=False):
        page = Client().get(reverse("portal:reception")).content.decode()
    assert "网上预约已截止" in page and 'class="button"' not in page
