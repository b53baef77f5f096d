"""Spike alerts from the database: detection, idempotency, subscriptions and outbox messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.analytics.models import AlertSubscription, SpikeAlert
from minsheng.analytics.nlp.trends import spike_p_value
from minsheng.analytics.services import (
    alert_subscribe,
    alert_unsubscribe,
    analytics_detect_spikes,
    last_complete_week,
)
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Category, Region
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def spike_world(register: Any) -> dict[str, Any]:
    """One (城乡建设, A3区) petition a week for 8 weeks, then 8 in the last complete week."""
    category = Category.objects.get(level=1, name="城乡建设")
    region = Region.objects.get(code="439904")
    tested = last_complete_week()
    noon = dt.time(12, 0)

    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, noon))

    days = [tested - dt.timedelta(days=7 * k) + dt.timedelta(days=1) for k in range(1, 9)]
    days += [tested + dt.timedelta(days=i % 5) for i in range(8)]
    for i, day in enumerate(days):
        register(
            title=f"工地施工问题{i}",
            request="请求处理",
            category=category,
            region=region,
            received_at=at(day),
            petitioner=PetitionerInput(name=f"测试{i}"),
        )
    return {"category": category, "region": region, "week": tested}


def test_spike_detected_stored_once_and_notified_once(spike_world, users):
    analyst, leader, supervisor = users["analyst"], users["leader"], users["supervisor"]
    alert_subscribe(analyst, category_id=spike_world["category"].pk, channel="in_app")
    alert_subscribe(leader, region_id=Region.objects.get(code="439906").pk)  # another district: no message
    alert_subscribe(supervisor)  # everything
    run = analytics_detect_spikes()
    assert run.week == spike_world["week"]
    assert len(run.created) == 1
    alert = run.created[0]
    assert (alert.category, alert.region, alert.count) == (spike_world["category"], spike_world["region"], 8)
    assert alert.baseline == 1.0 and alert.adjusted_p <= 0.01
    assert alert.p_value == pytest.approx(spike_p_value(8, [1] * 8))  # P(X >= 8), X ~ Bin(16, 1/9)
    messages = OutboxMessage.objects.filter(kind="spike_alert")
    assert sorted(messages.values_list("recipient", flat=True)) == sorted(
        [f"user:{analyst.pk}", f"user:{supervisor.pk}"]
    )
    assert all(m.channel == "in_app" and "A3区" in m.body and "城乡建设" in m.body for m in messages)
    # Idempotent: the same week again stores and notifies nothing new.
    again = analytics_detect_spikes(week=spike_world["week"])
    assert again.created == [] and again.existing == 1
    assert SpikeAlert.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="spike_alert").count() == 2


def test_no_alert_below_min_count_or_without_baseline(spike_world):
    assert analytics_detect_spikes(min_count=9).created == []
    # A week in the baseline period (one petition) is no spike.
    earlier = spike_world["week"] - dt.timedelta(days=14)
    assert analytics_detect_spikes(week=earlier).created == []
    assert SpikeAlert.objects.count() == 0


def test_subscriptions_idempotent_and_validated(world, users):
    analyst = users["analyst"]
    category = Category.objects.get(level=1, name="环境保护")
    first = alert_subscribe(analyst, category_id=category.pk)
    assert alert_subscribe(analyst, category_id=category.pk) == first
    assert AlertSubscription.objects.filter(user=analyst).count() == 1
    leaf = Category.objects.filter(level=3).first()
    assert leaf is not None
    with pytest.raises(InvalidInput) as exc:
        alert_subscribe(analyst, category_id=leaf.pk)
    assert exc.value.field == "category"
    with pytest.raises(InvalidInput):
        alert_subscribe(analyst, channel="sms")
    # spikes are (category × district) series: a city would never fire
    with pytest.raises(InvalidInput) as exc:
        alert_subscribe(analyst, region_id=world.city.pk)
    assert exc.value.field == "region"
    assert AlertSubscription.objects.filter(user=analyst).count() == 1
    analyst.email = ""
    analyst.save()
    with pytest.raises(InvalidInput):
        alert_subscribe(analyst, channel="email")
    with pytest.raises(NotFound):
        alert_unsubscribe(users["leader"], first.pk)  # not theirs
    alert_unsubscribe(analyst, first.pk)
    assert not AlertSubscription.objects.exists()
