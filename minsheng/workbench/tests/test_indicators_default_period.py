"""The indicators page opens on a period that holds the organ's figures: the current calendar
quarter when something in it is counted, else the latest earlier quarter (up to a year back) that
has something; an explicit ?from=&to= is shown as asked. An organ that counts nothing itself (a
people's government) opens with the organs below it for whoever oversees them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from minsheng.assessment import selectors as S

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 11, 20)  # the fourth quarter of 2025


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def travel(day: dt.date) -> Any:
    return time_machine.travel(at(day), tick=False)


def shown_period(user: Any, query: dict[str, Any] | None = None) -> tuple[str, str]:
    client = Client()
    client.force_login(user)
    response = client.get("/workbench/indicators/", query or {})
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'name="from" value="([0-9-]+)".*?name="to" value="([0-9-]+)"', html, flags=re.S)
    assert found, "no period on the page"
    return found.group(1), found.group(2)


def letter_on(register: Any, day: dt.date) -> Any:
    with travel(day):
        return register(received_at=at(day, 9))


def test_quarter_helper() -> None:
    assert S.quarter_of(dt.date(2025, 11, 20)) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert S.quarter_of(dt.date(2025, 1, 1)) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert S.quarter_of(dt.date(2025, 6, 30)) == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))


def test_current_quarter_when_it_has_figures(register, users):
    letter_on(register, dt.date(2025, 5, 12))
    letter_on(register, dt.date(2025, 10, 9))
    with travel(TODAY):
        assert shown_period(users["dispatcher"]) == ("2025-10-01", "2025-12-31")


def test_latest_earlier_quarter_with_figures(register, users, world):
    """Nothing in the current quarter nor the previous one: the second quarter, where the
    letter was received (before the fix the page opened on the empty third quarter)."""
    letter_on(register, dt.date(2025, 5, 12))
    with travel(TODAY):
        assert shown_period(users["dispatcher"]) == ("2025-04-01", "2025-06-30")
        shown = S.indicators(world.bureau.pk, dt.date(2025, 4, 1), dt.date(2025, 6, 30), today=TODAY)
        assert any(f.denominator for f in shown.figures)


def test_no_figures_at_all_opens_on_the_current_quarter(world, users):
    with travel(TODAY):
        assert shown_period(users["dispatcher"]) == ("2025-10-01", "2025-12-31")


def test_explicit_period_is_kept(register, users):
    letter_on(register, dt.date(2025, 5, 12))
    with travel(TODAY):
        asked = {"from": "2025-07-01", "to": "2025-09-30"}
        assert shown_period(users["dispatcher"], asked) == ("2025-07-01", "2025-09-30")
        # one bound given: the other is the default period's
        assert shown_period(users["dispatcher"], {"from": "2025-05-01"}) == ("2025-05-01", "2025-06-30")


def scope_shown(html: str) -> str:
    found = re.search(r'<select id="scope" name="scope">.*?<option value="(\w+)" selected', html, flags=re.S)
    return found.group(1) if found else ""


def page(user: Any, query: dict[str, Any] | None = None) -> Any:
    client = Client()
    client.force_login(user)
    return client.get("/workbench/indicators/", query or {})


def test_a_government_that_hands_matters_down_opens_with_the_organs_below(register, users, world):
    """The city government itself registers nothing: its leader's page opens on the government
    with the organs below it (the bureau's letter counted), in the quarter that holds it; asked for
    the government alone, the page shows it alone (nothing counted) and says so in the select."""
    letter_on(register, dt.date(2025, 5, 12))
    gov = world.organs["a-gov"].pk
    with travel(TODAY):
        assert not any(
            f.denominator for f in S.indicators(gov, dt.date(2025, 4, 1), dt.date(2025, 6, 30)).figures
        )
        opened = page(users["leader"])
        html = opened.content.decode()
        assert opened.status_code == 200 and scope_shown(html) == "subtree"
        assert shown_period(users["leader"]) == ("2025-04-01", "2025-06-30")
        assert "（含下级机关）" in html
        drill = re.search(r'href="(/workbench/indicators/drill/\?[^"]*part=denominator)"', html)
        assert drill and "scope=subtree" in drill.group(1)
        client = Client()
        client.force_login(users["leader"])
        behind = client.get(drill.group(1).replace("&amp;", "&"))
        assert behind.status_code == 200 and "（含下级机关）" in behind.content.decode()
        alone = page(users["leader"], {"scope": "organ"}).content.decode()
        assert scope_shown(alone) == "organ" and "（含下级机关）" not in alone
        assert shown_period(users["leader"], {"scope": "organ"}) == ("2025-10-01", "2025-12-31")
        # a period asked for without a scope: the organ's own figures, as before
        asked = page(users["leader"], {"from": "2025-04-01", "to": "2025-06-30"}).content.decode()
        assert scope_shown(asked) == "organ"


def test_the_scope_is_offered_only_to_who_oversees_the_organs_below(register, users, world):
    letter_on(register, dt.date(2025, 5, 12))
    with travel(TODAY):
        own = page(users["dispatcher"]).content.decode()
        assert 'name="scope"' not in own  # a dispatcher sees his bureau's own figures only
        assert page(users["dispatcher"], {"scope": "subtree"}).status_code == 404
        assert page(users["leader"], {"scope": "everything"}).status_code == 400


def test_without_oversight_a_government_opens_on_its_own_figures(register, world):
    """A caseworker of the city government sees its own figures but not those of the organs below:
    even when the government counts nothing itself, the page opens on it alone (current quarter)."""
    from django.contrib.auth import get_user_model

    from minsheng.orgs.models import Role, StaffMembership

    letter_on(register, dt.date(2025, 5, 12))
    clerk = get_user_model().objects.create_user("gov_clerk", password="test-password-123")
    StaffMembership.objects.create(user=clerk, organ=world.organs["a-gov"], role=Role.CASEWORKER)
    with travel(TODAY):
        assert not S.can_view_subtree(clerk, world.organs["a-gov"].pk)
        html = page(clerk).content.decode()
        assert 'name="scope"' not in html and "（含下级机关）" not in html
        assert shown_period(clerk) == ("2025-10-01", "2025-12-31")
