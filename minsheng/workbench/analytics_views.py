"""The analyst dashboard (研判分析): charts, map, spike alerts, hot issues, de-identified drill-down
and report downloads. Thin views over minsheng.analytics (selectors, services, reports).

Open to analysts, leaders, supervisors and administrators; everyone else gets 403. No petitioner
data is shown anywhere (titles and requests are de-identified; keys are tracking codes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.analytics.models import AlertSubscription
from minsheng.analytics.reports import (
    CONTENT_TYPES,
    RENDERERS,
    cached_report,
    category_label,
    percent,
    report_document,
)
from minsheng.analytics.selectors import UNKNOWN_REGION, Scope, districts, drill_down
from minsheng.analytics.services import alert_subscribe, alert_unsubscribe
from minsheng.core.errors import ApplicationError, InvalidInput
from minsheng.core.params import date_param, id_param
from minsheng.orgs.models import Category, Region, Role
from minsheng.orgs.selectors import is_admin, roles_of
from minsheng.workbench.views import _nav

View = Callable[..., HttpResponse]
ANALYTICS_ROLES = frozenset({Role.ANALYST, Role.LEADER, Role.SUPERVISOR})
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
DEMO_CITY_CODE = "439900"


def analytics_required(view: View) -> View:
    """Logged in, with an analyst / leader / supervisor post, or an administrator; else 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (roles_of(request.user) & ANALYTICS_ROLES) and not is_admin(request.user):
            return HttpResponseForbidden(_("研判分析仅对研判人员、领导、督查人员和管理员开放。"))
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def _date(value: str | None, default: dt.date, name: str) -> dt.date:
    """The parameter's date, the default when absent; an impossible date raises BadParameter (400)."""
    parsed = date_param(value, name)
    return default if parsed is None else parsed


def parse_filters(request: HttpRequest) -> tuple[Scope, dict[str, Any]]:
    """The period / category / region filters of the query string. Missing values and unknown
    categories or regions fall back to defaults; malformed dates or ids raise BadParameter (400)."""
    today = timezone.localdate()
    date_to = min(_date(request.GET.get("to"), today, "to"), today)
    date_from = _date(request.GET.get("from"), date_to - dt.timedelta(days=DEFAULT_DAYS - 1), "from")
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    if (date_to - date_from).days > MAX_DAYS:
        date_from = date_to - dt.timedelta(days=MAX_DAYS)
    category_id: int | None = None
    raw_category = id_param(request.GET.get("category"), "category")
    if raw_category is not None and Category.objects.filter(pk=raw_category, level=1).exists():
        category_id = raw_category
    region_code = request.GET.get("region") or None
    if region_code and not Region.objects.filter(code=region_code).exists():
        region_code = None
    scope = Scope(date_from, date_to, region_code=region_code, category_id=category_id)
    params = {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "category": str(category_id or ""),
        "region": region_code or "",
    }
    return scope, params


def _qs(params: dict[str, Any], **extra: Any) -> str:
    merged = {**params, **extra}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@analytics_required
def analytics_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scope, params = parse_filters(request)
    data = cached_report(scope, user)
    handle = next((t for t in data.on_time if t.rule == "D-HANDLE-60"), None)
    region_ids = {r.name: r for r in Region.objects.filter(level=Region.Level.COUNTY)}
    subscriptions = list(
        AlertSubscription.objects.filter(user_id=user.pk).select_related("category", "region")
    )
    subscribed = {(s.category_id, s.region_id) for s in subscriptions}
    chart = {
        "weekly": {"weeks": [w.isoformat() for w in data.weeks], "counts": data.weekly},
        "by_category": [
            {
                "name": category_label(c.category),
                "n": c.count,
                "previous": c.previous,
                "url": "petitions/?" + _qs(params, category_name=c.category),
            }
            for c in data.by_category
        ],
        "by_channel": [{"name": c, "n": n} for c, n in data.by_channel],
        "by_district": [
            {
                "name": d,
                "n": n,
                "url": "petitions/?" + _qs(params, district=d),
            }
            for d, n in data.by_district
            if d != UNKNOWN_REGION
        ],
        "map_names": [r.name for r in districts(DEMO_CITY_CODE)],
        "unknown_region": next((n for d, n in data.by_district if d == UNKNOWN_REGION), 0),
    }
    context = {
        **_nav(request),
        "active": "analytics",
        "params": params,
        "qs": _qs(params),
        "d": data,
        "handle": handle,
        "change_text": ("+" if (data.change or 0) > 0 else "") + percent(data.change),
        "notice": next((t for t in data.on_time if t.rule == "D-NOTICE-15"), None),
        "categories": Category.objects.filter(level=1).order_by("name"),
        "regions": districts(),
        # the spikes of the report itself (one computation, one definition with the alert worker)
        "alerts": [
            {
                "alert": a,
                "subscribed": (a.category_id, a.region_id) in subscribed,
                "drill": _qs(
                    params,
                    category_name=a.category,
                    district=a.district,
                    week=a.week.isoformat(),
                    **{"from": min(scope.date_from, a.week).isoformat()},
                ),
            }
            for a in data.spikes[:30]
        ],
        "subscriptions": subscriptions,
        "hot": [{**h, "codes": ",".join(str(m) for m in h["members"])} for h in data.hot],
        "chart_json": chart,
        "region_ids": {name: r.pk for name, r in region_ids.items()},
        "subscribe_category": scope.category_id,
        "subscribe_region": Region.objects.filter(code=scope.region_code).values_list("pk", flat=True).first()
        if scope.region_code
        else None,
        "channels": AlertSubscription.Channel.choices,
    }
    return render(request, "workbench/analytics/dashboard.html", context)


@analytics_required
def analytics_petitions(request: HttpRequest) -> HttpResponse:
    """De-identified drill-down: title, request, tracking code, state. No petitioner data."""
    scope, params = parse_filters(request)
    codes = [c.strip() for c in (request.GET.get("codes") or "").split(",") if c.strip()]
    week = date_param(request.GET.get("week"), "week")
    category_name = request.GET.get("category_name") or None
    district = request.GET.get("district") or None
    rows = drill_down(
        scope,
        _user(request),
        codes=codes or None,
        category=category_name,
        district=district,
        week=week,
    )
    context = {
        **_nav(request),
        "active": "analytics",
        "params": params,
        "qs": _qs(params),
        "rows": rows,
        "codes": codes,
        "week": week,
        "category_name": category_name,
        "district": district,
    }
    return render(request, "workbench/analytics/petitions.html", context)


@analytics_required
def analytics_report(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in RENDERERS:
        raise Http404(_("不支持的文件格式。"))
    scope, _params = parse_filters(request)
    body, filename = report_document(scope, _user(request), fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _int_or_none(value: str | None) -> int | None:
    return id_param(value, "id")


@analytics_required
@require_POST
def analytics_subscribe(request: HttpRequest) -> HttpResponse:
    try:
        alert_subscribe(
            _user(request),
            category_id=_int_or_none(request.POST.get("category")),
            region_id=_int_or_none(request.POST.get("region")),
            channel=request.POST.get("channel") or AlertSubscription.Channel.IN_APP,
        )
    except InvalidInput as exc:
        messages.error(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已订阅：出现新的异常增长预警时将通知您。"))
    return redirect(_safe_next(request))


@analytics_required
@require_POST
def analytics_unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        alert_unsubscribe(_user(request), pk)
    except ApplicationError:
        raise Http404(_("订阅不存在。")) from None
    messages.success(request, _("已取消订阅。"))
    return redirect(_safe_next(request))


def _safe_next(request: HttpRequest) -> str:
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("workbench:analytics")
