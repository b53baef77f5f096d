"""Citizen API for mobile apps (/api/v1/citizen/): track a petition with its tracking code and query
password, rate the reply, request a review (appeal). No staff token: every call proves the code and
password again, with the portal's throttles and the portal's messages; wrong code and wrong
password answer identically (no oracle). What is shown is the portal's: public events in plain
words, no staff names, no internal notes. The writes (submit, SMS code, rate, appeal) take ``Idempotency-Key`` like the staff API's POSTs
(minsheng.api.idempotency, keys in the shared ANONYMOUS namespace; v1.ANONYMOUS_KEYED_OPERATIONS).
An interface only: the rules are in
petitions.services (petition_check_query), portal.tracking, portal.queries, portal.security and the workflow."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import ConfigDict, Field

from minsheng.api.schema import LocalTime, Schema
from minsheng.api.v1 import ErrorOut
from minsheng.core.errors import InvalidInput, NotFound, TransitionNotAllowed
from minsheng.core.throttle import client_ip, throttle_blocked, throttle_hit
from minsheng.orgs.selectors import online_bureau
from minsheng.petitions.models import Petition, State
from minsheng.petitions.services import petitioner_language
from minsheng.portal import queries
from minsheng.portal.tracking import Throttled, clean_tracking_code, petition_track
from minsheng.workflow.services import MAX_ID, petition_transition

router: Router = Router(tags=["citizen"], auth=None)

CITIZEN_ERRORS: dict[int, type[Schema]] = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class CitizenIn(Schema):
    """A citizen request body: as strict as the staff API's (external client review, 2026-12-08) —
    an unknown or misspelt field is refused (`unknown_field`), not dropped, and ids and flags are
    JSON numbers and booleans (`"accused_organ_id": true` was read as organ 1)."""

    model_config = ConfigDict(extra="forbid")


class Credentials(CitizenIn):
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
    """The petition the code and password open, exactly as the portal's 查询 form (same throttles,
    same answers)."""
    return petition_track(
        client_ip(request), clean_tracking_code(credentials.tracking_code), credentials.password
    )


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
        raise Throttled(_("操作过于频繁，请稍后再试。"))
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


# ---------------------------------------------------------------------------------------------- submission


class CodeIn(CitizenIn):
    phone: str = Field(min_length=1, max_length=20, description="手机号码")
    purpose: Literal["submit", "reception"] = Field(
        "submit",
        description="what the code proves the phone for: an online petition (submit) or a leader "
        "reception booking (reception); a code serves only its purpose",
    )


class CodeSentOut(Schema):
    sent: bool
    expires_in: int = Field(description="seconds the code stays valid")


def _form_error(form: Any) -> InvalidInput:
    """The first error of a portal form, as the API's 422 (same message as on the portal)."""
    field, errors = next(iter(form.errors.items()))
    name = {"request_text": "request", "region": "region_id", "accused_organ": "accused_organ_id"}.get(
        field, field
    )
    return InvalidInput(str(errors[0]), field=None if field == "__all__" else name)


@router.post(
    "/verification-codes",
    response={202: CodeSentOut, **CITIZEN_ERRORS},
    operation_id="citizen_verification_code",
)
def citizen_verification_code_endpoint(request: HttpRequest, payload: CodeIn) -> Any:
    """Send a 6-digit code to the phone by SMS (valid 10 minutes), with the portal's limits: once a
    minute and five times an hour per phone, and per address (429 with the portal's message)."""
    from minsheng.portal.forms import ContactForm
    from minsheng.portal.security import OTP_TTL_SECONDS
    from minsheng.portal.submission import send_code

    form = ContactForm({"name": "-", "phone": payload.phone})
    form.is_valid()
    if "phone" in form.errors:
        raise InvalidInput(str(form.errors["phone"][0]), field="phone")
    error = send_code(request, form.cleaned_data["phone"], payload.purpose)
    if error:
        raise Throttled(error)
    return Status(202, CodeSentOut(sent=True, expires_in=OTP_TTL_SECONDS))


class SubmissionIn(CitizenIn):
    nature: Literal["suggestion", "accusation", "grievance", "litigation_related"] = Field(
        description="suggestion | accusation | grievance | litigation_related"
    )
    title: str = Field(max_length=60)
    facts: str = Field(max_length=5000)
    request: str = Field(max_length=2000)
    reasons: str = Field("", max_length=3000)
    region_id: int | None = Field(
        None, ge=1, le=MAX_ID, strict=True, description="a district or street (GET /api/v1/regions)"
    )
    place_text: str = Field("", max_length=200)
    accused_organ_id: int | None = Field(None, ge=1, le=MAX_ID, strict=True, description="accusations only")
    accused_person: str = Field("", max_length=100)
    anonymous: bool = Field(
        False, strict=True, description="accusations only, where the deployment allows it"
    )
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    code: str = Field("", max_length=6, description="the SMS code sent to the phone")
    address: str = Field("", max_length=200)
    id_number: str = Field("", max_length=30)
    language: str = Field(
        "",
        max_length=10,
        description="the language of the texts sent to the petitioner (zh-hans | en); "
        "default: the request's language (?lang= or the language cookie), else the deployment's",
    )


class SubmittedOut(Schema):
    tracking_code: str
    query_password: str = Field(description="shown once; also sent by SMS unless anonymous")
    sms_sent: bool


def _text_language(asked: str) -> str:
    """The language of the texts to the citizen: the one asked for, else the request's (?lang= or
    the language cookie, else the deployment's)."""
    return asked or get_language()


@router.post("/petitions", response={201: SubmittedOut, **CITIZEN_ERRORS}, operation_id="citizen_submit")
def citizen_submit_endpoint(request: HttpRequest, payload: SubmissionIn) -> Any:
    """Submit a petition online, as the portal's form does: the portal's checks of the matter and
    the contact (same messages), the phone proved with the SMS code (unless an anonymous
    accusation), the portal's submission limits per address and phone, registration at the city's
    petition bureau through the same service. Answers the tracking code and the query password."""
    from minsheng.petitions.citizen_access import allow_anonymous_accusations
    from minsheng.portal.forms import ContactForm, MatterForm
    from minsheng.portal.security import otp_check
    from minsheng.portal.submission import (
        draft_accused,
        draft_region,
        draft_suggestion,
        online_register,
        otp_error,
        submission_blocked,
        submission_counted,
    )

    matter = MatterForm(
        {
            "nature": payload.nature,
            "title": payload.title,
            "facts": payload.facts,
            "request_text": payload.request,
            "reasons": payload.reasons,
            "region": str(payload.region_id or ""),
            "place_text": payload.place_text,
            "accused_organ": str(payload.accused_organ_id or ""),
            "accused_person": payload.accused_person,
        }
    )
    if not matter.is_valid():
        raise _form_error(matter)
    draft = dict(matter.cleaned_data)
    allow_anonymous = allow_anonymous_accusations() and draft.get("nature") == "accusation"
    contact_form = ContactForm(
        {
            "anonymous": "on" if payload.anonymous else "",
            "name": payload.name,
            "phone": payload.phone,
            "code": payload.code,
            "address": payload.address,
            "id_number": payload.id_number,
        },
        allow_anonymous=allow_anonymous,
    )
    if payload.anonymous and not allow_anonymous:
        raise InvalidInput(_("只有检举控告可以匿名提出。"), field="anonymous")
    if not contact_form.is_valid():
        raise _form_error(contact_form)
    contact_data = contact_form.cleaned_data
    # Checked before the SMS code is spent; the request's language (?lang=, cookie) by default.
    language = petitioner_language(_text_language(payload.language), field="language")
    anonymous = bool(contact_data.get("anonymous"))
    phone = "" if anonymous else contact_data["phone"]
    bureau = online_bureau()
    if bureau is None:
        raise TransitionNotAllowed(_("网上信访暂不可用：未配置市信访局。请通过来信或来访提出。"))
    ip = client_ip(request)
    blocked = submission_blocked(ip, "")  # the address's own limit: it depends on the caller alone
    if blocked:
        raise Throttled(blocked)
    if not anonymous:
        if not contact_data.get("code"):
            raise InvalidInput(_("请先获取并填写短信验证码。"), field="code")
        result = otp_check(phone, "submit", contact_data["code"], ip=ip)
        if not result.ok:
            raise InvalidInput(otp_error(result.reason), field="code")
        # The phone's limit only once the phone is proved: before, a 429 would tell anyone who
        # typed the number that its holder has petitioned several times today.
        blocked = submission_blocked(ip, phone)
        if blocked:
            raise Throttled(blocked)
    contact: dict[str, Any] = (
        {"anonymous": True}
        if anonymous
        else {
            "anonymous": False,
            "name": contact_data["name"].strip(),
            "phone": phone,
            "address": (contact_data.get("address") or "").strip(),
            "id_number": contact_data.get("id_number", ""),
        }
    )
    region = draft_region(draft)
    accused = draft_accused(draft)
    suggestion = draft_suggestion(draft, region, accused)
    petition, password, sms_queued = online_register(
        draft, contact, region, accused, suggestion, bureau, language=language
    )
    submission_counted(ip, phone)
    return Status(
        201, SubmittedOut(tracking_code=petition.tracking_code, query_password=password, sms_sent=sms_queued)
    )


# -- leader reception days (领导接访日, 条例2022 Art. 18 para 1): the portal's schedule and bookings


class CitizenReceptionDayOut(Schema):
    id: int
    date: dt.date
    start_time: LocalTime
    end_time: LocalTime
    place: str
    form: str = Field(description="fixed | appointment | … (see form_label)")
    form_label: str
    organ: str = Field(description="the organ that publishes the day")
    joint_organs: list[str] = Field(description="organs receiving jointly (may be empty)")
    leader: str
    leader_post: str
    portfolio: str
    topics: str
    capacity: int = Field(description="places for online appointments")
    remaining: int
    bookable: bool = Field(description="online booking open: until the day before, while places remain")


class AppointmentIn(CitizenIn):
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(
        min_length=1, max_length=20, description="mainland mobile number; gets the confirmation SMS"
    )
    summary: str = Field(
        min_length=1, max_length=2000, description="the matter in a few sentences (at least 5 characters)"
    )
    code: str = Field(
        "",
        max_length=6,
        description="the SMS code sent to the phone (POST /verification-codes with purpose "
        "reception): nothing about the phone is answered before it is proved",
    )
    language: str = Field(
        "",
        max_length=10,
        description="the language of the SMS texts (zh-hans | en); default: the request's language "
        "(?lang= or the language cookie), else the deployment's",
    )


class CitizenAppointmentOut(Schema):
    code: str = Field(description="预约码: show it on the day; with the phone it cancels the booking")
    status: str
    day: CitizenReceptionDayOut
    sms_sent: bool = Field(description="a confirmation SMS with the code was queued to the phone")


class AppointmentCancelIn(CitizenIn):
    code: str = Field(min_length=1, max_length=12, description="预约码")
    phone: str = Field(min_length=1, max_length=20, description="the phone the booking was made with")


class AppointmentCancelledOut(Schema):
    code: str
    status: str


def _day_out(day: Any, today: dt.date) -> CitizenReceptionDayOut:
    from minsheng.reception import selectors as reception

    return CitizenReceptionDayOut(
        id=day.pk,
        date=day.date,
        start_time=day.start_time,
        end_time=day.end_time,
        place=day.place,
        form=day.form,
        form_label=str(day.get_form_display()),
        organ=day.organ.name,
        joint_organs=[o.name for o in day.joint_organs.all()],
        leader=reception.leader_name(day),
        leader_post=day.leader_post,
        portfolio=day.portfolio,
        topics=day.topics,
        capacity=day.capacity,
        remaining=day.remaining,
        bookable=reception.is_bookable(day, today),
    )


@router.get(
    "/reception-days", response={200: list[CitizenReceptionDayOut]}, operation_id="citizen_reception_days"
)
def citizen_reception_days_endpoint(request: HttpRequest) -> Any:
    """The published leader reception days from today on, as the portal's 领导接访日 page shows them
    (places left, whether online booking is still open)."""
    from minsheng.reception import selectors as reception

    today = timezone.localdate()
    return [_day_out(day, today) for day in reception.upcoming_days(today)]


@router.post(
    "/reception-days/{day_id}/appointments",
    response={201: CitizenAppointmentOut, **CITIZEN_ERRORS},
    operation_id="citizen_appointment_book",
)
def citizen_appointment_book_endpoint(request: HttpRequest, day_id: int, payload: AppointmentIn) -> Any:
    """Book a place on a published reception day, as the portal's form does: until the day
    before, one booking per phone and day, never beyond capacity (422 ``full``), the portal's
    submission limit per address (429). The phone must be proved first with an SMS code
    (``purpose: reception``); a missing or wrong code answers 422 ``phone_unverified`` whatever
    phone was given, and only then is "already booked for this day" said. Answers the 预约码,
    also sent by SMS."""
    from minsheng.portal.submission import reception_book_online
    from minsheng.reception import selectors as reception

    day = reception.public_day(day_id)
    if day is None:
        raise NotFound(_("接访日不存在或未发布。"), code="reception_day_not_found")
    appointment = reception_book_online(
        day.pk,
        name=payload.name,
        phone=payload.phone,
        summary=payload.summary,
        code=payload.code,
        ip=client_ip(request),
        language=_text_language(payload.language),
    )
    day = reception.public_day(day.pk) or day  # the places left after this booking
    out = CitizenAppointmentOut(
        code=appointment.code,
        status=appointment.status,
        day=_day_out(day, timezone.localdate()),
        sms_sent=True,
    )
    return Status(201, out)


@router.post(
    "/appointments/cancel",
    response={200: AppointmentCancelledOut, **CITIZEN_ERRORS},
    operation_id="citizen_appointment_cancel",
)
def citizen_appointment_cancel_endpoint(request: HttpRequest, payload: AppointmentCancelIn) -> Any:
    """Cancel a booking with its 预约码 and the phone it was booked with; the place goes back to the
    pool. A wrong code and a wrong phone answer alike (404); a failed try counts against the limits
    per address and per appointment code, whatever the address (429: a code seen by others cannot
    be cancelled by trying phones)."""
    from minsheng.reception.services import appointment_cancel_by_citizen

    appointment = appointment_cancel_by_citizen(client_ip(request), payload.code, payload.phone)
    return AppointmentCancelledOut(code=appointment.code, status=appointment.status)
