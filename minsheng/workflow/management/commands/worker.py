"""`minsheng worker`: runs queued tasks (django-tasks-db) and the periodic sweeps.

Run one per machine or many: the task queue and the compare-and-set sweeps are safe concurrently.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from minsheng.notifications.services import outbox_send_pending
from minsheng.workflow.sweeps import deadlines_sweep


class Command(BaseCommand):
    help = "Run background tasks and the deadline sweep."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between queue polls")
        parser.add_argument("--sweep-every", type=float, default=60.0, help="seconds between deadline sweeps")
        parser.add_argument(
            "--analytics-every", type=float, default=3600.0, help="seconds between spike detections"
        )
        parser.add_argument("--once", action="store_true", help="drain the queue, sweep once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker_id = f"minsheng-{uuid.uuid4().hex[:8]}"
        last_sweep = 0.0
        last_analytics = 0.0
        while True:
            close_old_connections()
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            if time.monotonic() - last_sweep >= options["sweep_every"] or options["once"]:
                result = deadlines_sweep()
                sent = outbox_send_pending()
                last_sweep = time.monotonic()
                self.stdout.write(json.dumps({"sweep": asdict(result), "outbox_sent": sent}))
            if time.monotonic() - last_analytics >= options["analytics_every"] or options["once"]:
                from minsheng.analytics.services import analytics_detect_spikes
                from minsheng.api.idempotency import idempotency_purge
                from minsheng.stability.services import link_after_petitions

                run = analytics_detect_spikes()  # idempotent: one alert per week and series
                linked = link_after_petitions()  # idempotent: petitions after a decision, on its topic
                purged = idempotency_purge()  # expired Idempotency-Key rows, off the write path
                last_analytics = time.monotonic()
                self.stdout.write(
                    json.dumps(
                        {"spikes": str(run), "decision_links": linked, "idempotency_keys_purged": purged},
                        ensure_ascii=False,
                    )
                )
            if options["once"]:
                return
            time.sleep(options["interval"])
