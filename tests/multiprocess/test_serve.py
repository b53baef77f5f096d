"""`minsheng serve` starts the production server (gunicorn + WhiteNoise) on a free port against a
SQLite file, serves a page and a collected static file, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.multiprocess.support import free_port

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.slow
def test_serve_gives_a_page_and_a_static_file(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "MINSHENG_CACHE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        MINSHENG_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="minsheng.settings",
    )
    subprocess.run(
        [sys.executable, "-m", "minsheng", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "minsheng", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        status = 0
        for _ in range(600):  # waiting for the start, not timing it
            if server.poll() is not None:
                break
            try:
                status, _headers, page = _get(base + "/")
                break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        assert status == 200
        assert "信访" in page.decode()
        assert (tmp_path / "static" / "portal" / "portal.css").exists()  # collected at start
        status, headers, css = _get(base + "/static/portal/portal.css")
        assert status == 200 and b"{" in css
        assert headers.get("Content-Type", "").startswith("text/css")
        # /metrics adds up every worker's counters (prometheus_client multiprocess mode, issue 14):
        # a fresh connection per request, so both workers answer some of them.
        for _ in range(6):
            assert _get(base + "/healthz")[0] == 200
        status, headers, metrics = _get(base + "/metrics")
        assert status == 200 and headers.get("Content-Type", "").startswith("text/plain")
        lines = metrics.decode().splitlines()
        assert 'minsheng_http_requests_total{method="GET",route="/healthz",status="200"} 6.0' in lines
        assert 'minsheng_outbox_backlog{channel="sms"} 0.0' in lines
        assert "minsheng_deadlines_open 0.0" in lines
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0
