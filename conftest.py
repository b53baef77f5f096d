"""Shared pytest fixtures: the demo world (regions, organs, personas) and petition factories."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _fresh_reference_caches() -> None:
    """Each test starts without the per-process calendar and routing caches: a test's rows are
    rolled back without a save/delete signal, so the version in the shared cache would not tell
    the next test that its copy is stale (minsheng.core.freshness, ADR 0011)."""
    from minsheng.intelligence.routing import routing_world_clear
    from minsheng.workflow import deadlines

    deadlines._cached = None
    deadlines._checked.reset()
    routing_world_clear()
    # The per-process cache (LocMemCache unless REDIS_URL is set) holds computed pages keyed by
    # user id, e.g. the analytics report; a rolled-back test's ids are reused by the next one.
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()


@pytest.fixture
def world(db: Any) -> Any:
    """The demo world (``build_demo_world``). Built once per test process, then its rows are copied
    back into each test's empty tables in a few bulk statements (its build takes hundreds)."""
    from minsheng.orgs.testing import demo_world_for_test

    return demo_world_for_test(password="test-password-123")


@pytest.fixture
def users(world: Any) -> dict[str, Any]:
    return world.users


@pytest.fixture
def organs(world: Any) -> dict[str, Any]:
    return world.organs


@pytest.fixture
def register(world: Any) -> Any:
    """register(**overrides) -> Petition: a letter received at the city bureau, registered by the registrar."""
    from minsheng.workflow.services import PetitionerInput, RegistrationInput, petition_register

    def _register(**overrides: Any) -> Any:
        petitioner = overrides.pop("petitioner", None) or PetitionerInput(
            name="李四",
            phone="13800138000",
            address="A市A3区洋湖街道幸福小区3栋",
            id_number="110101199003074514",
        )
        fields: dict[str, Any] = {
            "channel": "letter",
            "receiving_organ": world.bureau,
            "title": "幸福小区旁工地夜间施工噪音扰民",
            "request": "请求责令工地停止夜间施工",
            "facts": "A3区幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大。",
            "reasons": "影响居民休息，违反噪声污染防治法。",
            "nature": "grievance",
            "received_at": timezone.now() - dt.timedelta(days=1),
            "petitioner": petitioner,
        }
        fields.update(overrides)
        actor = fields.pop("actor", world.users["registrar"])
        petition, password = petition_register(RegistrationInput(**fields), actor=actor)
        petition.query_password = password
        return petition

    return _register


@pytest.fixture
def act(world: Any) -> Any:
    """act(petition, action, username, **data) -> Petition, through the one transition service."""
    from minsheng.workflow.services import petition_transition

    def _act(petition: Any, action: str, username: str | None, **data: Any) -> Any:
        actor = world.users[username] if username else None
        return petition_transition(
            petition.pk, action, actor=actor, data=data, as_petitioner=username is None
        )

    return _act


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with transactional tests run last (after pytest-django's own ordering).

    A transactional test ends by flushing every table, which also removes the rows that data
    migrations seeded (document templates). pytest-django runs such tests after the others,
    but with ``--dist loadfile`` a whole file travels together, so a file that holds one must
    come after every file of ordinary tests on its worker.
    """
    late = {item.nodeid.split("::", 1)[0] for item in items if _is_transactional(item)}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] in late)
