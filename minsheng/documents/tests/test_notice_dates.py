"""Notices that say by when (issue 13): the acceptance notice cites Art. 34, states the concrete
due date — the one the portal shows — and the provisional-date rule in plain words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.documents.defaults import DEFAULT_TEMPLATES
from minsheng.documents.models import DocumentTemplate
from minsheng.documents.services import cn_date, document_blocks, document_issue
from minsheng.workflow.models import Deadline

pytestmark = pytest.mark.django_db


def accept_text(petition: Any) -> str:
    # Seeded by migration; a transactional test elsewhere on this worker may have flushed it.
    title, body = DEFAULT_TEMPLATES["accept_notice"]
    DocumentTemplate.objects.get_or_create(kind="accept_notice", defaults={"title": title, "body": body})
    issued = document_issue(petition, "accept_notice")
    _title, blocks = document_blocks("accept_notice", issued.context)
    return "\n".join(block.text for block in blocks)


@pytest.fixture
def accepted(register: Any, act: Any, organs: Any) -> Any:
    petition = register()
    password = petition.query_password
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    petition = act(petition, "accept", "caseworker")
    petition.query_password = password
    return petition


def test_accept_notice_cites_art_34_and_the_portal_date(accepted: Any) -> None:
    deadline = Deadline.objects.get(petition=accepted, rule="D-HANDLE-60")
    text = accept_text(accepted)
    assert "第三十四条" in text and "第三十二条" not in text
    assert f"最迟于{cn_date(deadline.statutory_due)}" in text
    assert "暂定" not in text or deadline.is_provisional
    # The portal states the same date on the track page and in its copy of the notice.
    client = Client()
    client.post("/track/", {"tracking_code": accepted.tracking_code, "password": accepted.query_password})
    page = client.get(f"/track/{accepted.tracking_code}/").content.decode()
    assert cn_date(deadline.statutory_due) in page
    assert "第三十四条" in page


def test_provisional_due_date_is_explained(accepted: Any) -> None:
    Deadline.objects.filter(petition=accepted, rule="D-HANDLE-60").update(is_provisional=True)
    deadline = Deadline.objects.get(petition=accepted, rule="D-HANDLE-60")
    text = accept_text(accepted)
    assert "暂定" in text and f"{deadline.statutory_due.year}年的节假日安排" in text
    assert "顺延到节假日后的第一个工作日" in text


def test_extension_does_not_change_the_date_stated_at_acceptance(accepted: Any, act: Any) -> None:
    before = Deadline.objects.get(petition=accepted, rule="D-HANDLE-60").statutory_due
    act(accepted, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(accepted, "extend", "organ_head", days=20, reason="需要补充噪声监测鉴定")
    act(accepted, "notify_extension", "caseworker")
    assert f"最迟于{cn_date(before)}" in accept_text(accepted)
