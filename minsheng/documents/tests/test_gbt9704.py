"""Official documents laid out per GB/T 9704-2012: every document type rendered to PDF, fonts
embedded (pdffonts), pages counted (pdftoppm), margins measured (pdftotext -bbox), no heading at
a page foot (the layout's line positions and pdftotext -layout), the .docx fonts and page, and
the race-safe number sequences."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection

from minsheng.documents import layout
from minsheng.documents.layout import Block, render_pdf
from minsheng.documents.models import DocumentCounter, DocumentKind
from minsheng.documents.numbering import allocate_sequence
from minsheng.documents.services import document_blocks, render_document
from minsheng.workflow.rulesets import next_document_number

POPPLER = all(shutil.which(tool) for tool in ("pdffonts", "pdftoppm", "pdftotext", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
MM = 72 / 25.4

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}
CONTEXT = {
    "petitioner_name": "李四",
    "tracking_code": "261205FK9X5U",
    "petition_title": "工地夜间施工噪声扰民",
    "received_date": "2026年12月4日",
    "accepted_date": "2026年12月5日",
    "handling_due_date": "2027年2月3日",
    "channel": "网上信访",
    "request": "请求责令工地停止夜间施工",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。" * 6,
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
    "outcome": "支持",
    "appeal_days": 30,
    "appeal_organ": "A市人民政府",
    "appeal_received_date": "2026年12月20日",
    "original_organ": "A市住房和城乡建设局",
    "reason": "不属于信访受理范围",
    "explanation": "属于劳动争议",
    "guidance_organ": "A市人力资源和社会保障局",
    "guidance_address": "A市人民路1号",
    "guidance_phone": "0100-12345678",
    "related_code": "260101AAAA11",
    "extension_reason": "需要补充噪声监测鉴定",
    "extension_days": 20,
    "new_due_date": "2027年2月23日",
    "organ": "A市住房和城乡建设局",
    "date": "2026年12月5日",
    "number": "A市住建局〔2026〕意字第1号",
}


def pdffonts(data: bytes, tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    header, _rule, *rows = out.splitlines()
    assert header.split()[:6] == ["name", "type", "encoding", "emb", "sub", "uni"]
    fonts = []
    for row in rows:  # a long name pushes the columns right: read the row from its ends
        tokens = row.split()
        fonts.append(
            {
                "name": tokens[0],
                "type": " ".join(tokens[1:-6]),
                "encoding": tokens[-6],
                "emb": tokens[-5],
                "sub": tokens[-4],
                "uni": tokens[-3],
            }
        )
    return fonts


def page_count(data: bytes, tmp_path: Path) -> int:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    return len(list(tmp_path.glob("page-*.png")))


def layout_pages(data: bytes) -> list[list[str]]:
    """pdftotext -layout: the non-empty lines of each page, the page number line left out."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    pages = out.stdout.decode("utf-8").split("\f")
    result = []
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        lines = [line for line in lines if not re.fullmatch(r"—\s*\d+\s*—", line)]
        if lines:
            result.append(lines)
    return result


def words_with_boxes(data: bytes) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True)
    return [
        (float(a), float(b), float(c), float(d), text)
        for a, b, c, d, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            out.stdout.decode("utf-8"),
        )
    ]


def long_document(headings_after: int) -> list[Block]:
    """A salutation, ``headings_after`` one-line paragraphs, then headings each followed by a
    three-line paragraph: for some value of ``headings_after`` a heading falls on a page's foot."""
    blocks = [Block("para", "李四：")]
    blocks += [Block("para", "经查。")] * headings_after
    for number in "一二三四五六七八":
        blocks.append(Block("heading", f"{number}、调查核实情况"))
        blocks.append(Block("para", "经现场核查，工地确有夜间施工行为，已责令施工单位停止夜间施工。" * 2))
    return blocks


def test_geometry_of_the_grid() -> None:
    assert pytest.approx(595.28, abs=0.01) == layout.PAGE_WIDTH  # A4
    assert pytest.approx(841.89, abs=0.01) == layout.PAGE_HEIGHT
    assert pytest.approx(37) == layout.TOP_MARGIN / MM
    assert pytest.approx(28) == layout.LEFT_MARGIN / MM
    assert pytest.approx(156) == layout.TEXT_WIDTH / MM
    assert pytest.approx(225) == layout.TEXT_HEIGHT / MM
    assert pytest.approx(layout.TEXT_HEIGHT) == layout.LINE_PITCH * 22
    assert pytest.approx(layout.TEXT_WIDTH) == layout.CHAR_PITCH * 28
    assert (layout.SIZE_2, layout.SIZE_3, layout.SIZE_4) == (22, 16, 14)


def test_line_breaking_keeps_closing_marks_off_the_line_start() -> None:
    def measure(text: str, font: str, size: float) -> float:
        return size * len(text)  # every character full-width

    lines = layout.break_lines("一二三四五，六七", width=50, size=10, spacing=0, measure=measure, font="body")
    assert lines == ["一二三四", "五，六七"]  # "，" would have opened the second line
    lines = layout.break_lines("一二三四（五六）", width=50, size=10, spacing=0, measure=measure, font="body")
    assert lines == ["一二三四", "（五六）"]
    lines = layout.break_lines("一二三12345", width=50, size=10, spacing=0, measure=measure, font="body")
    assert lines == ["一二三", "12345"]  # a number is not cut


@needs_poppler
def test_no_heading_is_the_last_line_of_a_page(tmp_path: Path) -> None:
    stranded_somewhere = compacted = False
    for headings_after in range(0, 22, 1):
        blocks = long_document(headings_after)
        rendering = render_pdf(
            organ="A市住房和城乡建设局",
            number="A市住建局〔2026〕意字第1号",
            title="信访事项处理意见书",
            blocks=blocks,
            date="2026年12月5日",
        )
        by_page: dict[int, list[layout.Drawn]] = {}
        for drawn in rendering.drawn:
            by_page.setdefault(drawn.page, []).append(drawn)
        for page, drawn in by_page.items():
            assert drawn[-1].role != "heading", (headings_after, page, drawn[-1])
            assert max(d.line for d in drawn) <= 21  # 22 lines a page
            assert drawn[0].role != "blank"
        # Without the rule some variant would end a page on a heading: prove the test can fail.
        full_lines = [d for d in rendering.drawn if d.page == 1]
        if any(d.role == "heading" and d.line == 20 for d in full_lines):
            stranded_somewhere = True
        # The closing block shares its page with text, the signature right over the date.
        closing = [d for d in rendering.drawn if d.role in ("signature", "date")]
        assert [d.role for d in closing] == ["signature", "date"]
        assert closing[1].line == closing[0].line + 1
        last_text = [d for d in rendering.drawn if d.role == "para"][-1]
        assert last_text.page == closing[0].page
        # Two lines of room for the seal, or none when that keeps the 落款 on the text's page.
        assert closing[0].line - last_text.line in (1, 3)
        compacted = compacted or closing[0].line - last_text.line == 1
        assert rendering.seal is not None and rendering.seal[0] == closing[0].page
        # And pdftotext reads the same: the last line of a page is never a heading.
        headings = {b.text for b in blocks if b.style == "heading"}
        pages = layout_pages(rendering.pdf)
        assert len(pages) == rendering.pages == page_count(rendering.pdf, tmp_path / str(headings_after))
        for lines in pages:
            assert lines[-1] not in headings
    assert compacted
    assert stranded_somewhere  # a heading on line 21 (of 0-21) was moved: line 20 is the limit


def test_full_lines_hold_28_characters() -> None:
    text = "经现场核查工地确有夜间施工行为已责令施工单位停止夜间施工并处以罚款" * 4
    rendering = render_pdf(
        organ="A市住房和城乡建设局",
        number="A市住建局〔2026〕意字第1号",
        title="信访事项处理意见书",
        blocks=[Block("para", "李四："), Block("para", text)],
        date="2026年12月5日",
    )
    lines = [d.text for d in rendering.drawn if d.role == "para"]
    assert [len(line) for line in lines] == [26, 28, 28, 28, 22]  # 26 + 2 characters' indent
    assert "".join(lines) == text


def _flow_every_document(register: Any, act: Any, organs: Any) -> list[tuple[Any, str]]:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "extend", "organ_head", days=20, reason="需要补充噪声监测鉴定")
    act(petition, "notify_extension", "caseworker")
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    act(petition, "deliver", "caseworker", method="in_person")
    act(petition, "request_review", "registrar")
    act(petition, "conclude_review", "gov_head", method="post", **{**OPINION, "outcome": "upheld"})
    act(petition, "request_recheck", "registrar")
    final = act(
        petition, "conclude_recheck", "province_head", method="post", **{**OPINION, "outcome": "upheld"}
    )
    refused = register()
    act(refused, "not_accept", "dispatcher", reason="out_of_scope", explanation="属于劳动争议",
        guidance_organ_id=organs["a-hrss"].pk)  # fmt: skip
    again = register()
    act(again, "not_accept", "dispatcher", reason="final_after_recheck", related_petition_id=final.pk)
    kinds = ["accept_notice", "extension_notice", "handling_opinion", "review_opinion", "recheck_opinion"]
    return [(final, kind) for kind in kinds] + [(refused, "not_accept_notice"), (again, "no_reaccept_notice")]


@needs_poppler
@pytest.mark.django_db
def test_every_document_type_embeds_every_font(register: Any, act: Any, organs: Any, tmp_path: Path) -> None:
    rendered = _flow_every_document(register, act, organs)
    assert sorted(kind for _p, kind in rendered) == sorted(DocumentKind.values)
    for petition, kind in rendered:
        data, _name, _type = render_document(petition, kind, "pdf")
        fonts = pdffonts(data, tmp_path)
        assert fonts, kind
        for font in fonts:
            assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), (kind, font)
            assert font["type"] == "TrueType"
        # The 小标宋 and 仿宋 stand-ins (and 黑体 where there are headings), nothing else: reportlab
        # writes a face in pieces of 256 glyphs, so a face may appear more than once.
        faces = {re.sub(r"^[A-Z]{6}\+|-[0-9a-f]{8}$", "", f["name"]) for f in fonts}
        assert {"NotoSerifCJKsc-Bold", "NotoSerifCJKsc-Regular"} <= faces, kind
        assert faces <= {"NotoSerifCJKsc-Bold", "NotoSerifCJKsc-Regular", "NotoSansCJKsc-Regular"}
        pages = page_count(data, tmp_path / kind)
        (tmp_path / "info.pdf").write_bytes(data)
        info = subprocess.run(["pdfinfo", str(tmp_path / "info.pdf")], capture_output=True, check=True).stdout
        assert re.search(rb"Pages:\s+(\d+)", info).group(1) == str(pages).encode()  # type: ignore[union-attr]
        assert b"595.276 x 841.89 pts (A4)" in info
        # The 版心: no word left of 28 mm or right of 28 + 156 mm; the 版头 starts 37 mm down.
        words = words_with_boxes(data)
        text_words = [w for w in words if not re.fullmatch(r"—|\d+", w[4])]
        assert min(w[0] for w in text_words) >= 28 * MM - 0.5
        assert max(w[2] for w in text_words) <= (28 + 156) * MM + 0.5
        assert min(w[1] for w in text_words) >= 37 * MM - 0.5
        assert max(w[3] for w in text_words) <= (37 + 225) * MM + 0.5
        # The page number: 4号 between 一字线, under the 版心, on the right of page 1.
        number = [w for w in words if w[4] == "1" and w[1] > (37 + 225) * MM]
        assert number and number[0][2] > 150 * MM


@pytest.mark.django_db
@pytest.mark.parametrize("kind", DocumentKind.values)
def test_every_template_lays_out_on_the_grid(kind: str) -> None:
    title, blocks = document_blocks(kind, CONTEXT)
    rendering = render_pdf(
        organ="A市住房和城乡建设局",
        number=CONTEXT["number"],
        title=title,
        blocks=blocks,
        date="2026年12月5日",
    )
    roles = [d.role for d in rendering.drawn]
    assert roles[:3] == ["organ", "number", "title"]
    assert [(d.line, d.page) for d in rendering.drawn[:3]] == [(0, 1), (4, 1), (7, 1)]
    assert roles[-2:] == ["signature", "date"]
    assert "2026年12月5日" in rendering.drawn[-1].text  # Arabic numerals
    assert rendering.pdf.startswith(b"%PDF")


@pytest.mark.django_db
def test_docx_names_the_office_fonts_and_the_page(register: Any, act: Any, organs: Any) -> None:
    petition = _flow_every_document(register, act, organs)[0][0]
    data, _name, _type = render_document(petition, "handling_opinion", "docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode()
        fonts = archive.read("word/fontTable.xml").decode()
        settings = archive.read("word/settings.xml").decode()
    assert 'w:eastAsia="仿宋_GB2312"' in body and 'w:eastAsia="方正小标宋简体"' in body
    assert 'w:eastAsia="黑体"' in body or "黑体" not in body  # headings only where the template has any
    assert re.search(r'w:name="仿宋_GB2312">\s*<w:altName w:val="仿宋"/>', fonts)
    assert re.search(r'w:name="方正小标宋简体">\s*<w:altName w:val="宋体"/>', fonts)
    assert 'w:top="2098"' in body and 'w:left="1587"' in body  # 37 mm and 28 mm in twips
    assert 'w:linePitch="580"' in body and 'w:type="linesAndChars"' in body
    assert '<w:sz w:val="32"/>' in body and '<w:sz w:val="44"/>' in body  # 3号 and 2号 (half-points)
    assert "PAGE" in archive_footer(data) and "evenAndOddHeaders" in settings


def archive_footer(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/footer"))


@pytest.mark.django_db
def test_sequences_per_type_organ_and_year_continue_after_filed_numbers(
    register: Any, act: Any, organs: Any
) -> None:
    with time_machine.travel("2026-12-05 10:00 +0800", tick=False):
        petition = register()
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        act(petition, "accept", "caseworker")
    number = petition.decisions.get(kind="accept").notice_number
    label = number.split("〔")[0]
    assert number == f"{label}〔2026〕受字第1号"
    # The counter was created from the filed numbers and goes on from there.
    assert DocumentCounter.objects.get(organ_label=label, year=2026, kind="accept_notice").last == 1
    assert next_document_number(label, 2026, "accept_notice") == f"{label}〔2026〕受字第2号"
    assert next_document_number(label, 2026, "not_accept_notice") == f"{label}〔2026〕不受字第1号"
    assert next_document_number(label, 2027, "accept_notice") == f"{label}〔2027〕受字第1号"
    assert next_document_number("B", 2026, "accept_notice") == "B〔2026〕受字第1号"
    assert next_document_number(label, 2026, "review_opinion") == f"{label}〔2026〕复查字第1号"
    assert next_document_number(label, 2026, "recheck_opinion") == f"{label}〔2026〕复核字第1号"
    assert next_document_number(label, 2026, "accept_notice") == f"{label}〔2026〕受字第3号"


@pytest.mark.django_db(transaction=True)
def test_concurrent_numbering_never_repeats_a_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections); DATABASE_URL=postgres://…")
    from django.db import connections

    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                results.append(allocate_sequence("R", 2026, "accept_notice", "R〔2026〕受字第"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == list(range(1, 41))
