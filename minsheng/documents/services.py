"""Build, number, file and render official documents (.docx with python-docx, PDF with reportlab).

The portal and the workbench call ``render_document(petition, kind, fmt)``. The PDF uses
reportlab's built-in CID font STSong-Light, so Chinese renders on any machine without font files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.template import Context, Template, TemplateSyntaxError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.core.crypto import mask_name
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.documents.defaults import DEFAULT_TEMPLATES
from minsheng.documents.models import DocumentKind, DocumentTemplate, IssuedDocument
from minsheng.petitions.models import Channel, Petition
from minsheng.workflow.models import Appeal, Deadline, Decision, Extension, Opinion
from minsheng.workflow.notices import handling_due_on_acceptance, provisional_rule_words
from minsheng.workflow.rulesets import next_document_number

DOCX = "docx"
PDF = "pdf"
CONTENT_TYPES = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    PDF: "application/pdf",
}
APPEAL_DAYS = 30


def cn_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass(frozen=True)
class Source:
    """The record a document states: its key, number (may be empty), organ and date."""

    key: str
    number: str
    organ_name: str
    organ_short: str
    date: dt.datetime
    context: dict[str, Any]


def _base_context(petition: Petition) -> dict[str, Any]:
    # No personal data here: the context is filed unencrypted (IssuedDocument.context); the
    # petitioner's name is added at render time, as the reader may see it (render_issued).
    return {
        "tracking_code": petition.tracking_code,
        "petition_title": petition.title,
        "received_date": cn_date(petition.received_at),
        "accepted_date": cn_date(petition.accepted_at),
        "channel": str(Channel(petition.channel).label),
        "request": petition.request,
    }


def _opinion_source(petition: Petition, stages: list[str]) -> Source | None:
    opinion = (
        Opinion.objects.filter(petition=petition, stage__in=stages)
        .select_related("organ", "organ__parent", "organ__review_organ")
        .order_by("issued_at", "pk")
        .last()
    )
    if opinion is None:
        return None
    upper = opinion.organ.upper_organ()
    context: dict[str, Any] = {
        "request": opinion.request,
        "facts_and_reasons": opinion.facts_and_reasons,
        "opinion": opinion.opinion,
        "legal_basis": opinion.legal_basis or _("（简易办理）"),
        "outcome": str(Opinion.Outcome(opinion.outcome).label),
        "appeal_days": APPEAL_DAYS,
        "appeal_organ": upper.name if upper else _("上一级行政机关"),
    }
    if opinion.stage in (Opinion.Stage.REVIEW, Opinion.Stage.RECHECK):
        kind = Appeal.Kind.REVIEW if opinion.stage == Opinion.Stage.REVIEW else Appeal.Kind.RECHECK
        appeal = Appeal.objects.filter(petition=petition, kind=kind).first()
        context["appeal_received_date"] = cn_date(appeal.received_on) if appeal else ""
        previous_stage = Opinion.Stage.HANDLING if kind == Appeal.Kind.REVIEW else Opinion.Stage.REVIEW
        previous = (
            Opinion.objects.filter(petition=petition, stage__in=[previous_stage, Opinion.Stage.SIMPLIFIED])
            .select_related("organ")
            .last()
        )
        context["original_organ"] = previous.organ.name if previous else _("原办理机关")
    return Source(
        key=f"opinion:{opinion.pk}",
        number=opinion.number,
        organ_name=opinion.organ.name,
        organ_short=opinion.organ.short_name or opinion.organ.code,
        date=opinion.issued_at,
        context=context,
    )


def _decision_source(petition: Petition, kind: str) -> Source | None:
    decision = (
        Decision.objects.filter(petition=petition, kind=kind)
        .select_related("organ", "guidance_organ")
        .order_by("decided_at", "pk")
        .last()
    )
    if decision is None:
        return None
    context: dict[str, Any] = {"accepted_date": cn_date(decision.decided_at)}
    if kind == Decision.Kind.ACCEPT:
        # Art. 34: the concrete date, the same one the portal shows (minsheng.workflow.notices).
        stated = handling_due_on_acceptance(petition)
        with translation.override("zh-hans"):
            context.update(
                {
                    "handling_due_date": cn_date(stated.due) if stated else "",
                    "provisional_rule": provisional_rule_words(stated.year)
                    if stated and stated.provisional
                    else "",
                }
            )
    if kind == Decision.Kind.NOT_ACCEPT:
        related = petition.related_petition
        follow_up = petition.follow_up_tasks.select_related("organ").first()
        context.update(
            {
                "related_code": related.tracking_code if related else "",
                "follow_up_organ": follow_up.organ.name if follow_up else "",
            }
        )
        guidance = decision.guidance_organ
        context.update(
            {
                "reason": str(Decision.Reason(decision.reason).label) if decision.reason else "",
                "explanation": decision.explanation,
                "guidance_organ": guidance.name if guidance else "",
                "guidance_address": guidance.address if guidance else "",
                "guidance_phone": guidance.phone if guidance else "",
            }
        )
    return Source(
        key=f"decision:{decision.pk}",
        number=decision.notice_number,
        organ_name=decision.organ.name,
        organ_short=decision.organ.short_name or decision.organ.code,
        date=decision.decided_at,
        context=context,
    )


def _extension_source(petition: Petition) -> Source | None:
    extension = Extension.objects.filter(petition=petition).order_by("approved_at", "pk").last()
    if extension is None:
        return None
    organ = petition.handling_organ or petition.current_organ
    deadline = (
        Deadline.objects.filter(petition=petition, rule="D-HANDLE-60").order_by("created_at", "pk").last()
    )
    # The statutory date (after any holiday roll-over): the one the portal shows.
    new_due = deadline.statutory_due if deadline is not None and extension.is_effective else None
    if new_due is None and deadline is not None:
        new_due = deadline.nominal_due + dt.timedelta(days=extension.days)
    return Source(
        key=f"extension:{extension.pk}",
        number="",
        organ_name=organ.name,
        organ_short=organ.short_name or organ.code,
        date=extension.approved_at,
        context={
            "extension_reason": extension.reason,
            "extension_days": extension.days,
            "new_due_date": cn_date(new_due),
        },
    )


def _source(petition: Petition, kind: str) -> Source | None:
    if kind == DocumentKind.ACCEPT_NOTICE:
        return _decision_source(petition, Decision.Kind.ACCEPT)
    if kind in (DocumentKind.NOT_ACCEPT_NOTICE, DocumentKind.NO_REACCEPT_NOTICE):
        return _decision_source(petition, Decision.Kind.NOT_ACCEPT)
    if kind == DocumentKind.EXTENSION_NOTICE:
        return _extension_source(petition)
    if kind == DocumentKind.HANDLING_OPINION:
        return _opinion_source(petition, [Opinion.Stage.HANDLING, Opinion.Stage.SIMPLIFIED])
    if kind == DocumentKind.REVIEW_OPINION:
        return _opinion_source(petition, [Opinion.Stage.REVIEW])
    if kind == DocumentKind.RECHECK_OPINION:
        return _opinion_source(petition, [Opinion.Stage.RECHECK])
    raise NotFound(_("未知文书种类。"))


def documents_available(petition: Petition) -> list[tuple[str, str]]:
    """(kind, label) of every document this petition's records support, in procedural order."""
    kinds = []
    decisions = set(Decision.objects.filter(petition=petition).values_list("kind", flat=True))
    stages = set(Opinion.objects.filter(petition=petition).values_list("stage", flat=True))
    if Decision.Kind.ACCEPT in decisions:
        kinds.append(DocumentKind.ACCEPT_NOTICE)
    if Decision.Kind.NOT_ACCEPT in decisions:
        # Art. 36(3): a repeat after 复核 gets a 不再受理告知书 of its own, not the 不予受理 wording.
        final = Decision.objects.filter(
            petition=petition, kind=Decision.Kind.NOT_ACCEPT, reason=Decision.Reason.FINAL_AFTER_RECHECK
        ).exists()
        kinds.append(DocumentKind.NO_REACCEPT_NOTICE if final else DocumentKind.NOT_ACCEPT_NOTICE)
    if Extension.objects.filter(petition=petition).exists():
        kinds.append(DocumentKind.EXTENSION_NOTICE)
    if stages & {Opinion.Stage.HANDLING, Opinion.Stage.SIMPLIFIED}:
        kinds.append(DocumentKind.HANDLING_OPINION)
    if Opinion.Stage.REVIEW in stages:
        kinds.append(DocumentKind.REVIEW_OPINION)
    if Opinion.Stage.RECHECK in stages:
        kinds.append(DocumentKind.RECHECK_OPINION)
    return [(str(k), str(DocumentKind(k).label)) for k in kinds]


def template_for(kind: str) -> tuple[str, str]:
    """(title, body) from the admin-edited template, or the default wording."""
    row = DocumentTemplate.objects.filter(kind=kind).first()
    if row is not None:
        return row.title, row.body
    return DEFAULT_TEMPLATES[kind]


def _new_number(kind: str, source: Source) -> str:
    """A document without a number of its own (the extension notice) takes the next one of its
    type; one counter per type per organ per year, shared with the workflow (workflow.rulesets)."""
    return next_document_number(source.organ_short, timezone.localtime(source.date).year, kind)


def document_issue(petition: Petition, kind: str, *, actor: AbstractBaseUser | None = None) -> IssuedDocument:
    """File (once per source record) the document on the case and return it, numbered."""
    if kind not in DocumentKind.values:
        raise NotFound(_("未知文书种类。"))
    source = _source(petition, kind)
    if source is None:
        raise NotFound(_("该信访事项尚无此文书。"))
    title, _body = template_for(kind)
    with transaction.atomic():
        existing = IssuedDocument.objects.filter(petition=petition, kind=kind, source=source.key).first()
        context = {
            **_base_context(petition),
            **source.context,
            "organ": source.organ_name,
            "date": cn_date(source.date),
        }
        if existing is not None:
            if existing.context != {**context, "number": existing.number}:
                existing.context = {**context, "number": existing.number}
                existing.save(update_fields=["context"])
            return existing
        number = source.number or _new_number(kind, source)
        context["number"] = number
        return IssuedDocument.objects.create(
            petition=petition,
            kind=kind,
            source=source.key,
            number=number,
            title=title,
            context=context,
            issued_by=actor if actor is not None and actor.is_authenticated else None,  # type: ignore[misc]
        )


@dataclass(frozen=True)
class Block:
    style: str  # "heading" | "para"
    text: str


def document_blocks(kind: str, context: dict[str, Any]) -> tuple[str, list[Block]]:
    """The document's title and body blocks, from the (admin-editable) template."""
    title, body = template_for(kind)
    try:
        rendered = Template(body).render(Context(context, autoescape=False))
    except TemplateSyntaxError as exc:
        raise InvalidInput(_("文书模板有误：%(e)s") % {"e": exc}, field="body") from exc
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", rendered.replace("\r\n", "\n")):
        text = chunk.strip()
        if not text:
            continue
        if text.startswith("# "):
            blocks.append(Block("heading", text[2:].strip()))
        else:
            blocks.append(Block("para", " ".join(line.strip() for line in text.split("\n"))))
    return title, blocks


def _render_pdf(organ: str, title: str, number: str, blocks: list[Block], date: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib.colors import HexColor
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    base: dict[str, Any] = {"fontName": font, "wordWrap": "CJK"}
    organ_style = ParagraphStyle(
        "organ", fontSize=20, leading=30, alignment=TA_CENTER, textColor=HexColor("#b00000"), **base
    )
    title_style = ParagraphStyle("title", fontSize=22, leading=34, alignment=TA_CENTER, spaceAfter=4, **base)
    number_style = ParagraphStyle(
        "number", fontSize=12, leading=20, alignment=TA_CENTER, spaceAfter=14, **base
    )
    heading_style = ParagraphStyle("heading", fontSize=14, leading=24, spaceBefore=6, **base)
    para_style = ParagraphStyle("para", fontSize=13, leading=23, firstLineIndent=26, **base)
    sign_style = ParagraphStyle("sign", fontSize=13, leading=23, alignment=TA_RIGHT, **base)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=28 * mm,
        title=f"{title} {number}",
        author=organ,
    )
    story: list[Any] = [
        Paragraph(escape(organ), organ_style),
        Paragraph(escape(title), title_style),
        Paragraph(escape(number), number_style),
    ]
    for block in blocks:
        style = heading_style if block.style == "heading" else para_style
        if block.style == "para" and block.text.endswith("："):
            style = ParagraphStyle("salutation", parent=para_style, firstLineIndent=0)
        story.append(Paragraph(escape(block.text), style))
    story += [Spacer(1, 18 * mm), Paragraph(escape(organ), sign_style), Paragraph(escape(date), sign_style)]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 15 * mm, f"— {document.page} —")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _render_docx(organ: str, title: str, number: str, blocks: list[Block], date: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.top_margin, section.bottom_margin = Mm(30), Mm(28)
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    def add(
        text: str,
        *,
        size: float = 14,
        bold: bool = False,
        align: Any = None,
        indent: bool = False,
        color: RGBColor | None = None,
    ) -> None:
        paragraph = document.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(size * 2)
        paragraph.paragraph_format.line_spacing = Pt(size * 1.75)
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        if color is not None:
            run.font.color.rgb = color
        run.font.name = "SimSun"
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")

    add(organ, size=20, align=WD_ALIGN_PARAGRAPH.CENTER, color=RGBColor(0xB0, 0, 0))
    add(title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    add(number, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    for block in blocks:
        if block.style == "heading":
            add(block.text, bold=True)
        else:
            add(block.text, indent=not block.text.endswith("："))
    document.add_paragraph()
    add(organ, align=WD_ALIGN_PARAGRAPH.RIGHT)
    add(date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.core_properties.title = f"{title} {number}"
    document.save(buffer)
    return buffer.getvalue()


def _petitioner_name(petition: Petition, *, masked: bool, hidden: bool) -> str:
    """The salutation: the name, masked, or (for the accused organ, Art. 30(3)) no name at all."""
    name = petition.petitioner.name if petition.petitioner else ""
    if hidden or not name:
        return _("信访人")
    return mask_name(name) if masked else name


def render_issued(
    issued: IssuedDocument, fmt: str, *, masked: bool = False, hidden: bool = False
) -> tuple[bytes, str, str]:
    if fmt not in CONTENT_TYPES:
        raise NotFound(_("不支持的文件格式。"))
    context = dict(issued.context)
    context["petitioner_name"] = _petitioner_name(issued.petition, masked=masked, hidden=hidden)
    title, blocks = document_blocks(issued.kind, context)
    renderer = _render_pdf if fmt == PDF else _render_docx
    data = renderer(str(context.get("organ", "")), title, issued.number, blocks, str(context.get("date", "")))
    IssuedDocument.objects.filter(pk=issued.pk).update(downloads=issued.downloads + 1)
    filename = f"{issued.petition.tracking_code}-{title}.{fmt}"
    return data, filename, CONTENT_TYPES[fmt]


def render_document(
    petition: Petition,
    kind: str,
    fmt: str,
    *,
    actor: AbstractBaseUser | None = None,
    masked: bool = False,
    hidden: bool = False,
) -> tuple[bytes, str, str]:
    """Render (and file, numbered, on first use) a document: (bytes, filename, content type).

    ``kind`` is a DocumentKind value, ``fmt`` "docx" or "pdf". Raises NotFound when the case has
    no record the document could state (e.g. no opinion yet). Callers check access first; the
    portal calls it for the petitioner (full name), the workbench masks the name for staff who
    may not unmask the petitioner, and ``hidden`` leaves the name out altogether (the accused
    organ and analysts, who may not see the petitioner at all).
    """
    with translation.override("zh-hans"):  # official documents are in Chinese, whatever the UI language
        issued = document_issue(petition, kind, actor=actor)
        rendered = render_issued(issued, fmt, masked=masked, hidden=hidden)
        _log_full_name(issued, actor, masked=masked, hidden=hidden)
        return rendered


def _log_full_name(
    issued: IssuedDocument, actor: AbstractBaseUser | None, *, masked: bool, hidden: bool
) -> None:
    """R-150(d): a document that prints the full name for a staff user is a display of it, logged
    like a reveal (kind ``document``). The petitioner's own copy (no actor) is not."""
    from minsheng.petitions.access_log import record_access
    from minsheng.petitions.models import AccessKind

    petition = issued.petition
    if actor is None or not actor.is_authenticated or masked or hidden:
        return
    if petition.petitioner is None or not petition.petitioner.name:
        return
    record_access(
        actor,
        petition,
        kind=AccessKind.DOCUMENT,
        reason=_("出具文书：%(title)s %(number)s") % {"title": issued.title, "number": issued.number},
        fields=["name"],
    )
