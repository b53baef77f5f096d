"""The accountable chain on the workbench petition page and in the API petition detail (staff who
may see the petition only), from the demo teams at fixed dates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from minsheng.accountability.demo import load_portfolios
from minsheng.accountability.models import Portfolio
from minsheng.api.tests.auth import api_token as _token
from minsheng.orgs.models import Category, Region
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def breached(world: Any, register: Any, act: Any, organs: Any) -> Any:
    """Demo teams as of 2025-06-01 (the housing 分管 deputy 王振华 handed over to 田宇 on 2025-04-17).
    A letter about 城乡建设 in A1区 forwarded to the housing bureau on 2025-03-03, whose Art. 23
    notice (due 2025-03-18) was never given."""
    assert load_portfolios(world, today=dt.date(2025, 6, 1)) == 19
    assert load_portfolios(world, today=dt.date(2025, 6, 1)) == 0  # idempotent
    handed = Portfolio.objects.get(leader__name="田宇")
    assert (handed.valid_from, handed.role) == (dt.date(2025, 4, 17), "portfolio")
    sub = Category.objects.filter(path__startswith="城乡建设/", level=3).order_by("path").first()
    with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
        p = register(
            received_at=at(dt.date(2025, 3, 1), 9), category=sub, region=Region.objects.get(name="A1区")
        )
    with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
        act(p, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(p, "receive", "caseworker")
    deadlines_sweep(at(dt.date(2025, 3, 25)))
    return p


def test_api_detail_names_todays_chain_and_the_chain_of_each_breach(breached: Any, client: Client) -> None:
    with time_machine.travel(at(dt.date(2025, 6, 1)), tick=False):
        body = client.get(f"/api/v1/petitions/{breached.pk}", **_token(client, "caseworker")).json()
    acc = body["accountability"]
    assert acc["current"]["organ"] == "A市住房和城乡建设局" and acc["current"]["on"] == "2025-06-01"
    assert [(x["role"], x["leader"], x["title"]) for x in acc["current"]["links"]] == [
        ("portfolio", "田宇", "副局长"),
        ("competent", "曹丽君", "副局长（分管信访工作）"),
        ("chief", "赵德胜", "局长"),
    ]
    assert acc["current"]["links"][0]["scope"] == ["城乡建设"] and acc["current"]["missing"] == []
    [breach] = acc["breaches"]
    assert (breach["rule"], breach["statutory_due"]) == ("D-NOTICE-15", "2025-03-18")
    assert [x["leader"] for x in breach["chain"]["links"]] == ["王振华", "曹丽君", "赵德胜"]
    assert breach["chain"]["links"][0]["valid_to"] == "2025-04-16"


def test_api_detail_is_not_shown_to_staff_who_may_not_see_the_petition(breached: Any, client: Client) -> None:
    r = client.get(f"/api/v1/petitions/{breached.pk}", **_token(client, "hrss_caseworker"))
    assert r.status_code == 404
    assert "田宇" not in r.content.decode()


def test_workbench_page_shows_the_chain(breached: Any, client: Client, users: Any) -> None:
    client.force_login(users["caseworker"])
    with time_machine.travel(at(dt.date(2025, 6, 1)), tick=False):
        html = client.get(f"/workbench/petition/{breached.pk}/").content.decode()
    card = html[html.index('id="chain-card"') : html.index("</section>", html.index('id="chain-card"'))]
    assert "A市住房和城乡建设局 · 2025-06-01 在任领导" in card
    assert card.index("田宇") < card.index("曹丽君") < card.index("赵德胜")
    assert "2025-03-18 届满" in card and "分管 王振华 · 主管 曹丽君 · 总责 赵德胜" in card
