"""A petition titled with a spreadsheet formula comes out neutralised in every export."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
SAFE = "'" + FORMULA


def _cells(data: bytes) -> list[Any]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


def _assert_neutralised(cells: list[Any]) -> None:
    values = [c.value for c in cells]
    assert SAFE in values
    assert FORMULA not in values
    assert not [c for c in cells if c.data_type == "f"]  # no cell is a formula


def test_workbench_export(client, users, register):
    register(title=FORMULA)
    client.force_login(users["dispatcher"])
    response = client.get(reverse("workbench:export"))
    assert response.status_code == 200
    _assert_neutralised(_cells(response.content))


def test_analytics_and_situation_report_xlsx(register, act, organs, tmp_path: Path):
    from minsheng.analytics.reports import build_report, render_xlsx
    from minsheng.analytics.selectors import Scope
    from minsheng.analytics.tests.test_db_selectors import build_fixture

    build_fixture(register, act, organs)
    today = timezone.localdate()
    report = build_report(Scope(today - dt.timedelta(days=13), today))
    assert report.hot
    hot = [{**report.hot[0], "title": FORMULA}, *report.hot[1:]]
    report = dataclasses.replace(report, hot=hot, suggestions=["-" + FORMULA])
    cells = _cells(render_xlsx(report))  # the dashboard's report.xlsx and situation-report's .xlsx
    _assert_neutralised(cells)
    assert "'-" + FORMULA in [c.value for c in cells]


def test_analytics_report_download(client, users, register, organs):
    register(title=FORMULA)
    client.force_login(users["analyst"])
    response = client.get(reverse("workbench:analytics_report", args=["xlsx"]))
    assert response.status_code == 200
    assert not [c for c in _cells(response.content) if c.data_type == "f"]


def test_classify_export_csv(register, tmp_path: Path):
    from minsheng.orgs.models import Category

    register(title=FORMULA, request="-1 请求", category=Category.objects.filter(level=1).first())
    output = tmp_path / "cases.csv"
    call_command("classify", "export", "--output", str(output))
    with output.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    assert SAFE in rows[0].values()
    assert not [v for v in rows[0].values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")]
