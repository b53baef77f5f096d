"""API read endpoints for leader reception days, 稳评 decisions and consistency flags.

An interface only: reads through ``minsheng.reception.selectors`` and ``minsheng.stability.selectors``
(what the caller's posts cover; 404 for the rest). Personal data is masked; petitions in the
evidence are de-identified."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from minsheng.api.schema import LocalTime, Schema
from minsheng.api.v1 import ERRORS, OrganRef
from minsheng.core.errors import NotFound
from minsheng.reception import selectors as rsel
from minsheng.reception.models import ReceptionDay
from minsheng.stability import selectors as ssel
from minsheng.stability.models import ConsistencyFlag, MajorDecision

router: Router = Router(tags=["accountability"])


class AppointmentOut(Schema):
    id: int
    code: str
    kind: str
    status: str
    name_masked: str
    phone_masked: str
    petition_tracking_code: str | None


class ReceptionDayOut(Schema):
    id: int
    organ: OrganRef
    joint_organs: list[OrganRef]
    leader: str
    leader_post: str
    form: str
    date: dt.date
    start_time: LocalTime
    end_time: LocalTime
    place: str
    topics: str
    capacity: int
    booked: int
    status: str
    published_at: dt.datetime | None


class ReceptionDayDetailOut(ReceptionDayOut):
    appointments: list[AppointmentOut]


def _day_out(day: ReceptionDay) -> dict[str, Any]:
    return {
        "id": day.pk,
        "organ": OrganRef(id=day.organ_id, name=day.organ.name),
        "joint_organs": [OrganRef(id=o.pk, name=o.name) for o in day.joint_organs.all()],
        "leader": rsel.leader_name(day),
        "leader_post": day.leader_post,
        "form": day.form,
        "date": day.date,
        "start_time": day.start_time,
        "end_time": day.end_time,
        "place": day.place,
        "topics": day.topics,
        "capacity": day.capacity,
        "booked": day.booked,
        "status": day.status,
        "published_at": day.published_at,
    }


@router.get(
    "/reception-days", response={200: list[ReceptionDayOut], **ERRORS}, operation_id="reception_day_list"
)
def reception_day_list(request: HttpRequest) -> Any:
    """Reception days of the caller's organs and the organs below them, latest first (at most 200)."""
    return [ReceptionDayOut(**_day_out(d)) for d in rsel.staff_days(request.auth)[:200]]  # type: ignore[attr-defined]


@router.get(
    "/reception-days/{day_id}",
    response={200: ReceptionDayDetailOut, **ERRORS},
    operation_id="reception_day_get",
)
def reception_day_get(request: HttpRequest, day_id: int) -> Any:
    """One reception day with its appointments and walk-ins (names and phones masked)."""
    day = rsel.staff_days(request.auth).filter(pk=day_id).first()  # type: ignore[attr-defined]
    if day is None:
        raise NotFound("接访日不存在。")
    rows = [
        AppointmentOut(
            id=r.a.pk,
            code=r.a.code,
            kind=r.a.kind,
            status=r.a.status,
            name_masked=r.name_masked,
            phone_masked=r.phone_masked,
            petition_tracking_code=r.a.petition.tracking_code
            if r.petition_visible and r.a.petition
            else None,
        )
        for r in rsel.appointment_rows(day, request.auth)  # type: ignore[attr-defined]
    ]
    return ReceptionDayDetailOut(**_day_out(day), appointments=rows)


class DutyQuery(Schema):
    date_from: dt.date | None = Field(None, alias="from", description="default: 1 January of this year")
    date_to: dt.date | None = Field(None, alias="to", description="default: 31 December of this year")


class DutyPeriodOut(Schema):
    period: str = Field(description="2026-Q1, 2026-03 or 2026")
    start: dt.date
    end: dt.date
    held: int = Field(description="published reception days of the leader in the period whose date has come")
    ahead: int = Field(description="published days still to come in the period")
    cancelled: int
    matters: int = Field(description="matters registered as petitions from the days held")
    verdict: str = Field(
        description="met | missed (period over) | scheduled (published days would meet it) | open | "
        "absent (the period ended before the leader's account was opened)"
    )


class DutyRowOut(Schema):
    leader: str
    organ: OrganRef
    duty: str = Field(description="the rule's key (MINSHENG_RECEPTION_DUTIES)")
    duty_label: str
    min_days: int
    per: str = Field(description="month | quarter | year")
    periods: list[DutyPeriodOut]
    met: int
    missed: int


@router.get(
    "/reception-duties",
    response={200: list[DutyRowOut], **ERRORS},
    operation_id="reception_duty_compliance",
)
def reception_duty_compliance(request: HttpRequest, q: Query[DutyQuery]) -> Any:
    """A-081 reception duties: each leader of the caller's organs (and those below them) bound by a
    duty rule, with the reception days held per whole month or quarter of the period against the
    rule's minimum (接访意见2009 unless the deployment sets ``MINSHENG_RECEPTION_DUTIES``)."""
    rows = rsel.duty_compliance(request.auth, q.date_from, q.date_to)  # type: ignore[attr-defined]
    return [
        DutyRowOut(
            leader=r.leader_name,
            organ=OrganRef(id=r.organ.pk, name=r.organ.name),
            duty=r.duty.key,
            duty_label=r.duty.label,
            min_days=r.duty.min_days,
            per=r.duty.per,
            periods=[
                DutyPeriodOut(
                    period=p.period.label,
                    start=p.period.start,
                    end=p.period.end,
                    held=p.held,
                    ahead=p.ahead,
                    cancelled=p.cancelled,
                    matters=p.matters,
                    verdict=p.verdict,
                )
                for p in r.periods
            ],
            met=r.met,
            missed=r.missed,
        )
        for r in rows
    ]


class MonthCount(Schema):
    month: str
    count: int


class EvidencePetition(Schema):
    id: int
    tracking_code: str
    title: str
    received: dt.date
    urgent: bool
    collective: bool
    repeat: bool


class EvidenceOut(Schema):
    date_from: dt.date
    date_to: dt.date
    total: int
    urgent: int
    collective: int
    repeat_petitioners: int
    monthly: list[MonthCount]
    petitions: list[EvidencePetition]


class BeforeAfterOut(Schema):
    before_total: int
    after_total: int
    before_per_month: float
    after_per_month: float
    months_after: int
    linked_after_total: int


class DecisionOut(Schema):
    id: int
    title: str
    kind: str
    organ: OrganRef
    region_code: str
    place: str
    planned_date: dt.date
    legal_basis: str
    status: str
    risk_level: str
    outcome: str
    decided_at: dt.datetime | None


class DecisionDetailOut(DecisionOut):
    findings: dict[str, str]
    consultations: int
    evidence: EvidenceOut
    before_after: BeforeAfterOut | None


def _decision_out(d: MajorDecision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "title": d.title,
        "kind": d.kind,
        "organ": OrganRef(id=d.organ_id, name=d.organ.name),
        "region_code": d.region.code,
        "place": d.place,
        "planned_date": d.planned_date,
        "legal_basis": d.legal_basis,
        "status": d.status,
        "risk_level": d.risk_level,
        "outcome": d.outcome,
        "decided_at": d.decided_at,
    }


@router.get(
    "/major-decisions", response={200: list[DecisionOut], **ERRORS}, operation_id="major_decision_list"
)
def major_decision_list(request: HttpRequest) -> Any:
    """Major decisions under stability risk assessment (稳评) of the caller's organs."""
    return [DecisionOut(**_decision_out(d)) for d in ssel.decisions_for(request.auth)[:200]]  # type: ignore[attr-defined]


@router.get(
    "/major-decisions/{decision_id}",
    response={200: DecisionDetailOut, **ERRORS},
    operation_id="major_decision_get",
)
def major_decision_get(request: HttpRequest, decision_id: int) -> Any:
    """One decision with its de-identified petition evidence, findings and the before/after figures."""
    decision = ssel.decision_get(request.auth, decision_id)  # type: ignore[attr-defined]
    if decision is None:
        raise NotFound("决策事项不存在。")
    ev = ssel.evidence(decision)
    ba = ssel.before_after(decision)
    return DecisionDetailOut(
        **_decision_out(decision),
        findings={f.dimension: f.rating for f in decision.findings.all()},
        consultations=decision.consultations.count(),
        evidence=EvidenceOut(
            date_from=ev["from"],
            date_to=ev["to"],
            total=ev["total"],
            urgent=ev["urgent"],
            collective=ev["collective"],
            repeat_petitioners=ev["repeat_petitioners"],
            monthly=[MonthCount(month=m, count=n) for m, n in ev["monthly"]],
            petitions=[
                EvidencePetition(
                    id=p.pk,
                    tracking_code=p.tracking_code,
                    title=p.title,
                    received=p.received,
                    urgent=p.urgent,
                    collective=p.collective,
                    repeat=p.repeat,
                )
                for p in ev["petitions"]
            ],
        ),
        before_after=BeforeAfterOut(**{k: ba[k] for k in BeforeAfterOut.model_fields}) if ba else None,
    )


class FlagOut(Schema):
    id: int
    first_tracking_code: str
    second_tracking_code: str
    first_outcome: str
    second_outcome: str
    similarity: float
    status: str
    reason: str


def _flag_out(f: ConsistencyFlag) -> FlagOut:
    return FlagOut(
        id=f.pk,
        first_tracking_code=f.first.tracking_code,
        second_tracking_code=f.second.tracking_code,
        first_outcome=f.first_outcome,
        second_outcome=f.second_outcome,
        similarity=f.similarity,
        status=f.status,
        reason=f.reason,
    )


@router.get(
    "/consistency-flags", response={200: list[FlagOut], **ERRORS}, operation_id="consistency_flag_list"
)
def consistency_flag_list(request: HttpRequest, status: str | None = None) -> Any:
    """Alike concluded petitions with opposite outcomes (一碗水端平), for supervisors."""
    return [_flag_out(f) for f in ssel.flags_for(request.auth, status)[:200]]  # type: ignore[attr-defined]
