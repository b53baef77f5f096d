"""Tasks are interfaces: the periodic spike detection (idempotent; safe to run every sweep)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from minsheng.analytics.services import analytics_detect_spikes


@task()
def analytics_detect_spikes_task() -> dict[str, Any]:
    run = analytics_detect_spikes()
    return {
        "week": run.week.isoformat(),
        "tested_series": run.tested_series,
        "created": len(run.created),
        "existing": run.existing,
        "notified": run.notified,
    }
