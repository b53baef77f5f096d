"""`minsheng bench reads`: what staff reads cost on the current database (a seeded one:
``minsheng bench seed --n 100000``), as the API answers them.

For each ``--users`` (staff usernames; a fresh API token each, revoked afterwards), ``--repeat``
times after one warm-up request: the worklist ``GET /api/v1/petitions`` (page 1 and ``--page``),
and ``GET /api/v1/petitions/{id}`` of petitions the user may see. Requests go through Django's
request handler in this process (the whole middleware and API stack, no network), so the figure is
the server's cost of the read, not a client's. The baseline, in the same run: the narrowest
possible list statement (``SELECT id ... ORDER BY received_at DESC LIMIT page_size``, no visibility
filter, no order by due date) on the same connection.

Prints one JSON object: per user the visible ``count`` and the median / p95 milliseconds of each
read, the baseline's median, ``loadavg`` and ``machine``. Reads only: nothing is written but the
tokens, which are revoked.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client

from minsheng.orgs.tokens import issue_token, revoke_tokens


def _timed(call: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1)]
    return {"median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


class Command(BaseCommand):
    help = (
        "Benchmark of staff reads (worklist pages, case files) through the API stack on this database (JSON)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", default="dispatcher,caseworker,leader", help="staff usernames, comma-separated"
        )
        parser.add_argument("--repeat", type=int, default=5, help="timed requests per read (default 5)")
        parser.add_argument("--page", type=int, default=5, help="the later worklist page to time (default 5)")
        parser.add_argument("--page-size", type=int, default=20, help="worklist page size (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        repeat, page, page_size = options["repeat"], options["page"], options["page_size"]
        if repeat < 1 or page < 1 or not 1 <= page_size <= 100:
            raise CommandError("--repeat and --page must be >= 1, --page-size 1..100")
        names = [n.strip() for n in str(options["users"]).split(",") if n.strip()]
        users = {u.get_username(): u for u in get_user_model().objects.filter(username__in=names)}
        missing = [n for n in names if n not in users]
        if missing:
            raise CommandError(f"no such user: {', '.join(missing)}")
        client = Client()
        results: dict[str, Any] = {}
        for name in names:
            token, stored = issue_token(users[name])
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            try:
                results[name] = self._reads(client, headers, page, page_size, repeat)
            finally:
                revoke_tokens(users[name], "bench reads finished", only=[stored.pk])
        baseline = self._baseline(page_size, repeat)
        self.stdout.write(
            json.dumps(
                {
                    "bench": "reads",
                    "users": results,
                    "baseline": f"SELECT id FROM petitions_petition ORDER BY received_at DESC LIMIT {page_size}",
                    "baseline_median_ms": baseline,
                    "repeat": repeat,
                    "page_size": page_size,
                    "loadavg": [round(x, 2) for x in os.getloadavg()],
                    "machine": {
                        "cpus": os.cpu_count(),
                        "platform": platform.platform(),
                        "python": platform.python_version(),
                        "database": connection.vendor,
                    },
                },
                ensure_ascii=False,
            )
        )

    def _reads(
        self, client: Client, headers: dict[str, str], page: int, page_size: int, repeat: int
    ) -> dict[str, Any]:
        def get(path: str) -> Any:
            response = client.get(path, **headers)  # type: ignore[arg-type]
            if response.status_code != 200:
                raise CommandError(f"GET {path}: HTTP {response.status_code} {response.content[:200]!r}")
            return response

        first = f"/api/v1/petitions?page_size={page_size}"
        later = f"{first}&page={page}"
        listed = get(first).json()  # warm-up, and the ids to open
        out: dict[str, Any] = {"count": listed["count"]}
        out["list_page_1"] = _summary(_timed(lambda: get(first), repeat))
        if listed["count"] > (page - 1) * page_size:
            get(later)
            out[f"list_page_{page}"] = _summary(_timed(lambda: get(later), repeat))
        ids = [row["id"] for row in listed["results"]]
        if ids:
            get(f"/api/v1/petitions/{ids[0]}")
            cycle = iter(ids * repeat)
            out["detail"] = _summary(_timed(lambda: get(f"/api/v1/petitions/{next(cycle)}"), repeat))
        return out

    def _baseline(self, page_size: int, repeat: int) -> float:
        sql = "SELECT id FROM petitions_petition ORDER BY received_at DESC LIMIT %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [page_size])

            def run() -> None:
                cursor.execute(sql, [page_size])
                cursor.fetchall()

            return round(statistics.median(_timed(run, repeat)), 2)
