"""`minsheng trends-alerts [--week YYYY-MM-DD] [--weeks N]`: run the spike detection (idempotent) for
the last complete week, a given week, or the N last complete weeks, and print what was stored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.analytics.services import analytics_detect_spikes, last_complete_week


class Command(BaseCommand):
    help = "Detect weekly spikes per level-1 category × district and store SpikeAlert rows (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week", default=None, help="any day of the week to test (default: last full week)"
        )
        parser.add_argument("--weeks", type=int, default=1, help="test this many weeks back (default 1)")
        parser.add_argument("--alpha", type=float, default=0.01, help="false-alarm level (BH across series)")
        parser.add_argument("--baseline-weeks", type=int, default=8)
        parser.add_argument("--min-count", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["week"]:
            try:
                last = dt.date.fromisoformat(options["week"])
            except ValueError:
                raise CommandError(f"--week is not a date: {options['week']!r}") from None
        else:
            last = last_complete_week()
        if options["weeks"] < 1:
            raise CommandError("--weeks must be >= 1")
        if not 0 < options["alpha"] < 1:
            raise CommandError("--alpha must be in (0, 1)")
        for back in range(options["weeks"] - 1, -1, -1):
            run = analytics_detect_spikes(
                week=last - dt.timedelta(days=7 * back),
                alpha=options["alpha"],
                baseline_weeks=options["baseline_weeks"],
                min_count=options["min_count"],
            )
            self.stdout.write(
                json.dumps(
                    {
                        "week": run.week.isoformat(),
                        "tested_series": run.tested_series,
                        "created": [
                            {
                                "category": a.category_label,
                                "region": a.region_label,
                                "count": a.count,
                                "baseline": a.baseline,
                                "p_value": a.p_value,
                                "adjusted_p": a.adjusted_p,
                            }
                            for a in run.created
                        ],
                        "existing": run.existing,
                        "notified": run.notified,
                    },
                    ensure_ascii=False,
                )
            )
