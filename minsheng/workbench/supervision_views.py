"""Workbench page 督办单: the supervision orders the user may see, with their feedback due, and the
answer form for the target organ's staff.

Thin views: reads through ``minsheng.workflow.selectors`` (orders on visible petitions only), the
answer through ``petition_transition("supervision_feedback")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.assessment.selectors import can_view_organ
from minsheng.core.errors import ApplicationError, NotFound
from minsheng.core.params import date_param, int_param
from minsheng.orgs.models import Organ
from minsheng.petitions.selectors import listed_titles
from minsheng.workbench import queries
from minsheng.workbench.views import _analyst_only, _nav, _querystring, staff_required
from minsheng.workflow.models import SupervisionOrder
from minsheng.workflow.selectors import (
    ORDER_ORIGINS,
    ORDER_STATUSES,
    ORGAN_LADDER_DAYS,
    OrderFilters,
    can_answer,
    order_status,
    organ_supervision_ladder,
    supervision_order_get,
    supervision_orders_for,
)
from minsheng.workflow.services import petition_transition

PAGE_SIZE = 25
STATUS_LABELS = {
    "open": gettext_lazy("待反馈"),
    "overdue": gettext_lazy("反馈超期"),
    "answered": gettext_lazy("已反馈"),
}


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def order_row(
    user: AbstractBaseUser, order: SupervisionOrder, today: dt.date | None = None
) -> dict[str, Any]:
    """What the templates show for an order: status, countdown and tone of the feedback due (the
    colours of the case page's deadlines), and whether the user may answer it."""
    today = today or timezone.localdate()
    status = order_status(order, today)
    left: int | None
    if status == "answered":
        left, tone = None, "breached" if order.feedback_late else "met"
    else:
        left, tone = queries.due_tone(order.feedback_due, today)
    return {
        "o": order,
        "status": status,
        "status_label": str(STATUS_LABELS[status]),
        "left": left,
        "tone": tone,
        "can_answer": can_answer(user, order),
    }


def order_rows(user: AbstractBaseUser, orders: Iterable[SupervisionOrder]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    orders = list(orders)
    titles = listed_titles(user, [order.petition for order in orders])
    return [{**order_row(user, order, today), "title": titles[order.petition_id]} for order in orders]


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _organ_ladder(user: AbstractBaseUser, filters: OrderFilters) -> dict[str, Any] | None:
    """With one organ chosen: its ladder over the chosen period (default the last
    ORGAN_LADDER_DAYS days), as ``GET /api/v1/organs/{id}/supervision-ladder`` gives it."""
    if filters.organ_id is None or not can_view_organ(user, filters.organ_id):
        return None
    organ = Organ.objects.filter(pk=filters.organ_id).first()
    date_to = filters.issued_to or timezone.localdate()
    date_from = filters.issued_from or date_to - dt.timedelta(days=ORGAN_LADDER_DAYS)
    if organ is None or date_from > date_to:
        return None
    steps = organ_supervision_ladder(user, organ.pk, date_from, date_to)
    return {"organ": organ, "from": date_from, "to": date_to, "steps": steps}


@staff_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if _analyst_only(user):
        raise Http404(_("督办单不存在。"))
    params = request.GET
    filters = OrderFilters(
        status=_choice(params.get("status"), ORDER_STATUSES),
        origin=_choice(params.get("origin"), ORDER_ORIGINS),
        kind=_choice(params.get("kind"), tuple(SupervisionOrder.Kind.values)),
        organ_id=int_param(params.get("organ"), "organ", minimum=1),
        issued_from=date_param(params.get("from"), "from"),
        issued_to=date_param(params.get("to"), "to"),
    )
    qs = supervision_orders_for(user, filters)
    page = Paginator(qs, PAGE_SIZE).get_page(
        int_param(params.get("page"), "page", minimum=1, maximum=1_000_000)
    )
    organs = Organ.objects.filter(pk__in=supervision_orders_for(user).values("target_organ_id")).order_by(
        "level", "code"
    )
    context = {
        **_nav(request),
        "organ_ladder": _organ_ladder(user, filters),
        "page": page,
        "rows": order_rows(user, page.object_list),
        "f": filters,
        "params": params,
        "qs": _querystring(request),
        "statuses": [(s, str(STATUS_LABELS[s])) for s in ORDER_STATUSES],
        "origins": [("manual", _("人工督办")), ("automatic", _("超期自动督办"))],
        "kinds": SupervisionOrder.Kind.choices,
        "organs": organs,
        "back": request.get_full_path(),
        "active": "supervision",
    }
    return render(request, "workbench/supervision.html", context)


def _back(request: HttpRequest, order: SupervisionOrder | None) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if order is not None:
        return reverse("workbench:petition", args=[order.petition_id])
    return reverse("workbench:supervision")


@staff_required
@require_POST
def supervision_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The written answer (Art. 40(4)) from the list or the case page; through the one service."""
    user = _user(request)
    try:
        order = supervision_order_get(user, pk)
    except NotFound:
        raise Http404(_("督办单不存在。")) from None
    try:
        petition_transition(
            order.petition_id,
            "supervision_feedback",
            actor=user,
            data={"order_id": order.pk, "feedback": request.POST.get("feedback", "")},
        )
    except ApplicationError as exc:
        messages.error(request, _("督办反馈未保存：%(m)s") % {"m": exc.message})
    else:
        order.refresh_from_db()
        if order.feedback_late:
            messages.warning(request, _("督办反馈已保存（逾期反馈）。"))
        else:
            messages.success(request, _("督办反馈已保存。"))
    return redirect(_back(request, order))
