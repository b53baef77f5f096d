"""API endpoints for attachments: masked list, and download with a logged reason.

An interface only: the rules are in minsheng.petitions.attachments (registered in ``v1``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Query, Router

from minsheng.api.schema import Schema
from minsheng.api.v1 import ERRORS, request_integration
from minsheng.core.errors import NotFound
from minsheng.integrations.scopes import integration_sees_petitioner
from minsheng.petitions.attachments import attachment_download, attachments_for
from minsheng.petitions.selectors import access_petition

router: Router = Router(tags=["attachments"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    downloadable: bool


@router.get(
    "/petitions/{petition_id}/attachments",
    response={200: list[AttachmentOut], **ERRORS},
    operation_id="petition_attachments",
)
def petition_attachments_endpoint(request: HttpRequest, petition_id: int) -> Any:
    """The attachments with masked names (「附件1.jpg」); empty for callers who may not see the
    petitioner. ``downloadable``: the caller may download them (with a reason)."""
    user = request.auth  # type: ignore[attr-defined]
    petition = access_petition(user, petition_id)
    integration = request_integration(request)
    if integration is not None and not integration_sees_petitioner(integration, petition):
        return []
    return [
        AttachmentOut(
            id=item.pk,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            uploaded_at=item.uploaded_at,
            downloadable=item.downloadable,
        )
        for item in attachments_for(user, petition)
    ]


DOWNLOAD_RESPONSES = {
    "responses": {
        200: {
            "description": "The decrypted file, as a download under its original name.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/petitions/{petition_id}/attachments/{attachment_id}",
    response={**ERRORS},
    operation_id="petition_attachment_download",
    openapi_extra=DOWNLOAD_RESPONSES,
)
def petition_attachment_download_endpoint(
    request: HttpRequest,
    petition_id: int,
    attachment_id: int,
    reason: str = Query(..., min_length=1, max_length=200, description="why the file is needed; logged"),
) -> Any:
    """Download one attachment, decrypted. Only for callers who may see the petitioner's identity
    (403 for those who see it masked, 404 for those who may not see it); every download is
    written to the personal-data access log with ``reason``."""
    user = request.auth  # type: ignore[attr-defined]
    petition = access_petition(user, petition_id)
    integration = request_integration(request)
    if integration is not None and not integration_sees_petitioner(integration, petition):
        raise NotFound(_("附件不存在。"))
    download = attachment_download(user, petition, attachment_id, reason=reason)
    response = HttpResponse(download.content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, download.filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
