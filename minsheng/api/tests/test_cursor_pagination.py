"""Cursor pagination of GET /api/v1/petitions: opaque, stable while petitions are added, `next` link."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from minsheng.api.tests.auth import api_token as token
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db


def follow(client: Client, url: str, auth: dict[str, str]) -> Any:
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.path == "/api/v1/petitions"
    response = client.get(f"{parts.path}?{parts.query}", **auth)
    assert response.status_code == 200, response.content
    return response.json()


def test_cursor_pages_walk_newest_first_without_gaps_or_repeats(
    client: Client, world: Any, register: Any
) -> None:
    petitions = [register(title=f"第{i}件") for i in range(7)]
    ids = sorted((p.pk for p in petitions), reverse=True)
    disp = token(client, "dispatcher")
    first = client.get("/api/v1/petitions?cursor=&page_size=3", **disp).json()
    assert [r["id"] for r in first["results"]] == ids[:3]
    assert first["count"] == 7 and first["page"] is None and first["page_size"] == 3
    assert parse_qs(urlsplit(first["next"]).query)["cursor"] == [first["next_cursor"]]
    # A petition registered and another forwarded between two pages move nothing in the walk.
    newcomer = register(title="新来的")
    forwarded = petition_transition(
        ids[4], "forward", actor=world.users["dispatcher"], data={"organ_id": world.organs["a-housing"].pk}
    )
    assert forwarded.state == "forwarded"
    second = follow(client, first["next"], disp)
    assert [r["id"] for r in second["results"]] == ids[3:6]
    third = follow(client, second["next"], disp)
    assert [r["id"] for r in third["results"]] == ids[6:]
    assert third["next"] is None and third["next_cursor"] is None
    assert newcomer.pk not in {r["id"] for page in (first, second, third) for r in page["results"]}


def test_page_form_still_works_and_links_the_next_page(client: Client, world: Any, register: Any) -> None:
    for i in range(3):
        register(title=f"第{i}件")
    disp = token(client, "dispatcher")
    page1 = client.get("/api/v1/petitions?page_size=2&state=registered", **disp).json()
    assert page1["page"] == 1 and page1["count"] == 3 and page1["next_cursor"] is None
    assert parse_qs(urlsplit(page1["next"]).query) == {
        "page_size": ["2"],
        "state": ["registered"],
        "page": ["2"],
    }
    page2 = follow(client, page1["next"], disp)
    assert page2["page"] == 2 and len(page2["results"]) == 1 and page2["next"] is None


@pytest.mark.parametrize("mutate", ["garbage", "tamper"])
def test_bad_cursor_is_422(client: Client, world: Any, register: Any, mutate: str) -> None:
    for i in range(3):
        register(title=f"第{i}件")
    disp = token(client, "dispatcher")
    cursor = client.get("/api/v1/petitions?cursor=&page_size=1", **disp).json()["next_cursor"]
    bad = "not-a-cursor" if mutate == "garbage" else cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    response = client.get(f"/api/v1/petitions?cursor={bad}&page_size=1", **disp)
    assert response.status_code == 422 and response.json()["field"] == "cursor"


def test_cursor_is_bound_to_its_filters(client: Client, world: Any, register: Any) -> None:
    for i in range(3):
        register(title=f"第{i}件")
    disp = token(client, "dispatcher")
    cursor = client.get("/api/v1/petitions?cursor=&page_size=1&state=registered", **disp).json()[
        "next_cursor"
    ]
    other = client.get(f"/api/v1/petitions?cursor={cursor}&page_size=1&state=forwarded", **disp)
    assert other.status_code == 422 and other.json()["field"] == "cursor"
    # The page size may change between pages.
    same = client.get(f"/api/v1/petitions?cursor={cursor}&page_size=5&state=registered", **disp)
    assert same.status_code == 200 and len(same.json()["results"]) == 2


def test_cursor_and_page_together_is_422(client: Client, world: Any) -> None:
    response = client.get("/api/v1/petitions?cursor=&page=2", **token(client, "dispatcher"))
    assert response.status_code == 422 and response.json()["field"] == "page"
