"""The supervision ladder on one case (Arts. 39(3), 40; A-060, A-061) at fixed dates: the warning
and the automatic 督办 of the sweep, then 催办 → 挂牌督办 → 约谈 → 通报 through petition_transition,
the leader steps naming the chain of the day, the feedback clock, and 摘牌 with evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from minsheng.accountability.demo import load_portfolios
from minsheng.core.errors import InvalidInput
from minsheng.orgs.models import Category, Region
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, PetitionEvent, SupervisionOrder
from minsheng.workflow.selectors import supervision_ladder
from minsheng.workflow.services import available_actions, petition_transition
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def case(world: Any, register: Any, act: Any, organs: Any) -> Any:
    sub = Category.objects.filter(path__startswith="城乡建设/", level=3).order_by("path").first()
    with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
        p = register(
            received_at=at(dt.date(2025, 3, 1), 9), category=sub, region=Region.objects.get(name="A1区")
        )
    with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
        act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(p, "receive", "caseworker")
    return p


def step(p: Any, users: Any, on: dt.date, kind: str, **data: Any) -> SupervisionOrder:
    petition_transition(
        p.pk,
        "supervise",
        actor=users["supervisor"],
        data={"kind": kind, "suggestion": f"{kind} 请限期办理并书面反馈", **data},
        now=at(on),
    )
    return SupervisionOrder.objects.filter(petition=p).latest("pk")


def test_the_ladder_from_warning_to_circular(case: Any, users: Any, world: Any, client: Client) -> None:
    # The sweep warns before the breach, then raises the automatic 督办 on it.
    deadlines_sweep(at(dt.date(2025, 3, 16)))
    notice = Deadline.objects.get(petition=case, rule="D-NOTICE-15")
    assert notice.due_soon_at is not None and notice.status == "open"
    deadlines_sweep(at(dt.date(2025, 3, 19)))
    auto = SupervisionOrder.objects.get(petition=case, trigger="notice_overdue")
    assert (auto.kind, auto.leaders, auto.feedback_due) == ("ordinary", [], dt.date(2025, 4, 18))

    reminder = step(case, users, dt.date(2025, 3, 20), "reminder")
    assert reminder.leaders == []
    # A leader step needs leaders on record: without portfolios it is refused and nothing is written.
    before = (SupervisionOrder.objects.count(), PetitionEvent.objects.count())
    with pytest.raises(InvalidInput) as err:
        step(case, users, dt.date(2025, 3, 21), "listed")
    assert (
        err.value.field == "kind"
        and "A市住房和城乡建设局 在 2025-03-21 没有登记的领导分工" in err.value.message
    )
    assert (SupervisionOrder.objects.count(), PetitionEvent.objects.count()) == before

    load_portfolios(world, today=dt.date(2025, 6, 1))  # 王振华 → 田宇 on 2025-04-17
    listed = step(case, users, dt.date(2025, 3, 24), "listed", feedback_due="2025-04-10")
    assert listed.feedback_due == dt.date(2025, 4, 10)
    assert [(x["role_label"], x["leader"]) for x in listed.leaders] == [
        ("分管", "王振华"),
        ("主管", "曹丽君"),
        ("总责", "赵德胜"),
    ]
    event = PetitionEvent.objects.filter(petition=case, action="supervise").latest("pk")
    assert event.data["ladder_step"] == 5 and event.data["leaders"][0]["leader"] == "王振华"

    interview = step(case, users, dt.date(2025, 4, 20), "interview")
    assert interview.feedback_due == dt.date(2025, 5, 20)  # D-SUPERVISION-FEEDBACK: 30 days
    assert [x["leader"] for x in interview.leaders] == ["田宇", "曹丽君", "赵德胜"]  # the chain of that day
    circular = step(case, users, dt.date(2025, 4, 21), "circular")
    assert (
        PetitionEvent.objects.filter(petition=case, action="supervise").latest("pk").data["ladder_step"] == 7
    )
    assert circular.get_kind_display() == "通报"

    # 摘牌: only after the written feedback, with evidence, once; offered exactly then.
    def delist_offered() -> bool:
        petition = Petition.objects.get(pk=case.pk)
        return "delist" in {t.action for t in available_actions(petition, users["supervisor"])}

    assert not delist_offered()
    with pytest.raises(InvalidInput):
        petition_transition(
            case.pk,
            "delist",
            actor=users["supervisor"],
            data={"order_id": listed.pk, "evidence": "已整改"},
            now=at(dt.date(2025, 4, 5)),
        )
    petition_transition(
        case.pk,
        "supervision_feedback",
        actor=users["caseworker"],
        data={"order_id": listed.pk, "feedback": "已书面告知信访人并整改"},
        now=at(dt.date(2025, 4, 12)),
    )
    listed.refresh_from_db()
    assert listed.feedback_late is True  # due 2025-04-10
    assert delist_offered()
    with pytest.raises(InvalidInput):  # a 通报 is no listed order
        petition_transition(
            case.pk,
            "delist",
            actor=users["supervisor"],
            data={"order_id": circular.pk, "evidence": "x"},
            now=at(dt.date(2025, 4, 13)),
        )
    petition_transition(
        case.pk,
        "delist",
        actor=users["supervisor"],
        data={"order_id": listed.pk, "evidence": "告知书已送达，复核属实"},
        now=at(dt.date(2025, 4, 14)),
    )
    listed.refresh_from_db()
    assert (listed.delisted_at, listed.delisted_by, listed.delisting_evidence) == (
        at(dt.date(2025, 4, 14)),
        users["supervisor"],
        "告知书已送达，复核属实",
    )
    assert not delist_offered()
    with pytest.raises(InvalidInput):
        petition_transition(
            case.pk,
            "delist",
            actor=users["supervisor"],
            data={"order_id": listed.pk, "evidence": "再次"},
            now=at(dt.date(2025, 4, 15)),
        )
    assert PetitionEvent.objects.filter(petition=case, action="delist").count() == 1
    ladder = [(x.step, x.first_on, x.count) for x in supervision_ladder(case)]
    assert ladder == [
        ("warning", dt.date(2025, 3, 16), 1),  # D-NOTICE-15 (the objection window is no duty)
        ("breach", dt.date(2025, 3, 19), 1),
        ("reminder", dt.date(2025, 3, 20), 1),
        ("ordinary", dt.date(2025, 3, 19), 1),  # the sweep's automatic order
        ("yellow", None, 0),
        ("red", None, 0),
        ("listed", dt.date(2025, 3, 24), 1),
        ("interview", dt.date(2025, 4, 20), 1),
        ("circular", dt.date(2025, 4, 21), 1),
    ]
    client.force_login(users["supervisor"])
    html = client.get(f"/workbench/petition/{case.pk}/").content.decode()
    ladder_html = html[
        html.index('<ol class="ladder"') : html.index("</ol>", html.index('<ol class="ladder"'))
    ]
    assert '<strong>挂牌督办</strong> <span class="sub">03-24</span>' in ladder_html
    assert "点名领导：分管 王振华（副局长） · 主管 曹丽君" in html and "已摘牌" in html
