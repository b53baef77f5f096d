"""Rate limits hold across server processes: gunicorn with several workers, Redis as the shared
cache, the suite's database engine (a throwaway PostgreSQL database when DATABASE_URL points at
PostgreSQL, else a SQLite file). Thirty concurrent wrong query passwords for one tracking code:
exactly the allowance (5 per code per 15 minutes) reaches the password check, whichever worker
serves each request, and afterwards even the right password is refused until the window ends."""

from __future__ import annotations

import concurrent.futures
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.multiprocess.support import free_port, redis_available

requests = pytest.importorskip("requests")

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 11
WRONG = "查询码或查询密码不正确"
BLOCKED = "查询失败次数过多"


def _flush_redis_db() -> None:
    with socket.create_connection(("127.0.0.1", 6379), timeout=2) as s:
        s.sendall(f"SELECT {REDIS_DB}\r\nFLUSHDB\r\n".encode())
        time.sleep(0.1)
        s.recv(64)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    outer = os.environ.get("DATABASE_URL", "")
    if not outer.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'mp.sqlite3'}"
        return
    import psycopg

    base, _, _name = outer.rpartition("/")
    name = f"minsheng_mp_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "MINSHENG_CACHE": cache,
            "MINSHENG_TESTING": "false",
            "MINSHENG_TASKS_IMMEDIATE": "true",
            "MINSHENG_DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MINSHENG_SECRET_KEY": "multiprocess-test-secret-key-" + "x" * 40,
            "MINSHENG_DATA_KEY": "6Z8l9cTqv1H4mRkW0yXbJ3sNfUeA2gPdQoLi7tCz5rE=",
        }
    )
    return env


SEED = """
from minsheng.orgs.demo import build_demo_world
from minsheng.workflow.services import PetitionerInput, RegistrationInput, petition_register
world = build_demo_world(password="mp-test-password-123")
petition, password = petition_register(RegistrationInput(
    channel="letter", receiving_organ=world.bureau, title="小区路灯不亮", request="请求修复路灯",
    nature="grievance", petitioner=PetitionerInput(name="张三", phone="13800138001", address="A市A1区某路1号"),
), actor=world.users["registrar"])
print("SEED", petition.tracking_code, password)
"""


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "minsheng", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[Any]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "minsheng.wsgi:application",
            "--workers",
            "3",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("gunicorn did not start: " + (process.stderr.read() or b"").decode()[-2000:])


def _attempt(base: str, code: str, password: str) -> str:
    session = requests.Session()
    page = session.get(f"{base}/track/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = session.post(
        f"{base}/track/",
        {"csrfmiddlewaretoken": token.group(1), "tracking_code": code, "password": password},
        headers={"Referer": f"{base}/track/"},
        timeout=30,
        allow_redirects=False,
    )
    if response.status_code == 302:
        return "ok"
    if BLOCKED in response.text:
        return "blocked"
    if WRONG in response.text:
        return "wrong"
    return f"other {response.status_code}"


@pytest.mark.slow
@pytest.mark.skipif(not redis_available(), reason="needs Redis at 127.0.0.1:6379")
def test_query_password_limit_holds_across_server_processes(database_url: str, tmp_path: Path) -> None:
    _flush_redis_db()
    env = _env(database_url, "redis")
    _run(env, "migrate", "--noinput", "-v", "0")
    seed = _run(env, "shell", "-c", SEED)
    code, password = re.search(r"SEED (\S+) (\S+)", seed).groups()  # type: ignore[union-attr]
    port = free_port()
    log = tmp_path / "access.log"
    server = _serve(env, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=15) as pool:
            answers = list(pool.map(lambda i: _attempt(base, code, f"{i:06d}x"), range(30)))
        after = _attempt(base, code, password)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    served_by = {line.split()[0] for line in log.read_text().splitlines() if " POST /track/ " in line}
    print(f"answers: {sorted(answers)}; POSTs served by {len(served_by)} worker processes")
    assert answers.count("wrong") == 5, answers
    assert answers.count("blocked") == 25, answers
    assert after == "blocked"  # the right password too, until the window ends
    assert len(served_by) >= 2, "the requests were not spread over several processes"
