"""`minsheng hot-issues --data CSV [--top N] [--format json|table]`: ranked groups of same-matter petitions.

Without --data it works over the database for a period and scope:
`minsheng hot-issues --from YYYY-MM-DD --to YYYY-MM-DD [--region CODE] [--category ID|PATH] [--organ CODE]`
(same JSON shape; members are tracking codes).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.analytics.cli import add_scope_arguments, scope_from_options
from minsheng.analytics.distributed import analytics_runner
from minsheng.analytics.nlp.hotspots import HotIssue, HotIssueParams, find_hot_issues
from minsheng.analytics.nlp.records import MessageFileError, load_messages_csv, parse_day
from minsheng.analytics.selectors import hot_issues
from minsheng.core.replica import replica_reads


def render_table(issues: list[HotIssue]) -> str:
    lines = [
        f"{'rank':>4}  {'heat':>7}  {'n':>4}  {'users':>5}  {'start':10}  {'end':10}  title / place / keywords"
    ]
    for h in issues:
        lines.append(
            f"{h.rank:>4}  {h.heat:>7.2f}  {h.size:>4}  {h.petitioners:>5}  {h.start.isoformat():10}  "
            f"{h.end.isoformat():10}  {h.title}"
        )
        lines.append(f"{'':>50}place: {h.place or '-'}   keywords: {'、'.join(h.keywords) or '-'}")
        members = ", ".join(str(m) for m in h.members[:12]) + (" …" if len(h.members) > 12 else "")
        lines.append(f"{'':>50}members: {members}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Group the petitions of a TipDM-style CSV (留言编号, 留言用户, 留言主题, 留言时间[_iso], 留言详情, "
        "optional 点赞数/反对数) by concrete matter and print the hottest groups as a JSON array of "
        "{rank, title, heat, place, start, end, keywords, members, ...} (see docs/analytics.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", default=None, help="CSV file (UTF-8, may be gzipped); without it: the database"
        )
        add_scope_arguments(parser, required=False)
        parser.add_argument("--top", type=int, default=20, help="number of groups (default 20)")
        parser.add_argument("--format", choices=("json", "table"), default="json", help="output format")
        parser.add_argument(
            "--now",
            default=None,
            help="reference day YYYY-MM-DD for recency/growth (default: newest message)",
        )
        parser.add_argument(
            "--min-size", type=int, default=2, help="smallest group reported (default 2 petitions)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        top: int = options["top"]
        min_size: int = options["min_size"]
        if top < 1:
            raise CommandError(f"--top must be >= 1, got {top}")
        if min_size < 1:
            raise CommandError(f"--min-size must be >= 1, got {min_size}")
        now: date | None = None
        if options["now"]:
            try:
                now = parse_day(options["now"])
            except ValueError:
                raise CommandError(f"--now is not a date: {options['now']!r}") from None
        if not options["data"]:
            if not (options["date_from"] and options["date_to"]):
                raise CommandError("give --data CSV, or --from and --to to work over the database")
            scope = scope_from_options(options)
            with replica_reads():  # read-only over a past period: the replica when configured
                rows = hot_issues(scope, top=top, min_size=min_size, now=now, runner=analytics_runner())
            if options["format"] == "table":
                for h in rows:
                    self.stdout.write(
                        f"{h['rank']:>4}  {h['heat']:>7.2f}  {h['size']:>4}  {h['start']}  {h['end']}  {h['title']}"
                    )
                    self.stdout.write(
                        f"{'':>6}place: {h['place'] or '-'}  members: {', '.join(h['members'][:10])}"
                    )
            else:
                self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        try:
            records = load_messages_csv(options["data"])
        except MessageFileError as exc:
            raise CommandError(str(exc)) from None
        params = HotIssueParams(min_size=min_size, division_lists=tuple(settings.MINSHENG_DIVISION_LISTS))
        issues = find_hot_issues(records, top=top, now=now, params=params)
        if options["format"] == "table":
            self.stdout.write(render_table(issues))
        else:
            self.stdout.write(json.dumps([h.as_dict() for h in issues], ensure_ascii=False))
