"""Bad input gets a clear error and changes nothing (review of 2026-12-07): dates no record can
have (year 1, year 9999) answered with a 500 from the date arithmetic after them, or stood for all
of time; ids beyond a 64-bit column, over-long or repeated list items, a URL longer than its
column. Each is refused naming its field, and nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.accountability.models import AuditEntry, VetoEvent
from minsheng.api.tests.auth import api_token
from minsheng.core.errors import InvalidInput
from minsheng.orgs.models import Region
from minsheng.reception.models import CaseOwnership, OutreachVisit, ReceptionDay
from minsheng.stability.models import MajorDecision

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict[str, Any], username: str) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json", **api_token(client, username))


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/open311/v2/servicerequestupdates.json", {"end_date": "0001-01-01T00:00:00"}),
        ("/open311/v2/requests.json", {"start_date": "9999-12-31T23:59:59-12:00"}),
    ],
)
def test_open311_dates_out_of_range_are_400(
    client: Client, world: Any, url: str, params: dict[str, str]
) -> None:
    response = client.get(url, params)
    assert response.status_code in (400, 422), response.status_code


def test_reception_duties_in_year_9999_are_422(client: Client, world: Any) -> None:
    response = client.get(
        "/api/v1/reception-duties",
        {"from": "9999-12-01", "to": "9999-12-31"},
        **api_token(client, "supervisor"),
    )
    assert response.status_code == 422 and response.json()["field"] == "from"


def _day(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "organ_id": world.organs["a-gov"].pk,
        "leader_id": world.users["leader"].pk,
        "leader_post": "市长",
        "date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "place": "接待中心",
        "capacity": 3,
        **extra,
    }


def test_reception_days_refuse_huge_ids_and_far_dates(client: Client, world: Any) -> None:
    too_big = _post(client, "/reception-days", _day(world, joint_organ_ids=[10**20]), "registrar")
    assert too_big.status_code == 422, too_big.content
    far = _post(client, "/reception-days", _day(world, date="9999-12-31"), "registrar")
    assert far.status_code == 422 and far.json()["field"] == "date"
    # a year ahead at most (MAX_SCHEDULE_DAYS = 366): the 367th day is refused
    next_year = (timezone.localdate() + dt.timedelta(days=367)).isoformat()
    far = _post(client, "/reception-days", _day(world, date=next_year), "registrar")
    assert far.status_code == 422 and far.json()["field"] == "date"
    assert not ReceptionDay.objects.exists()


def test_an_outreach_visit_in_year_1_is_refused(client: Client, world: Any) -> None:
    region = Region.objects.filter(parent=world.city).order_by("code").first()
    assert region is not None
    body = {
        "organ_id": world.organs["a-gov"].pk,
        "region_id": region.pk,
        "place": "某村",
        "date": "0001-01-01",
        "people_met": "村民",
    }
    response = _post(client, "/outreach-visits", body, "leader")
    assert response.status_code == 422 and response.json()["field"] == "date"
    assert not OutreachVisit.objects.exists()


def test_a_decision_planned_in_year_1_is_refused(client: Client, world: Any) -> None:
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    body = {
        "title": "旧城改造",
        "kind": "demolition",
        "organ_id": world.organs["a-gov"].pk,
        "region_id": district.pk,
        "scope": "拆迁范围",
        "planned_date": "0001-01-01",
    }
    response = _post(client, "/major-decisions", body, "leader")
    assert response.status_code == 422 and response.json()["field"] == "planned_date"
    assert not MajorDecision.objects.exists()


def test_baoan_duties_are_bounded_and_unique(client: Client, world: Any, register: Any, act: Any) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    for duties in (["包" * 51], ["包掌握情况", "包掌握情况"]):
        response = client.post(
            f"/api/v1/petitions/{petition.pk}/baoan",
            {"duties": duties},
            content_type="application/json",
            **api_token(client, "leader"),
        )
        assert response.status_code == 422 and response.json()["field"] == "duties", response.content
    assert not CaseOwnership.objects.exists()


def test_a_veto_covers_one_begun_assessment_year_at_most(client: Client, world: Any) -> None:
    base = {"organ_id": world.organs["a-hrss"].pk, "ground": "accountability", "evidence": "依责任制办法追责"}
    cases = [
        ({"period_from": "0001-01-01", "period_to": "9999-12-31"}, "period_from"),
        ({"period_from": "2024-01-01", "period_to": "2025-12-31"}, "period_to"),
        ({"period_from": "2023-01-01", "period_to": "2024-01-02"}, "period_to"),  # 367 days
        ({"period_from": "2099-01-01", "period_to": "2099-12-31"}, "period_from"),
    ]
    for period, field in cases:
        response = _post(client, "/accountability/vetoes", {**base, **period}, "supervisor")
        assert response.status_code == 422 and response.json()["field"] == field, (period, response.content)
    assert not VetoEvent.objects.exists() and not AuditEntry.objects.exists()
    made = _post(
        client,
        "/accountability/vetoes",
        {**base, "period_from": "2024-01-01", "period_to": "2024-12-31"},  # a leap year: 366 days
        "supervisor",
    )
    assert made.status_code == 201, made.content


def test_a_webhook_url_longer_than_its_column_is_refused(world: Any, users: Any) -> None:
    from minsheng.integrations.keys import integration_create
    from minsheng.integrations.models import WebhookSubscription
    from minsheng.integrations.webhooks import webhook_subscribe

    integration, _key = integration_create("测试接口", actor=users["admin"])
    with pytest.raises(InvalidInput) as refused:
        webhook_subscribe(integration.pk, "https://example.org/" + "a" * 900, actor=users["admin"])
    assert refused.value.field == "url"
    assert not WebhookSubscription.objects.exists()
