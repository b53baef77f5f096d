"""What the workbench does, through the API: documents, internal notes, saved filters, export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from minsheng.api.tests.auth import api_token as token
from minsheng.documents.models import IssuedDocument
from minsheng.petitions.export import export_header
from minsheng.petitions.models import Petition
from minsheng.search.models import SavedFilter
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db


def accepted(world: Any, register: Any) -> Petition:
    petition = register()
    users = world.users
    petition_transition(
        petition.pk, "forward", actor=users["dispatcher"], data={"organ_id": world.organs["a-housing"].pk}
    )
    petition_transition(petition.pk, "receive", actor=users["caseworker"])
    petition_transition(petition.pk, "accept", actor=users["caseworker"])
    return petition


def test_documents_are_listed_and_downloaded_like_on_the_workbench(
    client: Client, world: Any, register: Any
) -> None:
    petition = accepted(world, register)
    cw = token(client, "caseworker")
    listing = client.get(f"/api/v1/petitions/{petition.pk}/documents", **cw)
    assert listing.status_code == 200
    assert listing.json() == [{"kind": "accept_notice", "label": "受理告知书", "formats": ["pdf", "docx"]}]
    pdf = client.post(f"/api/v1/petitions/{petition.pk}/documents/accept_notice?format=pdf", **cw)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    docx = client.post(f"/api/v1/petitions/{petition.pk}/documents/accept_notice?format=docx", **cw)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert IssuedDocument.objects.filter(petition=petition, kind="accept_notice").count() == 1
    # No opinion yet: the handling opinion does not exist; an unknown format is 422.
    none = client.post(f"/api/v1/petitions/{petition.pk}/documents/handling_opinion?format=pdf", **cw)
    assert none.status_code == 404
    bad = client.post(f"/api/v1/petitions/{petition.pk}/documents/accept_notice?format=exe", **cw)
    assert bad.status_code == 422


def test_notes_are_added_through_the_note_action_and_listed(
    client: Client, world: Any, register: Any
) -> None:
    petition = register()
    disp = token(client, "dispatcher")
    url = f"/api/v1/petitions/{petition.pk}/notes"
    added = client.post(url, {"text": "已电话核实地址"}, content_type="application/json", **disp)
    assert added.status_code == 201, added.content
    note = added.json()
    assert note["text"] == "已电话核实地址" and note["author"] == "dispatcher"
    event = PetitionEvent.objects.get(pk=note["id"])
    assert event.action == "note" and event.actor == world.users["dispatcher"]
    assert [n["text"] for n in client.get(url, **disp).json()] == ["已电话核实地址"]
    # Empty text: 422, nothing written; a stale If-Match: 412.
    before = PetitionEvent.objects.count()
    assert client.post(url, {"text": ""}, content_type="application/json", **disp).status_code == 422
    stale = client.post(url, {"text": "x"}, content_type="application/json", HTTP_IF_MATCH='"1-1"', **disp)
    assert stale.status_code == 412
    assert PetitionEvent.objects.count() == before


def test_notes_of_an_accusation_do_not_exist_for_the_accused_side(
    client: Client, world: Any, register: Any
) -> None:
    petition = register(nature="accusation", accused_organ=world.organs["a-housing"])
    cw = token(client, "caseworker")  # a post in 住建局
    hidden = client.get(f"/api/v1/petitions/{petition.pk}/notes", **cw)
    missing = client.get("/api/v1/petitions/999999/notes", **cw)
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    add = client.post(
        f"/api/v1/petitions/{petition.pk}/notes", {"text": "x"}, content_type="application/json", **cw
    )
    assert add.status_code == 404


def test_saved_filters_are_per_user(client: Client, world: Any) -> None:
    disp, reg = token(client, "dispatcher"), token(client, "registrar")
    made = client.post(
        "/api/v1/saved-filters",
        {"name": "超期", "query": "?overdue=true"},
        content_type="application/json",
        **disp,
    )
    assert made.status_code == 201 and made.json()["query"] == "overdue=true"
    again = client.post(
        "/api/v1/saved-filters",
        {"name": "超期", "query": "overdue=true&urgent=true"},
        content_type="application/json",
        **disp,
    )
    assert again.json()["id"] == made.json()["id"]
    assert [(f["name"], f["query"]) for f in client.get("/api/v1/saved-filters", **disp).json()] == [
        ("超期", "overdue=true&urgent=true")
    ]
    assert client.get("/api/v1/saved-filters", **reg).json() == []
    assert client.delete(f"/api/v1/saved-filters/{made.json()['id']}", **reg).status_code == 404
    assert client.delete(f"/api/v1/saved-filters/{made.json()['id']}", **disp).status_code == 204
    assert not SavedFilter.objects.exists()
    blank = client.post(
        "/api/v1/saved-filters", {"name": " ", "query": ""}, content_type="application/json", **disp
    )
    assert blank.status_code == 422 and blank.json()["field"] == "name"


def test_export_has_the_workbench_columns_and_masking(client: Client, world: Any, register: Any) -> None:
    first = register()
    register(title="另一件事", nature="accusation", accused_organ=world.organs["a-housing"])
    disp = token(client, "dispatcher")
    xlsx = client.get("/api/v1/exports/petitions?format=xlsx", **disp)
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == export_header()
    assert len(rows) == 3
    mine = next(r for r in rows if r[0] == first.tracking_code)
    assert mine[9] == "李*" and "李四" not in str(rows)
    text = client.get("/api/v1/exports/petitions?format=csv&nature=grievance", **disp)
    assert text.status_code == 200 and text.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert table[0] == export_header() and [r[0] for r in table[1:]] == [first.tracking_code]
    assert table[1] == [str(v) for v in mine]
    # The accused side does not get the accusation; analysts get no export at all.
    petition_transition(
        first.pk, "forward", actor=world.users["dispatcher"], data={"organ_id": world.organs["a-housing"].pk}
    )
    cw_rows = client.get("/api/v1/exports/petitions?format=csv", **token(client, "caseworker")).content
    cw_text = cw_rows.decode("utf-8-sig")
    assert first.tracking_code in cw_text and "另一件事" not in cw_text
    assert client.get("/api/v1/exports/petitions", **token(client, "analyst")).status_code == 403
