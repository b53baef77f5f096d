"""Workbench page 考核指标: the assessment figures of an organ the user may see (ACCOUNTABILITY.md
§3), with the petitions behind each numerator and denominator.

Thin views: everything through ``minsheng.assessment.selectors`` (who may see an organ's figures,
R-150 for the accused side, drill-down through the visibility policy, de-identified rows).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from minsheng.assessment import selectors as S
from minsheng.assessment.definitions import PROFILES
from minsheng.assessment.names import indicator_name
from minsheng.assessment.reports import interval_text, percent
from minsheng.core.params import BadParameter, date_param, int_param
from minsheng.orgs.models import Organ
from minsheng.orgs.selectors import is_admin, memberships_of, visible_organ_scope
from minsheng.workbench.views import _analyst_only, _nav, staff_required

PROFILE_LABELS = {"xinfang": "信访工作考核", "beijing": "接诉即办“三率”"}


def _user(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def organ_choices(user: AbstractBaseUser) -> list[Organ]:
    qs = Organ.objects.filter(is_active=True)
    if not is_admin(user):
        direct, over = visible_organ_scope(user)
        qs = qs.filter(pk__in=direct | over)
    return list(qs.order_by("level", "code"))


def _params(request: HttpRequest, user: AbstractBaseUser) -> dict[str, Any]:
    params = request.GET
    organs = organ_choices(user)
    organ_id = int_param(params.get("organ"), "organ", minimum=1)
    if organ_id is None:
        own = [m.organ_id for m in memberships_of(user)]
        organ_id = own[0] if own else (organs[0].pk if organs else None)
    if organ_id is None or not S.can_view_organ(user, organ_id):
        raise Http404(_("机关不存在。"))
    profile = params.get("profile") or "xinfang"
    date_from = date_param(params.get("from"), "from")
    date_to = date_param(params.get("to"), "to")
    scope = params.get("scope") or ""
    if scope not in ("", "organ", "subtree"):
        raise BadParameter(_("未知的统计范围。"), field="scope")
    can_subtree = S.can_view_subtree(user, organ_id)
    if scope == "subtree" and not can_subtree:
        raise Http404(_("机关不存在。"))
    date_from, date_to, subtree = S.shown_view(
        organ_id,
        scope=scope,
        date_from=date_from,
        date_to=date_to,
        profile=profile if profile in PROFILES else "xinfang",
        viewer=user,
    )
    if date_to < date_from or (date_to - date_from).days > 731:
        raise BadParameter(_("统计期间无效（最长两年）。"), field="to")
    if profile not in PROFILES:
        raise BadParameter(_("未知的考核口径。"), field="profile")
    return {
        "organs": organs,
        "organ_id": organ_id,
        "from": date_from,
        "to": date_to,
        "profile": profile,
        "subtree": subtree,
        "scope": "subtree" if subtree else "organ",
        "can_subtree": can_subtree,
    }


@staff_required
def indicators_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    p = _params(request, user)
    result = S.indicators(
        p["organ_id"], p["from"], p["to"], profile=p["profile"], viewer=user, subtree=p["subtree"]
    )
    rows = [
        {
            "f": f,
            "name": indicator_name(f.indicator),
            "value": percent(f.value),
            "interval": interval_text(f),
        }
        for f in result.figures
    ]
    context = {
        **_nav(request),
        "p": p,
        "result": result,
        "rows": rows,
        "organ": Organ.objects.get(pk=p["organ_id"]),
        "profiles": [(k, PROFILE_LABELS[k]) for k in PROFILES],
        "active": "indicators",
    }
    return render(request, "workbench/indicators.html", context)


@staff_required
def indicators_drill(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    p = _params(request, user)
    indicator = request.GET.get("indicator") or ""
    part = "numerator" if request.GET.get("part") == "numerator" else "denominator"
    result = S.indicators(
        p["organ_id"], p["from"], p["to"], profile=p["profile"], viewer=user, subtree=p["subtree"]
    )
    figure = next((f for f in result.figures if f.indicator == indicator), None)
    if figure is None:
        raise Http404(_("该口径下没有此指标。"))
    drill = S.drill_down(user, figure, part=part)
    context = {
        **_nav(request),
        "p": p,
        "organ": Organ.objects.get(pk=p["organ_id"]),
        "name": indicator_name(indicator),
        "part": part,
        "drill": drill,
        "can_open": not _analyst_only(user),
        "active": "indicators",
    }
    return render(request, "workbench/indicators_drill.html", context)
