"""Leaders' portfolios and the accountable chain at a moment (A-001, A-003), through the services at
fixed dates: overlapping 总责 refused, the 分管 leader chosen by category and region, and a breach
naming the leaders in office when it happened, not today's."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.accountability.models import AuditEntry, Leader, Portfolio
from minsheng.accountability.selectors import accountable_chain, breach_chain, chain_for, organ_at
from minsheng.accountability.services import portfolio_assign, portfolio_end, portfolio_hand_over
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.orgs.models import Category, Region
from minsheng.workflow.models import Deadline
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def team(organs: Any) -> dict[str, Any]:
    """The housing bureau's leadership from 2025-01-01: 局长 (总责), a deputy in charge of petition
    work (主管), and two deputies with portfolios: 城乡建设 in A3区, and 城乡建设 everywhere."""
    housing = organs["a-housing"]
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    L = {n: Leader.objects.create(name=n) for n in names}
    cat = Category.objects.get(path="城乡建设")
    a3 = Region.objects.get(name="A3区")
    start = dt.date(2025, 1, 1)
    portfolio_assign(organ=housing, leader=L["赵一"], role="chief", title="局长", valid_from=start)
    portfolio_assign(organ=housing, leader=L["钱二"], role="competent", title="副局长", valid_from=start)
    portfolio_assign(
        organ=housing, leader=L["孙三"], role="portfolio", title="副局长", valid_from=start, categories=[cat]
    )
    portfolio_assign(
        organ=housing,
        leader=L["李四"],
        role="portfolio",
        title="副局长",
        valid_from=start,
        categories=[cat],
        regions=[a3],
    )
    return {"organ": housing, "leaders": L, "cat": cat, "a3": a3}


def test_overlapping_chief_is_refused_and_nothing_is_written(team: dict[str, Any]) -> None:
    before = (Portfolio.objects.count(), AuditEntry.objects.count())
    with pytest.raises(InvalidInput) as err:
        portfolio_assign(
            organ=team["organ"],
            leader=team["leaders"]["周五"],
            role="chief",
            valid_from=dt.date(2025, 6, 1),
            valid_to=dt.date(2025, 6, 30),
        )
    assert err.value.code == "portfolio_overlap"
    assert err.value.message == (
        "A市住房和城乡建设局 2025-01-01 起已由 赵一 负总责，与所设期间重叠；请先结束其分工（截止日早于 2025-06-01）。"
    )
    assert (Portfolio.objects.count(), AuditEntry.objects.count()) == before


def test_a_chief_may_follow_the_one_who_left_and_both_are_audited(team: dict[str, Any], users: Any) -> None:
    chief = Portfolio.objects.get(organ=team["organ"], role="chief")
    with pytest.raises(InvalidInput):
        portfolio_end(chief, last_day=dt.date(2025, 6, 30), reason=" ")
    new = portfolio_hand_over(
        chief,
        successor=team["leaders"]["周五"],
        first_day=dt.date(2025, 7, 1),
        reason="职务调整",
        actor=users["admin"],
    )
    assert (new.valid_from, new.valid_to, new.title) == (dt.date(2025, 7, 1), None, "局长")
    chief.refresh_from_db()
    assert (chief.valid_to, chief.end_reason) == (dt.date(2025, 6, 30), "职务调整")
    last = list(AuditEntry.objects.order_by("-pk").values_list("action", "actor__username", "data")[:2])
    assert last[1][:2] == ("portfolio_end", "admin") and last[1][2]["valid_to"] == "2025-06-30"
    assert last[0][:2] == ("portfolio_assign", "admin") and last[0][2]["leader"] == "周五"
    # An end date before the start, or a second end, is refused.
    with pytest.raises(InvalidInput):
        portfolio_end(chief, last_day=dt.date(2025, 7, 5), reason="再次结束")


def test_only_admins_or_assessors_above_may_change_portfolios(team: dict[str, Any], users: Any) -> None:
    with pytest.raises(Forbidden):
        portfolio_assign(
            organ=team["organ"],
            leader=team["leaders"]["周五"],
            role="portfolio",
            valid_from=dt.date(2026, 1, 1),
            actor=users["organ_head"],  # the organ's own head does not set his own team's duties
        )
    made = portfolio_assign(
        organ=team["organ"],
        leader=team["leaders"]["周五"],
        role="portfolio",
        valid_from=dt.date(2026, 1, 1),
        actor=users["supervisor"],  # supervisor of the city government, above the bureau
    )
    assert made.created_by == users["supervisor"]


def test_the_closest_portfolio_names_the_portfolio_leader(team: dict[str, Any]) -> None:
    sub = Category.objects.filter(path__startswith="城乡建设/", level=3).order_by("path").first()
    a1 = Region.objects.get(name="A1区")
    street = Region.objects.get(name="洋湖街道")  # in A3区
    on = dt.date(2025, 3, 1)
    in_a3 = chain_for(team["organ"], on, category=sub, region=street)
    assert [(x.role, x.leader, x.title) for x in in_a3.links] == [
        ("portfolio", "李四", "副局长"),
        ("competent", "钱二", "副局长"),
        ("chief", "赵一", "局长"),
    ]
    assert in_a3.names() == ["分管 李四", "主管 钱二", "总责 赵一"] and in_a3.missing == []
    assert [x.leader for x in chain_for(team["organ"], on, category=sub, region=a1).links] == [
        "孙三",
        "钱二",
        "赵一",
    ]
    # No category: no 分管 leader limited to one can be named; the gap is said, not guessed.
    none = chain_for(team["organ"], on, category=None, region=a1)
    assert [x.leader for x in none.links] == ["钱二", "赵一"] and none.missing == ["portfolio"]
    # Before anyone was appointed: every role missing.
    assert chain_for(team["organ"], dt.date(2024, 12, 31)).missing == ["portfolio", "competent", "chief"]


def test_a_breach_names_the_leader_in_office_when_it_happened(
    team: dict[str, Any], register: Any, act: Any, organs: Any
) -> None:
    """The housing bureau receives a forwarded letter on 2025-03-03 and never gives its Art. 23
    notice (D-NOTICE-15, statutory due 2025-03-18). On 2025-04-01 the 分管 deputy 李四 is replaced by
    周五; the breach still names 李四, while the chain of today names 周五."""
    sub = Category.objects.filter(path__startswith="城乡建设/", level=3).order_by("path").first()
    street = Region.objects.get(name="洋湖街道")
    with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
        p = register(received_at=at(dt.date(2025, 3, 1), 9), category=sub, region=street)
        assert organ_at(p, at(dt.date(2025, 3, 1), 12)) == organs["a-bureau"]
    with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
        act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(p, "receive", "caseworker")
    deadlines_sweep(at(dt.date(2025, 3, 25)))
    breach = Deadline.objects.get(petition=p, rule="D-NOTICE-15")
    assert (breach.status, breach.statutory_due) == ("breached", dt.date(2025, 3, 18))
    old = Portfolio.objects.get(leader__name="李四")
    portfolio_hand_over(
        old, successor=team["leaders"]["周五"], first_day=dt.date(2025, 4, 1), reason="职务调整"
    )

    then = breach_chain(breach)
    assert (then.organ, then.on) == ("A市住房和城乡建设局", dt.date(2025, 3, 18))
    assert then.names() == ["分管 李四", "主管 钱二", "总责 赵一"]
    assert accountable_chain(p, at(dt.date(2025, 3, 10))).names() == ["分管 李四", "主管 钱二", "总责 赵一"]
    assert accountable_chain(p, at(dt.date(2025, 4, 2))).names() == ["分管 周五", "主管 钱二", "总责 赵一"]
    # Before the forwarding the bureau held it, and the bureau has no portfolios recorded.
    early = accountable_chain(p, at(dt.date(2025, 3, 2)))
    assert (early.organ, early.links) == ("A市信访局", [])
