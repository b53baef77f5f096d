"""Impossible dates and ids in the workbench filters answer 400 with a message, never 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BAD = [
    ("from", "2025-02-30"),
    ("to", "99999-01-01"),
    ("to", "2025-13-45"),
    ("organ", "99999999999999999999"),
    ("organ", "²"),
    ("category", "-1"),
    ("region", "abc"),
    ("due", "99999"),
]


@pytest.fixture
def staff(client, users, register):
    register()
    client.force_login(users["dispatcher"])
    return client


@pytest.mark.parametrize("name,value", [*BAD, ("page", "abc"), ("page", "-3")])
def test_petition_list_rejects(staff, name, value):
    response = staff.get(reverse("workbench:petitions"), {name: value})
    assert response.status_code == 400
    assert name in response.content.decode()


@pytest.mark.parametrize("name,value", BAD)
def test_export_rejects(staff, name, value):
    response = staff.get(reverse("workbench:export"), {name: value})
    assert response.status_code == 400
    assert name in response.content.decode()


def test_inbox_rejects(staff):
    response = staff.get(reverse("workbench:inbox", args=["dispatcher"]), {"from": "2025-02-30"})
    assert response.status_code == 400 and "from" in response.content.decode()


def test_good_values_still_work(staff, organs):
    response = staff.get(
        reverse("workbench:petitions"),
        {"from": "2025-01-01", "to": "2999-12-31", "organ": str(organs["a-housing"].pk), "page": "999"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name,value",
    [("from", "2025-02-30"), ("to", "99999-01-01"), ("category", "-1"), ("category", "99999999999999999999")],
)
def test_analytics_rejects(client, users, name, value):
    client.force_login(users["analyst"])
    for url in (
        reverse("workbench:analytics"),
        reverse("workbench:analytics_petitions"),
        reverse("workbench:analytics_report", args=["xlsx"]),
    ):
        response = client.get(url, {name: value})
        assert response.status_code == 400, url
        assert name in response.content.decode()


def test_analytics_drill_down_rejects_bad_week(client, users):
    client.force_login(users["analyst"])
    response = client.get(reverse("workbench:analytics_petitions"), {"week": "2025-02-30"})
    assert response.status_code == 400 and "week" in response.content.decode()


@pytest.mark.parametrize(
    "name,value",
    [
        ("received_from", "2025-02-30"),
        ("due_before", "99999-01-01"),
        ("organ_id", "99999999999999999999"),
        ("category_id", "-1"),
        ("page", "abc"),
    ],
)
def test_api_list_rejects_without_500(client, world, name, value):
    from minsheng.api.tests.test_api_flow import token

    response = client.get("/api/v1/petitions", {name: value}, **token(client, "dispatcher"))
    assert response.status_code == 422  # the API's validation errors: code "invalid", field named
    assert response.json()["code"] == "invalid"
