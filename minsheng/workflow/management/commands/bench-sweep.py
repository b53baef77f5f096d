"""`minsheng bench-sweep --open N`: the set-based deadline sweep on N open deadlines, PostgreSQL.

Seeds N petitions in the demo world's organs, each with one open deadline (mostly 60-day
handling, notice and assigned-case clocks, 1 % a petitioner's review window), with SQL
(``generate_series``), then measures, in one run:

* ``nothing_due_seconds``: a sweep at a moment when none of the N open deadlines is due;
* ``baseline_seconds``: a plain ``UPDATE`` marking the same N rows breached (rolled back, then
  the table is vacuumed so the sweep starts from the same state);
* ``figure_seconds``: the sweep that marks all N (breach, due-soon mark, timeline event,
  supervision order, in-app messages, petition flags), with each statement's time.

Prints one JSON object. The database must hold no petitions (use a scratch database); the seeded
rows are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from minsheng.workflow import sweeps

TITLE = "幸福小区旁工地夜间施工噪音扰民"
REQUEST = "请求责令工地停止夜间施工，恢复居民正常休息，并对施工单位依法处理。"
FACTS = "A3区幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大，多次向有关部门反映未果。" * 4

# (rule, share of the N deadlines in per cent, petition state)
MIX = [
    ("D-HANDLE-60", 60, "in_handling"),
    ("D-NOTICE-15", 25, "organ_received"),
    ("D-ASSIGNED", 14, "in_handling"),
    ("D-REVIEW-REQ-30", 1, "in_handling"),
]

FILLED = [
    "notifications_outboxmessage",
    "workflow_supervisionorder",
    "workflow_petitionevent",
    "workflow_deadline",
    "petitions_petition",
]


class Command(BaseCommand):
    help = "Benchmark of the deadline sweep on N open deadlines all falling due (PostgreSQL; JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--open", type=int, default=10_000, help="open deadlines to seed (default 10000)")
        parser.add_argument("--keep", action="store_true", help="leave the seeded rows in the database")

    def handle(self, *args: Any, **options: Any) -> None:
        n: int = options["open"]
        if connection.vendor != "postgresql":
            raise CommandError("bench-sweep needs PostgreSQL (set DATABASE_URL to a scratch database)")
        if n < 1:
            raise CommandError("--open must be >= 1")
        from minsheng.petitions.models import Petition

        if Petition.objects.exists():
            raise CommandError("the database already holds petitions: use a scratch database")
        from minsheng.orgs.demo import build_demo_world

        world = build_demo_world()
        organ_ids = sorted(
            o.pk for key, o in world.organs.items() if o.memberships.exists() and key.startswith("a-")
        )
        due = timezone.localdate() + dt.timedelta(days=90)
        started = time.perf_counter()
        self.seed(n, organ_ids, world.bureau.pk, due)
        seed_s = time.perf_counter() - started
        before = timezone.make_aware(dt.datetime.combine(due - dt.timedelta(days=30), dt.time(2)))
        after = timezone.make_aware(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(2)))
        try:
            nothing = self.timed_sweep(before)
            baseline_s = self.baseline(after)
            sweeps.PROFILE = []
            figure = self.timed_sweep(after)
            statements = sweeps.PROFILE
            sweeps.PROFILE = None
            again = self.timed_sweep(after)
            counts = self.counts()
        finally:
            sweeps.PROFILE = None
            if not options["keep"]:
                with connection.cursor() as cursor:
                    cursor.execute("TRUNCATE " + ", ".join(FILLED) + " CASCADE")
        figure_s = figure[0]
        result = {
            "open": n,
            "figure_seconds": round(figure_s, 3),
            "baseline_seconds": round(baseline_s, 3),
            "ratio": round(figure_s / baseline_s, 2) if baseline_s else None,
            "nothing_due_seconds": round(nothing[0], 4),
            "nothing_due_after_seconds": round(again[0], 4),
            "sweep": figure[1],
            "rows": counts,
            "statements": statements,
            "seed_seconds": round(seed_s, 1),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "postgresql": connection.pg_version,  # type: ignore[attr-defined]
            },
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def seed(self, n: int, organ_ids: list[int], bureau_id: int, due: dt.date) -> None:
        organs = "ARRAY[" + ",".join(str(i) for i in organ_ids) + "]::bigint[]"
        k = len(organ_ids)
        rule_case = "CASE"
        state_case = "CASE"
        bound = 0
        for rule, share, state in MIX:
            bound += share
            rule_case += f" WHEN i %% 100 < {bound} THEN '{rule}'"
            state_case += f" WHEN i %% 100 < {bound} THEN '{state}'"
        rule_case += " END"
        state_case += " END"
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO petitions_petition (id, tracking_code, query_password_hash, channel,"
                " received_at, entered_at, nature, place_text, title, request, facts, reasons, is_oral,"
                " is_collective, persons_involved, is_urgent, is_anonymous, is_yueji, is_first_time,"
                " accused_person, state, state_changed_at, route, procedure, paper_requested,"
                " suggestions, current_organ_id,"
                " receiving_organ_id, forwarded_by_id, is_historical, urgent_report_late)"
                " SELECT i, 'BS' || lpad(i::text, 12, '0'), '', 'letter', %s, %s, 'grievance', '',"
                " %s, %s, %s, '', false, false, 1, false, false, false, true, '',"
                f" {state_case}, %s, '', 'ordinary', true, '{{}}'::jsonb,"
                f" ({organs})[1 + i %% {k}], %s, %s, false, false"
                " FROM generate_series(1, %s) AS i",
                [now, now, TITLE, REQUEST, FACTS, now, bureau_id, bureau_id, n],
            )
            cursor.execute("SELECT setval(pg_get_serial_sequence('petitions_petition', 'id'), %s)", [n])
            cursor.execute(
                "INSERT INTO workflow_deadline (petition_id, rule, organ_id, start, length, extra_days,"
                " nominal_due, statutory_due, is_provisional, status, met_late, waived_reason, created_at)"
                f" SELECT i, {rule_case}, ({organs})[1 + i %% {k}], %s, 60, 0, %s, %s, false, 'open',"
                " false, '', %s FROM generate_series(1, %s) AS i",
                [due - dt.timedelta(days=60), due, due, now, n],
            )
        with connection.cursor() as cursor:
            for table in FILLED:
                cursor.execute(f"VACUUM ANALYZE {table}")

    def timed_sweep(self, moment: dt.datetime) -> tuple[float, dict[str, int]]:
        from dataclasses import asdict

        started = time.perf_counter()
        result = sweeps.deadlines_sweep(moment)
        return time.perf_counter() - started, asdict(result)

    def baseline(self, moment: dt.datetime) -> float:
        """A plain UPDATE of the same rows (rolled back; the table is vacuumed afterwards)."""
        today = moment.date()
        started = time.perf_counter()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE workflow_deadline SET status = 'breached', breached_at = %s"
                    " WHERE status = 'open' AND statutory_due < %s",
                    [moment, today],
                )
                elapsed = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE workflow_deadline")
        return elapsed

    def counts(self) -> dict[str, int]:
        out = {}
        with connection.cursor() as cursor:
            for table in FILLED:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                out[table] = int(cursor.fetchone()[0])
            cursor.execute("SELECT status, COUNT(*) FROM workflow_deadline GROUP BY status")
            out.update({f"deadlines_{s}": int(c) for s, c in cursor.fetchall()})
        from minsheng.petitions.models import Petition

        out["petitions_overdue_supervised"] = (
            Petition.objects.flagged("has_overdue").flagged("is_supervised").count()
        )
        return out


class _Rollback(Exception):
    pass
