"""Citizen API for mobile apps (/api/v1/citizen/): track a petition with its tracking code and query
password, rate the reply, request a review (appeal). No staff token: every call proves the code and
password again, with the portal's throttles and the portal's messages; wrong code and wrong
password answer identically (no oracle). What is shown is the portal's: public events in plain
words, no staff names, no internal notes. An interface only: the rules are in
petitions.services (petition_check_query), portal.queries, portal.security and the workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from minsheng.api.v1 import ErrorOut
from minsheng.core.errors import ApplicationError, TransitionNotAllowed
from minsheng.petitions.models import Petition, State
from minsheng.petitions.services import petition_check_query
from minsheng.portal import queries
from minsheng.portal.security import client_ip, throttle_blocked, throttle_hit, throttle_reset, throttle_take
from minsheng.workflow.services import petition_transition

router: Router = Router(tags=["citizen"], auth=None)

CITIZEN_ERRORS: dict[int, type[Schema]] = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class TooMany(ApplicationError):
    code = "throttled"
    http_status = 429


class TrackFailed(ApplicationError):
    """Wrong tracking code or wrong password: one answer for both."""

    code = "track_failed"
    http_status = 404


class Credentials(Schema):
    tracking_code: str = Field(min_length=1, max_length=20, description="查询码")
    password: str = Field(min_length=1, max_length=64, description="查询密码")


class TimelineItemOut(Schema):
    at: dt.datetime
    action: str
    headline: str
    detail: str


class AppealWindowOut(Schema):
    kind: Literal["review", "recheck"]
    open: bool
    due: dt.date | None
    organ_name: str
    explanation: str


class CitizenPetitionOut(Schema):
    tracking_code: str
    title: str
    state: str
    state_label: str
    received_at: dt.datetime
    timeline: list[TimelineItemOut]
    can_rate: bool
    can_rate_bureau: bool
    appeal: AppealWindowOut | None


def tracked_petition(request: HttpRequest, credentials: Credentials) -> Petition:
    """The petition the code and password open, counted against the portal's track throttles
    (address, code, code per day) exactly as the portal's 查询 form."""
    code = "".join(credentials.tracking_code.split()).upper()  # as the portal form cleans it
    attempt = throttle_take(
        ("track_fail_ip", client_ip(request)), ("track_fail_code", code), ("track_fail_code_day", code)
    )
    if attempt is None:
        raise TooMany(_("查询失败次数过多，请15分钟后再试。"))
    petition = petition_check_query(code, credentials.password)
    if petition is None:
        raise TrackFailed(_("查询码或查询密码不正确，请核对后再试。"))
    attempt.refund()
    throttle_reset("track_fail_code", code)
    return petition


def _out(petition: Petition) -> CitizenPetitionOut:
    window = queries.appeal_window(petition)
    return CitizenPetitionOut(
        tracking_code=petition.tracking_code,
        title=petition.title,
        state=petition.state,
        state_label=str(State(petition.state).label),
        received_at=petition.received_at,
        timeline=[
            TimelineItemOut(
                at=r["at"], action=r["action"], headline=str(r["headline"]), detail=str(r["detail"] or "")
            )
            for r in queries.public_timeline(petition)
        ],
        can_rate=queries.can_rate(petition),
        can_rate_bureau=queries.can_rate(petition, "bureau"),
        appeal=AppealWindowOut(
            kind=window.kind,  # type: ignore[arg-type]
            open=window.open,
            due=window.due,
            organ_name=window.organ_name,
            explanation=str(window.explanation),
        )
        if window is not None
        else None,
    )


@router.post("/track", response={200: CitizenPetitionOut, **CITIZEN_ERRORS}, operation_id="citizen_track")
def citizen_track_endpoint(request: HttpRequest, payload: Credentials) -> Any:
    """The petition as its petitioner sees it on the portal. 404 ``track_failed`` for a wrong code
    or a wrong password alike; 429 ``throttled`` after too many failures."""
    return _out(tracked_petition(request, payload))


class RateIn(Credentials):
    value: Literal["satisfied", "basically_satisfied", "unsatisfied"] = Field(description="评价")
    target: Literal["organ", "bureau"] = Field(
        "organ", description="the competent organ or the petition bureau"
    )
    comment: str = Field("", max_length=1000)


@router.post("/rate", response={200: CitizenPetitionOut, **CITIZEN_ERRORS}, operation_id="citizen_rate")
def citizen_rate_endpoint(request: HttpRequest, payload: RateIn) -> Any:
    """Rate the reply (the ``rate`` action as the petitioner, as on the portal)."""
    petition = tracked_petition(request, payload)
    petition_transition(
        petition.pk,
        "rate",
        actor=None,
        as_petitioner=True,
        data={"value": payload.value, "comment": payload.comment, "target": payload.target},
    )
    return _out(Petition.objects.get(pk=petition.pk))


class AppealIn(Credentials):
    reasons: str = Field(min_length=1, max_length=5000, description="请求复查/复核的理由")
    good_reason: str = Field("", max_length=1000, description="逾期的正当理由（如有）")


@router.post("/appeal", response={200: CitizenPetitionOut, **CITIZEN_ERRORS}, operation_id="citizen_appeal")
def citizen_appeal_endpoint(request: HttpRequest, payload: AppealIn) -> Any:
    """Request a review (复查) or, after one, a re-review (复核), as on the portal: only while the
    window is open (409 otherwise), with the portal's per-address throttle (429)."""
    petition = tracked_petition(request, payload)
    window = queries.appeal_window(petition)
    if window is None:
        raise TransitionNotAllowed(_("此事项目前不能申请复查或复核。"))
    ip = client_ip(request)
    if throttle_blocked("appeal_ip", ip):
        raise TooMany(_("操作过于频繁，请稍后再试。"))
    throttle_hit("appeal_ip", ip)
    petition_transition(
        petition.pk,
        window.action,
        actor=None,
        as_petitioner=True,
        data={
            "received_on": timezone.localdate().isoformat(),
            "reasons": payload.reasons,
            "good_reason": payload.good_reason,
        },
    )
    return _out(Petition.objects.get(pk=petition.pk))
