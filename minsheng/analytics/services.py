"""Writes of the analytics app: spike alerts (idempotent per week × category × district) and
alert subscriptions, with outbox messages to the subscribers of new alerts."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.analytics.distributed import analytics_runner
from minsheng.analytics.models import AlertSubscription, SpikeAlert, series_key
from minsheng.analytics.nlp.trends import week_start
from minsheng.analytics.selectors import (
    SPIKE_ALPHA,
    SPIKE_BASELINE_WEEKS,
    SPIKE_MIN_COUNT,
    UNCLASSIFIED,
    UNKNOWN_REGION,
    Lookups,
    spike_records,
    spikes_in_week,
)
from minsheng.analytics.wording import category_phrase
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.replica import replica_reads
from minsheng.notifications.models import OutboxMessage
from minsheng.notifications.services import outbox_send_direct
from minsheng.orgs.models import Category, Region

logger = logging.getLogger(__name__)

ALERT_KIND = "spike_alert"


@dataclass(frozen=True)
class SpikeRun:
    week: dt.date
    tested_series: int
    created: list[SpikeAlert]
    existing: int
    notified: int


#: The level of the regions spikes are counted for (districts and counties).
DISTRICT_LEVEL = 3


def last_complete_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the last full ISO week before ``today``'s week."""
    today = today or timezone.localdate()
    return week_start(today) - dt.timedelta(days=7)


def analytics_detect_spikes(
    *,
    week: dt.date | None = None,
    today: dt.date | None = None,
    alpha: float = SPIKE_ALPHA,
    baseline_weeks: int = SPIKE_BASELINE_WEEKS,
    min_count: int = SPIKE_MIN_COUNT,
) -> SpikeRun:
    """Test one week (default: the last complete week) of every (level-1 category × district) series
    for a spike (conditional exact Poisson test, Benjamini–Hochberg across series) and store a
    ``SpikeAlert`` per spike. Idempotent: a (week, category, district) already stored is left as it
    is and not notified again. Subscribers of new alerts get an outbox message each.
    """
    tested = week_start(week) if week else last_complete_week(today)
    with replica_reads():  # a complete past week: the replica's copy will do (within its lag bound)
        lookups = Lookups.load()
        records = spike_records(tested, tested, lookups, baseline_weeks)
    spikes = spikes_in_week(
        records,
        tested,
        alpha=alpha,
        baseline_weeks=baseline_weeks,
        min_count=min_count,
        runner=analytics_runner(),
    )
    district_ids = {(r.category, r.district): (r.category_id, r.district_id) for r in records}
    created: list[SpikeAlert] = []
    existing = 0
    for spike in spikes:
        key = spike.key
        assert isinstance(key, tuple)
        category_id, region_id = district_ids.get(key, (None, None))
        skey = series_key(category_id, region_id)
        if SpikeAlert.objects.filter(week=spike.week, series_key=skey).exists():
            existing += 1
            continue
        try:
            with transaction.atomic():
                alert = SpikeAlert.objects.create(
                    week=spike.week,
                    category_id=category_id,
                    region_id=region_id,
                    series_key=skey,
                    count=spike.count,
                    baseline=spike.baseline_mean,
                    baseline_weeks=baseline_weeks,
                    ratio=spike.ratio if spike.ratio != float("inf") else None,
                    p_value=min(1.0, max(0.0, spike.p_value)),
                    adjusted_p=min(1.0, max(0.0, spike.adjusted_p)),
                    alpha=alpha,
                )
        except IntegrityError:  # another worker stored it in the meantime
            existing += 1
            continue
        created.append(alert)
    notified = sum(alert_notify(alert) for alert in created)
    n_series = len({(r.category, r.district) for r in records})
    return SpikeRun(
        week=tested, tested_series=n_series, created=created, existing=existing, notified=notified
    )


def alert_text(alert: SpikeAlert) -> str:
    ratio = f"{alert.ratio:.1f}" if alert.ratio else "—"
    return _(
        "异常增长预警：%(week)s 当周 %(region)s %(category)s信访 %(count)d 件，"
        "是前%(weeks)d周周均 %(baseline).1f 件的 %(ratio)s 倍。"
    ) % {
        "week": alert.week.isoformat(),
        "region": alert.region.name if alert.region else UNKNOWN_REGION,
        "category": category_phrase(alert.category.name if alert.category else UNCLASSIFIED),
        "count": alert.count,
        "weeks": alert.baseline_weeks,
        "baseline": alert.baseline,
        "ratio": ratio,
    }


def alert_notify(alert: SpikeAlert) -> int:
    """One outbox message per matching subscription (in-app rows are delivered at once)."""
    subscriptions = AlertSubscription.objects.select_related("user").filter(user__is_active=True)
    text = alert_text(alert)
    now = timezone.now()
    sent = 0
    seen: set[tuple[int, str]] = set()
    for sub in subscriptions:
        if not sub.matches(alert) or (sub.user_id, sub.channel) in seen:
            continue
        seen.add((sub.user_id, sub.channel))
        if sub.channel == AlertSubscription.Channel.IN_APP:
            OutboxMessage.objects.create(
                channel=OutboxMessage.Channel.IN_APP,
                recipient=f"user:{sub.user_id}",
                kind=ALERT_KIND,
                body=text,
                status=OutboxMessage.Status.SENT,
                sent_at=now,
            )
            sent += 1
        elif getattr(sub.user, "email", ""):
            outbox_send_direct(
                OutboxMessage.Channel.EMAIL,
                sub.user.email,
                ALERT_KIND,
                text,
                subject=_("民声 · 信访异常增长预警"),
            )
            sent += 1
        else:
            logger.info("subscription %s: user %s has no e-mail address", sub.pk, sub.user_id)
    return sent


def alert_subscribe(
    user: AbstractBaseUser,
    *,
    category_id: int | None = None,
    region_id: int | None = None,
    channel: str = AlertSubscription.Channel.IN_APP,
) -> AlertSubscription:
    """Subscribe ``user`` to new alerts of a category / district (None = all). Idempotent."""
    if channel not in AlertSubscription.Channel.values:
        raise InvalidInput(_("无效的通知方式。"), field="channel")
    if category_id is not None and not Category.objects.filter(pk=category_id, level=1).exists():
        raise InvalidInput(_("请选择一级分类。"), field="category")
    if region_id is not None and not Region.objects.filter(pk=region_id).exists():
        raise InvalidInput(_("地区不存在。"), field="region")
    if region_id is not None and not Region.objects.filter(pk=region_id, level=DISTRICT_LEVEL).exists():
        # Spikes are series of (category × district): a subscription to a city or a street would
        # be told 已订阅 and never hear of anything.
        raise InvalidInput(_("预警按区县计算，请选择区县。"), field="region")
    if channel == AlertSubscription.Channel.EMAIL and not getattr(user, "email", ""):
        raise InvalidInput(_("您的账号没有电子邮箱，无法通过邮件通知。"), field="channel")
    sub = AlertSubscription.objects.filter(
        user_id=user.pk, filter_key=series_key(category_id, region_id), channel=channel
    ).first()
    if sub is not None:
        return sub
    sub = AlertSubscription(user_id=user.pk, category_id=category_id, region_id=region_id, channel=channel)
    try:
        with transaction.atomic():
            sub.save()
    except IntegrityError:
        return AlertSubscription.objects.get(
            user_id=user.pk, filter_key=series_key(category_id, region_id), channel=channel
        )
    return sub


def alert_unsubscribe(user: AbstractBaseUser, subscription_id: int) -> None:
    deleted, _rows = AlertSubscription.objects.filter(pk=subscription_id, user_id=user.pk).delete()
    if not deleted:
        raise NotFound(_("订阅不存在。"))
