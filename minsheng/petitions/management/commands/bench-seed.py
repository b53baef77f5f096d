"""`minsheng bench seed --n N [--seed S] [--batch B]`: a realistic petition history in bulk.

A history generator, not intake (see minsheng/petitions/seed.py): a few stories per lifecycle
state are told through the services, then replayed at other moments with bulk inserts. Progress
lines go to stderr (also when it is not a terminal); one JSON object goes to stdout at the end:
rows per table, seconds, rows per second, peak RSS, load average and the machine. Refused in
production mode. Runs again add another N petitions (tracking codes SD + the petition id).
"""

from __future__ import annotations

import json
import logging
import os
import platform
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from minsheng.orgs.demo import build_demo_world
from minsheng.petitions.seed import seed_history, stderr_progress


class Command(BaseCommand):
    help = "Generate a realistic petition history of N petitions with bulk inserts (JSON figures)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--n", type=int, required=True, help="petitions to write")
        parser.add_argument("--seed", type=int, default=14, help="random seed (default 14)")
        parser.add_argument(
            "--batch", type=int, default=5000, help="petitions per transaction (default 5000)"
        )
        parser.add_argument("--years", type=float, default=5.0, help="history length in years (default 5)")
        parser.add_argument(
            "--templates", type=int, default=2, help="stories told through the services per state (default 2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("bench seed is refused in production mode (MINSHENG_PRODUCTION=true)")
        n: int = options["n"]
        if n < 1 or options["batch"] < 1 or options["templates"] < 1 or options["years"] <= 0:
            raise CommandError("--n, --batch and --templates must be >= 1 and --years > 0")
        stderr_progress("seed: building the demo world (organs, categories, staff)")
        world = build_demo_world(password=settings.MINSHENG_DEMO_PASSWORD)
        deadline_log = logging.getLogger("minsheng.workflow.deadlines")
        previous = deadline_log.level
        deadline_log.setLevel(logging.ERROR)
        try:
            result = seed_history(
                world,
                n,
                seed=options["seed"],
                batch=options["batch"],
                years=options["years"],
                per_target=options["templates"],
                progress=stderr_progress,
            )
        finally:
            deadline_log.setLevel(previous)
        out = {"n": n, "database": connection.vendor, **result.as_json()}
        out["loadavg"] = [round(x, 2) for x in os.getloadavg()]
        out["machine"] = {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql": getattr(connection, "pg_version", None),
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
