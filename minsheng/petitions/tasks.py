"""Tasks are interfaces: load by id, call services. Idempotent (a task may run twice)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def petition_enrich_task(petition_id: int) -> None:
    from minsheng.petitions.enrichment import petition_enrich

    petition_enrich(petition_id)
