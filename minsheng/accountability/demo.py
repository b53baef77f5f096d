"""Demo leadership teams: who answers for what in the demo city's organs, with one change of a
分管 leader in the past, so that a breach before the change names the old leader. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from minsheng.accountability.models import Leader, Portfolio
from minsheng.accountability.services import portfolio_assign, portfolio_hand_over
from minsheng.orgs.models import Category, Region

SINCE = dt.date(2023, 1, 1)
#: The housing bureau's 分管 deputy for 城乡建设 changed this many days before the demo's day.
HANDOVER_DAYS_AGO = 45

# organ code → [(leader, title, role, categories (level-1 paths), regions (names), demo username)]
TEAMS: dict[str, list[tuple[str, str, str, list[str], list[str], str | None]]] = {
    "a-gov": [
        ("刘建国", "市长", "chief", [], [], "leader"),
        ("陈立新", "副市长（分管信访工作）", "competent", [], [], None),
        ("黄海涛", "副市长", "portfolio", ["城乡建设", "国土资源", "交通运输"], [], None),
        ("许文静", "副市长", "portfolio", ["劳动和社会保障", "教育文体", "卫生计生", "民政"], [], None),
        ("邓卫东", "副市长", "portfolio", ["环境保护", "农村农业", "经济管理", "商贸旅游"], [], None),
    ],
    "a-bureau": [
        ("孙志明", "局长", "chief", [], [], "bureau_head"),
        ("吕晓红", "副局长", "competent", [], [], None),
    ],
    "a-housing": [
        ("赵德胜", "局长", "chief", [], [], "organ_head"),
        ("曹丽君", "副局长（分管信访工作）", "competent", [], [], None),
        ("王振华", "副局长", "portfolio", ["城乡建设"], [], None),  # handed over to 田宇 (below)
        ("蒋明", "副局长", "portfolio", ["城乡建设"], ["A3区", "A5区"], None),
    ],
    "a-hrss": [
        ("郑国平", "局长", "chief", [], [], "hrss_head"),
        ("韩雪", "副局长", "competent", [], [], None),
        ("唐志刚", "副局长", "portfolio", ["劳动和社会保障"], [], None),
    ],
    "a-edu": [("冯建华", "局长", "chief", [], [], None), ("彭丽", "副局长", "competent", [], [], None)],
    "a-env": [("何志强", "局长", "chief", [], [], None), ("罗静", "副局长", "competent", [], [], None)],
}
SUCCESSOR = ("a-housing", "王振华", "田宇")


def load_portfolios(world: Any, today: dt.date | None = None) -> int:
    """Create the demo teams once (nothing is done if the city government already has portfolios).
    Returns the number of portfolios created."""
    if Portfolio.objects.filter(organ=world.organs["a-gov"]).exists():
        return 0
    today = today or timezone.localdate()
    created = 0
    with transaction.atomic():
        for code, team in TEAMS.items():
            organ = world.organs[code]
            for name, title, role, cats, regions, username in team:
                user = world.users.get(username) if username else None
                leader, _ = Leader.objects.get_or_create(name=name, defaults={"user": user})
                portfolio_assign(
                    organ=organ,
                    leader=leader,
                    role=role,
                    title=title,
                    valid_from=SINCE,
                    categories=list(Category.objects.filter(path__in=cats)),
                    regions=list(Region.objects.filter(name__in=regions, level=Region.Level.COUNTY)),
                )
                created += 1
        code, old, new = SUCCESSOR
        leaving = Portfolio.objects.get(organ=world.organs[code], leader__name=old)
        successor, _ = Leader.objects.get_or_create(name=new)
        portfolio_hand_over(
            leaving,
            successor=successor,
            first_day=today - dt.timedelta(days=HANDOVER_DAYS_AGO),
            reason="职务调整（演示数据）",
        )
        created += 1
    return created


def demo_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The six full calendar months before ``today``'s month."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    first_month = (last.month - 6) % 12 + 1
    first_year = last.year if first_month <= last.month else last.year - 1
    return dt.date(first_year, first_month, 1), last


def load_accountability_demo(world: Any, today: dt.date | None = None) -> dict[str, int]:
    """Portfolios, the Art. 39(3) proposals of the last six months for the city departments (open,
    for the supervisor to decide), and one 挂牌督办 on an overdue housing case naming its chain.
    Idempotent."""
    from minsheng.accountability.proposals import proposals_compute
    from minsheng.petitions.models import State
    from minsheng.workflow.models import Deadline, SupervisionOrder
    from minsheng.workflow.services import petition_transition

    today = today or timezone.localdate()
    portfolios = load_portfolios(world, today)
    date_from, date_to = demo_period(today)
    city = [o for o in world.organs.values() if o.parent_id == world.organs["a-gov"].pk]
    proposals = proposals_compute(date_from, date_to, organs=city, today=today)
    listed = 0
    housing = world.organs["a-housing"]
    if not SupervisionOrder.objects.filter(kind=SupervisionOrder.Kind.LISTED).exists():
        overdue = (
            Deadline.objects.filter(
                organ=housing, status=Deadline.Status.BREACHED, petition__current_organ=housing
            )
            .exclude(petition__state__in=[State.FINAL, State.ARCHIVED])
            .exclude(petition__category=None)
            .order_by("statutory_due", "pk")
            .first()
        )
        if overdue is not None:
            petition_transition(
                overdue.petition_id,
                "supervise",
                actor=world.users["supervisor"],
                data={"kind": "listed", "suggestion": "逾期未办结，挂牌督办：限期办结并书面反馈整改情况。"},
            )
            listed = 1
    return {"portfolios": portfolios, "proposals": len(proposals), "listed": listed}
