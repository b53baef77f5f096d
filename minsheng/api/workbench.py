"""What staff do on the workbench's case page and list, through the API: documents, internal
notes, saved filters, the list export. An interface only: the rules are in documents.services,
workflow (the ``note`` action), search.services and petitions.export (registered in ``v1``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Query, Router, Status
from pydantic import Field

from minsheng.api.schema import Schema
from minsheng.api.v1 import (
    ACTION_ERRORS,
    ERRORS,
    ListQuery,
    if_match_version,
    petition_filters,
    request_integration,
)
from minsheng.integrations.scopes import integration_may, integration_sees_petitioner
from minsheng.petitions.models import Petition
from minsheng.petitions.selectors import (
    access_petition,
    can_see_identity,
    can_see_masked_identity,
)
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.selectors import notes_for
from minsheng.workflow.services import petition_transition

router: Router = Router(tags=["workbench"])

BINARY = {
    "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
            "schema": {"type": "string", "format": "binary"}
        },
    }
}


def _identity(request: HttpRequest, petition: Petition) -> tuple[bool, bool]:
    """(masked, hidden) for what a document may show of the petitioner to this caller."""
    user = request.auth  # type: ignore[attr-defined]
    integration = request_integration(request)
    if integration is not None and not integration_sees_petitioner(integration, petition):
        return True, True
    return not can_see_identity(user, petition), not can_see_masked_identity(user, petition)


# ---------------------------------------------------------------------------------------------- documents


class DocumentOut(Schema):
    kind: str
    label: str
    formats: list[str]


@router.get(
    "/petitions/{petition_id}/documents",
    response={200: list[DocumentOut], **ERRORS},
    operation_id="petition_documents",
)
def petition_documents_endpoint(request: HttpRequest, petition_id: int) -> Any:
    """The official documents this petition's records support (受理告知书, 处理意见书, …)."""
    from minsheng.documents.services import documents_available

    petition = access_petition(request.auth, petition_id)  # type: ignore[attr-defined]
    return [
        DocumentOut(kind=kind, label=str(label), formats=["pdf", "docx"])
        for kind, label in documents_available(petition)
    ]


@router.post(
    "/petitions/{petition_id}/documents/{kind}",
    response={**ERRORS},
    operation_id="petition_document_download",
    openapi_extra={
        "responses": {200: {"description": "The document (issued and filed on first use).", **BINARY}}
    },
)
def petition_document_endpoint(
    request: HttpRequest,
    petition_id: int,
    kind: str,
    format: Literal["pdf", "docx"] = Query("pdf", description="pdf or docx"),
) -> Any:
    """Issue (numbered and filed on first use, as on the workbench) and download a document: a POST
    because the first download writes the number. The petitioner's name is masked or left out as
    the caller may see it. 404 when the petition has no record the document could state."""
    from minsheng.documents.services import render_document

    petition = access_petition(request.auth, petition_id)  # type: ignore[attr-defined]
    masked, hidden = _identity(request, petition)
    data, filename, content_type = render_document(
        petition,
        kind,
        format,
        actor=request.auth,  # type: ignore[attr-defined]
        masked=masked,
        hidden=hidden,
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------- notes


class NoteOut(Schema):
    id: int
    at: dt.datetime
    author: str | None
    organ: str | None
    text: str


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=5000, description="备注（仅内部可见）")


def _note_out(event: PetitionEvent) -> NoteOut:
    return NoteOut(
        id=event.pk,
        at=event.occurred_at,
        author=event.actor.get_username() if event.actor else None,
        organ=event.actor_organ.name if event.actor_organ else None,
        text=str((event.data or {}).get("text", "")),
    )


@router.get(
    "/petitions/{petition_id}/notes", response={200: list[NoteOut], **ERRORS}, operation_id="petition_notes"
)
def petition_notes_endpoint(request: HttpRequest, petition_id: int) -> Any:
    """The internal notes (备注), newest first, as on the case page."""
    user = request.auth  # type: ignore[attr-defined]
    petition = access_petition(user, petition_id)
    return [_note_out(e) for e in notes_for(user, petition.pk)]


@router.post(
    "/petitions/{petition_id}/notes",
    response={201: NoteOut, **ACTION_ERRORS},
    operation_id="petition_note_add",
)
def petition_note_add_endpoint(request: HttpRequest, petition_id: int, payload: NoteIn) -> Any:
    """Add an internal note: the ``note`` action (audited on the timeline); If-Match as for actions."""
    user = request.auth  # type: ignore[attr-defined]
    integration = request_integration(request)
    if integration is not None:
        integration_may(integration, "note")
    petition = access_petition(user, petition_id)
    expected = if_match_version(request.headers.get("If-Match"))
    petition_transition(
        petition.pk, "note", actor=user, data={"text": payload.text}, expected_version=expected
    )
    event = (
        PetitionEvent.objects.filter(petition=petition, action="note", actor_id=user.pk)
        .select_related("actor", "actor_organ")
        .latest("pk")
    )
    return Status(201, _note_out(event))


# ---------------------------------------------------------------------------------------------- saved filters


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str = Field(description="the petition list's query string, e.g. state=in_handling&overdue=true")
    created_at: dt.datetime


class SavedFilterIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    query: str = Field("", max_length=1000)


def _saved_out(row: Any) -> SavedFilterOut:
    return SavedFilterOut(id=row.pk, name=row.name, query=row.query, created_at=row.created_at)


@router.get(
    "/saved-filters", response={200: list[SavedFilterOut], **ERRORS}, operation_id="saved_filter_list"
)
def saved_filter_list_endpoint(request: HttpRequest) -> Any:
    """Your saved filters of the petition list (shared with the workbench)."""
    from minsheng.search.services import saved_filters_for

    return [_saved_out(f) for f in saved_filters_for(request.auth)]  # type: ignore[attr-defined]


@router.post("/saved-filters", response={201: SavedFilterOut, **ERRORS}, operation_id="saved_filter_create")
def saved_filter_create_endpoint(request: HttpRequest, payload: SavedFilterIn) -> Any:
    """Save a filter (a filter of the same name is replaced)."""
    from minsheng.search.services import saved_filter_save

    saved = saved_filter_save(request.auth, payload.name, payload.query)  # type: ignore[attr-defined]
    return Status(201, _saved_out(saved))


@router.delete(
    "/saved-filters/{filter_id}", response={204: None, **ERRORS}, operation_id="saved_filter_delete"
)
def saved_filter_delete_endpoint(request: HttpRequest, filter_id: int) -> Any:
    """Delete one of your filters (404 for another user's)."""
    from minsheng.search.services import saved_filter_delete

    saved_filter_delete(request.auth, filter_id)  # type: ignore[attr-defined]
    return Status(204, None)


# ---------------------------------------------------------------------------------------------- export


class ExportQuery(ListQuery):
    format: Literal["xlsx", "csv"] = Field("xlsx", description="xlsx or csv (UTF-8 with BOM)")


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@router.get(
    "/exports/petitions",
    response={**ERRORS},
    operation_id="petition_export",
    openapi_extra={
        "responses": {
            200: {
                "description": "The filtered list, same columns and masking as the workbench export.",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in EXPORT_TYPES.values()
                },
            }
        }
    },
)
def petition_export_endpoint(request: HttpRequest, filters: Query[ExportQuery]) -> Any:
    """The petition list (same filters as GET /petitions) as .xlsx or .csv: the workbench export's
    columns, names masked, at most 5,000 rows in the list order. Analysts: 403."""
    from minsheng.petitions.export import export_csv, export_petitions, export_xlsx

    integration = request_integration(request)
    rows = export_petitions(
        request.auth,  # type: ignore[attr-defined]
        petition_filters(filters),
        petitioner_allowed=None
        if integration is None
        else (lambda p: integration_sees_petitioner(integration, p)),
    )
    content = export_xlsx(rows) if filters.format == "xlsx" else export_csv(rows)
    response = HttpResponse(content, content_type=EXPORT_TYPES[filters.format])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="petitions-{stamp}.{filters.format}"'
    return response
