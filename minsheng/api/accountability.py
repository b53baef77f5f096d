"""API endpoints for who answers for what (docs/accountability.md): an organ's accountable chain on
a day, the Art. 39(3) proposals (list, accept, dismiss) and veto events (list, record).

An interface only: who may ask → ``minsheng.accountability`` services/selectors → serialise."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import Field, field_validator

from minsheng.accountability.models import Measure, Proposal, VetoEvent
from minsheng.accountability.proposals import (
    measure_feedback,
    measures_visible_to,
    proposal_accept,
    proposal_dismiss,
    proposals_visible_to,
)
from minsheng.accountability.selectors import chain_for
from minsheng.accountability.veto import NEEDS_SERIOUS_CONSEQUENCE, veto_record, veto_rule, vetoes_of
from minsheng.api.schema import Schema
from minsheng.api.v1 import ERRORS, AccountableChainOut, _chain_out
from minsheng.assessment import selectors as S
from minsheng.core.errors import NotFound
from minsheng.orgs.models import Organ
from minsheng.petitions.selectors import petitions_visible_to
from minsheng.workflow.services import MAX_ID

router: Router = Router(tags=["accountability"])


def _organ(user: Any, organ_id: int) -> Organ:
    organ = Organ.objects.filter(pk=organ_id).first() if 1 <= organ_id <= MAX_ID else None
    if organ is None or not S.can_view_organ(user, organ.pk):
        raise NotFound(_("机关不存在。"), code="organ_not_found")
    return organ


@router.get(
    "/organs/{organ_id}/chain", response={200: AccountableChainOut, **ERRORS}, operation_id="organ_chain"
)
def organ_chain_endpoint(request: HttpRequest, organ_id: int, on: dt.date | None = None) -> Any:
    """The organ's 主管 and 总责 (and unscoped 分管 leaders) on day ``on`` (default today). Staff of the
    organ or above it."""
    organ = _organ(request.auth, organ_id)  # type: ignore[attr-defined]
    return _chain_out(chain_for(organ, on or timezone.localdate()))


class ProposalOut(Schema):
    id: int
    organ_id: int
    organ: str
    measure: Literal["interview", "circular", "listed"] = Field(description="约谈 / 通报 / 挂牌督办")
    measure_label: str
    period_from: dt.date
    period_to: dt.date
    status: Literal["open", "accepted", "dismissed"]
    figures: list[dict[str, Any]] = Field(description="the figures behind it, each with its threshold")
    chain: list[dict[str, Any]] = Field(description="the organ's leaders on the period's last day")
    decided_at: dt.datetime | None
    decided_by: str | None
    reason: str
    measure_id: int | None = Field(description="the measure performed when accepted")
    rectify_by: dt.date | None = Field(description="the measure's written feedback due")


def _proposal_out(p: Proposal) -> ProposalOut:
    m = p.measure_record
    return ProposalOut(
        id=p.pk,
        organ_id=p.organ_id,
        organ=p.organ.name,
        measure=p.measure,  # type: ignore[arg-type]
        measure_label=str(p.get_measure_display()),
        period_from=p.period_from,
        period_to=p.period_to,
        status=p.status,  # type: ignore[arg-type]
        figures=p.figures,
        chain=p.chain,
        decided_at=p.decided_at,
        decided_by=p.decided_by.get_username() if p.decided_by else None,
        reason=p.reason,
        measure_id=m.pk if m else None,
        rectify_by=m.rectify_by if m else None,
    )


class ProposalQuery(Schema):
    status: Literal["open", "accepted", "dismissed"] | None = None


@router.get(
    "/accountability/proposals", response={200: list[ProposalOut], **ERRORS}, operation_id="proposals_list"
)
def proposals_endpoint(request: HttpRequest, q: Query[ProposalQuery]) -> Any:
    """Proposals about organs below the caller's own (supervisors, leaders; administrators: all)."""
    qs = proposals_visible_to(request.auth)  # type: ignore[attr-defined]
    if q.status:
        qs = qs.filter(status=q.status)
    return [_proposal_out(p) for p in qs.order_by("period_to", "organ__code", "measure")]


def _proposal(user: Any, pk: int) -> Proposal:
    found = proposals_visible_to(user).filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if found is None:
        raise NotFound(_("建议不存在。"))
    return found


class AcceptIn(Schema):
    text: str = Field(min_length=1, max_length=20000, description="the content of the measure")
    rectify_by: dt.date | None = Field(
        None, description="written feedback due (default: D-SUPERVISION-FEEDBACK)"
    )


class DismissIn(Schema):
    reason: str = Field(min_length=1, max_length=20000)


@router.post(
    "/accountability/proposals/{proposal_id}/accept",
    response={200: ProposalOut, **ERRORS},
    operation_id="proposal_accept",
)
def proposal_accept_endpoint(request: HttpRequest, proposal_id: int, body: AcceptIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    proposal = _proposal(user, proposal_id)
    proposal_accept(proposal, actor=user, text=body.text, rectify_by=body.rectify_by)
    return _proposal_out(_proposal(user, proposal_id))


@router.post(
    "/accountability/proposals/{proposal_id}/dismiss",
    response={200: ProposalOut, **ERRORS},
    operation_id="proposal_dismiss",
)
def proposal_dismiss_endpoint(request: HttpRequest, proposal_id: int, body: DismissIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    proposal_dismiss(_proposal(user, proposal_id), actor=user, reason=body.reason)
    return _proposal_out(_proposal(user, proposal_id))


class MeasureOut(Schema):
    id: int
    organ_id: int
    organ: str
    kind: Literal["interview", "circular", "listed"]
    kind_label: str
    taken_on: dt.date
    leaders: list[dict[str, Any]] = Field(description="the chain's leaders named on the day")
    text: str
    rectify_by: dt.date | None = Field(description="written feedback due")
    feedback: str
    feedback_at: dt.datetime | None
    feedback_late: bool


def _measure_out(m: Measure) -> MeasureOut:
    return MeasureOut(
        id=m.pk,
        organ_id=m.organ_id,
        organ=m.organ.name,
        kind=m.kind,  # type: ignore[arg-type]
        kind_label=str(m.get_kind_display()),
        taken_on=m.taken_on,
        leaders=m.leaders,
        text=m.text,
        rectify_by=m.rectify_by,
        feedback=m.feedback,
        feedback_at=m.feedback_at,
        feedback_late=m.feedback_late,
    )


@router.get(
    "/accountability/measures", response={200: list[MeasureOut], **ERRORS}, operation_id="measures_list"
)
def measures_endpoint(request: HttpRequest) -> Any:
    """约谈, 通报 and 挂牌督办 taken on accepted proposals: those against the caller's organs and those
    about organs below them."""
    return [_measure_out(m) for m in measures_visible_to(request.auth)]  # type: ignore[attr-defined]


class MeasureFeedbackIn(Schema):
    feedback: str = Field(min_length=1, max_length=20000, description="the written feedback (书面反馈)")


@router.post(
    "/accountability/measures/{measure_id}/feedback",
    response={200: MeasureOut, **ERRORS},
    operation_id="measure_feedback",
)
def measure_feedback_endpoint(request: HttpRequest, measure_id: int, body: MeasureFeedbackIn) -> Any:
    """The organ's written feedback, once; late after ``rectify_by``. Staff of the organ (403 for
    those who only oversee it; 404 for the rest)."""
    user = request.auth  # type: ignore[attr-defined]
    found = measures_visible_to(user).filter(pk=measure_id).first() if 1 <= measure_id <= MAX_ID else None
    if found is None:
        raise NotFound(_("措施不存在。"))
    return _measure_out(measure_feedback(found, actor=user, text=body.feedback))


class VetoIn(Schema):
    organ_id: int = Field(ge=1, le=MAX_ID)
    period_from: dt.date
    period_to: dt.date
    # veto.VETO_GROUNDS (a test holds the two equal: a Literal keeps the enum in the OpenAPI schema)
    ground: Literal["mass_incident", "urgent_late", "retaliation", "accountability", "public_security"]
    evidence: str = Field(min_length=1, max_length=20000)
    serious_consequence: str = Field(
        default="",
        max_length=5000,
        description="required for " + ", ".join(sorted(NEEDS_SERIOUS_CONSEQUENCE)),
    )
    petition_ids: list[int] = Field(default_factory=list, max_length=200)

    @field_validator("petition_ids")
    @classmethod
    def _ids_in_range(cls, value: list[int]) -> list[int]:
        if any(not 1 <= v <= MAX_ID for v in value):
            raise ValueError("petition ids are between 1 and MAX_ID")
        return value


class VetoOut(Schema):
    id: int
    organ_id: int
    organ: str
    period_from: dt.date
    period_to: dt.date
    ground: str
    ground_label: str
    evidence: str
    serious_consequence: str
    petition_ids: list[int]
    decided_by: str | None
    decided_at: dt.datetime
    applied: bool = Field(
        description="whether the deployment's veto rule is on (it then overrides the ranking)"
    )


def _veto_out(e: VetoEvent, applied: bool, petition_ids: list[int]) -> VetoOut:
    return VetoOut(
        id=e.pk,
        organ_id=e.organ_id,
        organ=e.organ.name,
        period_from=e.period_from,
        period_to=e.period_to,
        ground=e.ground,
        ground_label=str(e.get_ground_display()),
        evidence=e.evidence,
        serious_consequence=e.serious_consequence,
        petition_ids=petition_ids,
        decided_by=e.decided_by.get_username() if e.decided_by else None,
        decided_at=e.decided_at,
        applied=applied,
    )


@router.post("/accountability/vetoes", response={201: VetoOut, **ERRORS}, operation_id="veto_record")
def veto_record_endpoint(request: HttpRequest, body: VetoIn) -> Any:
    """Record a veto event with its evidence (supervisors or leaders above the organ, administrators).
    Evidence petitions must be visible to the caller (404 otherwise)."""
    user = request.auth  # type: ignore[attr-defined]
    organ = _organ(user, body.organ_id)
    ids = sorted(set(body.petition_ids))
    petitions = list(petitions_visible_to(user).filter(pk__in=ids))
    if len(petitions) != len(ids):
        raise NotFound(_("信访事项不存在。"))
    event = veto_record(
        organ,
        period_from=body.period_from,
        period_to=body.period_to,
        ground=body.ground,
        evidence=body.evidence,
        serious_consequence=body.serious_consequence,
        petitions=petitions,
        actor=user,
    )
    return Status(201, _veto_out(event, veto_rule().enabled, sorted(p.pk for p in petitions)))


@router.get("/accountability/vetoes", response={200: list[VetoOut], **ERRORS}, operation_id="veto_list")
def veto_list_endpoint(request: HttpRequest, organ_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    applied = veto_rule().enabled
    return [_veto_out(e, applied, ids) for e, ids in vetoes_of(_organ(user, organ_id), user)]
