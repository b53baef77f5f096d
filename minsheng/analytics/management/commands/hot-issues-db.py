"""`minsheng hot-issues-db --from YYYY-MM-DD --to YYYY-MM-DD [--region CODE] [--category ID] [--organ CODE]
[--top N] [--format json|table]`: hot issues over the petitions of the database.

Same JSON shape as `minsheng hot-issues --data` ({"rank", "title", "heat", "place", "start", "end",
"keywords", "members", ...}); members are tracking codes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.analytics.selectors import Scope, hot_issues
from minsheng.orgs.models import Category, Organ, Region


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} is not a date YYYY-MM-DD: {value!r}") from None


def scope_from_options(options: dict[str, Any]) -> Scope:
    """--from/--to/--region/--category/--organ → Scope, with one-line errors."""
    date_from = parse_date(options["date_from"], "--from")
    date_to = parse_date(options["date_to"], "--to")
    if date_to < date_from:
        raise CommandError("--to is before --from")
    region = options.get("region") or None
    if region and not Region.objects.filter(code=region).exists():
        raise CommandError(f"no region with code {region!r}")
    organ_id = None
    if options.get("organ"):
        organ = Organ.objects.filter(code=options["organ"]).first()
        if organ is None:
            raise CommandError(f"no organ with code {options['organ']!r}")
        organ_id = organ.pk
    category_id = None
    if options.get("category"):
        value = str(options["category"])
        category = (
            Category.objects.filter(pk=int(value)).first()
            if value.isdigit()
            else Category.objects.filter(path=value).first()
        )
        if category is None:
            raise CommandError(f"no category {value!r} (give an id or a path such as 城乡建设)")
        category_id = category.pk
    return Scope(date_from, date_to, organ_id=organ_id, region_code=region, category_id=category_id)


def add_scope_arguments(parser: CommandParser) -> None:
    parser.add_argument("--from", dest="date_from", required=True, help="first day YYYY-MM-DD (received)")
    parser.add_argument("--to", dest="date_to", required=True, help="last day YYYY-MM-DD (inclusive)")
    parser.add_argument("--region", default=None, help="region code (its whole subtree), e.g. 439904")
    parser.add_argument("--category", default=None, help="category id or path, e.g. 城乡建设")
    parser.add_argument("--organ", default=None, help="organ code (its whole subtree), e.g. a-gov")


class Command(BaseCommand):
    help = (
        "Group the petitions received in a period (optionally of a region / category / organ subtree) "
        "by matter and print the hottest groups as JSON (members are tracking codes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_scope_arguments(parser)
        parser.add_argument("--top", type=int, default=20, help="number of groups (default 20)")
        parser.add_argument("--min-size", type=int, default=2, help="smallest group (default 2)")
        parser.add_argument("--format", choices=("json", "table"), default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["top"] < 1:
            raise CommandError(f"--top must be >= 1, got {options['top']}")
        if options["min_size"] < 1:
            raise CommandError(f"--min-size must be >= 1, got {options['min_size']}")
        scope = scope_from_options(options)
        issues = hot_issues(scope, top=options["top"], min_size=options["min_size"])
        if options["format"] == "table":
            for h in issues:
                self.stdout.write(
                    f"{h['rank']:>4}  {h['heat']:>7.2f}  {h['size']:>4}  {h['start']}  {h['end']}  {h['title']}"
                )
                self.stdout.write(
                    f"{'':>6}place: {h['place'] or '-'}  members: {', '.join(h['members'][:10])}"
                )
        else:
            self.stdout.write(json.dumps(issues, ensure_ascii=False))
