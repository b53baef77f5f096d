"""`minsheng bench hot-issues` prints one JSON object: the figure, its baseline in the same run,
the peak memory, the load and the machine (issue 14's benchmark contract)."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def test_bench_hot_issues_prints_the_figure_with_a_baseline_of_the_same_run() -> None:
    out = StringIO()
    call_command("bench", "hot-issues", "--n", "300", "--top", "5", stdout=out)
    result = json.loads(out.getvalue())
    assert result["bench"] == "hot-issues" and result["n"] == 300
    figures = result["figures"]
    assert result["figure_seconds"] >= figures["find_hot_issues_s"] > 0
    assert result["baseline_seconds"] > 0
    assert result["ratio"] > 1  # grouping costs more than one vectorisation pass over the texts
    assert result["peak_rss_mb"] >= figures["features_peak_mb"] > 0
    assert result["limit_seconds"] is None and result["limit_mb"] is None  # limits are set at 1 M
    assert len(result["loadavg"]) == 3 and result["machine"]["cpus"] >= 1
