"""`minsheng accountability-proposals --from DATE --to DATE [--organ CODE] [--today DATE]`: compute the
Art. 39(3) proposals of a period (idempotent) and print them as JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.accountability.proposals import proposals_compute
from minsheng.core.errors import ApplicationError
from minsheng.orgs.models import Organ


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name}: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Compute the proposals of 约谈 / 通报 / 挂牌督办 for a period (Art. 39(3)); JSON on stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", required=True)
        parser.add_argument("--to", dest="date_to", required=True)
        parser.add_argument("--organ", help="organ code (default: every assessed organ)")
        parser.add_argument("--today", help="compute as of this day (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        date_from = _date(options["date_from"], "from")
        date_to = _date(options["date_to"], "to")
        today = _date(options["today"], "today") if options.get("today") else None
        organs = None
        if options.get("organ"):
            organ = Organ.objects.filter(code=options["organ"]).first()
            if organ is None:
                raise CommandError(f"--organ: no organ with code {options['organ']!r}")
            organs = [organ]
        try:
            made = proposals_compute(date_from, date_to, organs=organs, today=today)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        rows = [
            {
                "id": p.pk,
                "organ": p.organ.code,
                "measure": p.measure,
                "status": p.status,
                "from": p.period_from.isoformat(),
                "to": p.period_to.isoformat(),
                "figures": p.figures,
            }
            for p in made
        ]
        self.stdout.write(json.dumps({"proposals": rows}, ensure_ascii=False, default=str))
