"""Production mode refuses to start without secrets and passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    skip = ("MINSHENG_", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "ALLOWED_HOSTS")
    base = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "minsheng", *args],
        capture_output=True,
        text=True,
        env=base,
        check=False,
        timeout=120,
    )


PROD = {"MINSHENG_PRODUCTION": "true", "ALLOWED_HOSTS": "minsheng.example.gov.cn"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "x" * 60}, "MINSHENG_DATA_KEY must be set"),
        (
            {"SECRET_KEY": "x" * 60, "MINSHENG_DATA_KEY": "k", "MINSHENG_DEBUG": "maybe"},
            "must be true or false",
        ),
    ],
)
def test_production_refuses_to_start(env, message):
    result = run({**PROD, **env}, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_check_deploy_passes():
    env = {
        **PROD,
        "SECRET_KEY": "q8#vX2!mP9@kL4$wR7^tY1&uI6*oE3(aS5)dF0_gH-jK=zC+bN" + "Zx9Vc8Bn7M",
        "MINSHENG_DATA_KEY": "6Z8l9cTqv1H4mRkW0yXbJ3sNfUeA2gPdQoLi7tCz5rE=",
        "DATABASE_URL": "sqlite:////tmp/minsheng-deploy-check.sqlite3",
        "MINSHENG_SMS_BACKEND": "gateway.SmsBackend",
        "MINSHENG_CACHE": "database",
    }
    result = run(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_console_sms_backend_is_refused_in_production():
    env = {
        **PROD,
        "SECRET_KEY": "x" * 60,
        "MINSHENG_DATA_KEY": "6Z8l9cTqv1H4mRkW0yXbJ3sNfUeA2gPdQoLi7tCz5rE=",
        "MINSHENG_CACHE": "database",
    }
    result = run(env, "check")
    assert result.returncode != 0
    assert "MINSHENG_SMS_BACKEND must name a real SMS gateway" in result.stderr


PROD_READY = {
    **PROD,
    "SECRET_KEY": "x" * 60,
    "MINSHENG_DATA_KEY": "6Z8l9cTqv1H4mRkW0yXbJ3sNfUeA2gPdQoLi7tCz5rE=",
    "MINSHENG_SMS_BACKEND": "gateway.SmsBackend",
    "DATABASE_URL": "sqlite:////tmp/minsheng-cache-check.sqlite3",
}


def test_production_refuses_a_per_process_cache():
    """Rate limits and one-time codes must be shared by every server process."""
    result = run({**PROD_READY, "REDIS_URL": ""}, "check")
    assert result.returncode != 0
    assert "production needs a shared cache" in result.stderr


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/5"}, "RedisCache"),
        ({"REDIS_URL": "", "MINSHENG_CACHE": "database"}, "DatabaseCache"),
    ],
)
def test_production_with_a_shared_cache(env, backend):
    result = run(
        {**PROD_READY, **env},
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(backend)


def test_unknown_cache_kind_is_refused():
    result = run({"MINSHENG_CACHE": "memcached"}, "check")
    assert result.returncode != 0
    assert "MINSHENG_CACHE must be redis, database or local" in result.stderr


def test_bad_database_url_is_refused():
    result = run({"DATABASE_URL": "mysqlx://nowhere"}, "check")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
