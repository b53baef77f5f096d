"""Official documents: every mandatory field in the generated .docx and PDF."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from minsheng.core.errors import NotFound
from minsheng.documents.defaults import DEFAULT_TEMPLATES
from minsheng.documents.models import DocumentTemplate, IssuedDocument
from minsheng.documents.services import document_issue, documents_available, render_document

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


def docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def pdf_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    except ImportError:
        pass
    if not shutil.which("pdftotext"):
        pytest.skip("neither pypdf nor pdftotext (apt-get install poppler-utils) is available")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def both(petition, kind):
    docx, name, ctype = render_document(petition, kind, "docx")
    assert name.endswith(".docx") and ctype.endswith("document")
    pdf, name, ctype = render_document(petition, kind, "pdf")
    assert pdf.startswith(b"%PDF") and ctype == "application/pdf"
    # pdftotext may break lines anywhere; the page numbers ("— 1 —") sit between the pages' text.
    return docx_text(docx), re.sub(r"—\d+—", "", "".join(pdf_text(pdf).split()))


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def delivered(register, act, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "extend", "organ_head", days=20, reason="需要补充噪声监测鉴定")
    act(petition, "notify_extension", "caseworker")
    act(petition, "conclude", "caseworker", **OPINION)
    act(petition, "sign_opinion", "organ_head")
    return act(petition, "deliver", "caseworker", method="in_person")


def test_handling_opinion_has_every_mandatory_field(delivered):
    docx, pdf = both(delivered, "handling_opinion")
    issued = IssuedDocument.objects.get(petition=delivered, kind="handling_opinion")
    assert "意字第" in issued.number
    for text in (docx, pdf):
        flat = squash(text)
        for expected in (
            "信访事项处理意见书",
            issued.number,
            "李四",
            "请求责令工地停止夜间施工",  # request
            "经现场核查，工地确有夜间施工行为。",  # facts and reasons
            "责令施工单位停止夜间施工。",  # opinion
            "《中华人民共和国噪声污染防治法》第四十三条",  # legal basis
            "复查",
            "30日内",
            "A市人民政府",  # the organ to ask for 复查 (upper organ of the housing bureau)
            "A市住房和城乡建设局",
            f"{timezone.localdate().year}年",
        ):
            assert squash(expected) in flat, (expected, text[:400])


def test_accept_and_extension_notices(delivered):
    docx, pdf = both(delivered, "accept_notice")
    for flat in (squash(docx), pdf):
        assert "受理告知书" in flat and delivered.tracking_code in flat and "受字第" in flat
    docx, pdf = both(delivered, "extension_notice")
    for flat in (squash(docx), pdf):
        assert "需要补充噪声监测鉴定" in flat and "延长20日" in flat and "延字第" in flat


def test_not_accept_notice_states_reason_and_channel(register, act, organs):
    petition = register()
    act(
        petition,
        "not_accept",
        "dispatcher",
        reason="out_of_scope",
        explanation="属于劳动争议",
        guidance_organ_id=organs["a-hrss"].pk,
    )
    docx, pdf = both(petition, "not_accept_notice")
    for flat in (squash(docx), pdf):
        assert "不予受理" in flat and "不属于信访受理范围" in flat and "属于劳动争议" in flat
        assert "A市人力资源和社会保障局" in flat and "不受字第" in flat


def test_review_and_recheck_opinions(delivered, act):
    petition = act(delivered, "request_review", "registrar")
    petition = act(petition, "conclude_review", "gov_head", method="post", **{**OPINION, "outcome": "upheld"})
    docx, pdf = both(petition, "review_opinion")
    for flat in (squash(docx), pdf):
        assert "复查意见书" in flat and "维持原处理意见" in flat and "复核" in flat
        assert "西地省人民政府" in flat  # the organ to ask for 复核
        assert "A市住房和城乡建设局" in flat  # the original organ
    petition = act(petition, "request_recheck", "registrar")
    petition = act(
        petition, "conclude_recheck", "province_head", method="post", **{**OPINION, "outcome": "upheld"}
    )
    docx, pdf = both(petition, "recheck_opinion")
    for flat in (squash(docx), pdf):
        assert "复核意见书" in flat and "不再受理" in flat
    kinds = [k for k, _ in documents_available(petition)]
    assert kinds == [
        "accept_notice",
        "extension_notice",
        "handling_opinion",
        "review_opinion",
        "recheck_opinion",
    ]


def test_numbering_filing_template_edit_and_missing(delivered, register):
    first = document_issue(delivered, "extension_notice")
    again = document_issue(delivered, "extension_notice")
    assert first.pk == again.pk and first.number == again.number  # filed once, same number
    # Seeded by migration 0002; a transactional test elsewhere on this worker may have flushed it.
    title, body = DEFAULT_TEMPLATES["handling_opinion"]
    template, _created = DocumentTemplate.objects.get_or_create(
        kind="handling_opinion", defaults={"title": title, "body": body}
    )
    template.body = template.body.replace("现将处理意见告知如下", "现将经集体研究的处理意见告知如下")
    template.save()
    docx, _pdf = both(delivered, "handling_opinion")
    assert "现将经集体研究的处理意见告知如下" in docx
    with pytest.raises(NotFound):
        render_document(register(), "handling_opinion", "pdf")
    masked, _n, _c = render_document(delivered, "handling_opinion", "docx", masked=True)
    assert "李四" not in docx_text(masked) and "李*" in docx_text(masked)


def test_a_document_numbered_at_issue_takes_an_accusations_own_series(register, act, organs):
    """The extension notice has no number of its own and draws one when filed: an accusation's
    from its own series (检延字), so the organ's common series shows no gap the accused side could
    date (R-150) — the same rule as the numbers the workflow gives (test_counts_without_accusations).
    An accusation has no Art. 34 clock to extend since 2026-12-07 (test_clock_by_nature), but one
    accepted before then may carry an approved extension whose notice is filed now: the middle
    petition stands for it."""
    from minsheng.petitions.models import Petition

    def extended(**overrides):
        petition = register(**overrides)
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        act(petition, "accept", "caseworker")
        act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
        act(petition, "extend", "organ_head", days=20, reason="需要补充噪声监测鉴定")
        return act(petition, "notify_extension", "caseworker")

    first = extended()
    accusation = extended(title="举报生态环境局某执法人员收受工地好处费", request="请求查处")
    Petition.objects.filter(pk=accusation.pk).update(nature="accusation", accused_organ=organs["a-env"])
    accusation.refresh_from_db()
    second = extended(title="小区垃圾清运不及时", request="请求按时清运")
    numbers = [document_issue(p, "extension_notice").number for p in (first, accusation, second)]
    organ = organs["a-housing"]
    stem = f"{organ.short_name or organ.code}〔{timezone.localdate().year}〕"
    assert numbers == [f"{stem}延字第1号", f"{stem}检延字第1号", f"{stem}延字第2号"]
