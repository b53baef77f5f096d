"""`minsheng hot-issues` (database mode) and `minsheng trends-alerts` over the database."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from minsheng.analytics.tests.test_db_selectors import build_fixture

pytestmark = pytest.mark.django_db


def test_hot_issues_db_json(register, act, organs):
    fx = build_fixture(register, act, organs)
    today = timezone.localdate()
    out = io.StringIO()
    call_command(
        "hot-issues",
        "--from",
        (today - dt.timedelta(days=13)).isoformat(),
        "--to",
        today.isoformat(),
        "--region",
        "439906",
        "--top",
        "5",
        "--format",
        "json",
        stdout=out,
    )
    issues = json.loads(out.getvalue())
    assert len(issues) == 1
    assert {"rank", "title", "heat", "place", "start", "end", "keywords", "members"} <= set(issues[0])
    assert sorted(issues[0]["members"]) == sorted(p.tracking_code for p in fx["petitions"][3:5])


def test_hot_issues_db_errors(world):
    with pytest.raises(CommandError, match="--from"):
        call_command("hot-issues", "--from", "2025-13-01", "--to", "2025-12-31")
    with pytest.raises(CommandError, match="before"):
        call_command("hot-issues", "--from", "2025-12-01", "--to", "2025-11-01")
    with pytest.raises(CommandError, match="region"):
        call_command("hot-issues", "--from", "2025-11-01", "--to", "2025-12-01", "--region", "999999")


def test_trends_alerts_command_runs(world):
    out = io.StringIO()
    call_command("trends-alerts", "--weeks", "2", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 2 and all(line["created"] == [] for line in lines)
