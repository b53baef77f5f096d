"""`minsheng indicators --organ ID --from DATE --to DATE [--profile xinfang|beijing] --format json`:
for each indicator numerator, denominator, value, definition id and Wilson interval (the figures
of record: frozen when the period has been assessed, live otherwise)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.assessment import definitions as D
from minsheng.assessment.selectors import indicators
from minsheng.assessment.services import period_freeze
from minsheng.core.errors import ApplicationError
from minsheng.orgs.models import Organ


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = "Assessment indicators of an organ for a period (ACCOUNTABILITY.md §3)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organ", required=True, help="organ id (or code)")
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--profile", choices=D.PROFILES, default="xinfang")
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--today", help="reference date for 'not yet due' (default: today)")
        parser.add_argument("--live", action="store_true", help="recompute even if the period is frozen")
        parser.add_argument(
            "--subtree", action="store_true", help="the organ and every organ below it as one (live figures)"
        )
        parser.add_argument(
            "--freeze",
            action="store_true",
            help="assess the period: store its figures (a second freeze is a correction: --reason)",
        )
        parser.add_argument("--kind", choices=["month", "quarter", "year", "custom"], default="custom")
        parser.add_argument("--reason", default="", help="why a frozen period is frozen again")

    def handle(self, *args: Any, **opts: Any) -> None:
        key = str(opts["organ"])
        organ = Organ.objects.filter(pk=int(key)).first() if key.isdigit() else None
        organ = organ or Organ.objects.filter(code=key).first()
        if organ is None:
            raise CommandError(f"no organ {key!r}")
        date_from = _date(opts["date_from"], "--from")
        date_to = _date(opts["date_to"], "--to")
        if date_to < date_from:
            raise CommandError("--to is before --from")
        today = _date(opts["today"], "--today") if opts.get("today") else None
        if opts.get("freeze") and opts.get("subtree"):
            raise CommandError("--freeze assesses one organ; it does not combine with --subtree")
        if opts.get("freeze"):
            try:
                period = period_freeze(
                    organ,
                    date_from,
                    date_to,
                    profile=opts["profile"],
                    kind=opts["kind"],
                    reason=opts["reason"],
                    today=today,
                )
            except ApplicationError as exc:
                raise CommandError(exc.message) from None
            self.stderr.write(f"frozen: period {period.pk} version {period.version}")
        result = indicators(
            organ.pk,
            date_from,
            date_to,
            profile=opts["profile"],
            today=today,
            live=bool(opts.get("live")),
            subtree=bool(opts.get("subtree")),
        )
        data = {"organ": {"id": organ.pk, "code": organ.code, "name": organ.name}, **result.as_dict()}
        if opts["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{organ.name}  {date_from} – {date_to}  {result.profile}  定义版本 {result.definitions_version}"
            + ("  （已冻结）" if result.frozen else "")
        )
        for f in result.figures:
            value = "未评定" if f.value is None else f"{f.value * 100:.1f}%"
            ci = f"  [{f.interval.lower * 100:.1f}%, {f.interval.upper * 100:.1f}%]" if f.interval else ""
            flag = "  样本不足" if f.insufficient_sample else ""
            num = f"{f.numerator:g}"
            self.stdout.write(
                f"{f.indicator:24} {num:>8}/{f.denominator:<6} {value:>8}{ci}{flag}  {f.definition_id}"
            )
        if result.composite is not None:
            self.stdout.write(f"综合成绩 {result.composite:.1f}")
