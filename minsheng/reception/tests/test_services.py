"""Reception days, appointments, walk-ins, registration of the matter, 包案 and 下访."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.models import Petition
from minsheng.reception import services as rs
from minsheng.reception.models import Appointment, CaseOwnership, OutreachVisit, ReceptionDay, ReceptionLog
from minsheng.workflow.models import Deadline, PetitionEvent

TZ = timezone.get_default_timezone()


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def _day(
    world: Any, day: str, *, capacity: int = 2, publish: bool = True, now: str = "2026-03-02"
) -> ReceptionDay:
    data = rs.DayInput(
        organ=world.organs["a-gov"],
        leader=world.users["leader"],
        leader_post="市长",
        date=dt.date.fromisoformat(day),
        start_time=dt.time(9, 0),
        end_time=dt.time(12, 0),
        place="A市人民来访接待中心二楼",
        capacity=capacity,
        topics="城建、住房",
    )
    return rs.day_create(data, actor=world.users["registrar"], publish=publish, now=at(now))


def test_publish_needs_three_days_notice(world: Any) -> None:
    # 2 March: 5 March is exactly three days ahead (allowed); 4 March is refused, nothing written.
    ok = _day(world, "2026-03-05")
    assert ok.status == "published"
    assert ok.published_at == at("2026-03-02")
    with pytest.raises(InvalidInput) as err:
        _day(world, "2026-03-04")
    assert err.value.field == "date"
    assert "最迟2026-03-01发布" in err.value.message
    assert ReceptionDay.objects.count() == 1


def test_publish_lead_days_is_configurable(world: Any, settings: Any) -> None:
    settings.MINSHENG_RECEPTION_PUBLISH_LEAD_DAYS = 1
    assert _day(world, "2026-03-03").status == "published"


def test_publish_refused_to_caseworker(world: Any) -> None:
    data = rs.DayInput(
        organ=world.organs["a-gov"],
        leader=world.users["leader"],
        leader_post="市长",
        date=dt.date(2026, 3, 9),
        start_time=dt.time(9),
        end_time=dt.time(12),
        place="接待中心",
        capacity=5,
    )
    with pytest.raises(Forbidden):
        rs.day_create(data, actor=world.users["caseworker"], now=at("2026-03-02"))


def test_booking_capacity_code_sms_and_encryption(world: Any) -> None:
    day = _day(world, "2026-03-06", capacity=2)
    with time_machine.travel(at("2026-03-03"), tick=False):
        a1 = rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="小区停车位被占用问题", phone_verified=True
        )
        a2 = rs.appointment_book(
            day.pk, name="李四", phone="13900002222", summary="拆迁补偿款未到位", phone_verified=True
        )
        with pytest.raises(InvalidInput) as full:
            rs.appointment_book(
                day.pk, name="王五", phone="13900003333", summary="学校周边交通拥堵", phone_verified=True
            )
    assert full.value.code == "full"
    day.refresh_from_db()
    assert (day.booked, day.remaining) == (2, 0)
    assert a1.code.startswith("JF") and len(a1.code) == 10 and a1.code != a2.code
    sms = next(
        m for m in OutboxMessage.objects.filter(kind="reception_booked") if m.recipient == "13900001111"
    )
    assert a1.code in sms.body and "2026年3月6日 09:00" in sms.body
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM reception_appointment WHERE id = %s", [a1.pk])
        raw_name, raw_phone = cursor.fetchone()
    assert "张三" not in raw_name and "13900001111" not in raw_phone
    # A cancellation gives the place back.
    rs.appointment_cancel(a1.code, "13900001111")
    day.refresh_from_db()
    assert day.booked == 1


def test_booking_bad_input_changes_nothing(world: Any) -> None:
    day = _day(world, "2026-03-06")
    with time_machine.travel(at("2026-03-03"), tick=False):
        for kwargs, fld in (
            ({"name": "", "phone": "13900001111", "summary": "停车位问题反映"}, "name"),
            ({"name": "张三", "phone": "12345", "summary": "停车位问题反映"}, "phone"),
            ({"name": "张三", "phone": "13900001111", "summary": "短"}, "summary"),
        ):
            with pytest.raises(InvalidInput) as err:
                rs.appointment_book(day.pk, **kwargs, phone_verified=True)
            assert err.value.field == fld
        rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="停车位问题反映", phone_verified=True
        )
        with pytest.raises(InvalidInput) as dup:
            rs.appointment_book(
                day.pk, name="张三", phone="139 0000 1111", summary="另一件事情反映", phone_verified=True
            )
        assert dup.value.field == "phone"
    with time_machine.travel(at("2026-03-06"), tick=False), pytest.raises(InvalidInput):
        rs.appointment_book(
            day.pk, name="赵六", phone="13900004444", summary="当天不能网上预约", phone_verified=True
        )
    day.refresh_from_db()
    assert day.booked == 1 and Appointment.objects.count() == 1


def test_booking_needs_a_proved_phone_and_says_nothing_about_it_before(world: Any) -> None:
    """Without proof of the phone the answer is the same whether or not that phone has booked:
    the refusal names the missing code, never the earlier booking, and nothing changes."""
    day = _day(world, "2026-03-06")
    with time_machine.travel(at("2026-03-03"), tick=False):
        rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="停车位问题反映", phone_verified=True
        )
        refusals = []
        for phone in ("13900001111", "13900009999"):
            with pytest.raises(InvalidInput) as err:
                rs.appointment_book(
                    day.pk, name="某人", phone=phone, summary="停车位问题反映", phone_verified=False
                )
            refusals.append((err.value.field, err.value.code, err.value.message))
        assert refusals[0] == refusals[1] == (refusals[0][0], "phone_unverified", refusals[0][2])
        assert refusals[0][0] == "code"
        # The same phone written as the citizen may type it is the same phone.
        with pytest.raises(InvalidInput) as dup:
            rs.appointment_book(
                day.pk, name="张三", phone="+86 139-0000-1111", summary="另一件事情反映", phone_verified=True
            )
        assert dup.value.field == "phone"
    day.refresh_from_db()
    assert day.booked == 1 and Appointment.objects.count() == 1


def test_walk_in_and_register_matter_as_visit_petition(world: Any) -> None:
    day = _day(world, "2026-03-06")
    with time_machine.travel(at("2026-03-03"), tick=False):
        booked = rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="小区停车位被占用问题", phone_verified=True
        )
    with time_machine.travel(at("2026-03-05"), tick=False), pytest.raises(InvalidInput):
        rs.walk_in_register(day.pk, actor=world.users["registrar"], name="李四", phone="", summary="路灯不亮")
    with time_machine.travel(at("2026-03-06", 10), tick=False):
        walk = rs.walk_in_register(
            day.pk,
            actor=world.users["registrar"],
            name="李四",
            phone="13900005555",
            summary="小区路灯长期不亮",
        )
        with pytest.raises(Forbidden):
            rs.appointment_register_matter(walk.pk, actor=world.users["caseworker"], matter=rs.MatterInput())
        p1 = rs.appointment_register_matter(
            booked.pk, actor=world.users["registrar"], matter=rs.MatterInput()
        )
        p2 = rs.appointment_register_matter(
            walk.pk, actor=world.users["registrar"], matter=rs.MatterInput(title="幸福小区路灯不亮")
        )
        with pytest.raises(InvalidInput):
            rs.appointment_register_matter(walk.pk, actor=world.users["registrar"], matter=rs.MatterInput())
    for petition, appt, title in ((p1, booked, "小区停车位被占用问题"), (p2, walk, "幸福小区路灯不亮")):
        petition.refresh_from_db()
        appt.refresh_from_db()
        assert petition.channel == "visit" and petition.state == "registered"
        assert petition.title == title
        assert petition.receiving_organ == world.organs["a-gov"]
        assert petition.received_at == at("2026-03-06", 10)
        assert appt.petition == petition and appt.receiving_leader == world.users["leader"]
        assert appt.status == "registered"
        assert PetitionEvent.objects.filter(petition=petition, action="register").count() == 1
    assert p1.petitioner is not None and p1.petitioner.name == "张三"
    actions = list(ReceptionLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "day_create",
        "day_publish",
        "appointment_book",
        "walk_in",
        "register_matter",
        "register_matter",
    ]


def test_cancel_day_tells_booked_citizens(world: Any) -> None:
    day = _day(world, "2026-03-06")
    with time_machine.travel(at("2026-03-03"), tick=False):
        rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="小区停车位被占用问题", phone_verified=True
        )
        with pytest.raises(InvalidInput):
            rs.day_cancel(day.pk, actor=world.users["registrar"], reason="")
        rs.day_cancel(day.pk, actor=world.users["registrar"], reason="领导临时公务")
    sms = OutboxMessage.objects.get(kind="reception_cancelled")
    assert sms.recipient == "13900001111" and "领导临时公务" in sms.body
    assert ReceptionDay.objects.get(pk=day.pk).status == "cancelled"


def _due_dates(petition: Petition) -> list[tuple[str, dt.date, dt.date, str]]:
    return list(
        Deadline.objects.filter(petition=petition)
        .order_by("rule", "pk")
        .values_list("rule", "nominal_due", "statutory_due", "status")
    )


def test_baoan_changes_no_clock(world: Any, register: Any, act: Any) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        petition = register(received_at=at("2026-03-02", 8))
        act(petition, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    before = _due_dates(petition)
    assert before  # the forwarding opened clocks
    with time_machine.travel(at("2026-03-04"), tick=False):
        with pytest.raises(InvalidInput):
            rs.baoan_take(petition.pk, leader=world.users["leader"], duties=[])
        ownership = rs.baoan_take(
            petition.pk, leader=world.users["leader"], target_date=dt.date(2026, 4, 30), note="群众反映强烈"
        )
        with pytest.raises(Forbidden):
            rs.baoan_take(petition.pk, leader=world.users["caseworker"])
    petition.refresh_from_db()
    assert petition.leader_in_charge == world.users["leader"]
    assert ownership.duties == ["包掌握情况", "包思想教育", "包解决化解", "包息诉息访"]
    assert _due_dates(petition) == before
    event = PetitionEvent.objects.get(petition=petition, action="take_charge")
    assert event.data["leader"] == "leader" and event.from_state == event.to_state
    assert CaseOwnership.objects.filter(petition=petition, is_active=True).count() == 1


def test_outreach_registers_matters_and_counts_by_region(world: Any) -> None:
    from minsheng.orgs.models import Region
    from minsheng.reception.selectors import outreach_vs_petitions

    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    with time_machine.travel(at("2026-03-10", 16), tick=False):
        with pytest.raises(Forbidden):
            rs.outreach_record(
                leader=world.users["caseworker"],
                organ=world.organs["a-gov"],
                region=district,
                place="某街道",
                date=dt.date(2026, 3, 10),
                people_met="居民代表",
            )
        visit = rs.outreach_record(
            leader=world.users["leader"],
            organ=world.organs["a-gov"],
            region=district,
            place="某街道社区服务中心",
            date=dt.date(2026, 3, 10),
            people_met="社区居民代表12人",
            outcomes="现场协调解决2件",
            matters=[rs.VisitMatter(title="老旧小区加装电梯", request="请求支持加装电梯", name="赵大爷")],
        )
    assert OutreachVisit.objects.count() == 1
    petition = visit.petitions.get()
    assert petition.channel == "visit" and petition.region == district
    rows = outreach_vs_petitions(world.city, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    row = next(r for r in rows if r.region == district)
    assert (row.petitions, row.visits, row.matters) == (1, 1, 1)
    assert sum(r.visits for r in rows) == 1


def test_a_joint_organ_never_sees_an_accusation_against_it_nor_unregistered_matters(world: Any) -> None:
    """R-150 (ADR 0006) on a joint reception day: a registered matter that is an accusation against
    the joint organ does not exist for its staff; a matter not yet registered has no nature the
    policy could judge, so the joint organ's staff see it without name, phone or summary. The host
    side sees every row."""
    from django.contrib.auth import get_user_model

    from minsheng.orgs.models import StaffMembership
    from minsheng.petitions.models import Petition
    from minsheng.reception.selectors import appointment_rows

    housing = world.organs["a-housing"]
    data = rs.DayInput(
        organ=world.organs["a-gov"],
        leader=world.users["leader"],
        leader_post="市长",
        date=dt.date(2026, 3, 6),
        start_time=dt.time(9, 0),
        end_time=dt.time(12, 0),
        place="A市人民来访接待中心二楼",
        capacity=3,
        joint_organs=[housing],
    )
    day = rs.day_create(data, actor=world.users["registrar"], publish=True, now=at("2026-03-02"))
    with time_machine.travel(at("2026-03-03"), tick=False):
        accusing = rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="举报住建局干部索贿", phone_verified=True
        )
        waiting = rs.appointment_book(
            day.pk, name="王五", phone="13900002222", summary="小区停车位被占用", phone_verified=True
        )
    with time_machine.travel(at("2026-03-06", 10), tick=False):
        petition = rs.appointment_register_matter(
            accusing.pk, actor=world.users["registrar"], matter=rs.MatterInput()
        )
    Petition.objects.filter(pk=petition.pk).update(nature="accusation", accused_organ=housing)
    day.refresh_from_db()

    host = appointment_rows(day, world.users["registrar"])
    assert [(r.a.pk, r.summary) for r in host] == [
        (accusing.pk, "举报住建局干部索贿"),
        (waiting.pk, "小区停车位被占用"),
    ]
    housing_only = get_user_model().objects.create_user("housing_only", password="test-password-123")
    StaffMembership.objects.create(user=housing_only, organ=housing, role="caseworker")
    joint = appointment_rows(day, housing_only)  # a post in the joint organ only
    assert [(r.a.pk, r.name_masked, r.phone_masked, r.summary) for r in joint] == [(waiting.pk, "", "", None)]


def test_a_joint_organ_reads_no_accusation_in_a_registered_summary(world: Any) -> None:
    """Red-team review of 2026-12-08: a citizen's summary naming an accusation against a joint organ,
    registered as a grievance and the accusation split off into its own petition, was still shown
    word for word (with the accuser's name) to the joint organ once the grievance was forwarded to
    it. Now a registered row shows the petition's title as the viewer's case page shows it, and only
    to those who may open the petition; and the matter can be registered as an accusation at once."""
    from django.contrib.auth import get_user_model

    from minsheng.orgs.models import StaffMembership
    from minsheng.reception.selectors import appointment_rows
    from minsheng.workflow.services import petition_transition

    housing = world.organs["a-housing"]
    data = rs.DayInput(
        organ=world.bureau,
        leader=world.users["bureau_head"],
        leader_post="市信访局局长",
        date=dt.date(2026, 3, 6),
        start_time=dt.time(9, 0),
        end_time=dt.time(12, 0),
        place="A市人民来访接待中心二楼",
        capacity=3,
        joint_organs=[housing],
    )
    day = rs.day_create(data, actor=world.users["registrar"], publish=True, now=at("2026-03-02"))
    summary = "本人吴九，小区电梯长期停运；另举报住建局某科长向我索要红包两千元。"
    with time_machine.travel(at("2026-03-03"), tick=False):
        mixed = rs.appointment_book(
            day.pk, name="吴九", phone="13900003333", summary=summary, phone_verified=True
        )
        direct = rs.appointment_book(
            day.pk, name="郑十", phone="13900004444", summary="举报住建局干部索贿", phone_verified=True
        )
    with time_machine.travel(at("2026-03-06", 10), tick=False):
        grievance = rs.appointment_register_matter(
            mixed.pk, actor=world.users["registrar"], matter=rs.MatterInput(title="小区电梯长期停运")
        )
        accusation = rs.appointment_register_matter(
            direct.pk,
            actor=world.users["registrar"],
            matter=rs.MatterInput(nature="accusation", accused_organ=housing),
        )
    assert (accusation.nature, accusation.accused_organ_id) == ("accusation", housing.pk)
    petition_transition(
        grievance.pk,
        "split_accusation",
        actor=world.users["dispatcher"],
        data={
            "accused_organ_id": housing.pk,
            "accusation_title": "举报住建局某科长索要红包",
            "accusation_request": "请求查处住建局某科长向我索要红包两千元的问题",
            "grievance_title": "小区电梯长期停运",
            "grievance_request": "请求督促修复小区电梯",
        },
    )
    petition_transition(
        grievance.pk, "forward", actor=world.users["dispatcher"], data={"organ_id": housing.pk}
    )
    day.refresh_from_db()
    housing_only = get_user_model().objects.create_user("housing_joint", password="test-password-123")
    StaffMembership.objects.create(user=housing_only, organ=housing, role="caseworker")
    joint = appointment_rows(day, housing_only)
    assert [r.a.pk for r in joint] == [mixed.pk]  # the accusation registered as one: no row at all
    row = joint[0]
    assert row.petition_visible and row.summary is not None
    assert "索要" not in row.summary and "吴九" not in row.summary and "红包" not in row.summary
    # The host side sees both rows, each as its petition's title.
    host = {r.a.pk: r for r in appointment_rows(day, world.users["registrar"])}
    assert set(host) == {mixed.pk, direct.pk} and host[direct.pk].petition_visible
