"""Province set-up on one machine: a PostgreSQL primary and a streaming replica made with
``pg_basebackup -R`` (two clusters, two free ports, a temporary directory), two ``minsheng serve``
app servers and two ``minsheng worker`` processes pointed at both, Redis as the shared cache.

Intake goes through server A (``POST /api/v1/petitions`` with a registrar's token); reads go
through server B: the same token's search right after its write is served by the primary and sees
the petition (read-your-writes across servers: the pin lives in the shared cache); an analyst's
indicator dashboard is served by the replica, proven twice: the ``X-Minsheng-Read-From`` header and
the replica's own scan counters (``pg_stat_user_tables`` on the standby) growing. Clusters and
processes are removed whatever happens. Skipped only when the PostgreSQL server binaries are absent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.multiprocess.support import free_port, redis_available

requests = pytest.importorskip("requests")
psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 12
PASSWORD = "mp-replica-password-123"
SERVE = [sys.executable, "-m", "minsheng", "serve", "--workers", "2", "--no-collectstatic"]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


PG_BIN = _pg_bin()


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the ``postgres`` account then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres account to run the clusters as")
    if runuser is None:
        pytest.skip("running as root without runuser to start the clusters as postgres")
    return [runuser, "-u", "postgres", "--"]


@dataclass
class Clusters:
    root: Path
    primary_port: int
    replica_port: int
    prefix: list[str]
    logs: list[Path] = field(default_factory=list)

    def url(self, port: int, name: str = "minsheng") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{name}"

    def pg(self, tool: str, *args: str, timeout: int = 120) -> None:
        assert PG_BIN is not None
        result = subprocess.run(
            [*self.prefix, str(PG_BIN / tool), *args], capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"{tool} failed: {result.stderr[-2000:]}"

    def start(self, data: Path, port: int) -> None:
        log = self.root / f"{data.name}.log"
        self.logs.append(log)
        options = f"-p {port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")

    def stop_all(self) -> None:
        assert PG_BIN is not None
        for data in (self.root / "replica", self.root / "primary"):
            if (data / "postmaster.pid").exists():
                subprocess.run(
                    [*self.prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                    timeout=60,
                    check=False,
                )


@pytest.fixture
def clusters() -> Iterator[Clusters]:
    if PG_BIN is None or not (PG_BIN / "pg_basebackup").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed")
    prefix = _as_postgres_user()
    root = Path(tempfile.mkdtemp(prefix="minsheng-replica-"))
    if prefix:
        shutil.chown(root, "postgres", "postgres")
    c = Clusters(root, free_port(), free_port(), prefix)
    try:
        c.pg(
            "initdb", "-D", str(root / "primary"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        c.start(root / "primary", c.primary_port)
        # The replica: a base backup of the running primary with standby.signal and the
        # primary_conninfo written by -R (streaming replication).
        c.pg(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(c.primary_port),
            "-U",
            "postgres",
            "-D",
            str(root / "replica"),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        )
        c.start(root / "replica", c.replica_port)
        with psycopg.connect(c.url(c.primary_port, "postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE minsheng")
        yield c
    finally:
        c.stop_all()
        shutil.rmtree(root, ignore_errors=True)


def _env(c: Clusters, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "DJANGO_", "DATABASE_"))}
    env.update(
        {
            "DATABASE_URL": c.url(c.primary_port),
            "DATABASE_REPLICA_URL": c.url(c.replica_port),
            "MINSHENG_REPLICA_MAX_LAG_SECONDS": "5",
            "MINSHENG_REPLICA_PIN_SECONDS": "30",
            "MINSHENG_TESTING": "false",
            "MINSHENG_DEBUG": "false",
            "MINSHENG_VAR_DIR": str(tmp),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MINSHENG_SECRET_KEY": "multiprocess-replica-secret-key-" + "x" * 40,
            "MINSHENG_DATA_KEY": "6Z8l9cTqv1H4mRkW0yXbJ3sNfUeA2gPdQoLi7tCz5rE=",
            "MINSHENG_DEMO_PASSWORD": PASSWORD,
        }
    )
    if redis_available():
        env.update(REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}", MINSHENG_CACHE="redis")
    else:  # the pins still live in a cache every server shares: the primary's cache table
        env.update(MINSHENG_CACHE="database")
    return env


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "minsheng", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


SEED = f"""
from minsheng.orgs.demo import build_demo_world
world = build_demo_world(password={PASSWORD!r})
print("BUREAU", world.bureau.pk, "GOV", world.organs["a-gov"].pk)
"""


def _wait_http(url: str, process: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 120  # waiting for a start, not timing it
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited: " + log.read_text()[-3000:])
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not start: " + log.read_text()[-3000:])


def _replica_scans(c: Clusters) -> int:
    with psycopg.connect(c.url(c.replica_port), autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables"
            " WHERE relname LIKE 'petitions_%%' OR relname LIKE 'workflow_%%'"
        ).fetchone()
    return int(row[0]) if row else 0


def _is_standby(c: Clusters) -> bool:
    with psycopg.connect(c.url(c.replica_port, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


@pytest.mark.slow
def test_intake_on_one_server_reads_on_the_other_and_dashboards_on_the_replica(
    clusters: Clusters, tmp_path: Path
) -> None:
    c = clusters
    assert _is_standby(c)
    env = _env(c, tmp_path)
    if env["MINSHENG_CACHE"] == "redis":
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as s:
            s.sendall(f"SELECT {REDIS_DB}\r\nFLUSHDB\r\n".encode())
            time.sleep(0.1)
            s.recv(64)
    _run(env, "migrate", "--noinput", "-v", "0")
    if env["MINSHENG_CACHE"] == "database":
        _run(env, "createcachetable")
    seed = _run(env, "shell", "-c", SEED)
    gov = int(re.search(r"GOV (\d+)", seed).group(1))  # type: ignore[union-attr]

    processes: list[subprocess.Popen[Any]] = []
    ports = [free_port(), free_port()]
    try:
        for i, port in enumerate(ports):
            log = tmp_path / f"serve-{i}.log"
            processes.append(
                subprocess.Popen(
                    [*SERVE, "--bind", f"127.0.0.1:{port}"],
                    env=env,
                    cwd=ROOT,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for i in range(2):
            log = tmp_path / f"worker-{i}.log"
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "minsheng", "worker", "--interval", "0.5"],
                    env=env,
                    cwd=ROOT,
                    stdout=log.open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        for i, base in enumerate((a, b)):
            _wait_http(base + "/healthz", processes[i], tmp_path / f"serve-{i}.log")

        def token(base: str, username: str) -> dict[str, str]:
            r = requests.post(
                base + "/api/v1/auth/token", json={"username": username, "password": PASSWORD}, timeout=30
            )
            assert r.status_code == 200, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        registrar = token(a, "registrar")
        analyst = token(b, "analyst")

        # Intake on A, then at once the same token's search on B: served by the primary, sees it.
        codes = []
        for k in range(5):
            title = f"副本测试{k}号楼电梯停运"
            r = requests.post(
                a + "/api/v1/petitions",
                json={
                    "channel": "letter",
                    "title": title,
                    "request": "请求尽快修复电梯",
                    "facts": "电梯停运两周",
                    "petitioner": {"name": f"李{k}", "phone": f"1380013{k:04d}", "address": "A市A1区某路1号"},
                },
                headers=registrar,
                timeout=60,
            )
            assert r.status_code == 201, r.text
            codes.append(r.json()["tracking_code"])
            found = requests.get(b + "/api/v1/petitions", params={"q": title}, headers=registrar, timeout=60)
            assert found.status_code == 200, found.text
            assert found.headers["X-Minsheng-Read-From"] == "primary"  # pinned: it just wrote
            assert codes[-1] in found.text, "read-your-writes broken across servers"
            detail = requests.get(f"{b}/api/v1/petitions/{r.json()['id']}", headers=registrar, timeout=60)
            assert detail.status_code == 200 and detail.json()["tracking_code"] == codes[-1]

        # A dashboard read by a client that did not write: served by the replica.
        before = _replica_scans(c)
        today = dt.date.today()
        served_by_replica = 0
        t_dash = time.monotonic()
        for _ in range(3):
            r = requests.get(
                b + "/api/v1/indicators",
                params={
                    "organ": gov,
                    "from": (today - dt.timedelta(days=30)).isoformat(),
                    "to": today.isoformat(),
                },
                headers=analyst,
                timeout=60,
            )
            assert r.status_code == 200, r.text
            served_by_replica += r.headers["X-Minsheng-Read-From"] == "replica"
        dashboard_seconds = (time.monotonic() - t_dash) / 3
        assert served_by_replica == 3, (tmp_path / "serve-1.log").read_text()[-3000:]
        # The standby's own statistics saw the scans (flushed within about a second).
        grown = False
        for _ in range(40):
            if _replica_scans(c) > before:
                grown = True
                break
            time.sleep(0.25)
        assert grown, "the replica's scan counters did not move: the dashboard did not read it"

        # The analyst's search (no write of its own) goes to the replica, which has the petitions.
        r = requests.get(b + "/api/v1/petitions", params={"q": "副本测试"}, headers=analyst, timeout=60)
        assert r.status_code == 200
        assert r.headers["X-Minsheng-Read-From"] == "replica"

        # Both workers are alive and took the enrichment tasks of the intake (MINSHENG_ENRICH=task).
        for p in processes:
            assert p.poll() is None, "a server or worker died"
        with psycopg.connect(c.url(c.primary_port), autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM petitions_petition WHERE tracking_code = ANY(%s)", [codes]
            ).fetchone()
            assert row is not None and row[0] == 5
        with psycopg.connect(c.url(c.replica_port), autocommit=True) as conn:
            deadline = time.monotonic() + 30
            while True:
                row = conn.execute(
                    "SELECT count(*) FROM petitions_petition WHERE tracking_code = ANY(%s)", [codes]
                ).fetchone()
                if (row and row[0] == 5) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert row is not None and row[0] == 5  # replicated
        print(
            f"replica test: 5 intakes on A, read-your-writes on B; {served_by_replica}/3 indicator "
            f"dashboards on the replica, {dashboard_seconds:.3f} s each"
        )
    finally:
        for p in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
