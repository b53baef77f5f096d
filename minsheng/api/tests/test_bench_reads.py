"""`minsheng bench reads` prints its JSON with a same-run baseline and leaves no live token."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.orgs.models import ApiToken


def test_the_reads_bench_times_each_read_and_revokes_its_tokens(register: Any, users: Any) -> None:
    for i in range(3):
        register(title=f"第{i}件：小区噪音扰民")
    out = StringIO()
    call_command("bench-reads", users="dispatcher,caseworker", repeat=2, page=1, page_size=2, stdout=out)
    data = json.loads(out.getvalue())
    dispatcher = data["users"]["dispatcher"]
    assert dispatcher["count"] == 3
    assert dispatcher["list_page_1"]["median_ms"] > 0 and dispatcher["detail"]["p95_ms"] > 0
    assert data["users"]["caseworker"]["count"] == 0 and "detail" not in data["users"]["caseworker"]
    assert data["baseline_median_ms"] > 0 and data["machine"]["cpus"] >= 1
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_an_unknown_user_is_refused_before_anything_runs(world: Any) -> None:
    with pytest.raises(CommandError, match="no such user: nobody"):
        call_command("bench-reads", users="dispatcher,nobody", stdout=StringIO())
    assert not ApiToken.objects.exists()
