"""Build, number, file and render official documents (.docx with python-docx, PDF with reportlab).

The portal and the workbench call ``render_document(petition, kind, fmt)``. Both formats follow
GB/T 9704-2012: the PDF is laid out by :mod:`minsheng.documents.layout` with subset-embedded
fonts (:mod:`minsheng.documents.fonts`), the .docx names the fonts a Chinese office has
(方正小标宋简体, 仿宋_GB2312, 黑体) with free fall-backs (see docs/documents.md).
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
from minsheng.documents.layout import Block
from minsheng.documents.models import DocumentKind, DocumentTemplate, IssuedDocument
from minsheng.petitions.models import Channel, Nature, Petition
from minsheng.workflow.deadlines import compute_rule_due
from minsheng.workflow.models import Appeal, Deadline, Decision, Extension, Opinion
from minsheng.workflow.notices import handling_due_on_acceptance, provisional_rule_words
from minsheng.workflow.rulesets import next_document_number, series_kind

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


#: Context entries that quote the petition or the petitioner (masked for a reader who may not see
#: the petitioner); the organ's own entries (names of organs, dates, numbers, codes) are not.
QUOTED_TEXTS = frozenset(
    {
        "petition_title",
        "request",
        "facts_and_reasons",
        "opinion",
        "reason",
        "explanation",
        "extension_reason",
    }
)


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
    # The statutory date (after any holiday roll-over): the one the portal shows. A notice printed
    # to be handed over before the extension takes effect states the date it will have then —
    # computed as notify_extension will (start + length + all extension days, rolled over once).
    new_due = None
    if deadline is not None:
        if extension.is_effective:
            new_due = deadline.statutory_due
        else:
            new_due = compute_rule_due(
                deadline.rule,
                deadline.start,
                length=deadline.length,
                extra_days=deadline.extra_days + extension.days,
            ).due.statutory_due
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


def _new_number(kind: str, source: Source, petition: Petition) -> str:
    """A document without a number of its own (the extension notice) takes the next one of its
    type; one counter per type per organ per year, shared with the workflow (workflow.rulesets),
    an accusation's in its own series."""
    series = series_kind(kind, accusation=petition.nature == Nature.ACCUSATION)
    return next_document_number(source.organ_short, timezone.localtime(source.date).year, series)


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
        number = source.number or _new_number(kind, source, petition)
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


def template_check(body: str) -> None:
    """Refuse (InvalidInput, field ``body``) a template body that does not compile."""
    try:
        Template(body)
    except TemplateSyntaxError as exc:
        raise InvalidInput(_("文书模板有误：%(e)s") % {"e": exc}, field="body") from exc


def template_save(row: DocumentTemplate, *, actor: AbstractBaseUser | None) -> DocumentTemplate:
    """Save an edited template (admin): checked, and audited with the wording it replaced."""
    from minsheng.accountability.services import audited_save

    template_check(row.body)
    audited_save(row, "document_template_saved", ("title", "body"), actor=actor, kind=row.kind)
    return row


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
    from minsheng.documents.layout import render_pdf

    return render_pdf(organ=organ, number=number, title=title, blocks=blocks, date=date).pdf


# The fonts a Chinese office expects (GB/T 9704-2012), and the face Word or WPS falls back to
# where the named one is not installed (w:altName in the document's font table). They cannot be
# shipped; LibreOffice substitutes the free Noto CJK faces through fontconfig (docs/documents.md).
DOCX_FONTS: dict[str, tuple[str, str]] = {
    "title": ("方正小标宋简体", "宋体"),
    "body": ("仿宋_GB2312", "仿宋"),
    "heading": ("黑体", "SimHei"),
    "number": ("宋体", "SimSun"),
}


def _render_docx(organ: str, title: str, number: str, blocks: list[Block], date: str) -> bytes:
    """The .docx per GB/T 9704-2012: the same page, grid (22 lines × 28 characters), fonts by name."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    from minsheng.documents.layout import CHAR_PITCH, LINE_PITCH, SIZE_2, SIZE_3, SIZE_4

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.footer_distance = Mm(35 - 7 - 5)
    # Word's document grid: 22 lines of 28 characters (w:charSpace in 1/4096 pt from 3号).
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH * 20)))
    grid.set(qn("w:charSpace"), str(round((CHAR_PITCH - SIZE_3) * 4096)))

    def set_font(run_or_style: Any, role: str) -> None:
        name = DOCX_FONTS[role][0]
        run_or_style.font.name = name
        fonts = run_or_style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), name)
        fonts.set(qn("w:hint"), "eastAsia")

    normal = document.styles["Normal"]
    set_font(normal, "body")
    normal.font.size = Pt(SIZE_3)

    def add(
        text: str,
        *,
        role: str = "body",
        size: float = SIZE_3,
        align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent: bool = False,
        right_chars: float = 0,
        color: RGBColor | None = None,
        keep_with_next: bool = False,
    ) -> None:
        paragraph = document.add_paragraph()
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(LINE_PITCH)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.keep_with_next = keep_with_next
        fmt.widow_control = False
        if indent:
            fmt.first_line_indent = Pt(2 * CHAR_PITCH)
        if right_chars:
            fmt.right_indent = Pt(right_chars * CHAR_PITCH)
        run = paragraph.add_run(text)
        set_font(run, role)
        run.font.size = Pt(size)
        if color is not None:
            run.font.color.rgb = color

    center = WD_ALIGN_PARAGRAPH.CENTER
    add(organ, role="title", size=26, align=center, color=RGBColor(0xCC, 0, 0), keep_with_next=True)
    add("", keep_with_next=True)
    add("", keep_with_next=True)
    add(number, align=center, keep_with_next=True)
    # The red rule 4 mm under the 发文字号: a bottom border as wide as the 版心.
    rule = document.paragraphs[-1]._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "11"), ("w:color", "CC0000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # Word insists on the schema's order of paragraph properties: w:pBdr before these.
    rule.insert_element_before(
        borders,
        *("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct"),
        *("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd"),
        *("w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents"),
        *("w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:outlineLvl", "w:rPr"),
    )
    add("", keep_with_next=True)
    add("", keep_with_next=True)
    add(title, role="title", size=SIZE_2, align=center, keep_with_next=True)
    add("", keep_with_next=True)
    for position, block in enumerate(blocks):
        last = position == len(blocks) - 1
        if block.style == "heading":
            add(block.text, role="heading", indent=True, keep_with_next=True)
        elif position == 0 and block.text.endswith("："):
            add(block.text, align=WD_ALIGN_PARAGRAPH.LEFT)
        else:
            add(block.text, indent=True, keep_with_next=last)
    add("", keep_with_next=True)
    add("", keep_with_next=True)
    # 落款: the organ's name centred over the date, the date four characters in from the right;
    # the seal presses down on both.
    date_right = 4.0
    organ_right = max(0.0, date_right + (len(date) * 0.8 - len(organ)) / 2)
    add(organ, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=organ_right, keep_with_next=True)
    add(date, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=date_right)
    # 页码: 4号宋体 "— 1 —", odd pages right and even pages left, one character in.
    document.settings.odd_and_even_pages_header_footer = True
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = Pt(SIZE_4)
        else:
            paragraph.paragraph_format.left_indent = Pt(SIZE_4)
        for kind, text in (("text", "— "), ("field", "PAGE"), ("text", " —")):
            run = paragraph.add_run()
            set_font(run, "number")
            run.font.size = Pt(SIZE_4)
            if kind == "text":
                run.text = text
                continue
            begin, instruction, end = (
                OxmlElement("w:fldChar"),
                OxmlElement("w:instrText"),
                OxmlElement("w:fldChar"),
            )
            begin.set(qn("w:fldCharType"), "begin")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            end.set(qn("w:fldCharType"), "end")
            run._r.append(begin)
            run._r.append(instruction)
            run._r.append(end)
    _docx_font_table(document)
    buffer = io.BytesIO()
    document.core_properties.title = f"{title} {number}"
    document.save(buffer)
    return buffer.getvalue()


def _docx_font_table(document: Any) -> None:
    """Declare each font in the font table with its fall-back (w:altName) and GB2312 charset."""
    from docx.oxml.ns import qn
    from lxml import etree

    for rel in document.part.rels.values():
        if not rel.reltype.endswith("/fontTable"):
            continue
        part = rel.target_part
        root = etree.fromstring(part.blob)
        for name, alternative in DOCX_FONTS.values():
            for existing in root.findall(qn("w:font")):
                if existing.get(qn("w:name")) == name:
                    root.remove(existing)
            font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
            etree.SubElement(font, qn("w:altName"), {qn("w:val"): alternative})
            etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})  # GB2312
            etree.SubElement(font, qn("w:family"), {qn("w:val"): "swiss" if name == "黑体" else "roman"})
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


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
    if masked or hidden:
        # The texts quote the petition (事由, the request, the opinion's facts): for a reader who may
        # not see the petitioner they are masked as his case page masks them, not only the name
        # in the salutation (red-team review 2026-12-08: 「王小明（电话137…）反映拖欠工资」 in clear).
        from minsheng.petitions.selectors import text_mask

        mask = text_mask(None, issued.petition, identity=False)
        context = {
            key: mask(value) if key in QUOTED_TEXTS and isinstance(value, str) else value
            for key, value in context.items()
        }
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
