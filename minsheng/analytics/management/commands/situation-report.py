"""`minsheng situation-report --from YYYY-MM-DD --to YYYY-MM-DD [--region CODE] [--category C]
[--organ CODE] --output DIR`: the 信访形势分析报告 as .docx, .pdf and .xlsx (de-identified)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minsheng.analytics import cli as _scope
from minsheng.analytics.reports import build_report, write_report


class Command(BaseCommand):
    help = "Write the situation report of a period and scope (.docx, .pdf, .xlsx) into a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        _scope.add_scope_arguments(parser)
        parser.add_argument("--output", required=True, help="directory to write the three files to")
        parser.add_argument("--top", type=int, default=10, help="hot issues listed (default 10)")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = _scope.scope_from_options(options)
        started = time.monotonic()
        data = build_report(scope, top=options["top"])
        paths = write_report(data, Path(options["output"]))
        for path in paths:
            self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
        self.stdout.write(
            f"{data.total} petitions, {len(data.hot)} hot issues, {len(data.spikes)} spikes, "
            f"{time.monotonic() - started:.1f}s"
        )
