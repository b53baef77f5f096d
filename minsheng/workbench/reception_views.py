"""Workbench pages for leader reception (领导接访日), 包案 and 下访. Thin views: permissions and
reads through ``minsheng.reception.selectors`` / ``services``; every change through a service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.core.errors import ApplicationError, InvalidInput
from minsheng.orgs.models import Category, Organ, Region, StaffMembership
from minsheng.orgs.selectors import is_admin, memberships_of
from minsheng.petitions.models import Nature
from minsheng.reception import selectors, services
from minsheng.reception.models import ReceptionDay, ReceptionForm
from minsheng.workbench.views import _analyst_only, _nav, _petition_or_404, staff_required


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def _date(value: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("日期格式应为YYYY-MM-DD。"), field=name) from None


def _time(value: str | None, name: str) -> dt.time:
    try:
        return dt.time.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(_("时间格式应为HH:MM。"), field=name) from None


def _int(value: str | None, name: str) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        raise InvalidInput(_("请填写整数。"), field=name) from None
    if not 0 <= number < 2**63:  # no id; larger numbers overflow the database driver
        raise InvalidInput(_("请填写整数。"), field=name)
    return number


def _manager_organs(user: AbstractBaseUser) -> list[Organ]:
    if is_admin(user):
        return list(Organ.objects.filter(is_active=True).order_by("level", "code"))
    ids = {m.organ_id for m in memberships_of(user) if m.role in services.MANAGER_ROLES}
    return list(Organ.objects.filter(pk__in=ids).order_by("level", "code"))


def _leaders(organs: list[Organ]) -> list[Any]:
    ids = StaffMembership.objects.filter(organ__in=organs, role__in=services.RECEIVER_ROLES).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))


@staff_required
def reception_days(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organs = _manager_organs(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        post = request.POST
        try:
            organ = next((o for o in organs if str(o.pk) == post.get("organ")), None)
            if organ is None:
                raise InvalidInput(_("请选择发布机关。"), field="organ")
            leader = next((u for u in _leaders([organ]) if str(u.pk) == post.get("leader")), None)
            if leader is None:
                raise InvalidInput(_("请选择本机关的接访领导。"), field="leader")
            joint = list(
                Organ.objects.filter(pk__in=[v for v in post.getlist("joint_organs") if v.isdigit()])
            )
            day = services.day_create(
                services.DayInput(
                    organ=organ,
                    leader=leader,
                    leader_post=post.get("leader_post", ""),
                    portfolio=post.get("portfolio", ""),
                    date=_date(post.get("date"), "date"),
                    start_time=_time(post.get("start_time"), "start_time"),
                    end_time=_time(post.get("end_time"), "end_time"),
                    place=post.get("place", ""),
                    topics=post.get("topics", ""),
                    capacity=_int(post.get("capacity"), "capacity"),
                    form=post.get("form") or ReceptionForm.FIXED,
                    joint_organs=joint,
                ),
                actor=user,
                publish=post.get("publish") == "1",
            )
        except ApplicationError as exc:
            errors[exc.field or "__all__"] = exc.message
            messages.error(request, _("接访日未保存：%(m)s") % {"m": exc.message})
        else:
            messages.success(request, _("接访日已保存。") if day.status == "draft" else _("接访日已发布。"))
            return redirect("workbench:reception_day", pk=day.pk)
    days = list(selectors.staff_days(user)[:200])
    context = {
        **_nav(request),
        "active": "reception",
        "days": [
            {"d": d, "leader": selectors.leader_name(d), "can_manage": services.can_manage(user, d)}
            for d in days
        ],
        "organs": organs,
        "all_organs": Organ.objects.filter(is_active=True).order_by("level", "code"),
        "leaders": _leaders(organs),
        "forms": ReceptionForm.choices,
        "lead_days": services.publish_lead_days(),
        "earliest": timezone.localdate() + dt.timedelta(days=services.publish_lead_days()),
        "errors": errors,
        "post": request.POST if request.method == "POST" else {},
    }
    return render(request, "workbench/reception_days.html", context)


def _day_or_404(user: AbstractBaseUser, pk: int) -> ReceptionDay:
    day = selectors.staff_days(user).filter(pk=pk).first()
    if day is None:
        raise Http404(_("接访日不存在。"))
    return day


@staff_required
def reception_day(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    day = _day_or_404(user, pk)
    context = {
        **_nav(request),
        "active": "reception",
        "d": day,
        "leader": selectors.leader_name(day),
        "rows": selectors.appointment_rows(day, user),
        "can_manage": services.can_manage(user, day),
        "can_register": services.can_register(user, day),
        "is_today": day.date == timezone.localdate(),
        "started": day.date <= timezone.localdate(),
        "categories": Category.objects.filter(level=1).order_by("path"),
        "natures": Nature.choices,
        "organs": Organ.objects.filter(is_active=True).order_by("level", "code")
        if services.can_register(user, day)
        else [],
    }
    return render(request, "workbench/reception_day.html", context)


@staff_required
@require_POST
def reception_day_act(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    user = _user(request)
    day = _day_or_404(user, pk)
    post = request.POST
    try:
        if act == "publish":
            services.day_publish(day.pk, actor=user)
            messages.success(request, _("接访日已发布。"))
        elif act == "cancel":
            services.day_cancel(day.pk, actor=user, reason=post.get("reason", ""))
            messages.success(request, _("接访日已取消，已预约的群众将收到短信通知。"))
        elif act == "walk_in":
            appt = services.walk_in_register(
                day.pk,
                actor=user,
                name=post.get("name", ""),
                phone=post.get("phone", ""),
                summary=post.get("summary", ""),
            )
            messages.success(request, _("已登记现场来访：%(c)s。") % {"c": appt.code})
        elif act == "register":
            category = Category.objects.filter(pk=_int(post.get("category") or "0", "category")).first()
            accused_id = _int(post.get("accused_organ") or "0", "accused_organ")
            accused = Organ.objects.filter(pk=accused_id, is_active=True).first() if accused_id else None
            nature = post.get("nature") or Nature.GRIEVANCE
            petition = services.appointment_register_matter(
                _int(post.get("appointment"), "appointment"),
                actor=user,
                matter=services.MatterInput(
                    title=post.get("title", ""),
                    request=post.get("request", ""),
                    category=category,
                    address=post.get("address", "").strip()[:200],
                    nature=nature,
                    accused_organ=accused,
                ),
            )
            messages.success(request, _("已登记为信访事项 %(c)s。") % {"c": petition.tracking_code})
            return redirect("workbench:petition", pk=petition.pk)
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, _("操作未完成：%(m)s") % {"m": exc.message})
    return redirect("workbench:reception_day", pk=day.pk)


@staff_required
@require_POST
def baoan(request: HttpRequest, pk: int) -> HttpResponse:
    """包案 from the petition page: the signed-in leader takes personal charge."""
    petition = _petition_or_404(request, pk)
    user = _user(request)
    post = request.POST
    try:
        target = _date(post.get("target_date"), "target_date") if post.get("target_date") else None
        services.baoan_take(
            petition.pk,
            leader=user,
            duties=post.getlist("duties"),
            target_date=target,
            note=post.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, _("包案未完成：%(m)s") % {"m": exc.message})
    else:
        messages.success(request, _("您已包案该信访事项。"))
    return redirect("workbench:petition", pk=petition.pk)


@staff_required
def outreach(request: HttpRequest) -> HttpResponse:
    """下访: the record form for leaders, the list, and where leaders went against where petitions
    come from (per district of the city)."""
    user = _user(request)
    if _analyst_only(user):
        raise Http404
    leader_organs = [m.organ for m in memberships_of(user) if m.role in services.RECEIVER_ROLES]
    if request.method == "POST":
        post = request.POST
        try:
            organ = next((o for o in leader_organs if str(o.pk) == post.get("organ")), None)
            if organ is None:
                raise InvalidInput(_("只有机关领导可以记录下访。"), field="organ")
            region = Region.objects.filter(pk=post.get("region") or 0).first()
            if region is None:
                raise InvalidInput(_("请选择下访地区。"), field="region")
            titles = post.getlist("matter_title")
            requests = post.getlist("matter_request")
            matters = [
                services.VisitMatter(title=t, request=r)
                for t, r in zip(titles, requests, strict=False)
                if t.strip() or r.strip()
            ]
            services.outreach_record(
                leader=user,
                organ=organ,
                region=region,
                place=post.get("place", ""),
                date=_date(post.get("date"), "date"),
                people_met=post.get("people_met", ""),
                outcomes=post.get("outcomes", ""),
                matters=matters,
            )
        except ApplicationError as exc:
            messages.error(request, _("下访记录未保存：%(m)s") % {"m": exc.message})
        else:
            messages.success(request, _("下访记录已保存。"))
            return redirect("workbench:outreach")
    today = timezone.localdate()
    try:
        date_from = (
            _date(request.GET.get("from"), "from")
            if request.GET.get("from")
            else today - dt.timedelta(days=365)
        )
        date_to = _date(request.GET.get("to"), "to") if request.GET.get("to") else today
    except InvalidInput as exc:
        messages.error(request, exc.message)
        date_from, date_to = today - dt.timedelta(days=365), today
    city = selectors.outreach_city(user)
    rows = selectors.outreach_vs_petitions(city, date_from, date_to) if city else []
    max_p = max([r.petitions for r in rows] or [1]) or 1
    max_v = max([r.visits for r in rows] or [1]) or 1
    context = {
        **_nav(request),
        "active": "outreach",
        "visits": [
            {"v": v, "petitions": selectors.visible_visit_petitions(v, user)}
            for v in selectors.visits_for(user)[:100]
        ],
        "rows": [
            {"r": r, "p_pct": round(100 * r.petitions / max_p), "v_pct": round(100 * r.visits / max_v)}
            for r in rows
        ],
        "city": city,
        "from": date_from,
        "to": date_to,
        "leader_organs": leader_organs,
        "regions": Region.objects.filter(parent=city).order_by("code") if city else [],
        "today": today,
        "owned": selectors.owned_by(user)[:50],
    }
    return render(request, "workbench/outreach.html", context)


def _period(request: HttpRequest) -> tuple[dt.date | None, dt.date | None]:
    """The report's period as asked in ?from=&to= (None: the selector's default)."""
    try:
        date_from = _date(request.GET.get("from"), "from") if request.GET.get("from") else None
        date_to = _date(request.GET.get("to"), "to") if request.GET.get("to") else None
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return None, None
    return date_from, date_to


@staff_required
def reception_duties(request: HttpRequest) -> HttpResponse:
    """A-081: each leader bound by a reception duty, per month or quarter: days held against the
    rule (接访意见2009 unless the deployment sets its own)."""
    user = _user(request)
    asked_from, asked_to = _period(request)
    try:
        rows = selectors.duty_compliance(user, asked_from, asked_to)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        asked_from = asked_to = None
        rows = selectors.duty_compliance(user, None, None)
    date_from, date_to = selectors.duty_period(asked_from, asked_to)
    tables: dict[str, dict[str, Any]] = {}
    for row in rows:
        table = tables.setdefault(
            row.duty.key, {"duty": row.duty, "periods": [p.period for p in row.periods], "rows": []}
        )
        table["rows"].append(row)
    context = {
        **_nav(request),
        "active": "reception",
        "tables": list(tables.values()),
        "from": date_from,
        "to": date_to,
        "rules": selectors.reception_duties(),
    }
    return render(request, "workbench/reception_duties.html", context)
