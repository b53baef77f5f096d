"""API endpoints for responsibility made visible (issue 11; docs/accountability.md "API"): leader
reception days (create, publish, cancel, walk-ins, registering a matter), 包案, 下访 and the
outreach table, 稳评 (register, consult, assess, grade, decide, report), consistency flags (side by
side, resolve) and the supervision ladder of a petition or an organ.

An interface only: the caller's scope → the same ``minsheng.reception`` / ``minsheng.stability`` /
``minsheng.workflow`` services and selectors the workbench pages call → serialise. Every change is
audited by those services (ReceptionLog, StabilityLog, the petition's own events). R-150: an
accusation whose accused side the caller is on does not exist for him here either (404 or left
out of lists), through ``petitions_visible_to`` / ``shield_q`` / ``flags_for``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Status
from pydantic import Field

from minsheng.api.reception import (
    AppointmentOut,
    DecisionOut,
    FlagOut,
    ReceptionDayOut,
    _day_out,
    _decision_out,
    _flag_out,
    router,
)
from minsheng.api.schema import Schema
from minsheng.api.v1 import ERRORS, OrganRef
from minsheng.assessment import selectors as S
from minsheng.core.crypto import mask_name, mask_phone
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.orgs.models import Category, Organ, Region
from minsheng.petitions.selectors import access_petition, is_analyst_only, listed_titles
from minsheng.reception import selectors as rsel
from minsheng.reception import services as rsvc
from minsheng.reception.models import Appointment, CaseOwnership, OutreachVisit, ReceptionDay
from minsheng.stability import selectors as ssel
from minsheng.stability import services as ssvc
from minsheng.stability.models import ConsistencyFlag, Consultation, DimensionFinding, MajorDecision
from minsheng.stability.reports import report_docx
from minsheng.workflow.selectors import (
    ORGAN_LADDER_DAYS,
    LadderStep,
    organ_supervision_ladder,
    supervision_ladder,
)
from minsheng.workflow.services import MAX_ID

# The reception module's router: a path may have one GET there and one POST here only if both
# sit on the same router (ninja maps each router's path to its own view).
__all__ = ["router"]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
Id = Field(ge=1, le=MAX_ID)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _organ(organ_id: int) -> Organ:
    organ = Organ.objects.filter(pk=organ_id, is_active=True).first() if 1 <= organ_id <= MAX_ID else None
    if organ is None:
        raise NotFound(_("机关不存在。"), code="organ_not_found")
    return organ


def _region(region_id: int, field: str = "region_id") -> Region:
    region = Region.objects.filter(pk=region_id).first() if 1 <= region_id <= MAX_ID else None
    if region is None:
        raise InvalidInput(_("地区不存在。"), field=field)
    return region


def _category(category_id: int | None, field: str = "category_id") -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise InvalidInput(_("分类不存在。"), field=field)
    return category


def _accused_organ(organ_id: int | None) -> Organ | None:
    if organ_id is None:
        return None
    organ = Organ.objects.filter(pk=organ_id, is_active=True).first()
    if organ is None:
        raise InvalidInput(_("被检举控告单位不存在。"), field="accused_organ_id")
    return organ


def _not_analyst(user: Any, message: str) -> None:
    """Analysts see de-identified aggregates only, never case records (as on the workbench)."""
    if is_analyst_only(user):
        raise NotFound(message)


# ------------------------------------------------------------------------------ reception days


class ReceptionDayIn(Schema):
    organ_id: int = Id
    leader_id: int = Field(ge=1, le=MAX_ID, description="a leader or head of the organ (or a joint organ)")
    leader_post: str = Field(min_length=1, max_length=60, description="职务, e.g. 市长")
    portfolio: str = Field("", max_length=200, description="分管工作")
    date: dt.date = Field(
        description=">= today; published at least MINSHENG_RECEPTION_PUBLISH_LEAD_DAYS ahead"
    )
    start_time: dt.time
    end_time: dt.time
    place: str = Field(min_length=1, max_length=200)
    topics: str = Field("", max_length=300)
    capacity: int = Field(ge=0, le=500, description="online appointments offered")
    form: Literal["fixed", "appointment", "thematic", "joint", "video"] = "fixed"
    joint_organ_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=20, description="联合接访"
    )
    publish: bool = Field(False, description="publish at once (else a draft)")


def _day(user: Any, day_id: int) -> ReceptionDay:
    day = rsel.staff_days(user).filter(pk=day_id).first() if 1 <= day_id <= MAX_ID else None
    if day is None:
        raise NotFound(_("接访日不存在。"))
    return day


def _day_answer(user: Any, day_id: int) -> ReceptionDayOut:
    return ReceptionDayOut(**_day_out(_day(user, day_id)))


@router.post(
    "/reception-days", response={201: ReceptionDayOut, **ERRORS}, operation_id="reception_day_create"
)
def reception_day_create(request: HttpRequest, body: ReceptionDayIn) -> Any:
    """A reception day of an organ the caller manages (leader, head or registrar; 403 otherwise), a
    draft or published at once (A-082). Audited in the reception log."""
    user = _user(request)
    organ = _organ(body.organ_id)
    leader = get_user_model().objects.filter(pk=body.leader_id, is_active=True).first()
    if leader is None:
        raise InvalidInput(_("接访领导须为本机关领导或负责人。"), field="leader_id")
    joint_ids = sorted(set(body.joint_organ_ids))
    joint = list(Organ.objects.filter(pk__in=joint_ids, is_active=True))
    if len(joint) != len(joint_ids):
        raise InvalidInput(_("联合接访机关不存在。"), field="joint_organ_ids")
    day = rsvc.day_create(
        rsvc.DayInput(
            organ=organ,
            leader=leader,
            leader_post=body.leader_post,
            portfolio=body.portfolio,
            date=body.date,
            start_time=body.start_time,
            end_time=body.end_time,
            place=body.place,
            topics=body.topics,
            capacity=body.capacity,
            form=body.form,
            joint_organs=joint,
        ),
        actor=user,
        publish=body.publish,
    )
    return Status(201, _day_answer(user, day.pk))


@router.post(
    "/reception-days/{day_id}/publish",
    response={200: ReceptionDayOut, **ERRORS},
    operation_id="reception_day_publish",
)
def reception_day_publish(request: HttpRequest, day_id: int) -> Any:
    """Publish a draft (at least the configured lead days before the date; 422 otherwise)."""
    user = _user(request)
    rsvc.day_publish(_day(user, day_id).pk, actor=user)
    return _day_answer(user, day_id)


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


@router.post(
    "/reception-days/{day_id}/cancel",
    response={200: ReceptionDayOut, **ERRORS},
    operation_id="reception_day_cancel",
)
def reception_day_cancel(request: HttpRequest, day_id: int, body: CancelIn) -> Any:
    """Cancel a day; every citizen who booked online is told by SMS."""
    user = _user(request)
    rsvc.day_cancel(_day(user, day_id).pk, actor=user, reason=body.reason)
    return _day_answer(user, day_id)


class WalkInIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field("", max_length=20, description="11-digit mobile, optional")
    summary: str = Field(min_length=1, max_length=2000)


def _appointment_out(appt: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=appt.pk,
        code=appt.code,
        kind=appt.kind,
        status=appt.status,
        name_masked=mask_name(appt.name),
        phone_masked=mask_phone(appt.phone),
        petition_tracking_code=appt.petition.tracking_code if appt.petition else None,
    )


@router.post(
    "/reception-days/{day_id}/walk-ins",
    response={201: AppointmentOut, **ERRORS},
    operation_id="reception_walk_in",
)
def reception_walk_in(request: HttpRequest, day_id: int, body: WalkInIn) -> Any:
    """A walk-in registered on the day itself (registrars of the host or a joint organ; no
    capacity limit)."""
    user = _user(request)
    appt = rsvc.walk_in_register(
        _day(user, day_id).pk, actor=user, name=body.name, phone=body.phone, summary=body.summary
    )
    return Status(201, _appointment_out(appt))


class MatterIn(Schema):
    title: str = Field("", max_length=200, description="default: the start of the summary")
    request: str = Field("", max_length=5000, description="default: the summary")
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    address: str = Field("", max_length=200)
    nature: Literal["grievance", "suggestion", "accusation", "litigation_related"] = Field(
        "grievance", description="an accusation names `accused_organ_id` and is then shielded (R-150)"
    )
    accused_organ_id: int | None = Field(None, ge=1, le=MAX_ID, strict=True)


class RegisteredOut(Schema):
    appointment: AppointmentOut
    petition_id: int
    tracking_code: str
    receiving_leader: str


@router.post(
    "/reception-days/{day_id}/appointments/{appointment_id}/register",
    response={201: RegisteredOut, **ERRORS},
    operation_id="reception_register_matter",
)
def reception_register_matter(request: HttpRequest, day_id: int, appointment_id: int, body: MatterIn) -> Any:
    """Register the matter of an appointment or walk-in as a petition (channel ``visit``) with the
    receiving leader recorded (谁接访、谁负责); from the day of the reception on. An accusation is
    registered as one (``nature`` accusation, ``accused_organ_id``): it then does not exist for the
    accused unit, also on the day's list of a joint reception (R-150). Once registered, a row shows
    the petition's title as the reader's case page does, never the citizen's raw summary."""
    user = _user(request)
    day = _day(user, day_id)
    # One of the day's rows as the caller may see them (as the day page lists them, R-150).
    visible = {r.a.pk for r in rsel.appointment_rows(day, user)}
    if appointment_id not in visible:
        raise NotFound(_("预约不存在。"))
    petition = rsvc.appointment_register_matter(
        appointment_id,
        actor=user,
        matter=rsvc.MatterInput(
            title=body.title,
            request=body.request,
            category=_category(body.category_id),
            address=body.address.strip(),
            nature=body.nature,
            accused_organ=_accused_organ(body.accused_organ_id),
        ),
    )
    appt = Appointment.objects.select_related("petition").get(pk=appointment_id)
    return Status(
        201,
        RegisteredOut(
            appointment=_appointment_out(appt),
            petition_id=petition.pk,
            tracking_code=petition.tracking_code,
            receiving_leader=rsel.leader_name(day),
        ),
    )


# ------------------------------------------------------------------------------ 包案


class BaoanIn(Schema):
    duties: list[str] | None = Field(
        None, max_length=10, description="default: 包掌握情况, 包思想教育, 包解决化解, 包息诉息访"
    )
    target_date: dt.date | None = Field(None, description="化解目标日期 (not before today)")
    note: str = Field("", max_length=300)


class OwnershipOut(Schema):
    id: int
    petition_id: int
    tracking_code: str
    title: str
    leader: str
    duties: list[str]
    target_date: dt.date | None
    note: str
    assigned_at: dt.datetime


def _ownership_out(o: CaseOwnership, title: str) -> OwnershipOut:
    """``title``: the petition's as the caller may read it (``listed_titles``)."""
    leader: Any = o.leader
    return OwnershipOut(
        id=o.pk,
        petition_id=o.petition_id,
        tracking_code=o.petition.tracking_code,
        title=title,
        leader=str(leader.get_full_name() or leader.get_username()),
        duties=list(o.duties),
        target_date=o.target_date,
        note=o.note,
        assigned_at=o.assigned_at,
    )


@router.post(
    "/petitions/{petition_id}/baoan", response={201: OwnershipOut, **ERRORS}, operation_id="baoan_take"
)
def baoan_take_endpoint(request: HttpRequest, petition_id: int, body: BaoanIn) -> Any:
    """包案: the caller (a leader in the petition's chain) takes personal charge of it, through the
    workflow's ``take_charge`` action; no statutory clock moves. 404 when the petition is not
    visible, 403 when the caller may not take charge of it."""
    user = _user(request)
    petition = access_petition(user, petition_id)
    ownership = rsvc.baoan_take(
        petition.pk,
        leader=user,
        duties=body.duties,
        target_date=body.target_date,
        note=body.note,
    )
    taken = CaseOwnership.objects.select_related("petition", "leader").get(pk=ownership.pk)
    return Status(201, _ownership_out(taken, listed_titles(user, [taken.petition])[taken.petition_id]))


class BaoanQuery(Schema):
    mine: bool = Field(False, description="only the caller's own 包案")


@router.get("/baoan", response={200: list[OwnershipOut], **ERRORS}, operation_id="baoan_list")
def baoan_list(request: HttpRequest, q: Query[BaoanQuery]) -> Any:
    """Active 包案 on the petitions the caller may see (at most 200, latest first)."""
    user = _user(request)
    qs = rsel.ownerships_visible_to(user)
    if q.mine:
        qs = qs.filter(leader_id=user.pk)
    rows = list(qs[:200])
    titles = listed_titles(user, [o.petition for o in rows])
    return [_ownership_out(o, titles[o.petition_id]) for o in rows]


# ------------------------------------------------------------------------------ 下访


class VisitMatterIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    request: str = Field(min_length=1, max_length=5000)
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    category_id: int | None = Field(None, ge=1, le=MAX_ID)


class VisitIn(Schema):
    organ_id: int = Field(ge=1, le=MAX_ID, description="an organ where the caller is a leader or head")
    region_id: int = Field(ge=1, le=MAX_ID)
    place: str = Field(min_length=1, max_length=200)
    date: dt.date = Field(description="not after today")
    people_met: str = Field(min_length=1, max_length=2000)
    outcomes: str = Field("", max_length=4000)
    matters: list[VisitMatterIn] = Field(
        default_factory=list, max_length=20, description="each registered as a petition (channel visit)"
    )


class VisitPetitionRef(Schema):
    id: int
    tracking_code: str


class VisitOut(Schema):
    id: int
    leader: str
    organ: OrganRef
    region_id: int
    region: str
    place: str
    date: dt.date
    people_met: str
    outcomes: str
    petitions: list[VisitPetitionRef]


def _visit_out(visit: OutreachVisit, user: AbstractBaseUser) -> VisitOut:
    leader: Any = visit.leader
    return VisitOut(
        id=visit.pk,
        leader=str(leader.get_full_name() or leader.get_username()),
        organ=OrganRef(id=visit.organ_id, name=visit.organ.name),
        region_id=visit.region_id,
        region=visit.region.name,
        place=visit.place,
        date=visit.date,
        people_met=visit.people_met,
        outcomes=visit.outcomes,
        petitions=[
            VisitPetitionRef(id=p.pk, tracking_code=p.tracking_code)
            for p in rsel.visible_visit_petitions(visit, user)
        ],
    )


@router.post("/outreach-visits", response={201: VisitOut, **ERRORS}, operation_id="outreach_create")
def outreach_create(request: HttpRequest, body: VisitIn) -> Any:
    """Record the caller's 下访 (leaders and heads of the organ; 403 otherwise); the matters taken up
    are registered as petitions at the organ, received by the caller."""
    user = _user(request)
    organ = _organ(body.organ_id)
    region = _region(body.region_id)
    visit = rsvc.outreach_record(
        leader=user,
        organ=organ,
        region=region,
        place=body.place,
        date=body.date,
        people_met=body.people_met,
        outcomes=body.outcomes,
        matters=[
            rsvc.VisitMatter(
                title=m.title,
                request=m.request,
                name=m.name,
                phone=m.phone,
                category=_category(m.category_id, f"matters.{i}.category_id"),
            )
            for i, m in enumerate(body.matters, start=1)
        ],
    )
    return Status(201, _visit_out(rsel.visits_for(user).get(pk=visit.pk), user))


@router.get("/outreach-visits", response={200: list[VisitOut], **ERRORS}, operation_id="outreach_list")
def outreach_list(request: HttpRequest) -> Any:
    """下访 of the caller's organs and those below them, latest first (at most 200)."""
    user = _user(request)
    _not_analyst(user, _("下访记录不存在。"))
    return [_visit_out(v, user) for v in rsel.visits_for(user)[:200]]


class MapQuery(Schema):
    date_from: dt.date | None = Field(None, description="default: a year before date_to")
    date_to: dt.date | None = Field(None, description="default: today")


class MapRow(Schema):
    region_id: int
    region_code: str
    region: str
    petitions: int = Field(description="petitions received from the district in the period")
    visits: int = Field(description="下访 made there in the period")
    matters: int = Field(description="matters those visits took up")


class MapOut(Schema):
    city_id: int | None
    city: str | None
    date_from: dt.date
    date_to: dt.date
    rows: list[MapRow]


@router.get("/outreach-map", response={200: MapOut, **ERRORS}, operation_id="outreach_map")
def outreach_map(request: HttpRequest, q: Query[MapQuery]) -> Any:
    """Where leaders went against where petitions come from, per district of the caller's city
    (the workbench's 下访 table; counts only)."""
    user = _user(request)
    _not_analyst(user, _("下访记录不存在。"))
    date_to = q.date_to or timezone.localdate()
    date_from = q.date_from or date_to - dt.timedelta(days=365)
    if date_from > date_to:
        raise InvalidInput(_("开始日期不能晚于结束日期。"), field="date_from")
    city = rsel.outreach_city(user)
    rows = rsel.outreach_vs_petitions(city, date_from, date_to) if city else []
    return MapOut(
        city_id=city.pk if city else None,
        city=city.name if city else None,
        date_from=date_from,
        date_to=date_to,
        rows=[
            MapRow(
                region_id=r.region.pk,
                region_code=r.region.code,
                region=r.region.name,
                petitions=r.petitions,
                visits=r.visits,
                matters=r.matters,
            )
            for r in rows
        ],
    )


# ------------------------------------------------------------------------------ 稳评


class DecisionIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    kind: Literal["land", "demolition", "price", "school_zoning", "project", "policy", "other"]
    organ_id: int = Field(ge=1, le=MAX_ID, description="the deciding organ; one of the caller's")
    region_id: int = Field(ge=1, le=MAX_ID)
    place: str = Field("", max_length=200)
    category_id: int | None = Field(None, ge=1, le=MAX_ID)
    keywords: list[str] = Field(default_factory=list, max_length=10, description="2–20 characters each")
    scope: str = Field(min_length=1, max_length=5000)
    planned_date: dt.date
    legal_basis: str = Field(ssvc.DEFAULT_LEGAL_BASIS, min_length=1, max_length=2000)


def _decision(user: Any, decision_id: int) -> MajorDecision:
    _not_analyst(user, _("决策事项不存在。"))
    found = ssel.decision_get(user, decision_id) if 1 <= decision_id <= MAX_ID else None
    if found is None:
        raise NotFound(_("决策事项不存在。"))
    return found


def _decision_answer(user: Any, decision_id: int) -> DecisionOut:
    return DecisionOut(**_decision_out(_decision(user, decision_id)))


@router.post(
    "/major-decisions", response={201: DecisionOut, **ERRORS}, operation_id="major_decision_register"
)
def major_decision_register(request: HttpRequest, body: DecisionIn) -> Any:
    """Register a major decision for assessment (A-093 step 1); petition evidence is gathered from
    then on (GET /major-decisions/{id})."""
    user = _user(request)
    _not_analyst(user, _("机关不存在。"))
    decision = ssvc.decision_register(
        ssvc.DecisionInput(
            title=body.title,
            kind=body.kind,
            organ=_organ(body.organ_id),
            region=_region(body.region_id),
            place=body.place,
            category=_category(body.category_id),
            keywords=body.keywords,
            scope=body.scope,
            planned_date=body.planned_date,
            legal_basis=body.legal_basis,
        ),
        actor=user,
    )
    return Status(201, _decision_answer(user, decision.pk))


class ConsultationIn(Schema):
    method: Literal["notice", "survey", "poll", "meeting", "hearing", "opinion", "experts"]
    held_on: dt.date = Field(description="not after today")
    participants: str = Field(min_length=1, max_length=300)
    summary: str = Field(min_length=1, max_length=5000)
    adoption: str = Field("", max_length=5000)


class ConsultationOut(Schema):
    id: int
    method: str
    method_label: str
    held_on: dt.date
    participants: str
    summary: str
    adoption: str


def _consultation_out(c: Consultation) -> ConsultationOut:
    return ConsultationOut(
        id=c.pk,
        method=c.method,
        method_label=str(c.get_method_display()),
        held_on=c.held_on,
        participants=c.participants,
        summary=c.summary,
        adoption=c.adoption,
    )


@router.post(
    "/major-decisions/{decision_id}/consultations",
    response={201: ConsultationOut, **ERRORS},
    operation_id="major_decision_consult",
)
def major_decision_consult(request: HttpRequest, decision_id: int, body: ConsultationIn) -> Any:
    """A consultation record (充分听取意见, 决策条例 Art. 23); 422 once decided."""
    user = _user(request)
    row = ssvc.consultation_add(
        _decision(user, decision_id).pk,
        actor=user,
        method=body.method,
        held_on=body.held_on,
        participants=body.participants,
        summary=body.summary,
        adoption=body.adoption,
    )
    return Status(201, _consultation_out(row))


@router.get(
    "/major-decisions/{decision_id}/consultations",
    response={200: list[ConsultationOut], **ERRORS},
    operation_id="major_decision_consultations",
)
def major_decision_consultations(request: HttpRequest, decision_id: int) -> Any:
    return [_consultation_out(c) for c in _decision(_user(request), decision_id).consultations.all()]


class FindingIn(Schema):
    dimension: Literal["legality", "reasonableness", "feasibility", "controllability"] = Field(
        description="合法性 / 合理性 / 可行性 / 可控性"
    )
    findings: str = Field(min_length=1, max_length=5000, description="分析论证")
    rating: Literal["sound", "concern", "serious"] = Field(description="符合 / 存在问题 / 存在重大问题")


class FindingOut(Schema):
    dimension: str
    dimension_label: str
    findings: str
    rating: str
    rating_label: str


def _finding_out(f: DimensionFinding) -> FindingOut:
    return FindingOut(
        dimension=f.dimension,
        dimension_label=str(f.get_dimension_display()),
        findings=f.findings,
        rating=f.rating,
        rating_label=str(f.get_rating_display()),
    )


@router.post(
    "/major-decisions/{decision_id}/findings",
    response={200: FindingOut, **ERRORS},
    operation_id="major_decision_finding",
)
def major_decision_finding(request: HttpRequest, decision_id: int, body: FindingIn) -> Any:
    """The analysis of one of the four dimensions; recording it again replaces it."""
    user = _user(request)
    row = ssvc.finding_record(
        _decision(user, decision_id).pk,
        actor=user,
        dimension=body.dimension,
        findings=body.findings,
        rating=body.rating,
    )
    return _finding_out(row)


class RiskIn(Schema):
    level: Literal["high", "medium", "low"]
    risk_points: str = Field(min_length=1, max_length=5000)
    mitigations: str = Field("", max_length=5000, description="required for medium and high")
    response_plan: str = Field("", max_length=5000, description="required for medium and high")


@router.post(
    "/major-decisions/{decision_id}/risk",
    response={200: DecisionOut, **ERRORS},
    operation_id="major_decision_grade",
)
def major_decision_grade(request: HttpRequest, decision_id: int, body: RiskIn) -> Any:
    """The risk level after the proposed measures, with the risk points and mitigations (A-094)."""
    user = _user(request)
    ssvc.risk_grade(
        _decision(user, decision_id).pk,
        actor=user,
        level=body.level,
        risk_points=body.risk_points,
        mitigations=body.mitigations,
        response_plan=body.response_plan,
    )
    return _decision_answer(user, decision_id)


class DecideIn(Schema):
    outcome: Literal["implement", "implement_adjusted", "postpone", "reject"]
    note: str = Field("", max_length=5000)
    dissent: str = Field("", max_length=5000)


@router.post(
    "/major-decisions/{decision_id}/decide",
    response={200: DecisionOut, **ERRORS},
    operation_id="major_decision_decide",
)
def major_decision_decide(request: HttpRequest, decision_id: int, body: DecideIn) -> Any:
    """The decision-maker's approval (leaders and heads of the deciding organ; 403 otherwise). 422
    until four findings, a consultation and the risk level are recorded; a high risk is never
    implemented."""
    user = _user(request)
    ssvc.decision_decide(
        _decision(user, decision_id).pk,
        actor=user,
        outcome=body.outcome,
        note=body.note,
        dissent=body.dissent,
    )
    return _decision_answer(user, decision_id)


@router.get(
    "/major-decisions/{decision_id}/report.docx",
    response={**ERRORS},
    operation_id="major_decision_report",
    openapi_extra={
        "responses": {
            200: {
                "description": "社会稳定风险评估报告 (.docx; petition evidence de-identified).",
                "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def major_decision_report(request: HttpRequest, decision_id: int) -> Any:
    decision = _decision(_user(request), decision_id)
    response = HttpResponse(report_docx(decision), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="stability-assessment-{decision.pk}.docx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ------------------------------------------------------------------------------ 一碗水端平


class FlagSideOut(Schema):
    petition_id: int
    tracking_code: str
    title: str = Field(description="de-identified")
    request: str = Field(description="de-identified")
    facts: str = Field(description="de-identified")
    outcome: str
    opinion: str = Field(description="the handling opinion, de-identified")
    legal_basis: str
    organ: str
    issued: dt.date | None


class FlagDetailOut(FlagOut):
    sides: list[FlagSideOut]
    resolved_at: dt.datetime | None


def _flag(user: Any, flag_id: int) -> ConsistencyFlag:
    _not_analyst(user, _("提示不存在。"))
    found = ssel.flags_for(user).filter(pk=flag_id).first() if 1 <= flag_id <= MAX_ID else None
    if found is None:
        raise NotFound(_("提示不存在。"))
    return found


def _flag_detail(user: Any, flag_id: int) -> FlagDetailOut:
    flag = _flag(user, flag_id)
    return FlagDetailOut(
        **_flag_out(flag).model_dump(),
        resolved_at=flag.resolved_at,
        sides=[
            FlagSideOut(
                petition_id=s["petition"].pk,
                tracking_code=s["petition"].tracking_code,
                title=s["title"],
                request=s["request"],
                facts=s["facts"],
                outcome=str(s["outcome"]),
                opinion=s["opinion"],
                legal_basis=s["legal_basis"],
                organ=s["organ"],
                issued=s["issued"],
            )
            for s in ssel.flag_sides(flag)
        ],
    )


@router.get(
    "/consistency-flags/{flag_id}",
    response={200: FlagDetailOut, **ERRORS},
    operation_id="consistency_flag_get",
)
def consistency_flag_get(request: HttpRequest, flag_id: int) -> Any:
    """Both petitions side by side, with their handling opinions and legal bases (de-identified)."""
    return _flag_detail(_user(request), flag_id)


class ResolveIn(Schema):
    status: Literal["explained", "correction"] = Field(description="已说明 / 已要求纠正")
    reason: str = Field(min_length=1, max_length=2000, description="the explanation or the correction asked")


@router.post(
    "/consistency-flags/{flag_id}/resolve",
    response={200: FlagDetailOut, **ERRORS},
    operation_id="consistency_flag_resolve",
)
def consistency_flag_resolve(request: HttpRequest, flag_id: int, body: ResolveIn) -> Any:
    """A supervisor marks the difference explained or sends it for correction (403 for other roles;
    422 when already resolved)."""
    user = _user(request)
    ssvc.flag_resolve(_flag(user, flag_id).pk, actor=user, status=body.status, reason=body.reason)
    return _flag_detail(user, flag_id)


# ------------------------------------------------------------------------------ the ladder


class LadderStepOut(Schema):
    step: str = Field(
        description="warning 临期提醒 | breach 超期 | reminder 催办 | ordinary | yellow | red | listed 挂牌督办 | "
        "interview 约谈 | circular 通报"
    )
    label: str
    first_on: dt.date | None = Field(description="the first day the step was reached (null: not reached)")
    count: int


def _steps(steps: list[LadderStep]) -> list[LadderStepOut]:
    return [LadderStepOut(step=s.step, label=s.label, first_on=s.first_on, count=s.count) for s in steps]


@router.get(
    "/petitions/{petition_id}/supervision-ladder",
    response={200: list[LadderStepOut], **ERRORS},
    operation_id="petition_supervision_ladder",
)
def petition_supervision_ladder(request: HttpRequest, petition_id: int) -> Any:
    """The ladder of one case, mildest first: warning → breach → 催办 → 督办 → 挂牌 → 约谈 → 通报."""
    return _steps(supervision_ladder(access_petition(_user(request), petition_id)))


class OrganLadderQuery(Schema):
    date_from: dt.date | None = Field(None, description="default: 90 days before date_to")
    date_to: dt.date | None = Field(None, description="default: today")


class OrganLadderOut(Schema):
    organ: OrganRef
    date_from: dt.date
    date_to: dt.date
    steps: list[LadderStepOut]
    open_proposals: int = Field(
        description="约谈 / 通报 / 挂牌督办 proposed for the organ and not yet decided by a person "
        "(GET /accountability/proposals)"
    )


@router.get(
    "/organs/{organ_id}/supervision-ladder",
    response={200: OrganLadderOut, **ERRORS},
    operation_id="organ_supervision_ladder",
)
def organ_supervision_ladder_endpoint(request: HttpRequest, organ_id: int, q: Query[OrganLadderQuery]) -> Any:
    """The ladder of an organ over a period: how many warnings, breaches and orders of each step it
    received. Staff of the organ or above it (404 for the rest)."""
    from minsheng.accountability.proposals import proposals_visible_to

    user = _user(request)
    organ = Organ.objects.filter(pk=organ_id).first() if 1 <= organ_id <= MAX_ID else None
    if organ is None or not S.can_view_organ(user, organ.pk):
        raise NotFound(_("机关不存在。"), code="organ_not_found")
    date_to = q.date_to or timezone.localdate()
    date_from = q.date_from or date_to - dt.timedelta(days=ORGAN_LADDER_DAYS)
    if date_from > date_to:
        raise InvalidInput(_("开始日期不能晚于结束日期。"), field="date_from")
    steps = organ_supervision_ladder(user, organ.pk, date_from, date_to)
    return OrganLadderOut(
        organ=OrganRef(id=organ.pk, name=organ.name),
        date_from=date_from,
        date_to=date_to,
        steps=_steps(steps),
        open_proposals=proposals_visible_to(user).filter(organ=organ, status="open").count(),
    )
