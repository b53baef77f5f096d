"""Workbench pages for personal data: attachment download (with a logged reason) and the access log.

Thin views: the rules are in minsheng.petitions.attachments and minsheng.petitions.access_log.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.petitions.access_log import (
    AccessLogFilters,
    access_log_organs,
    access_log_rows,
    can_read_access_log,
)
from minsheng.petitions.attachments import attachment_download, attachment_item
from minsheng.petitions.models import AccessKind
from minsheng.workbench.views import _nav, _petition_or_404, staff_required

PAGE_SIZE = 50


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def file_response(content: bytes, filename: str) -> HttpResponse:
    """A decrypted file: always a download, never cached, never sniffed or rendered."""
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    """GET: the reason form (the masked name only). POST: the decrypted file, logged."""
    user = _user(request)
    petition = _petition_or_404(request, pk)
    try:
        item = attachment_item(user, petition, attachment_id)
    except NotFound:
        raise Http404(_("附件不存在。")) from None
    if not item.downloadable:
        return HttpResponseForbidden(_("无权下载附件：附件可能含有信访人身份信息。"))
    context = {**_nav(request), "p": petition, "item": item}
    if request.method != "POST":
        return render(request, "workbench/attachment.html", context)
    reason = request.POST.get("reason") or ""
    try:
        download = attachment_download(user, petition, attachment_id, reason=reason)
    except InvalidInput as exc:
        context.update({"error": exc.message, "reason": reason})
        return render(request, "workbench/attachment.html", context, status=422)
    except Forbidden as exc:
        return HttpResponseForbidden(exc.message)
    except NotFound:
        raise Http404(_("附件不存在。")) from None
    return file_response(download.content, download.filename)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    """The personal-data access log for administrators and supervisors, filtered."""
    user = _user(request)
    if not can_read_access_log(user):
        return HttpResponseForbidden(_("只有管理员和督查人员可以查阅个人信息访问记录。"))
    get = request.GET
    organ = get.get("organ") or ""
    filters = AccessLogFilters(
        flagged=True if get.get("flagged") == "1" else None,
        kind=get.get("kind") if get.get("kind") in AccessKind.values else None,
        date_from=_date(get.get("from")),
        date_to=_date(get.get("to")),
        organ_id=int(organ) if organ.isdigit() else None,
        username=(get.get("user") or "").strip() or None,
        q=(get.get("q") or "").strip() or None,
    )
    page = Paginator(access_log_rows(user, filters), PAGE_SIZE).get_page(get.get("page"))
    params = {k: v for k, v in get.items() if k != "page" and v}
    context = {
        **_nav(request),
        "page": page,
        "f": filters,
        "params": params,
        "qs": urlencode(params),
        "kinds": AccessKind.choices,
        "organs": access_log_organs(user),
        "active": "access_log",
    }
    return render(request, "workbench/access_log.html", context)
