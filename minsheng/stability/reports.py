"""The assessment report (社会稳定风险评估报告) as .docx, with the contents 决策条例 Art. 23 and
发改稳评2012 Art. 5 ask for: risk points, measures, response plan, views and their adoption,
conclusion and level. Petition evidence is de-identified."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone

from minsheng.stability.models import Dimension, MajorDecision
from minsheng.stability.selectors import evidence


def report_docx(decision: MajorDecision) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc: Any = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    doc.add_heading(f"{decision.title}社会稳定风险评估报告", level=0)
    doc.add_heading("一、评估事项", level=1)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in (
        ("决策事项", decision.title),
        ("类型", decision.get_kind_display()),
        ("决策机关", decision.organ.name),
        ("涉及地区", decision.region.full_name() + (f" {decision.place}" if decision.place else "")),
        ("拟决策日期", decision.planned_date.isoformat()),
        ("法律依据", decision.legal_basis),
        ("决策内容与影响范围", decision.scope),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, str(value)
    ev = evidence(decision)
    doc.add_heading("二、信访数据分析", level=1)
    doc.add_paragraph(
        f"{ev['from']:%Y年%m月%d日}至{ev['to']:%Y年%m月%d日}，本地区同类信访事项共{ev['total']}件，"
        f"其中集体访{ev['collective']}件、重大紧急{ev['urgent']}件，涉及{ev['persons']}人次，"
        f"重复信访人{ev['repeat_petitioners']}人，领导包案{ev['baoan']}件。"
    )
    monthly = doc.add_table(rows=2, cols=len(ev["monthly"]))
    monthly.style = "Table Grid"
    for i, (month, count) in enumerate(ev["monthly"]):
        monthly.rows[0].cells[i].text = month[2:]
        monthly.rows[1].cells[i].text = str(count)
    if ev["hot_issues"]:
        doc.add_paragraph("热点问题：")
        for issue in ev["hot_issues"]:
            doc.add_paragraph(
                f"{issue['title']}（{issue['size']}件，热度{issue['heat']}）", style="List Bullet"
            )
    doc.add_heading("三、征求意见情况", level=1)
    for c in decision.consultations.all():
        doc.add_paragraph(
            f"{c.held_on:%Y年%m月%d日} {c.get_method_display()}（{c.participants}）：{c.summary}"
            + (f" 采纳情况：{c.adoption}" if c.adoption else ""),
            style="List Bullet",
        )
    doc.add_heading("四、分析论证", level=1)
    findings = {f.dimension: f for f in decision.findings.all()}
    for dim in Dimension:
        f = findings.get(dim.value)
        doc.add_heading(str(dim.label), level=2)
        doc.add_paragraph(f"{f.get_rating_display()}。{f.findings}" if f else "（未评估）")
    doc.add_heading("五、风险等级与防范化解措施", level=1)
    doc.add_paragraph(f"风险等级：{decision.get_risk_level_display() or '未确定'}")
    doc.add_paragraph(f"风险点：{decision.risk_points or '—'}")
    doc.add_paragraph(f"防范化解措施：{decision.mitigations or '—'}")
    doc.add_paragraph(f"处置预案：{decision.response_plan or '—'}")
    doc.add_heading("六、决策情况", level=1)
    if decision.decided_at:
        doc.add_paragraph(
            f"{timezone.localdate(decision.decided_at):%Y年%m月%d日}，决策结果：{decision.get_outcome_display()}。"
            + (decision.decision_note or "")
        )
        if decision.dissent:
            doc.add_paragraph(f"不同意见：{decision.dissent}")
    else:
        doc.add_paragraph("尚未作出决策。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
