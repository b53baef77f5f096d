"""Shared command-line helpers of the analytics commands (period and scope options)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from minsheng.analytics.selectors import Scope
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


def add_scope_arguments(parser: CommandParser, *, required: bool = True) -> None:
    parser.add_argument("--from", dest="date_from", required=required, help="first day YYYY-MM-DD (received)")
    parser.add_argument("--to", dest="date_to", required=required, help="last day YYYY-MM-DD (inclusive)")
    parser.add_argument("--region", default=None, help="region code (its whole subtree), e.g. 439904")
    parser.add_argument("--category", default=None, help="category id or path, e.g. 城乡建设")
    parser.add_argument("--organ", default=None, help="organ code (its whole subtree), e.g. a-gov")
