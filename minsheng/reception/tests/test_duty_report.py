"""The reception-duty compliance report (A-081): days held per leader and period against the rule,
who sees whom, and the same figures on the workbench page and in the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from minsheng.api.tests.auth import api_token
from minsheng.core.errors import InvalidInput
from minsheng.orgs.models import Role, StaffMembership
from minsheng.reception import selectors
from minsheng.reception import services as rs
from minsheng.reception.models import Appointment, ReceptionDay

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
TODAY = dt.date(2026, 5, 20)  # in Q2


def _day(world: Any, leader: str, on: str, *, publish: bool = True, organ: str = "a-gov") -> ReceptionDay:
    date = dt.date.fromisoformat(on)
    created = dt.datetime.combine(date - dt.timedelta(days=10), dt.time(9), tzinfo=TZ)
    data = rs.DayInput(
        organ=world.organs[organ],
        leader=world.users[leader],
        leader_post="市长",
        date=date,
        start_time=dt.time(9),
        end_time=dt.time(12),
        place="A市人民来访接待中心",
        capacity=3,
    )
    actor = world.users["registrar" if organ == "a-gov" else "admin"]
    return rs.day_create(data, actor=actor, publish=publish, now=created)


@pytest.fixture
def history(world: Any, register: Any) -> dict[str, Any]:
    """刘市长 (leader, A市政府): Q1 one day held with one matter registered; Q2 one day cancelled
    and one published for June; a draft in Q3. 钱秘书长 (head of A市政府): nothing. A county head
    at A3区政府: a day in April only."""
    get_user_model().objects.update(date_joined=dt.datetime(2025, 1, 1, tzinfo=TZ))
    held = _day(world, "leader", "2026-02-10")
    with time_machine.travel(dt.datetime(2026, 2, 10, 10, tzinfo=TZ), tick=False):
        walk = rs.walk_in_register(
            held.pk, actor=world.users["registrar"], name="李四", phone="", summary="小区路灯长期不亮"
        )
    Appointment.objects.filter(pk=walk.pk).update(petition=register(), status=Appointment.Status.REGISTERED)
    cancelled = _day(world, "leader", "2026-04-15")
    rs.day_cancel(
        cancelled.pk,
        actor=world.users["registrar"],
        reason="临时公务",
        now=dt.datetime(2026, 4, 10, tzinfo=TZ),
    )
    _day(world, "leader", "2026-06-10")
    _day(world, "leader", "2026-08-10", publish=False)
    county_head = get_user_model().objects.create_user(
        "a3_head", password="test-password-123", first_name="孙区长"
    )
    county_head.date_joined = dt.datetime(2026, 3, 15, tzinfo=TZ)  # came to the post in March
    county_head.save(update_fields=["date_joined"])
    StaffMembership.objects.create(user=county_head, organ=world.organs["a3-gov"], role=Role.ORGAN_HEAD)
    world.users["a3_head"] = county_head
    _day(world, "a3_head", "2026-04-08", organ="a3-gov")
    return {"held": held}


def _rows(user: Any) -> dict[tuple[str, str], Any]:
    rows = selectors.duty_compliance(user, dt.date(2026, 1, 1), dt.date(2026, 12, 31), TODAY)
    return {(r.leader.username, r.duty.key): r for r in rows}


def test_days_held_against_the_2009_rules(world: Any, history: Any) -> None:
    rows = _rows(world.users["admin"])
    mayor = rows[("leader", "city-leaders")]
    assert [p.period.label for p in mayor.periods] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    q1, q2, q3, q4 = mayor.periods
    assert (q1.held, q1.ahead, q1.cancelled, q1.matters, q1.verdict) == (1, 0, 0, 1, "met")
    assert (q2.held, q2.ahead, q2.cancelled, q2.verdict) == (0, 1, 1, "scheduled")
    assert (q3.held, q3.ahead, q3.verdict) == (0, 0, "open")  # a draft is not a reception day
    assert q4.verdict == "open" and (mayor.met, mayor.missed) == (1, 0)
    head = rows[("gov_head", "city-leaders")]
    assert [p.verdict for p in head.periods] == ["missed", "open", "open", "open"]
    county = rows[("a3_head", "county-principals")]
    assert [p.held for p in county.periods[:6]] == [0, 0, 0, 1, 0, 0]
    assert [p.verdict for p in county.periods[:6]] == ["absent", "absent", "missed", "met", "open", "open"]
    assert (county.met, county.missed) == (1, 1) and county.held_without_records == 1
    # Heads of departments, registrars, caseworkers are bound by no rule.
    assert not any(key[0] in {"registrar", "caseworker", "supervisor"} for key in rows)


def test_the_day_itself_counts_as_held_and_a_deployment_sets_its_own_rules(
    world: Any, history: Any, settings: Any
) -> None:
    june = selectors.duty_compliance(
        world.users["admin"], dt.date(2026, 6, 1), dt.date(2026, 6, 30), dt.date(2026, 6, 10)
    )
    mayor = next(r for r in june if r.leader.username == "leader")
    assert (mayor.periods[0].held, mayor.periods[0].verdict) == (1, "met")
    settings.MINSHENG_RECEPTION_DUTIES = [
        {
            "key": "monthly",
            "label": "市领导每月一次",
            "organ_level": 2,
            "organ_kinds": ["government"],
            "roles": ["leader"],
            "min_days": 1,
            "per": "month",
        }
    ]
    rows = _rows(world.users["admin"])
    assert set(rows) == {("leader", "monthly")}
    assert [p.verdict for p in rows[("leader", "monthly")].periods[:6]] == [
        "missed",
        "met",
        "missed",
        "missed",
        "open",
        "scheduled",
    ]


def test_who_sees_whom(world: Any, history: Any) -> None:
    assert {k[0] for k in _rows(world.users["registrar"])} >= {"leader", "gov_head"}  # A市政府 is his
    assert _rows(world.users["hrss_head"]) == {}  # a department's head sees no leader of the city
    # A district caseworker sees the district's head, not the city's leaders.
    assert set(_rows(world.users["a5_caseworker"])) == set()
    StaffMembership.objects.create(
        user=world.users["edu_caseworker"], organ=world.organs["a3-gov"], role=Role.CASEWORKER
    )
    assert set(_rows(get_user_model().objects.get(username="edu_caseworker"))) == {
        ("a3_head", "county-principals")
    }
    with pytest.raises(InvalidInput) as err:
        selectors.duty_compliance(world.users["admin"], dt.date(2026, 5, 1), dt.date(2026, 4, 1), TODAY)
    assert err.value.field == "to"
    with pytest.raises(InvalidInput):
        selectors.duty_compliance(world.users["admin"], dt.date(2020, 1, 1), dt.date(2026, 1, 1), TODAY)


def test_page_and_api_show_the_same_figures(world: Any, history: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, tzinfo=TZ), tick=False):
        web = Client()
        web.force_login(world.users["registrar"])
        page = web.get("/workbench/reception/duties/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "领导接访履职情况" in html and "刘市长" in html and "2026-Q1" in html
        assert 'data-verdict="met"' in html and 'data-verdict="missed"' in html
        client = Client()
        api = client.get(
            "/api/v1/reception-duties?from=2026-01-01&to=2026-06-30", **api_token(client, "registrar")
        )
        assert api.status_code == 200, api.content
        mayor = next(r for r in api.json() if r["leader"] == "刘市长")
        assert mayor["duty"] == "city-leaders" and mayor["per"] == "quarter" and mayor["min_days"] == 1
        assert [(p["period"], p["held"], p["verdict"]) for p in mayor["periods"]] == [
            ("2026-Q1", 1, "met"),
            ("2026-Q2", 0, "scheduled"),
        ]
        bad = client.get(
            "/api/v1/reception-duties?from=2026-06-01&to=2026-01-01", **api_token(client, "registrar")
        )
        assert bad.status_code == 422 and bad.json()["field"] == "to"
