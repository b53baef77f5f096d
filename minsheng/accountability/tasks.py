"""Tasks are interfaces: the proposals of a period, for ``minsheng worker`` (enqueue it, e.g. monthly
for the month just ended; idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from minsheng.accountability.proposals import proposals_compute


@task()
def accountability_proposals_task(date_from: str, date_to: str) -> dict[str, Any]:
    made = proposals_compute(dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to))
    return {"proposals": len(made), "open": sum(1 for p in made if p.status == "open")}
