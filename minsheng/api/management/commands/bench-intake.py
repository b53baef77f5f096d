"""`minsheng bench-intake`: registrations through ``POST /api/v1/petitions`` served by
``minsheng serve`` on PostgreSQL, against pgbench in the same run.

In one run:

* starts ``minsheng serve`` (gunicorn, persistent connections) on a free local port against the
  current database, with ``--workers`` processes;
* ``--clients`` client threads, each on one keep-alive connection, register petitions for
  ``--seconds`` seconds (after ``--warmup`` seconds not counted) with distinct petitioners (a
  share of them repeat callers, so the earlier-petition lookup finds some);
* every acknowledged petition (HTTP 201) is then looked up in the database with its events and
  deadlines (``durable``);
* the baseline: ``pgbench`` with the same number of clients for the same time, inserting one row
  of similar size (about the petition's text) into a scratch table (dropped afterwards).

Prints one JSON object: ``figure`` (petitions/s), latencies (p50/p95/p99 ms), ``errors``,
``durable``, ``baseline_tps``, ``ratio`` (figure ÷ baseline), ``loadavg`` and ``machine``.
The database should be a scratch one: the petitions registered stay (they are real registrations).
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

BENCH_PASSWORD = "bench-intake-password-1"

TITLES = [
    (
        "幸福小区旁工地夜间施工噪音扰民",
        "请求责令工地停止夜间施工",
        "A3区幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大。",
    ),
    (
        "某公司拖欠工资三个月",
        "请求督促公司支付拖欠的工资",
        "本人在A2区某建筑公司务工，公司已拖欠工资三个月，多次讨要未果。",
    ),
    (
        "学区划分调整不合理",
        "请求重新论证学区划分方案",
        "A1区今年学区调整后，小区孩子需要跨越主干道上学，存在安全隐患。",
    ),
    (
        "小区积水严重无人处理",
        "请求尽快疏通排水管道",
        "连日暴雨后A4区某小区地下车库积水一米多深，物业推诿不管。",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def body(rng: random.Random, repeat_phones: list[str]) -> bytes:
    title, request, facts = rng.choice(TITLES)
    if repeat_phones and rng.random() < 0.2:
        phone = rng.choice(repeat_phones)
    else:
        phone = f"139{rng.randrange(10**8):08d}"
        repeat_phones.append(phone)
    payload = {
        "channel": "letter",
        "title": title,
        "request": request,
        "facts": facts,
        "petitioner": {"name": "王" + "明华刚强丽芳"[rng.randrange(6)], "phone": phone},
    }
    return json.dumps(payload, ensure_ascii=False).encode()


class Client(threading.Thread):
    def __init__(self, port: int, token: str, seed: int, start_at: float, end_at: float) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.start_at, self.end_at = port, token, start_at, end_at
        self.rng = random.Random(seed)
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.acked: list[int] = []
        self.warm = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        phones: list[str] = []
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        while True:
            now = time.perf_counter()
            if now >= self.end_at:
                break
            data = body(self.rng, phones)
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/petitions", data, headers)
                response = conn.getresponse()
                raw = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                key = type(exc).__name__
                if t0 >= self.start_at:
                    self.errors[key] = self.errors.get(key, 0) + 1
                continue
            elapsed = time.perf_counter() - t0
            if status == 201:
                self.acked.append(int(json.loads(raw)["id"]))
            if t0 < self.start_at:
                self.warm += 1
                continue
            if status == 201:
                self.latencies.append(elapsed)
            else:
                key = str(status)
                self.errors[key] = self.errors.get(key, 0) + 1
        conn.close()


def wait_for(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise CommandError("the server did not start")


def pgbench(clients: int, seconds: int, row_bytes: int) -> float:
    """Transactions per second of a single-row INSERT of ``row_bytes`` of text (pgbench)."""
    exe = shutil.which("pgbench")
    if exe is None:
        raise CommandError("pgbench is not installed (Debian: postgresql-client)")
    db = settings.DATABASES["default"]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_intake_row")
        cur.execute(
            "CREATE TABLE bench_intake_row (id bigserial PRIMARY KEY, code varchar(32), "
            "body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )
    filler = "信" * (row_bytes // 3)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False, encoding="utf-8") as fh:
        fh.write(
            "\\set n random(1, 1000000000)\n"
            f"INSERT INTO bench_intake_row (code, body) VALUES ('X' || :n, '{filler}');\n"
        )
        script = fh.name
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    cmd = [
        exe, "-n", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)), "-T", str(seconds),
        "-f", script, "-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432),
        "-U", str(db.get("USER") or "postgres"), str(db["NAME"]),
    ]  # fmt: skip
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_intake_row")
    match = re.search(r"tps = ([0-9.]+)", out)
    if match is None:
        raise CommandError(f"pgbench printed no tps: {out[-400:]}")
    return float(match.group(1))


class Command(BaseCommand):
    help = "Benchmark of registrations through POST /api/v1/petitions with minsheng serve (PostgreSQL; JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=int, default=30, help="measured seconds (default 30)")
        parser.add_argument(
            "--warmup", type=int, default=5, help="seconds not counted at the start (default 5)"
        )
        parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
        parser.add_argument("--no-baseline", action="store_true", help="skip pgbench")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench-intake needs PostgreSQL (set DATABASE_URL to a scratch database)")
        seconds, warmup, clients = options["seconds"], options["warmup"], options["clients"]
        if seconds < 1 or clients < 1 or warmup < 0 or options["workers"] < 1:
            raise CommandError("--seconds, --clients and --workers must be >= 1, --warmup >= 0")
        from minsheng.orgs.demo import build_demo_world

        build_demo_world(password=BENCH_PASSWORD)
        connection.close()
        port = free_port()
        env = {**os.environ, "MINSHENG_BENCH": "1"}
        server = subprocess.Popen(
            [sys.executable, "-m", "minsheng", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", str(options["workers"]), "--no-collectstatic"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "minsheng", "worker", "--interval", "0.5", "--sweep-every", "3600",
             "--analytics-every", "86400"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(port, time.monotonic() + 60)
            token = self.token(port)
            started = time.perf_counter()
            start_at = started + warmup
            end_at = start_at + seconds
            threads = [Client(port, token, seed, start_at, end_at) for seed in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            load = [round(x, 2) for x in os.getloadavg()]
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            errors_tail = (server.stderr.read() if server.stderr else "")[-2000:]
        latencies = [x for t in threads for x in t.latencies]
        errors: dict[str, int] = {}
        for t in threads:
            for key, count in t.errors.items():
                errors[key] = errors.get(key, 0) + count
        acked = [pid for t in threads for pid in t.acked]
        durable = self.durable(acked)
        try:
            enrichment = self.enrichment_lag(acked, time.monotonic() + 300)
        finally:
            worker.terminate()
            worker.wait(30)
        figure = len(latencies) / seconds
        baseline = None if options["no_baseline"] else pgbench(clients, seconds, 400)
        result: dict[str, Any] = {
            "bench": "intake",
            "figure": round(figure, 1),
            "unit": "petitions/s (HTTP 201 within the measured seconds)",
            "registered": len(latencies),
            "warmup_registered": sum(t.warm for t in threads),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "max_ms": round(max(latencies, default=0) * 1000, 1),
            "errors": errors,
            "acknowledged": len(acked),
            "durable": durable,
            "enrichment": enrichment,
            "baseline": "pgbench, single-row INSERT of ~400 bytes of text, same clients and seconds",
            "baseline_tps": baseline,
            "ratio": round(figure / baseline, 4) if baseline else None,
            "seconds": seconds,
            "clients": clients,
            "workers": options["workers"],
            "loadavg": load,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "postgresql": connection.pg_version,  # type: ignore[attr-defined]
            },
        }
        if errors:
            result["server_stderr_tail"] = errors_tail
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def token(self, port: int) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        data = json.dumps({"username": "registrar", "password": BENCH_PASSWORD})
        conn.request("POST", "/api/v1/auth/token", data, {"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
        if response.status != 200:
            raise CommandError(f"token: HTTP {response.status} {raw[:200]!r}")
        return str(json.loads(raw)["token"])

    def enrichment_lag(self, acked: list[int], deadline: float) -> dict[str, Any]:
        """Seconds from entry to the suggestions' ``generated_at`` (the worker beside the server),
        waiting for the queue to drain."""
        import datetime as dt

        from minsheng.petitions.models import Petition

        rows: list[tuple[Any, Any]] = []
        while True:
            rows = list(Petition.objects.filter(pk__in=acked).values_list("entered_at", "suggestions"))
            done = [r for r in rows if (r[1] or {}).get("generated_at")]
            if len(done) == len(rows) or time.monotonic() > deadline:
                break
            time.sleep(1)
        lags = [(dt.datetime.fromisoformat(s["generated_at"]) - e).total_seconds() for e, s in done]
        return {
            "mode": os.environ.get("MINSHENG_ENRICH", "task"),
            "ready": len(done),
            "of": len(rows),
            "p50_s": round(percentile(lags, 50), 2),
            "p99_s": round(percentile(lags, 99), 2),
            "max_s": round(max(lags, default=0), 2),
        }

    def durable(self, acked: list[int]) -> dict[str, Any]:
        """Every acknowledged petition is in the database with its events and deadlines."""
        from django.db.models import Count

        from minsheng.petitions.models import Petition

        found = {
            row["pk"]: row
            for row in Petition.objects.filter(pk__in=acked)
            .annotate(n_events=Count("events", distinct=True), n_clocks=Count("deadlines", distinct=True))
            .values("pk", "n_events", "n_clocks")
        }
        missing = [pid for pid in acked if pid not in found]
        no_events = [pid for pid, row in found.items() if row["n_events"] == 0]
        no_clocks = [pid for pid, row in found.items() if row["n_clocks"] == 0]
        return {
            "all": not missing and not no_events and not no_clocks,
            "missing": len(missing),
            "without_events": len(no_events),
            "without_clocks": len(no_clocks),
        }
