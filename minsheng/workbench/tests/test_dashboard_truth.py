"""Staff views that tell the truth: a leader's dashboard covers the area they lead, due today has a
tone of its own, an analyst's dashboard links to nothing that answers 403, empty tables say so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from minsheng.workbench import queries

TODAY = dt.date(2026, 12, 5)


def test_due_today_has_its_own_tone() -> None:
    assert queries.due_tone(TODAY, TODAY) == (0, "today")
    assert queries.due_tone(TODAY + dt.timedelta(days=1), TODAY) == (1, "soon")
    assert queries.due_tone(TODAY + dt.timedelta(days=4), TODAY) == (4, "ok")
    assert queries.due_tone(TODAY - dt.timedelta(days=1), TODAY) == (-1, "overdue")


def _dashboard(user: Any, query: str = "") -> Any:
    client = Client()
    client.force_login(user)
    response = client.get("/workbench/dashboard/" + query)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_leader_dashboard_covers_the_area_they_lead(
    users: dict[str, Any], register: Any, act: Any, organs: Any
) -> None:
    held_by_department = register()
    act(held_by_department, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    register()  # still at the city bureau
    leader = _dashboard(users["leader"])
    assert leader.context["selected"] is None  # the whole area, not only the 市政府's own cases
    assert leader.context["d"]["total"] == 2
    narrowed = _dashboard(users["leader"], f"?organ={organs['a-gov'].pk}")
    assert narrowed.context["selected"] == organs["a-gov"] and narrowed.context["d"]["total"] == 0
    caseworker = _dashboard(users["caseworker"])
    assert caseworker.context["selected"] is not None  # a caseworker opens on their own organ


@pytest.mark.django_db
def test_analyst_dashboard_links_to_no_case_list(users: dict[str, Any], register: Any) -> None:
    register()
    body = _dashboard(users["analyst"]).content.decode()
    assert "/workbench/petitions/" not in body
    assert "/workbench/petitions/" in _dashboard(users["leader"]).content.decode()


@pytest.mark.django_db
def test_empty_dashboard_says_no_data(users: dict[str, Any]) -> None:
    body = _dashboard(users["leader"]).content.decode()
    assert 'data-empty="暂无数据"' in body and '<td colspan="2">暂无数据</td>' in body
