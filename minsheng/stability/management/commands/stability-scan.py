"""`minsheng stability-scan [--min-score S]`: link petitions received after implemented major
decisions back to them, and raise consistency flags (一碗水端平). Both idempotent; prints JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Link petitions to major decisions and scan for consistency flags (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--min-score", type=float, default=0.5, help="similarity threshold (0 < S <= 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        from minsheng.stability.services import consistency_scan, link_after_petitions

        score = options["min_score"]
        if not 0 < score <= 1:
            raise CommandError("--min-score must be in (0, 1]")
        linked = link_after_petitions()
        flags = consistency_scan(min_score=score)
        self.stdout.write(json.dumps({"decision_links": linked, "new_flags": flags, "min_score": score}))
