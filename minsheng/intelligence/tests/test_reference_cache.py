"""The per-process caches of the reference tables (routing world, gazetteer, holiday calendar)
cost no query while nothing changed, and see a change at once when a row is saved or deleted,
and within freshness.RECHECK_SECONDS when it is written without signals (issue 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.core import freshness
from minsheng.intelligence.routing import REFERENCE_TABLES, routing_world, routing_world_clear
from minsheng.orgs.models import Category, Responsibility
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_routing_world_is_reused_without_a_query_and_rebuilt_after_a_change(world: Any) -> None:
    routing_world_clear()
    first = routing_world()
    with CaptureQueriesContext(connection) as queries:
        assert routing_world() is first
    assert queries.captured_queries == []

    before = freshness.version(REFERENCE_TABLES)
    housing = world.organs["a-housing"]
    housing.short_name = "住建"
    housing.save(update_fields=["short_name"])  # an edit: count and largest key unchanged
    assert freshness.version(REFERENCE_TABLES) == before + 1
    rebuilt = routing_world()
    assert rebuilt is not first
    assert rebuilt.organs[housing.pk].short_name == "住建"


def test_a_write_without_signals_is_seen_at_the_next_recheck(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    routing_world_clear()
    first = routing_world()
    organ = world.organs["a-housing"]
    category = Category.objects.filter(level=2).exclude(responsibilities__organ=organ).first()
    assert category is not None
    Responsibility.objects.bulk_create(
        [Responsibility(organ=organ, category=category, region=organ.region, priority=7)]
    )  # no post_save signal
    assert routing_world() is first  # within the recheck interval: the cached copy
    monkeypatch.setattr(freshness, "RECHECK_SECONDS", 0.0)
    rebuilt = routing_world()
    assert rebuilt is not first
    assert any(r.organ_id == organ.pk and r.priority == 7 for r in rebuilt.responsibilities)


def test_holiday_calendar_is_reused_without_a_query_and_sees_a_new_day() -> None:
    dl._cached = None
    first = dl.holiday_calendar()
    with CaptureQueriesContext(connection) as queries:
        assert dl.holiday_calendar() is first
    assert queries.captured_queries == []
    CalendarDay.objects.create(date=dt.date(2025, 12, 1), is_workday=False)  # a Monday made a holiday
    changed = dl.holiday_calendar()
    assert changed.is_workday(dt.date(2025, 12, 1)) is False
    assert first.is_workday(dt.date(2025, 12, 1)) is True
