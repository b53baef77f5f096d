"""`minsheng import-petitions FILE.csv[.gz] --format tipdm`: bulk import of online messages.

Each row is registered through ``minsheng.workflow.services.petition_register`` (the one
intake path: tracking code, deadlines, timeline event) in its own transaction, then enriched
(``minsheng.intelligence.services.petition_enrich``) in the same transaction. A bad row is
reported with its line number and skipped; nothing of it is written. Re-running the command
is idempotent: every petition stores ``suggestions["import_source"] = "tipdm:<file stem>:<留言编号>"``
and rows already imported are skipped. Notifications are suppressed (historical data).

Columns (TIPDM ``messages_labeled.csv`` / ``messages_with_replies.csv``): 留言编号, 留言用户,
留言主题, 留言时间, 留言时间_iso, 留言详情, optionally 一级分类 (sets the category), 答复意见 and
答复时间_iso / 答复时间 (used with ``--historical``).
Prints a JSON summary on stdout; a progress bar goes to stderr.

``--historical``: the rows are past cases, not new work. Every petition is marked
``Petition.is_historical`` so the deadline sweep raises no overdue, due-soon,
supervision or notification for it; a row with a reply (答复意见) is then closed through the
workflow service's system-only ``import_reply`` transition at the reply's own time (state
``duty_performed``, the reply as its written opinion, open clocks cancelled, audited). A row
without a reply stays registered with the clocks computed from its own date (see
docs/intelligence.md, "Bulk import").
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from minsheng.core.errors import InvalidInput
from minsheng.core.tabular import dict_reader, read_text
from minsheng.orgs.models import Category, Organ
from minsheng.petitions.models import Channel, Petition

ID_COL, USER_COL, TITLE_COL, BODY_COL = "留言编号", "留言用户", "留言主题", "留言详情"
TIME_ISO_COL, TIME_COL, CATEGORY_COL = "留言时间_iso", "留言时间", "一级分类"
REPLY_COL, REPLY_TIME_ISO_COL, REPLY_TIME_COL = "答复意见", "答复时间_iso", "答复时间"
REQUIRED = (ID_COL, TITLE_COL, BODY_COL)
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)


def import_key(fmt: str, stem: str, message_id: str) -> str:
    return f"{fmt}:{stem}:{message_id}"


def file_stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".csv"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def parse_time(value: str, what: str = "留言时间") -> dt.datetime:
    value = (value or "").strip()
    for fmt in TIME_FORMATS:
        try:
            naive = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - local time, made aware below
        except ValueError:
            continue
        return timezone.make_aware(naive)
    raise ValueError(f"无法解析{what}：{value!r}")


def read_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line number of the record, row) for each CSV record (records may span lines)."""
    reader = dict_reader(text)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise CommandError(f"missing column(s): {', '.join(missing)}")
    if TIME_ISO_COL not in (reader.fieldnames or []) and TIME_COL not in (reader.fieldnames or []):
        raise CommandError(f"missing column: {TIME_ISO_COL}")
    start = reader.line_num + 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


class Command(BaseCommand):
    help = (
        "Import petitions from a CSV export (TIPDM message format); idempotent. "
        "With --historical the rows are past cases: no overdue alarms, answered rows closed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or CSV.gz file")
        parser.add_argument("--format", dest="fmt", choices=["tipdm"], default="tipdm")
        parser.add_argument("--organ", help="code of the receiving organ (default: the city petition bureau)")
        parser.add_argument("--channel", default=Channel.ONLINE, choices=list(Channel.values))
        parser.add_argument("--limit", type=int, default=0, help="import at most N rows (0: all)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--historical",
            action="store_true",
            help=(
                "past cases: a row with 答复意见 is closed as answered at 答复时间_iso (state duty_performed, "
                "the reply as its written opinion, audited); a row without stays registered; the deadline "
                "sweep raises no overdue alarm or notification for any of them"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from tqdm import tqdm

        from minsheng.notifications.services import notifications_suppressed

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        organ = self._organ(options.get("organ"))
        fmt, stem = options["fmt"], file_stem(path)
        prefix = import_key(fmt, stem, "")
        existing = {
            str(key)
            for key in Petition.objects.filter(suggestions__import_source__startswith=prefix).values_list(
                "suggestions__import_source", flat=True
            )
        }
        categories = dict(Category.objects.filter(level=1).values_list("name", "pk"))
        try:
            rows = list(read_rows(read_text(path)))
        except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile, csv.Error) as exc:
            raise CommandError(f"{path}: unreadable CSV ({exc.__class__.__name__}: {exc})") from None
        if options["limit"]:
            rows = rows[: options["limit"]]
        created = skipped = 0
        errors: list[dict[str, Any]] = []
        started = time.perf_counter()
        with notifications_suppressed():
            for line, row in tqdm(
                rows, file=sys.stderr, disable=options["no_progress"], unit="row", desc="import"
            ):
                key = import_key(fmt, stem, (row.get(ID_COL) or "").strip())
                if key in existing:
                    skipped += 1
                    continue
                try:
                    with transaction.atomic():
                        self._import_row(
                            row, key, organ, options["channel"], categories, historical=options["historical"]
                        )
                except (InvalidInput, ValueError) as exc:
                    field = getattr(exc, "field", None)
                    message = getattr(exc, "message", None) or str(exc)
                    errors.append({"line": line, "error": f"{field}: {message}" if field else str(message)})
                    continue
                except Exception as exc:  # a database error on one row must not stop the import
                    errors.append({"line": line, "error": f"{type(exc).__name__}: {exc}"})
                    continue
                existing.add(key)
                created += 1
        seconds = time.perf_counter() - started
        summary = {
            "file": str(path),
            "rows": len(rows),
            "created": created,
            "skipped_existing": skipped,
            "errors": errors,
            "seconds": round(seconds, 2),
            "rows_per_second": round(len(rows) / seconds, 1) if seconds > 0 else None,
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _organ(self, code: str | None) -> Organ:
        if code:
            organ = Organ.objects.filter(code=code, is_active=True).first()
            if organ is None:
                raise CommandError(f"no active organ with code {code!r}")
            return organ
        organ = (
            Organ.objects.filter(kind=Organ.Kind.PETITION_BUREAU, level=Organ.Level.CITY, is_active=True)
            .order_by("pk")
            .first()
        )
        if organ is None:
            raise CommandError("no city petition bureau (kind petition_bureau, level 2); pass --organ CODE")
        return organ

    def _import_row(
        self,
        row: dict[str, str],
        key: str,
        organ: Organ,
        channel: str,
        categories: dict[str, int],
        *,
        historical: bool = False,
    ) -> Petition:
        from minsheng.intelligence.services import petition_enrich
        from minsheng.workflow.services import RegistrationInput, petition_register, petition_transition

        message_id = (row.get(ID_COL) or "").strip()
        if not message_id:
            raise ValueError("留言编号为空")
        title = " ".join((row.get(TITLE_COL) or "").split())
        body = (row.get(BODY_COL) or "").replace("_x000D_", "\n").strip()
        if not title:
            raise ValueError("留言主题为空")
        if not body:
            raise ValueError("留言详情为空")
        received_at = parse_time(row.get(TIME_ISO_COL) or row.get(TIME_COL) or "")
        category_name = (row.get(CATEGORY_COL) or "").strip()
        category = Category.objects.get(pk=categories[category_name]) if category_name in categories else None
        reply = (row.get(REPLY_COL) or "").replace("_x000D_", "\n").strip() if historical else ""
        replied_at = (
            parse_time(row.get(REPLY_TIME_ISO_COL) or row.get(REPLY_TIME_COL) or "", "答复时间")
            if reply
            else None
        )
        source: dict[str, Any] = {"import_source": key}
        user = (row.get(USER_COL) or "").strip()
        if user:
            source["import_user"] = user  # the source system's pseudonymous user id
        # Registered at the message's own time: an online message is registered on receipt,
        # and the intake checks (received_at not after entry, not older than 3 years) hold.
        petition, _password = petition_register(
            RegistrationInput(
                channel=channel,
                receiving_organ=organ,
                title=title[:200],
                request=body[:20000],
                received_at=received_at,
                category=category,
                suggestions=source,
                is_historical=historical,
                paper_requested=False,
            ),
            actor=None,
            now=received_at,
        )
        if "generated_at" not in (petition.suggestions or {}):  # registration did not enrich it
            petition_enrich(petition)
        if replied_at is not None:
            # Answered in the source: closed at the reply's own time, through the workflow service.
            petition = petition_transition(
                petition.pk, "import_reply", actor=None, as_system=True, data={"reply": reply}, now=replied_at
            )
        return petition
