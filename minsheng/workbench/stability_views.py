"""Workbench pages for 稳评 (social-stability risk assessment of major decisions) and for the
consistency flags (一碗水端平). Thin views: reads through ``minsheng.stability.selectors``, every
change through ``minsheng.stability.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.core.errors import ApplicationError, InvalidInput
from minsheng.orgs.models import Category, Organ, Region
from minsheng.orgs.selectors import is_admin, memberships_of
from minsheng.stability import selectors, services
from minsheng.stability.models import (
    ConsistencyFlag,
    Consultation,
    DecisionKind,
    Dimension,
    DimensionFinding,
    MajorDecision,
    RiskLevel,
)
from minsheng.stability.reports import report_docx
from minsheng.workbench.views import _analyst_only, _nav, staff_required


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def _date(value: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("日期格式应为YYYY-MM-DD。"), field=name) from None


def _bars(monthly: list[tuple[str, int]]) -> list[dict[str, Any]]:
    top = max([n for _m, n in monthly] or [1]) or 1
    return [{"month": m, "n": n, "h": round(80 * n / top)} for m, n in monthly]


@staff_required
def decisions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if _analyst_only(user):
        raise Http404
    organs = (
        list(Organ.objects.filter(is_active=True).order_by("level", "code"))
        if is_admin(user)
        else sorted({m.organ for m in memberships_of(user)}, key=lambda o: (o.level, o.code))
    )
    if request.method == "POST":
        post = request.POST
        try:
            organ = next((o for o in organs if str(o.pk) == post.get("organ")), None)
            if organ is None:
                raise InvalidInput(_("请选择决策机关。"), field="organ")
            region = Region.objects.filter(pk=post.get("region") or 0).first()
            if region is None:
                raise InvalidInput(_("请选择涉及地区。"), field="region")
            decision = services.decision_register(
                services.DecisionInput(
                    title=post.get("title", ""),
                    kind=post.get("kind", ""),
                    organ=organ,
                    region=region,
                    place=post.get("place", ""),
                    category=Category.objects.filter(pk=post.get("category") or 0).first(),
                    keywords=post.get("keywords", "").replace("，", ",").split(","),
                    scope=post.get("scope", ""),
                    planned_date=_date(post.get("planned_date"), "planned_date"),
                    legal_basis=post.get("legal_basis") or services.DEFAULT_LEGAL_BASIS,
                ),
                actor=user,
            )
        except ApplicationError as exc:
            messages.error(request, _("决策事项未登记：%(m)s") % {"m": exc.message})
        else:
            messages.success(request, _("决策事项已登记，信访数据已自动汇集。"))
            return redirect("workbench:stability_decision", pk=decision.pk)
    context = {
        **_nav(request),
        "active": "stability",
        "decisions": selectors.decisions_for(user)[:200],
        "organs": organs,
        "regions": Region.objects.filter(level__lte=Region.Level.COUNTY).order_by("code"),
        "categories": Category.objects.filter(level=1).order_by("path"),
        "kinds": DecisionKind.choices,
        "default_basis": services.DEFAULT_LEGAL_BASIS,
    }
    return render(request, "workbench/stability.html", context)


def _decision_or_404(request: HttpRequest, pk: int) -> MajorDecision:
    user = _user(request)
    decision = None if _analyst_only(user) else selectors.decision_get(user, pk)
    if decision is None:
        raise Http404(_("决策事项不存在。"))
    return decision


@staff_required
def decision_page(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_or_404(request, pk)
    ev = selectors.evidence(decision)
    findings = {f.dimension: f for f in decision.findings.all()}
    after = selectors.before_after(decision)
    context = {
        **_nav(request),
        "active": "stability",
        "d": decision,
        "ev": ev,
        "bars": _bars(ev["monthly"]),
        "dimensions": [(d.value, d.label, findings.get(d.value)) for d in Dimension],
        "ratings": DimensionFinding.Rating.choices,
        "methods": Consultation.Method.choices,
        "levels": RiskLevel.choices,
        "outcomes": MajorDecision.Outcome.choices,
        "open": decision.status == MajorDecision.Status.ASSESSING,
        "after": after,
        "after_bars": _bars(after["before_monthly"] + after["after_monthly"]) if after else [],
        "today": timezone.localdate(),
    }
    return render(request, "workbench/stability_decision.html", context)


@staff_required
@require_POST
def decision_act(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    decision = _decision_or_404(request, pk)
    user = _user(request)
    post = request.POST
    try:
        if act == "consult":
            services.consultation_add(
                decision.pk,
                actor=user,
                method=post.get("method", ""),
                held_on=_date(post.get("held_on"), "held_on"),
                participants=post.get("participants", ""),
                summary=post.get("summary", ""),
                adoption=post.get("adoption", ""),
            )
        elif act == "finding":
            services.finding_record(
                decision.pk,
                actor=user,
                dimension=post.get("dimension", ""),
                findings=post.get("findings", ""),
                rating=post.get("rating", ""),
            )
        elif act == "grade":
            services.risk_grade(
                decision.pk,
                actor=user,
                level=post.get("level", ""),
                risk_points=post.get("risk_points", ""),
                mitigations=post.get("mitigations", ""),
                response_plan=post.get("response_plan", ""),
            )
        elif act == "decide":
            services.decision_decide(
                decision.pk,
                actor=user,
                outcome=post.get("outcome", ""),
                note=post.get("note", ""),
                dissent=post.get("dissent", ""),
            )
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, _("未保存：%(m)s") % {"m": exc.message})
    else:
        messages.success(request, _("已保存。"))
    return redirect("workbench:stability_decision", pk=decision.pk)


@staff_required
def decision_report(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_or_404(request, pk)
    response = HttpResponse(
        report_docx(decision),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="stability-assessment-{decision.pk}.docx"'
    return response


@staff_required
def consistency(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if _analyst_only(user):
        raise Http404
    status = request.GET.get("status") or "open"
    if status not in ConsistencyFlag.Status.values:
        status = "open"
    flags = selectors.flags_for(user, status)[:50]
    context = {
        **_nav(request),
        "active": "consistency",
        "rows": [{"f": f, "sides": selectors.flag_sides(f)} for f in flags],
        "status": status,
        "statuses": ConsistencyFlag.Status.choices,
        "can_review": selectors.can_review_flags(user),
    }
    return render(request, "workbench/consistency.html", context)


@staff_required
@require_POST
def consistency_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not selectors.flags_for(user).filter(pk=pk).exists():
        raise Http404
    try:
        services.flag_resolve(
            pk, actor=user, status=request.POST.get("status", ""), reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, _("未保存：%(m)s") % {"m": exc.message})
    else:
        messages.success(request, _("已处理。"))
    return redirect("workbench:consistency")
