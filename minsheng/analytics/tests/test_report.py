"""The situation report: .docx sections and chart images, PDF text, .xlsx sheets, no personal data."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from minsheng.analytics.reports import (
    SECTION_TITLES,
    XLSX_SHEETS,
    Chart,
    ReportData,
    build_report,
    chart_png,
    cjk_font_path,
    render_docx,
    render_pdf,
    render_xlsx,
)
from minsheng.analytics.selectors import Scope
from minsheng.analytics.tests.test_db_selectors import NAMES, PHONES, build_fixture

pytestmark = pytest.mark.django_db
SECRETS = [*NAMES, *PHONES, "13912345678", "110101199003074514"]


@pytest.fixture
def report(register: Any, act: Any, organs: Any) -> ReportData:
    build_fixture(register, act, organs)
    today = timezone.localdate()
    return build_report(Scope(today - dt.timedelta(days=13), today))


def docx_text(data: bytes) -> tuple[list[str], str, int]:
    from docx import Document

    document = Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    text = "\n".join(p.text for p in document.paragraphs)
    for table in document.tables:
        text += "\n" + "\n".join(c.text for row in table.rows for c in row.cells)
    return headings, text, len(document.inline_shapes)


def test_report_figures(report):
    assert report.total == 5
    assert {c.category: c.count for c in report.by_category} == {"城乡建设": 3, "劳动和社会保障": 2}
    assert dict(report.by_district) == {"A3区": 3, "A5区": 2}
    assert sum(report.weekly) == 5
    assert len(report.hot) == 2 and report.hot[0]["size"] in (2, 3)
    assert report.satisfaction.rated == 1
    assert report.suggestions  # always at least one sentence
    # Data-backed: the rising categories are named with their figures.
    joined = "".join(report.suggestions)
    assert "城乡建设类信访量" in joined or "城乡建设类信访本期新增" in joined or "热点问题" in joined


def test_docx_sections_charts_and_no_personal_data(report):
    headings, text, images = docx_text(render_docx(report))
    assert headings == SECTION_TITLES
    assert images >= 3  # weekly trend, categories, channels, districts
    assert "信访形势分析报告" in text and "A3区" in text and "城乡建设" in text
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_has_chinese_text(report, tmp_path: Path):
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    for title in SECTION_TITLES:
        assert title in text
    assert "图1 周收件量趋势" in text and "劳动和社会保障" in text  # chart labels are text too
    for secret in SECRETS:
        assert secret not in text
    # Every font embedded (a subset of Noto Serif CJK), none of the PDF base or CID fonts.
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts
    assert "STSong" not in fonts and "Helvetica" not in fonts


def test_xlsx_sheets(report):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames == XLSX_SHEETS
    rows = list(wb["分类"].iter_rows(values_only=True))
    assert rows[0][0] == "一级分类" and {r[0]: r[1] for r in rows[1:]} == {"城乡建设": 3, "劳动和社会保障": 2}
    hot = list(wb["热点问题"].iter_rows(values_only=True))
    assert len(hot) == 3
    cells = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    for secret in SECRETS:
        assert secret not in cells


def test_chart_png_without_cjk_font_uses_numbered_labels():
    chart = Chart("hbar", "图2", ["城乡建设", "民政"], [3, 1])
    png, numbered = chart_png(chart, font=None, scale=1)
    assert png.startswith(b"\x89PNG") and numbered
    font = cjk_font_path()
    if font is not None:
        png, numbered = chart_png(chart, font=font, scale=1)
        assert not numbered


def test_docx_legend_when_no_font(report, settings, tmp_path: Path):
    settings.MINSHENG_REPORT_FONT = str(tmp_path / "missing.ttf")
    _headings, text, images = docx_text(render_docx(report))
    assert images >= 3
    assert "图例：1 城乡建设" in text


def test_command_writes_three_files(register, act, organs, tmp_path: Path):
    build_fixture(register, act, organs)
    today = timezone.localdate()
    out = io.StringIO()
    call_command(
        "situation-report",
        "--from",
        (today - dt.timedelta(days=13)).isoformat(),
        "--to",
        today.isoformat(),
        "--region",
        "439904",
        "--output",
        str(tmp_path),
        stdout=out,
    )
    files = sorted(p.suffix for p in tmp_path.iterdir())
    assert files == [".docx", ".pdf", ".xlsx"]
    docx = next(tmp_path.glob("*.docx"))
    assert zipfile.is_zipfile(docx)
    _h, text, _i = docx_text(docx.read_bytes())
    assert "西地省A市A3区" in text and "A5区" not in text
    assert "3 petitions" in out.getvalue()
