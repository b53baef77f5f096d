"""R-150 in the spike test: a spike and its count are computed once and shown to (and sent to)
everyone who reads the analytics — leaders and supervisors above an accused unit among them. An
accusation must move neither: were it counted, the week's row would read one more than the
viewer's own drill-down of the same series, or a spike would exist only because of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.analytics.models import SpikeAlert
from minsheng.analytics.reports import build_report
from minsheng.analytics.selectors import Scope, drill_down
from minsheng.analytics.services import analytics_detect_spikes, last_complete_week
from minsheng.orgs.models import Category, Region
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db


def _noon(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def test_an_accusation_moves_no_spike_row_and_no_stored_alert(register: Any, users: Any, organs: Any) -> None:
    category = Category.objects.get(level=1, name="城乡建设")
    region = Region.objects.get(code="439904")
    week = last_complete_week()
    # one a week for eight weeks, then eight in the tested week: a spike of 8
    days = [week - dt.timedelta(days=7 * k) + dt.timedelta(days=1) for k in range(1, 9)]
    days += [week + dt.timedelta(days=i % 5) for i in range(8)]
    for i, day in enumerate(days):
        register(
            title=f"工地施工问题{i}",
            request="请求处理",
            category=category,
            region=region,
            received_at=_noon(day),
            petitioner=PetitionerInput(name=f"居民{i}"),
        )
    scope = Scope(week - dt.timedelta(days=60), timezone.localdate())

    def seen(username: str) -> tuple[list[tuple[dt.date, int]], int]:
        report = build_report(scope, users[username])
        return [(s.week, s.count) for s in report.spikes], len(drill_down(scope, users[username]))

    before = {u: seen(u) for u in ("leader", "supervisor")}
    assert before["leader"][0] == [(week, 8)]
    register(
        nature="accusation",
        accused_organ=organs["a-housing"],
        category=category,
        region=region,
        received_at=_noon(week + dt.timedelta(days=2)),
        title="举报住建局某科长索要好处费",
        request="请求查处",
        petitioner=PetitionerInput(name="检举人"),
    )
    assert {u: seen(u) for u in ("leader", "supervisor")} == before
    run = analytics_detect_spikes(week=week)
    assert run is not None
    assert list(SpikeAlert.objects.values_list("week", "count")) == [(week, 8)]
