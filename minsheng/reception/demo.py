"""Demo data for leader reception: a reception day published for next week with online
appointments, one held today (an appointment and a walk-in registered as petitions), a 包案 case
and a 下访 record. Idempotent: nothing is added when the demo day already exists."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from minsheng.core.errors import ApplicationError
from minsheng.notifications.services import notifications_suppressed
from minsheng.orgs.demo import DemoWorld
from minsheng.orgs.models import Region
from minsheng.petitions.models import Nature, Petition
from minsheng.reception import services as rs
from minsheng.reception.models import CaseOwnership, OutreachVisit, ReceptionDay
from minsheng.workflow.services import OPEN_STATES

logger = logging.getLogger(__name__)
PLACE = "A市人民来访接待中心（市民之家二楼）"

BOOKINGS = [
    ("陈桂芳", "13700000001", "小区加装电梯意见不一，低层住户反对，希望政府协调"),
    ("刘建国", "13700000002", "征收补偿款迟迟未到位，过渡安置费停发三个月"),
    ("黄小燕", "13700000003", "孩子入学学区划分调整后需跨区上学，路程太远"),
]


def build_reception_demo(world: DemoWorld, now: dt.datetime | None = None) -> int:
    """Returns the number of reception days created (0 when already loaded)."""
    moment = now or timezone.now()
    if ReceptionDay.objects.filter(place=PLACE).exists():
        return 0
    leader = world.users["leader"]
    registrar = world.users["registrar"]
    gov = world.organs["a-gov"]
    today = timezone.localdate(moment)
    with notifications_suppressed():
        upcoming = rs.day_create(
            rs.DayInput(
                organ=gov,
                leader=leader,
                leader_post="市长",
                portfolio="全面工作",
                date=today + dt.timedelta(days=7),
                start_time=dt.time(9, 0),
                end_time=dt.time(12, 0),
                place=PLACE,
                topics="城乡建设、住房保障、教育",
                capacity=10,
                joint_organs=[world.organs["a-housing"], world.organs["a-edu"]],
            ),
            actor=registrar,
            publish=True,
            now=moment,
        )
        for name, phone, summary in BOOKINGS:
            rs.appointment_book(
                upcoming.pk, name=name, phone=phone, summary=summary, now=moment, phone_verified=True
            )
        held = rs.day_create(
            rs.DayInput(
                organ=gov,
                leader=leader,
                leader_post="市长",
                date=today,
                start_time=dt.time(9, 0),
                end_time=dt.time(17, 0),
                place=PLACE,
                topics="征地拆迁、物业管理",
                capacity=5,
            ),
            actor=registrar,
            publish=True,
            now=moment - dt.timedelta(days=5),
        )
        booked = rs.appointment_book(
            held.pk,
            name="王秀兰",
            phone="13700000011",
            summary="物业公司擅自提高物业费，业主委员会多次反映无果",
            now=moment - dt.timedelta(days=3),
            phone_verified=True,
        )
        walk = rs.walk_in_register(
            held.pk,
            actor=registrar,
            name="赵德胜",
            phone="13700000012",
            summary="村里征地补偿分配不公",
            now=moment,
        )
        rs.appointment_register_matter(
            booked.pk, actor=registrar, matter=rs.MatterInput(title="物业公司擅自提高物业费"), now=moment
        )
        rs.appointment_register_matter(
            walk.pk, actor=registrar, matter=rs.MatterInput(title="村集体征地补偿款分配不公"), now=moment
        )
        _baoan(world, moment)
        _outreach(world, moment)
    return 2


def _baoan(world: DemoWorld, moment: dt.datetime) -> None:
    if CaseOwnership.objects.exists():
        return
    candidates = (
        Petition.objects.filter(state__in=OPEN_STATES, is_collective=True)
        .exclude(nature=Nature.ACCUSATION)
        .order_by("received_at")[:20]
    )
    for petition in [
        *candidates,
        *Petition.objects.filter(state__in=OPEN_STATES).exclude(nature=Nature.ACCUSATION)[:20],
    ]:
        try:
            rs.baoan_take(
                petition.pk,
                leader=world.users["leader"],
                target_date=timezone.localdate(moment) + dt.timedelta(days=45),
                note="群众反映强烈，市长包案",
                now=moment,
            )
        except ApplicationError:
            continue
        return


def _outreach(world: DemoWorld, moment: dt.datetime) -> None:
    if OutreachVisit.objects.exists():
        return
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    if district is None:
        return
    rs.outreach_record(
        leader=world.users["leader"],
        organ=world.organs["a-gov"],
        region=district,
        place=f"{district.name}人民政府信访接待室",
        date=timezone.localdate(moment) - dt.timedelta(days=10),
        people_met="带案下访：老旧小区居民代表8人、企业职工代表3人",
        outcomes="当场答复2件，交办区政府1件，跟踪督办",
        matters=[
            rs.VisitMatter(
                title="老旧小区雨污管网改造后路面未恢复",
                request="请求尽快恢复小区路面",
                name="孙永福",
                phone="13700000021",
            )
        ],
        now=moment,
    )
