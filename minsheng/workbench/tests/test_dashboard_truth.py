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
    # A caseworker opens on the organ of his first post (the housing bureau), not on the province
    # where he also holds one; so does the registrar (the city's petition bureau).
    assert caseworker.context["selected"] == organs["a-housing"]
    assert _dashboard(users["registrar"]).context["selected"] == organs["a-bureau"]


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


OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


@pytest.mark.django_db
def test_supervisor_todo_holds_only_cases_they_can_act_on(
    users: dict[str, Any], register: Any, act: Any, organs: Any
) -> None:
    from minsheng.petitions.selectors import PetitionFilters
    from minsheng.workflow.services.engine import available_actions

    supervisor = users["supervisor"]
    city_case = register()
    act(city_case, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(city_case, "supervise", "supervisor", kind="ordinary", suggestion="请加快办理")
    at_province = register()
    act(at_province, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(at_province, "receive", "caseworker")
    act(at_province, "accept", "caseworker")
    act(at_province, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(at_province, "conclude", "caseworker", **OPINION)
    act(at_province, "sign_opinion", "organ_head")
    act(at_province, "deliver", "caseworker", method="in_person")
    act(at_province, "request_review", "registrar")
    act(at_province, "conclude_review", "gov_head", method="post", **{**OPINION, "outcome": "upheld"})
    at_province = act(at_province, "request_recheck", "registrar")
    box = queries.INBOX_BY_KEY["supervisor"]
    items = list(queries.inbox_queryset(supervisor, box, PetitionFilters(overdue=False)))
    items += list(queries.inbox_queryset(supervisor, box, PetitionFilters()))
    codes = {p.tracking_code for p in items}
    assert city_case.tracking_code in codes
    assert at_province.tracking_code not in codes  # held by the province: not this supervisor's to act on
    for petition in items:
        assert available_actions(petition, supervisor), petition.state
