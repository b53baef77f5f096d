"""`minsheng deadline <RULE> --from YYYY-MM-DD [--extension-days N] [--hearing-days N] [--days N]`

Prints one JSON object {"rule", "start", "nominal_due", "statutory_due", ...}; exits non-zero with
a one-line message for an unknown rule, a bad date or a year no calendar covers (never a guess).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.calendar import CalendarNotCovered
from minsheng.core.rules import UnknownRule, get_rule
from minsheng.workflow.deadlines import compute_rule_due


class Command(BaseCommand):
    help = "Compute a statutory due date (rule ids of rules.yaml)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("rule", help="deadline id, e.g. D-HANDLE-60")
        parser.add_argument("--from", dest="start", required=True, help="start date YYYY-MM-DD (not counted)")
        parser.add_argument(
            "--extension-days", type=int, default=0, help="approved extension (D-HANDLE-60, max 30)"
        )
        parser.add_argument(
            "--hearing-days", type=int, default=0, help="hearing days excluded (D-RECHECK-30)"
        )
        parser.add_argument(
            "--days", type=int, default=None, help="length for rules set case by case (D-ASSIGNED)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rule = get_rule(options["rule"])
        except UnknownRule as exc:
            raise CommandError(str(exc)) from None
        try:
            start = dt.date.fromisoformat(options["start"])
        except ValueError:
            raise CommandError(f"bad date {options['start']!r}: use YYYY-MM-DD") from None
        extension = options["extension_days"]
        hearing = options["hearing_days"]
        if extension < 0 or hearing < 0:
            raise CommandError("--extension-days and --hearing-days cannot be negative")
        if extension and rule.extendable_days == 0:
            raise CommandError(f"{rule.id} cannot be extended")
        if extension > rule.extendable_days and rule.extendable_days:
            raise CommandError(f"{rule.id}: extensions total at most {rule.extendable_days} days (Art. 34)")
        if hearing and not rule.hearing_excluded:
            raise CommandError(f"{rule.id}: hearing days are excluded only from D-RECHECK-30 (Art. 36(2))")
        length = options["days"]
        if length is not None and length < 1:
            raise CommandError("--days must be at least 1")
        try:
            result = compute_rule_due(
                rule.id, start, length=length, extra_days=extension + hearing, allow_provisional=False
            )
        except CalendarNotCovered as exc:
            raise CommandError(str(exc)) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        out = {
            "rule": rule.id,
            "start": start.isoformat(),
            "nominal_due": result.due.nominal_due.isoformat(),
            "statutory_due": result.due.statutory_due.isoformat(),
            "length": result.length,
            "unit": rule.unit.value if rule.unit else "immediate",
            "extension_days": extension,
            "hearing_days": hearing,
            "name": rule.name,
            "article": rule.article,
        }
        self.stdout.write(json.dumps(out, ensure_ascii=False))
