"""Quarterly and annual assessment reports of one organ (.docx and .xlsx), in the shape offices
circulate them: a heading with the organ and period, the indicator table (numerator, denominator,
value, interval, definition), the monthly trend, the organ's place among the organs under the same
superior, and the definitions. Figures of record: frozen when the period has been assessed.

No personal data: counts and organ names only.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from minsheng.assessment import formulas as F
from minsheng.assessment.names import INDICATOR_NAMES
from minsheng.assessment.selectors import IndicatorSet, indicators, monthly_trend, ranking
from minsheng.core.calendar import calendar_period
from minsheng.orgs.models import Organ

#: Reports are circulated in Chinese: the names as they are (minsheng.assessment.names).
NAMES = INDICATOR_NAMES
TREND_INDICATORS = ("I-ACCEPT-BUREAU", "I-ACCEPT-ORGAN", "I-ONTIME-REPLY", "I-SATISFACTION-ORGAN")


@dataclass
class AssessmentReport:
    organ: Organ
    title: str
    period_label: str
    result: IndicatorSet
    trend: list[tuple[str, dict[str, F.Figure]]]  # month label -> indicator -> figure
    ranks: dict[str, tuple[int | None, int]]  # indicator -> (rank, organs ranked)
    generated_at: dt.datetime


def period_of(year: int, quarter: int | None) -> tuple[dt.date, dt.date, str]:
    if quarter is None:
        return *calendar_period(dt.date(year, 1, 1), "year"), f"{year}年度"
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1..4")
    start, end = calendar_period(dt.date(year, 3 * quarter - 2, 1), "quarter")
    return start, end, f"{year}年第{'一二三四'[quarter - 1]}季度"


def percent(value: float | None) -> str:
    return "未评定" if value is None else f"{value * 100:.1f}%"


def interval_text(f: F.Figure) -> str:
    return "" if f.interval is None else f"{f.interval.lower * 100:.1f}%–{f.interval.upper * 100:.1f}%"


def remark(f: F.Figure) -> str:
    if f.value is None:
        return "无应考核事项，不评定"
    return "样本不足，不参与排名" if f.insufficient_sample else ""


def build(
    organ: Organ,
    year: int,
    quarter: int | None = None,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
) -> AssessmentReport:
    date_from, date_to, label = period_of(year, quarter)
    result = indicators(organ.pk, date_from, date_to, profile=profile, today=today)
    wanted = [i for i in TREND_INDICATORS if any(f.indicator == i for f in result.figures)]
    months: dict[str, dict[str, F.Figure]] = {}
    for indicator in wanted:
        for start, _end, fig in monthly_trend(
            organ.pk, indicator, date_from, date_to, profile=profile, today=today
        ):
            months.setdefault(f"{start.year}年{start.month}月", {})[indicator] = fig
    ranks: dict[str, tuple[int | None, int]] = {}
    if organ.parent_id is not None:
        siblings = list(
            Organ.objects.filter(parent_id=organ.parent_id, is_active=True).values_list("pk", flat=True)
        )
        for f in result.figures:
            rows = ranking(siblings, f.indicator, date_from, date_to, profile=profile, today=today)
            ranked = sum(1 for r in rows if r.rank is not None)
            mine = next((r.rank for r in rows if r.organ_id == organ.pk), None)
            ranks[f.indicator] = (mine, ranked)
    return AssessmentReport(
        organ=organ,
        title=f"{organ.name}{label}信访工作考核指标情况",
        period_label=f"{date_from:%Y年%m月%d日}至{date_to:%Y年%m月%d日}",
        result=result,
        trend=list(months.items()),
        ranks=ranks,
        generated_at=timezone.localtime(),
    )


def indicator_rows(report: AssessmentReport) -> list[list[str]]:
    rows = []
    for i, f in enumerate(report.result.figures, start=1):
        rank, ranked = report.ranks.get(f.indicator, (None, 0))
        rows.append(
            [
                str(i),
                NAMES.get(f.indicator, f.indicator),
                f"{f.numerator:g}",
                str(f.denominator),
                percent(f.value),
                interval_text(f),
                f"{rank}/{ranked}" if rank is not None else "—",
                remark(f),
            ]
        )
    return rows


HEADER = ["序号", "指标", "分子", "分母", "指标值", "95%置信区间", "同级排名", "备注"]


def status_text(report: AssessmentReport) -> str:
    r = report.result
    if r.frozen and r.frozen_at is not None:
        return f"本期已于{timezone.localtime(r.frozen_at):%Y年%m月%d日}考核冻结（第{r.period_version}版），数据不随后续修改变化。"
    return f"本期尚未考核冻结，数据为{r.computed_on:%Y年%m月%d日}实时计算。"


def render_docx(report: AssessmentReport) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.5)
    for style_name in ("Normal", "Heading 1", "Title", "Caption"):
        try:
            style = document.styles[style_name]
        except KeyError:
            continue
        style.font.name = "FangSong"  # type: ignore[attr-defined]
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")
    document.styles["Normal"].font.size = Pt(12)  # type: ignore[attr-defined]
    heading = document.add_heading(report.title, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(
        f"（{report.period_label}　指标定义{report.result.definitions_version}版　{report.result.profile}口径）"
    )
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(status_text(report))

    def table(header: list[str], rows: list[list[str]]) -> None:
        t = document.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            for cell, text in zip(t.add_row().cells, row, strict=True):
                cell.text = text

    document.add_heading("一、考核指标", level=1)
    table(HEADER, indicator_rows(report))
    if report.result.composite is not None:
        document.add_paragraph(f"综合成绩：{report.result.composite:.1f}")
    if report.trend:
        document.add_heading("二、分月情况", level=1)
        keys = [k for k in TREND_INDICATORS if any(k in m for _l, m in report.trend)]
        table(
            ["月份", *[NAMES[k] for k in keys]],
            [[label, *[_cell(m.get(k)) for k in keys]] for label, m in report.trend],
        )
    document.add_heading("三、指标口径", level=1)
    for f in report.result.figures:
        document.add_paragraph(
            f"{NAMES.get(f.indicator, f.indicator)}（{f.definition_id}）：{f.definition_text}"
        )
    document.add_paragraph(
        "说明：分母为零的指标不评定；分母低于定义规定的最小样本量的，公布数值但不参与排名。"
        "置信区间为Wilson区间（95%）。本报告不含信访人个人信息。"
    )
    document.add_paragraph(f"生成时间：{report.generated_at:%Y-%m-%d %H:%M}")
    document.core_properties.title = report.title
    document.core_properties.author = "民声"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _cell(f: F.Figure | None) -> str:
    if f is None:
        return ""
    return f"{percent(f.value)}（{f.numerator:g}/{f.denominator}）" if f.value is not None else "—"


def render_xlsx(report: AssessmentReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from minsheng.core.spreadsheet import neutralise_row

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "考核指标"
    bold = Font(bold=True)
    ws.append([report.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([report.period_label, status_text(report)])
    ws.append(
        neutralise_row(
            [
                "序号",
                "指标",
                "分子",
                "分母",
                "指标值",
                "置信下限",
                "置信上限",
                "同级排名",
                "参与排名单位数",
                "定义",
                "备注",
            ]
        )
    )
    for cell in ws[3]:
        cell.font = bold
    for i, f in enumerate(report.result.figures, start=1):
        rank, ranked = report.ranks.get(f.indicator, (None, 0))
        ws.append(
            neutralise_row(
                [
                    i,
                    NAMES.get(f.indicator, f.indicator),
                    f.numerator,
                    f.denominator,
                    None if f.value is None else round(f.value, 6),
                    None if f.interval is None else round(f.interval.lower, 6),
                    None if f.interval is None else round(f.interval.upper, 6),
                    rank,
                    ranked,
                    f.definition_id,
                    remark(f),
                ]
            )
        )
    for letter, width in zip("ABCDEFGHIJK", (6, 26, 8, 8, 10, 10, 10, 10, 12, 44, 22), strict=True):
        ws.column_dimensions[letter].width = width
    trend = wb.create_sheet("分月情况")
    keys = [k for k in TREND_INDICATORS if any(k in m for _l, m in report.trend)]
    trend.append(
        neutralise_row(["月份", *[f"{NAMES[k]}{suffix}" for k in keys for suffix in ("分子", "分母", "值")]])
    )
    for cell in trend[1]:
        cell.font = bold
    for label, months in report.trend:
        row: list[Any] = [label]
        for k in keys:
            got = months.get(k)
            row += (
                [got.numerator, got.denominator, None if got.value is None else round(got.value, 6)]
                if got
                else [None] * 3
            )
        trend.append(neutralise_row(row))
    defs = wb.create_sheet("指标口径")
    defs.append(["指标", "定义编号", "口径"])
    for cell in defs[1]:
        cell.font = bold
    for f in report.result.figures:
        defs.append(neutralise_row([NAMES.get(f.indicator, f.indicator), f.definition_id, f.definition_text]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(
    report: AssessmentReport, output_dir: Path, formats: tuple[str, ...] = ("docx", "xlsx")
) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{report.organ.code}-{report.result.date_from:%Y%m%d}-{report.result.date_to:%Y%m%d}-考核"
    out = []
    for fmt in formats:
        path = output_dir / f"{stem}.{fmt}"
        path.write_bytes(render_docx(report) if fmt == "docx" else render_xlsx(report))
        out.append(path)
    return out
