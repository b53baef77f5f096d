"""`minsheng bench-hot-issues --n N`: time the hot-issue mining on N synthetic messages."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.analytics.nlp.bench import report


class Command(BaseCommand):
    help = (
        "Generate N messages by resampling and perturbing the vendored TipDM messages (places renamed "
        "per synthetic matter, deterministic seed); print one JSON object: the time of hot issues and "
        "trends, the peak memory, a baseline measured in the same run, the load and the machine."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--n", type=int, default=5000, help="number of synthetic messages (default 5000)")
        parser.add_argument("--top", type=int, default=20, help="groups to describe (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        n: int = options["n"]
        if n < 1:
            raise CommandError(f"--n must be >= 1, got {n}")
        self.stdout.write(json.dumps(report(n, options["top"]), ensure_ascii=False))
