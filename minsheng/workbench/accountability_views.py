"""Workbench page 问责建议: the Art. 39(3) proposals (约谈, 通报, 挂牌督办) about organs below the
supervisor's own, with the figures behind them and the chain of leaders; accept or dismiss.

Thin views: reads through ``accountability.proposals.proposals_visible_to``, decisions through
``proposal_accept`` / ``proposal_dismiss`` (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accountability.models import Proposal
from minsheng.accountability.proposals import proposal_accept, proposal_dismiss, proposals_visible_to
from minsheng.assessment.names import indicator_name
from minsheng.core.errors import ApplicationError
from minsheng.core.params import date_param
from minsheng.workbench.views import _nav, staff_required

STATUS_FILTERS = ("open", "accepted", "dismissed")


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


@staff_required
def proposals_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    rows = []
    for p in proposals_visible_to(user).filter(status=status).order_by("period_to", "organ__code", "measure"):
        rows.append(
            {
                "p": p,
                "figures": [{**f, "name": indicator_name(f["indicator"])} for f in p.figures],
            }
        )
    return render(
        request,
        "workbench/proposals.html",
        {
            **_nav(request),
            "active": "proposals",
            "rows": rows,
            "status": status,
            "statuses": [(s, Proposal.Status(s).label) for s in STATUS_FILTERS],
        },
    )


@staff_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    proposal = proposals_visible_to(user).filter(pk=pk).first()
    if proposal is None:
        raise Http404(_("建议不存在。"))
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            rectify_by = date_param(request.POST.get("rectify_by") or None, "rectify_by")
            measure = proposal_accept(
                proposal, actor=user, text=request.POST.get("text", ""), rectify_by=rectify_by
            )
            messages.success(
                request,
                _("已采纳：%(m)s %(organ)s，整改反馈期限 %(d)s。")
                % {"m": measure.get_kind_display(), "organ": proposal.organ.name, "d": measure.rectify_by},
            )
        elif decision == "dismiss":
            proposal_dismiss(proposal, actor=user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已不采纳该建议，理由已记录。"))
        else:
            messages.error(request, _("请选择采纳或不采纳。"))
    except ApplicationError as exc:
        messages.error(request, _("未保存：%(m)s") % {"m": exc.message})
    return redirect(reverse("workbench:proposals"))
