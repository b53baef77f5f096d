"""`minsheng bench-crash --kills 20`: the crash drill (issue 14), PostgreSQL.

Under load (client threads registering petitions through ``POST /api/v1/petitions``, half of
them letters received 40 days ago, so their 15-day clock is overdue and the sweep marks it while
the drill runs), the drill kills with SIGKILL, ``--kills`` times at random moments 1–4 s apart, one
of: a gunicorn worker, the gunicorn arbiter with all its workers, or the ``minsheng worker``
(task queue, outbox, sweep every 2 s). What died is restarted at once. Then the load stops, one
clean worker drains the queue, and the drill checks:

* every acknowledged petition (HTTP 201) is in the database with its events and clocks;
* every SMS outbox message was accepted by the SMS backend exactly once (``JournalSmsBackend``,
  keyed by the outbox row; repeated hand-overs after a kill are counted as ``sms_handed_again``)
  and none is still pending;
* no deadline was marked twice (at most one breach event per petition and rule, at most one
  automatic supervision order per petition, rule and trigger) and every overdue clock is marked.

Prints one JSON object. Use a scratch database: the registered petitions stay.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

bench = importlib.import_module("minsheng.api.management.commands.bench-intake")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


class Load(threading.Thread):
    """One client registering petitions until stopped; remembers the acknowledged ids."""

    def __init__(self, port: int, token: str, seed: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.stop = port, token, stop
        self.rng = random.Random(seed)
        self.acked: list[int] = []
        self.failed = 0  # connection refused or reset while a process was down
        self.statuses: dict[str, int] = {}  # answers other than 201

    def run(self) -> None:
        import http.client

        phones: list[str] = []
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        late = time.time() - 40 * 86400
        while not self.stop.is_set():
            payload = json.loads(bench.body(self.rng, phones))
            if self.rng.random() < 0.5:
                payload["received_at"] = time.strftime("%Y-%m-%dT10:00:00+08:00", time.gmtime(late))
            try:
                conn.request(
                    "POST", "/api/v1/petitions", json.dumps(payload, ensure_ascii=False).encode(), headers
                )
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                self.failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                time.sleep(0.2)
                continue
            if response.status == 201:
                self.acked.append(int(json.loads(raw)["id"]))
            else:
                self.statuses[str(response.status)] = self.statuses.get(str(response.status), 0) + 1
        conn.close()


class Command(BaseCommand):
    help = (
        "Crash drill: SIGKILL server and worker processes under load, then check nothing was lost or doubled."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kills", type=int, default=20)
        parser.add_argument("--clients", type=int, default=4)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--seed", type=int, default=14)

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench-crash needs PostgreSQL (set DATABASE_URL to a scratch database)")
        if options["kills"] < 1 or options["clients"] < 1 or options["workers"] < 1:
            raise CommandError("--kills, --clients and --workers must be >= 1")
        from minsheng.orgs.demo import build_demo_world

        build_demo_world(password=bench.BENCH_PASSWORD)
        connection.close()
        rng = random.Random(options["seed"])
        scratch = Path(tempfile.mkdtemp(prefix="minsheng-crash-"))
        journal = scratch / "sms.jsonl"
        env = {
            **os.environ,
            "MINSHENG_SMS_BACKEND": "minsheng.notifications.sms.JournalSmsBackend",
            "MINSHENG_SMS_JOURNAL": str(journal),
            "MINSHENG_ENRICH": "task",
        }
        port = bench.free_port()
        server_cmd = [sys.executable, "-m", "minsheng", "serve", "--bind", f"127.0.0.1:{port}",
                      "--workers", str(options["workers"]), "--no-collectstatic"]  # fmt: skip
        worker_cmd = [sys.executable, "-m", "minsheng", "worker", "--interval", "0.5", "--sweep-every", "2",
                      "--analytics-every", "86400"]  # fmt: skip

        def start(cmd: list[str]) -> subprocess.Popen[bytes]:
            # Own process group: killing the arbiter's group takes every worker it forked with it.
            return subprocess.Popen(
                cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )

        server, worker = start(server_cmd), start(worker_cmd)
        kills: list[str] = []
        stop = threading.Event()
        loads: list[Load] = []
        started = time.monotonic()
        try:
            bench.wait_for(port, time.monotonic() + 60)
            token = bench.Command().token(port)
            loads = [Load(port, token, options["seed"] * 100 + i, stop) for i in range(options["clients"])]
            for load in loads:
                load.start()
            for _ in range(options["kills"]):
                time.sleep(rng.uniform(1.0, 4.0))
                target = rng.choice(
                    ["gunicorn worker", "gunicorn worker", "gunicorn arbiter", "minsheng worker"]
                )
                if target == "gunicorn worker" and children(server.pid):
                    os.kill(rng.choice(children(server.pid)), signal.SIGKILL)  # the arbiter starts another
                elif target == "minsheng worker" or target == "gunicorn worker":
                    target = "minsheng worker"
                    worker.kill()
                    worker.wait()
                    worker = start(worker_cmd)
                else:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
                    server = start(server_cmd)
                    bench.wait_for(port, time.monotonic() + 300)
                kills.append(target)
            stop.set()
            for load in loads:
                load.join(60)
            drill_s = time.monotonic() - started
            worker.terminate()
            worker.wait(30)
            # One clean worker drains the queue, the outbox and the sweep.
            subprocess.run([*worker_cmd[:4], "--once"], env=env, check=True, stdout=subprocess.DEVNULL)
            subprocess.run([*worker_cmd[:4], "--once"], env=env, check=True, stdout=subprocess.DEVNULL)
        finally:
            stop.set()
            for proc in (server, worker):
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(30)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
        acked = [pid for load in loads for pid in load.acked]
        result: dict[str, Any] = {
            "bench": "crash",
            "kills": len(kills),
            "killed": {k: kills.count(k) for k in sorted(set(kills))},
            "drill_seconds": round(drill_s, 1),
            "acknowledged": len(acked),
            "connections_failed_during_kills": sum(load.failed for load in loads),
            "other_answers": {
                k: sum(load.statuses.get(k, 0) for load in loads)
                for k in sorted({k for load in loads for k in load.statuses})
            },
            "durable": bench.Command().durable(acked),
            **self.sms_checks(journal),
            **self.deadline_checks(),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        }
        result["ok"] = bool(
            result["durable"]["all"]
            and result["sms_accepted_twice"] == 0
            and result["sms_not_accepted"] == 0
            and result["deadlines_marked_twice"] == 0
            and result["orders_twice"] == 0
            and result["overdue_unmarked"] == 0
        )
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def sms_checks(self, journal: Path) -> dict[str, Any]:
        from minsheng.notifications.models import OutboxMessage

        accepted: dict[str, int] = {}
        if journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines():
                key = json.loads(line)["key"]
                accepted[key] = accepted.get(key, 0) + 1
        offers: dict[str, int] = {}
        offers_path = Path(str(journal) + ".offers")
        if offers_path.exists():
            for line in offers_path.read_text(encoding="utf-8").splitlines():
                key = json.loads(line)["key"]
                offers[key] = offers.get(key, 0) + 1
        sms = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.SMS)
        keys = {f"outbox-{pk}": status for pk, status in sms.values_list("pk", "status")}
        return {
            "sms_messages": len(keys),
            "sms_still_pending": sum(1 for s in keys.values() if s == OutboxMessage.Status.PENDING),
            "sms_not_accepted": sum(1 for k in keys if accepted.get(k, 0) == 0),
            "sms_accepted_twice": sum(1 for n in accepted.values() if n > 1),
            "sms_handed_again": sum(n - 1 for n in offers.values() if n > 1),
        }

    def deadline_checks(self) -> dict[str, Any]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM (SELECT petition_id, data->>'rule' FROM workflow_petitionevent"
                " WHERE action = 'deadline_breached' GROUP BY 1, 2 HAVING COUNT(*) > 1) t"
            )
            twice = cur.fetchone()[0]
            cur.execute("SELECT COUNT(*) FROM workflow_petitionevent WHERE action = 'deadline_breached'")
            breach_events = cur.fetchone()[0]
            cur.execute(
                "SELECT COUNT(*) FROM (SELECT petition_id, deadline_rule, trigger FROM workflow_supervisionorder"
                " GROUP BY 1, 2, 3 HAVING COUNT(*) > 1) t"
            )
            orders_twice = cur.fetchone()[0]
            cur.execute("SELECT COUNT(*) FROM workflow_deadline WHERE status = 'breached'")
            breached = cur.fetchone()[0]
            cur.execute(
                "SELECT COUNT(*) FROM workflow_deadline WHERE status = 'open' AND statutory_due < CURRENT_DATE"
            )
            unmarked = cur.fetchone()[0]
        return {
            "deadlines_breached": breached,
            "breach_events": breach_events,
            "deadlines_marked_twice": twice,
            "orders_twice": orders_twice,
            "overdue_unmarked": unmarked,
        }
