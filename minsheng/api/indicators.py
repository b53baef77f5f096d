"""API endpoints for the assessment indicators (ACCOUNTABILITY.md §3; ADR 0008).

An interface only: who may ask (staff of the organ or above it) → ``minsheng.assessment.selectors``
→ serialise. ``GET /indicators`` returns what ``minsheng indicators --format json`` prints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import ConfigDict, Field

from minsheng.api.schema import Schema
from minsheng.api.v1 import ERRORS
from minsheng.assessment import formulas as F
from minsheng.assessment import selectors as S
from minsheng.assessment.definitions import indicator_ids
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.orgs.models import Organ
from minsheng.workflow.services import MAX_ID

router: Router = Router(tags=["indicators"])

MAX_DAYS = 731  # two years per request; longer spans are several requests


class IntervalOut(Schema):
    lower: float
    upper: float
    confidence: float
    method: Literal["wilson"]


class FigureOut(Schema):
    indicator: str = Field(description="I-ACCEPT-BUREAU, I-ACCEPT-ORGAN, I-ONTIME-REPLY, … or BJ-*")
    name: str = Field(
        description="the indicator's name in the request's language (?lang=en or the language cookie; Chinese by default), e.g. 按期办结率"
    )
    definition_id: str = Field(description="versioned definition, e.g. xinfang-2025.1/I-ONTIME-REPLY")
    definition: str = Field(description="the definition in words (which ratings count, exclusions)")
    numerator: float
    denominator: int
    value: float | None = Field(description="null: not rated (zero denominator)")
    interval: IntervalOut | None = Field(description="Wilson score interval, 95 %")
    status: Literal["rated", "insufficient_sample", "not_rated"]
    insufficient_sample: bool = Field(description="below the definition's minimum sample: not ranked")
    classes: dict[str, int]
    excluded: dict[str, int]


class OrganBrief(Schema):
    id: int
    code: str
    name: str


class IndicatorsOut(Schema):
    organ: OrganBrief
    subtree: bool = Field(description="the organ with every organ below it")
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    profile: Literal["xinfang", "beijing"]
    definitions_version: str
    basic_satisfied_counts: bool
    computed_on: dt.date
    frozen: bool = Field(description="the figures of an assessed (frozen) period, as stored then")
    frozen_at: dt.datetime | None
    period_version: int | None
    composite: float | None = Field(description="weighted score of the profile (beijing), else null")
    indicators: list[FigureOut]

    model_config = ConfigDict(populate_by_name=True)


class PeriodQuery(Schema):
    organ: int = Field(..., ge=1, le=MAX_ID, description="organ id")
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    profile: Literal["xinfang", "beijing"] = "xinfang"

    model_config = ConfigDict(populate_by_name=True)


class IndicatorsQuery(PeriodQuery):
    live: bool = Field(False, description="recompute even when the period is frozen")
    subtree: bool = Field(
        False,
        description="the organ and every organ below it as one (属地); live figures; only for posts "
        "overseeing the organ (supervisor, leader, analyst above it) and administrators",
    )


class FreezeIn(Schema):
    organ: int = Field(..., ge=1, le=MAX_ID)
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    profile: Literal["xinfang", "beijing"] = "xinfang"
    kind: Literal["month", "quarter", "year", "custom"] = "custom"
    reason: str = Field("", max_length=2000, description="required when the period is already frozen")

    model_config = ConfigDict(populate_by_name=True)


class DrillQuery(PeriodQuery):
    indicator: str = Field(..., max_length=32)
    part: Literal["numerator", "denominator"] = "denominator"


class DrillRowOut(Schema):
    id: int
    tracking_code: str
    title: str = Field(description="de-identified")
    state: str
    received_on: dt.date
    in_numerator: bool


class DrillOut(Schema):
    indicator: str
    part: Literal["numerator", "denominator"]
    total: int = Field(description="items behind this part of the figure")
    hidden: int = Field(description="of those, items the caller may not see (counted, never listed)")
    results: list[DrillRowOut]


class TrendQuery(PeriodQuery):
    indicator: str = Field(..., max_length=32)


class TrendPointOut(Schema):
    month: str
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    figure: FigureOut

    model_config = ConfigDict(populate_by_name=True)


class RankingQuery(Schema):
    parent: int = Field(..., ge=1, le=MAX_ID, description="rank the organs directly below this organ")
    indicator: str = Field(..., max_length=32)
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")
    profile: Literal["xinfang", "beijing"] = "xinfang"

    model_config = ConfigDict(populate_by_name=True)


class RankingRowOut(Schema):
    organ: OrganBrief
    rank: int | None = Field(description="null: not ranked (not rated, or below the minimum sample)")
    figure: FigureOut
    veto: str | None = Field(
        None,
        description="一票否决: why the organ is ranked last for the period (only when the deployment enabled "
        "the veto rule with its legal basis; the figure is left as computed)",
    )


def _organ(user: Any, organ_id: int) -> Organ:
    organ = Organ.objects.filter(pk=organ_id).first()
    if organ is None or not S.can_view_organ(user, organ.pk):
        raise NotFound(_("机关不存在。"), code="organ_not_found")
    return organ


def _period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from:
        raise InvalidInput(_("截止日期早于起始日期。"), field="to")
    if (date_to - date_from).days >= MAX_DAYS:
        raise InvalidInput(_("统计期间最长两年。"), field="to")


def _figure(f: F.Figure) -> dict[str, Any]:
    return S.figure_dict(f)


def _indicator(result: S.IndicatorSet, indicator: str) -> F.Figure:
    try:
        return result.figure(indicator)
    except StopIteration:
        raise InvalidInput(_("该口径下没有此指标。"), field="indicator") from None


def _brief(o: Organ) -> dict[str, Any]:
    return {"id": o.pk, "code": o.code, "name": o.name}


@router.get(
    "/indicators", response={200: IndicatorsOut, **ERRORS}, operation_id="indicators_get", by_alias=True
)
def indicators_endpoint(request: HttpRequest, q: Query[IndicatorsQuery]) -> Any:
    """For each indicator of the profile: numerator, denominator, value, definition id and Wilson
    interval, for one organ and period (the frozen figures when the period has been assessed).
    Staff of the organ or of an organ above it; 404 for any other organ."""
    user = request.auth  # type: ignore[attr-defined]
    organ = _organ(user, q.organ)
    _period(q.date_from, q.date_to)
    if q.subtree and not S.can_view_subtree(user, organ.pk):
        raise NotFound(_("机关不存在。"), code="organ_not_found")
    result = S.indicators(
        organ.pk, q.date_from, q.date_to, profile=q.profile, live=q.live, viewer=user, subtree=q.subtree
    )
    data = result.as_dict()
    data["organ"] = _brief(organ)
    return data


@router.post(
    "/indicators/freeze",
    response={201: IndicatorsOut, **ERRORS},
    operation_id="indicators_freeze",
    by_alias=True,
)
def indicators_freeze_endpoint(request: HttpRequest, payload: FreezeIn) -> Any:
    """Assess a period that has ended: its figures are stored and returned from then on, whatever
    later happens to the cases. Again for the same period: a correction, stored as a new version
    with its ``reason``. Administrators, and supervisors or leaders of an organ above (403 else)."""
    from minsheng.assessment.services import period_freeze

    user = request.auth  # type: ignore[attr-defined]
    organ = _organ(user, payload.organ)
    _period(payload.date_from, payload.date_to)
    period = period_freeze(
        organ,
        payload.date_from,
        payload.date_to,
        profile=payload.profile,
        kind=payload.kind,
        actor=user,
        reason=payload.reason,
    )
    data = S.for_viewer(S.period_indicators(period), user).as_dict()
    data["organ"] = _brief(organ)
    return Status(201, data)


@router.get("/indicators/drill", response={200: DrillOut, **ERRORS}, operation_id="indicators_drill")
def indicators_drill_endpoint(request: HttpRequest, q: Query[DrillQuery]) -> Any:
    """The petitions behind a figure's numerator or denominator, de-identified, limited to those the
    caller may see (the rest only counted in ``hidden``; accusations never reach the accused side)."""
    user = request.auth  # type: ignore[attr-defined]
    organ = _organ(user, q.organ)
    _period(q.date_from, q.date_to)
    result = S.indicators(organ.pk, q.date_from, q.date_to, profile=q.profile, viewer=user)
    drill = S.drill_down(user, _indicator(result, q.indicator), part=q.part)
    return {
        "indicator": drill.indicator,
        "part": drill.part,
        "total": drill.total,
        "hidden": drill.hidden,
        "results": [r.__dict__ for r in drill.rows],
    }


@router.get(
    "/indicators/trend",
    response={200: list[TrendPointOut], **ERRORS},
    operation_id="indicators_trend",
    by_alias=True,
)
def indicators_trend_endpoint(request: HttpRequest, q: Query[TrendQuery]) -> Any:
    """One indicator month by month over the period (live figures)."""
    user = request.auth  # type: ignore[attr-defined]
    organ = _organ(user, q.organ)
    _period(q.date_from, q.date_to)
    if q.indicator not in indicator_ids(q.profile):
        raise InvalidInput(_("该口径下没有此指标。"), field="indicator")
    return [
        {"month": f"{start:%Y-%m}", "from": start, "to": end, "figure": _figure(fig)}
        for start, end, fig in S.monthly_trend(
            organ.pk, q.indicator, q.date_from, q.date_to, profile=q.profile, viewer=user
        )
    ]


@router.get(
    "/indicators/ranking", response={200: list[RankingRowOut], **ERRORS}, operation_id="indicators_ranking"
)
def indicators_ranking_endpoint(request: HttpRequest, q: Query[RankingQuery]) -> Any:
    """The organs directly below ``parent`` ranked on one indicator; those below the definition's
    minimum sample (or not rated) are listed after the ranked ones without a rank."""
    user = request.auth  # type: ignore[attr-defined]
    parent = _organ(user, q.parent)
    _period(q.date_from, q.date_to)
    if q.indicator not in indicator_ids(q.profile):
        raise InvalidInput(_("该口径下没有此指标。"), field="indicator")
    children = list(Organ.objects.filter(parent=parent, is_active=True).order_by("code"))
    ids = [o.pk for o in children if S.can_view_organ(user, o.pk)]
    if not ids:
        return []
    by_id = {o.pk: o for o in children}
    return [
        {
            "organ": _brief(by_id[row.organ_id]),
            "rank": row.rank,
            "figure": _figure(row.figure),
            "veto": row.veto,
        }
        for row in S.ranking(ids, q.indicator, q.date_from, q.date_to, profile=q.profile, viewer=user)
    ]
