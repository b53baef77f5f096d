"""`minsheng assessment-report --organ ID --year 2025 [--quarter 3] [--output DIR]`: the quarterly or
annual assessment report of one organ as .docx and .xlsx (figures of record: frozen when assessed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.assessment import definitions as D
from minsheng.assessment.reports import build, write
from minsheng.orgs.models import Organ


class Command(BaseCommand):
    help = "Quarterly or annual assessment report of an organ (.docx, .xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organ", required=True, help="organ id (or code)")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4])
        parser.add_argument("--profile", choices=D.PROFILES, default="xinfang")
        parser.add_argument("--format", choices=["docx", "xlsx", "both"], default="both")
        parser.add_argument("--output", default=".", help="directory")

    def handle(self, *args: Any, **opts: Any) -> None:
        key = str(opts["organ"])
        organ = Organ.objects.filter(pk=int(key)).first() if key.isdigit() else None
        organ = organ or Organ.objects.filter(code=key).first()
        if organ is None:
            raise CommandError(f"no organ {key!r}")
        report = build(organ, opts["year"], opts.get("quarter"), profile=opts["profile"])
        formats = ("docx", "xlsx") if opts["format"] == "both" else (opts["format"],)
        for path in write(report, Path(opts["output"]), formats):
            self.stdout.write(str(path))
