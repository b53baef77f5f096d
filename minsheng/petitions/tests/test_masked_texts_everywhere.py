"""A title or text that spells out the petitioner is masked wherever its reader may not see the
petitioner, exactly as the case page masks it (red-team review of 2026-12-08: the supervision-order
and 包案 lists, the exports and the documents gave a supervisor the raw title, and an integration
key without personal data in its scope read every text raw, accusations included)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from docx import Document

from minsheng.api.tests.auth import api_token as token
from minsheng.integrations.keys import integration_create
from minsheng.integrations.scopes import integration_set_scope
from minsheng.petitions.models import Petition
from minsheng.petitions.services import PetitionerInput
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db

NAME, PHONE = "王小明", "13755550001"
TITLE = f"{NAME}（电话{PHONE}）反映拖欠工资"


def _leaks(text: str) -> bool:
    return NAME in text or PHONE in text


@pytest.fixture
def accepted(world: Any, register: Any) -> Petition:
    petition = register(
        title=TITLE,
        request=f"请求督促公司支付{NAME}的工资",
        facts=f"本人{NAME}，电话{PHONE}，在工地做工三个月未拿到工资。",
        petitioner=PetitionerInput(name=NAME, phone=PHONE),
    )
    users = world.users
    petition_transition(
        petition.pk, "forward", actor=users["dispatcher"], data={"organ_id": world.organs["a-housing"].pk}
    )
    petition_transition(petition.pk, "receive", actor=users["caseworker"], data={})
    petition_transition(petition.pk, "accept", actor=users["caseworker"], data={})
    return Petition.objects.get(pk=petition.pk)


def test_a_supervisor_reads_every_title_masked(client: Client, world: Any, accepted: Petition) -> None:
    sup = token(client, "supervisor")
    case = client.get(f"/api/v1/petitions/{accepted.pk}", **sup).json()
    assert case["petitioner"]["masked"] is True and not _leaks(case["title"])  # the case page's rule
    order = client.post(
        f"/api/v1/petitions/{accepted.pk}/actions/supervise",
        {"kind": "ordinary", "suggestion": "请尽快办理"},
        content_type="application/json",
        **sup,
    )
    assert order.status_code == 200, order.content
    listing = client.get("/api/v1/supervision-orders", **sup).json()
    assert listing["count"] == 1 and listing["results"][0]["petition"]["title"] == case["title"]
    one = client.get(f"/api/v1/supervision-orders/{listing['results'][0]['id']}", **sup).json()
    assert one["petition"]["title"] == case["title"]
    for fmt in ("csv", "xlsx"):
        export = client.get(f"/api/v1/exports/petitions?format={fmt}", **sup)
        assert export.status_code == 200
        body = export.content.decode("utf-8", "ignore") if fmt == "csv" else _xlsx_text(export.content)
        assert "反映拖欠工资" in body and not _leaks(body), fmt
    document = client.post(f"/api/v1/petitions/{accepted.pk}/documents/accept_notice?format=docx", **sup)
    assert document.status_code == 200, document.content
    text = "\n".join(p.text for p in Document(io.BytesIO(document.content)).paragraphs)
    assert "反映拖欠工资" in text and not _leaks(text)
    # Whoever may see the petitioner reads the same title as written.
    caseworker = token(client, "caseworker")
    assert client.get(f"/api/v1/petitions/{accepted.pk}", **caseworker).json()["title"] == TITLE


def test_a_leaders_baoan_list_shows_the_title_as_his_case_page(
    client: Client, world: Any, accepted: Petition
) -> None:
    leader = token(client, "leader")
    case = client.get(f"/api/v1/petitions/{accepted.pk}", **leader).json()
    taken = client.post(
        f"/api/v1/petitions/{accepted.pk}/baoan", {}, content_type="application/json", **leader
    )
    assert taken.status_code == 201, taken.content
    assert taken.json()["title"] == case["title"]
    assert [row["title"] for row in client.get("/api/v1/baoan", **leader).json()] == [case["title"]]


def test_a_key_without_personal_data_reads_texts_masked(
    client: Client, world: Any, accepted: Petition
) -> None:
    integration, key = integration_create("住建局业务系统")
    integration_set_scope(
        integration.pk, organ_codes=["a-housing"], role="caseworker", actions=["note"], personal_data=False
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    detail = client.get(f"/api/v1/petitions/{accepted.pk}", **auth).json()
    assert detail["petitioner"]["hidden"] is True
    assert "反映拖欠工资" in detail["title"]
    for name in ("title", "request", "facts"):
        assert not _leaks(detail[name]), name
    listing = client.get("/api/v1/petitions", **auth).json()
    assert [not _leaks(r["title"]) for r in listing["results"]] == [True]
    export = client.get("/api/v1/exports/petitions?format=csv", **auth)
    if export.status_code == 200:
        assert not _leaks(export.content.decode("utf-8", "ignore"))
    # The same owner's post with personal data in scope reads them as written.
    integration_set_scope(
        integration.pk, organ_codes=["a-housing"], role="caseworker", actions=["note"], personal_data=True
    )
    assert client.get(f"/api/v1/petitions/{accepted.pk}", **auth).json()["title"] == TITLE


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def test_a_scope_that_allows_identity_unmasks_only_what_the_post_may(world: Any, accepted: Petition) -> None:
    """``listed_titles(allowed=…)`` narrows the post's right, never widens it."""
    from minsheng.petitions.selectors import listed_titles

    users = world.users
    everything = lambda p: True  # noqa: E731
    masked = listed_titles(users["supervisor"], [accepted], allowed=everything)[accepted.pk]
    assert "反映拖欠工资" in masked and not _leaks(masked)
    assert listed_titles(users["caseworker"], [accepted], allowed=everything)[accepted.pk] == TITLE
    nothing = listed_titles(users["caseworker"], [accepted], allowed=lambda p: False)[accepted.pk]
    assert not _leaks(nothing)
