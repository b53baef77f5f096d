"""Operational gauges for /metrics (issue 14): a selector, a handful of indexed aggregates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min
from django.utils import timezone

from minsheng.notifications.models import OutboxMessage
from minsheng.workflow.models import Deadline


@dataclass(frozen=True)
class OperationalGauges:
    tasks_ready: int
    outbox_pending: dict[str, int] = field(default_factory=dict)
    outbox_oldest_pending_seconds: float = 0.0
    deadlines_open: int = 0
    deadlines_overdue: int = 0  # breached and not met yet (the 超期 list)
    sweep_lag_seconds: float = 0.0  # how long the oldest open deadline past its due date waits


def operational_gauges(now: dt.datetime | None = None) -> OperationalGauges:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    moment = now or timezone.now()
    today = timezone.localtime(moment).date()
    pending = dict(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    oldest = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).aggregate(m=Min("created_at"))[
        "m"
    ]
    open_rows = Deadline.objects.filter(status=Deadline.Status.OPEN)
    earliest_due = open_rows.filter(statutory_due__lt=today).aggregate(m=Min("statutory_due"))["m"]
    lag = 0.0
    if earliest_due is not None:
        # Breached from the start of the day after the statutory due date (sweeps.py).
        fell_due = timezone.make_aware(dt.datetime.combine(earliest_due + dt.timedelta(days=1), dt.time()))
        lag = max(0.0, (moment - fell_due).total_seconds())
    return OperationalGauges(
        tasks_ready=DBTaskResult.objects.filter(status=TaskResultStatus.READY).count(),
        outbox_pending={str(k): int(v) for k, v in pending.items()},
        outbox_oldest_pending_seconds=max(0.0, (moment - oldest).total_seconds()) if oldest else 0.0,
        deadlines_open=open_rows.count(),
        deadlines_overdue=Deadline.objects.filter(status=Deadline.Status.BREACHED, met_at=None).count(),
        sweep_lag_seconds=lag,
    )
