"""Reception services: publish and cancel reception days, book and register appointments,
walk-ins, 包案 and 下访. Every change writes a ReceptionLog row; every matter received becomes
a petition through ``petition_register`` (channel ``visit``); 包案 goes through the workflow's
``take_charge`` row, so the petition's own timeline records it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from minsheng.core.crypto import blind_index
from minsheng.core.errors import Forbidden, InvalidInput, NotFound, Throttled
from minsheng.core.params import check_year
from minsheng.core.throttle import throttle_take
from minsheng.notifications.services import outbox_send_direct
from minsheng.orgs.models import Category, Organ, Region, Role
from minsheng.orgs.selectors import is_admin, memberships_of
from minsheng.petitions.citizen_access import canonical_phone
from minsheng.petitions.models import Channel, Nature, Petition
from minsheng.petitions.services import PetitionerInput, RegistrationInput, petitioner_language
from minsheng.reception.models import (
    Appointment,
    CaseOwnership,
    OutreachVisit,
    ReceptionDay,
    ReceptionForm,
    ReceptionLog,
)

#: 四包 (接访意见2009 [S]); ACCOUNTABILITY.md A-083 / accountability_rules.yaml reception.baoan.
DEFAULT_BAOAN_DUTIES = ["包掌握情况", "包思想教育", "包解决化解", "包息诉息访"]
MANAGER_ROLES = (Role.LEADER, Role.ORGAN_HEAD, Role.REGISTRAR)
RECEIVER_ROLES = (Role.LEADER, Role.ORGAN_HEAD)
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


#: How far ahead a reception day may be scheduled (days).
MAX_SCHEDULE_DAYS = 366
#: The longest 包案 duty (the defaults are 2–4 characters: 阅批, 接访, 督办 …).
MAX_DUTY_CHARS = 50


def publish_lead_days() -> int:
    return int(settings.MINSHENG_RECEPTION_PUBLISH_LEAD_DAYS)


def _log(action: str, actor: AbstractBaseUser | None, **kwargs: Any) -> None:
    data = kwargs.pop("data", {})
    ReceptionLog.objects.create(action=action, actor_id=actor.pk if actor else None, data=data, **kwargs)


def _holds(user: AbstractBaseUser | None, organ_ids: Sequence[int], roles: Sequence[str]) -> bool:
    return any(m.organ_id in organ_ids and m.role in roles for m in memberships_of(user))


def day_organ_ids(day: ReceptionDay) -> list[int]:
    return [day.organ_id, *day.joint_organs.values_list("pk", flat=True)]


def can_manage(user: AbstractBaseUser | None, day: ReceptionDay) -> bool:
    return is_admin(user) or _holds(user, day_organ_ids(day), MANAGER_ROLES)


def can_register(user: AbstractBaseUser | None, day: ReceptionDay) -> bool:
    return _holds(user, day_organ_ids(day), (Role.REGISTRAR,))


def _text(value: str | None, name: str, label: str, *, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("请填写%(f)s。") % {"f": label}, field=name)
    if len(text) > max_length:
        raise InvalidInput(_("%(f)s不能超过%(n)s个字。") % {"f": label, "n": max_length}, field=name)
    return text


def _mobile(value: str | None, *, required: bool) -> str:
    phone = canonical_phone("".join((value or "").split()))
    if not phone and not required:
        return ""
    if not _MOBILE_RE.match(phone):
        raise InvalidInput(_("请填写11位手机号码。"), field="phone")
    return phone


@dataclass
class DayInput:
    organ: Organ
    leader: AbstractBaseUser
    leader_post: str
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    capacity: int
    topics: str = ""
    portfolio: str = ""
    form: str = ReceptionForm.FIXED
    joint_organs: list[Organ] = field(default_factory=list)


def day_create(
    data: DayInput, *, actor: AbstractBaseUser, publish: bool = False, now: dt.datetime | None = None
) -> ReceptionDay:
    """A reception day of ``data.organ`` (a draft, or published at once when ``publish``)."""
    moment = now or timezone.now()
    if not (is_admin(actor) or _holds(actor, [data.organ.pk], MANAGER_ROLES)):
        raise Forbidden(_("您不能为该机关安排领导接访日。"))
    if not _holds(data.leader, [data.organ.pk, *(o.pk for o in data.joint_organs)], RECEIVER_ROLES):
        raise InvalidInput(_("接访领导须为本机关领导或负责人。"), field="leader")
    post = _text(data.leader_post, "leader_post", _("职务"), max_length=60)
    place = _text(data.place, "place", _("接访地点"), max_length=200)
    topics = _text(data.topics, "topics", _("接访主题"), max_length=300, required=False)
    portfolio = _text(data.portfolio, "portfolio", _("分管工作"), max_length=200, required=False)
    if data.end_time <= data.start_time:
        raise InvalidInput(_("结束时间应晚于开始时间。"), field="end_time")
    if not 0 <= data.capacity <= 500:
        raise InvalidInput(_("预约名额应在0至500之间。"), field="capacity")
    if data.form not in ReceptionForm.values:
        raise InvalidInput(_("接访形式无效。"), field="form")
    if data.date < timezone.localdate(moment):
        raise InvalidInput(_("接访日期不能早于今天。"), field="date")
    if (data.date - timezone.localdate(moment)).days > MAX_SCHEDULE_DAYS:
        raise InvalidInput(_("接访日最多提前一年安排。"), field="date")
    joint = [o for o in data.joint_organs if o.pk != data.organ.pk]
    form = ReceptionForm.JOINT if joint else data.form
    with transaction.atomic():
        day = ReceptionDay.objects.create(
            organ=data.organ,
            leader_id=data.leader.pk,
            leader_post=post,
            portfolio=portfolio,
            form=form,
            date=data.date,
            start_time=data.start_time,
            end_time=data.end_time,
            place=place,
            topics=topics,
            capacity=data.capacity,
            created_by_id=actor.pk,
            created_at=moment,
        )
        if joint:
            day.joint_organs.set(joint)
        _log(
            "day_create", actor, day=day, data={"date": day.date.isoformat(), "joint": [o.pk for o in joint]}
        )
        if publish:
            day = day_publish(day.pk, actor=actor, now=moment)
    return day


def _day_for_update(day_id: int) -> ReceptionDay:
    day = ReceptionDay.objects.select_for_update().filter(pk=day_id).first()
    if day is None:
        raise NotFound(_("接访日不存在。"))
    return day


def day_publish(day_id: int, *, actor: AbstractBaseUser, now: dt.datetime | None = None) -> ReceptionDay:
    """Publish a draft (A-082: at least MINSHENG_RECEPTION_PUBLISH_LEAD_DAYS days before the date)."""
    moment = now or timezone.now()
    with transaction.atomic():
        day = _day_for_update(day_id)
        if not can_manage(actor, day):
            raise Forbidden(_("您不能发布该接访日。"))
        if day.status != ReceptionDay.Status.DRAFT:
            raise InvalidInput(_("只有未发布的接访日可以发布。"), field="status")
        lead = publish_lead_days()
        latest = day.date - dt.timedelta(days=lead)
        if timezone.localdate(moment) > latest:
            raise InvalidInput(
                _("接访日须至少提前%(n)s日向社会公布（最迟%(d)s发布）。")
                % {"n": lead, "d": latest.isoformat()},
                field="date",
            )
        day.status = ReceptionDay.Status.PUBLISHED
        day.published_at = moment
        day.save(update_fields=["status", "published_at"])
        _log("day_publish", actor, day=day, data={"lead_days": lead})
    return day


def day_cancel(
    day_id: int, *, actor: AbstractBaseUser, reason: str, now: dt.datetime | None = None
) -> ReceptionDay:
    """Cancel a reception day; every booked citizen is told by SMS."""
    moment = now or timezone.now()
    why = _text(reason, "reason", _("取消原因"), max_length=200)
    with transaction.atomic():
        day = _day_for_update(day_id)
        if not can_manage(actor, day):
            raise Forbidden(_("您不能取消该接访日。"))
        if day.status == ReceptionDay.Status.CANCELLED:
            raise InvalidInput(_("该接访日已取消。"), field="status")
        was_published = day.status == ReceptionDay.Status.PUBLISHED
        day.status = ReceptionDay.Status.CANCELLED
        day.cancelled_at = moment
        day.cancel_reason = why
        day.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        told = 0
        if was_published:
            for appt in day.appointments.filter(
                status=Appointment.Status.BOOKED, kind=Appointment.Kind.ONLINE
            ):
                if appt.phone:
                    with translation.override(appt.language or settings.LANGUAGE_CODE):
                        text = _("您预约的%(date)s领导接访（预约码 %(code)s）已取消：%(why)s。") % {
                            "date": date_format(day.date, "DATE_FORMAT"),
                            "code": appt.code,
                            "why": why,
                        }
                    outbox_send_direct("sms", appt.phone, "reception_cancelled", text)
                    told += 1
        _log("day_cancel", actor, day=day, data={"reason": why, "told": told})
    return day


def _new_code() -> str:
    while True:
        code = "JF" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if not Appointment.objects.filter(code=code).exists():
            return code


@dataclass(frozen=True)
class AppointmentInput:
    """A citizen's booking as checked: the phone in its canonical 11-digit form."""

    name: str
    phone: str
    summary: str


def booking_phone(phone: str) -> str:
    """The phone of a booking in its canonical form (a clear error for anything but a mobile)."""
    return _mobile(phone, required=True)


def appointment_clean(*, name: str, phone: str, summary: str) -> AppointmentInput:
    """Check a booking's fields (clear error, nothing changed). Interfaces call it before they
    spend the SMS code that proves the phone, so a mistyped summary does not burn the code."""
    clean_name = _text(name, "name", _("姓名"), max_length=50)
    clean_phone = _mobile(phone, required=True)
    clean_summary = _text(summary, "summary", _("反映事项摘要"), max_length=2000)
    if len(clean_summary) < 5:
        raise InvalidInput(_("请简要说明反映的事项（至少5个字）。"), field="summary")
    return AppointmentInput(name=clean_name, phone=clean_phone, summary=clean_summary)


def appointment_book(
    day_id: int,
    *,
    name: str,
    phone: str,
    summary: str,
    phone_verified: bool,
    language: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """A citizen's online booking. The phone must have been proved by the citizen (an SMS code,
    checked by the interface: ``phone_verified``) before anything about it is answered: "this
    phone has already booked this day" is said only to the phone's holder, never to someone who
    merely typed the number (no oracle on who is coming to see a leader). Capacity is taken by a
    compare-and-set update (``booked < capacity``), so concurrent bookings can never exceed it on
    any database."""
    moment = now or timezone.now()
    booking = appointment_clean(name=name, phone=phone, summary=summary)
    text_language = petitioner_language(language, field="language")
    if not phone_verified:
        raise InvalidInput(
            _("请先获取并填写短信验证码，以确认手机号码。"), field="code", code="phone_unverified"
        )
    clean_name, clean_phone, clean_summary = booking.name, booking.phone, booking.summary
    index = blind_index(clean_phone)
    with transaction.atomic():
        day = ReceptionDay.objects.filter(pk=day_id, status=ReceptionDay.Status.PUBLISHED).first()
        if day is None:
            raise NotFound(_("接访日不存在或未发布。"))
        if day.date <= timezone.localdate(moment):
            raise InvalidInput(_("网上预约截至接访日前一天；当天请到现场登记。"), field="day")
        if day.appointments.filter(phone_index=index).exclude(status=Appointment.Status.CANCELLED).exists():
            raise InvalidInput(_("该手机号码已预约本场接访。"), field="phone")
        taken = ReceptionDay.objects.filter(
            pk=day.pk, status=ReceptionDay.Status.PUBLISHED, booked__lt=F("capacity")
        ).update(booked=F("booked") + 1)
        if taken != 1:
            raise InvalidInput(_("本场接访预约名额已满。"), field="day", code="full")
        appt = Appointment.objects.create(
            day=day,
            kind=Appointment.Kind.ONLINE,
            code=_new_code(),
            name=clean_name,
            phone=clean_phone,
            phone_index=index,
            summary=clean_summary,
            language=text_language,
            created_at=moment,
        )
        _log("appointment_book", None, day=day, appointment=appt)
        with translation.override(appt.language or settings.LANGUAGE_CODE):
            text = _(
                "您已预约%(date)s %(time)s在%(place)s的领导接访，预约码 %(code)s，请携带身份证件按时到场。"
            ) % {
                "date": date_format(day.date, "DATE_FORMAT"),
                "time": f"{day.start_time:%H:%M}",
                "place": day.place,
                "code": appt.code,
            }
        outbox_send_direct("sms", clean_phone, "reception_booked", text)
    return appt


def appointment_cancel_by_citizen(ip: str, code: str, phone: str) -> Appointment:
    """The citizen's cancellation (portal and citizen API), counted against the limits: per
    address, and per appointment code whatever the address, so a code seen on a screen or a slip
    cannot be cancelled by trying phones; a success is given back."""
    key = code.strip().upper()
    attempt = throttle_take(
        ("track_fail_ip", ip), ("appointment_fail_code", key), ("appointment_fail_code_day", key)
    )
    if attempt is None:
        raise Throttled(_("尝试次数过多，请15分钟后再试。"))
    appointment = appointment_cancel(code, phone)
    attempt.refund()
    return appointment


def appointment_cancel(code: str, phone: str, *, now: dt.datetime | None = None) -> Appointment:
    """The citizen cancels his booking (code + phone); the place goes back to the pool."""
    index = blind_index(_mobile(phone, required=True))
    with transaction.atomic():
        appt = (
            Appointment.objects.select_for_update()
            .filter(code=code.strip().upper(), phone_index=index)
            .first()
        )
        if appt is None:
            raise NotFound(_("预约不存在。"))
        if appt.status != Appointment.Status.BOOKED:
            raise InvalidInput(_("该预约不能取消。"), field="code")
        appt.status = Appointment.Status.CANCELLED
        appt.save(update_fields=["status"])
        if appt.kind == Appointment.Kind.ONLINE:
            ReceptionDay.objects.filter(pk=appt.day_id, booked__gt=0).update(booked=F("booked") - 1)
        _log("appointment_cancel", None, day_id=appt.day_id, appointment=appt)
    return appt


def walk_in_register(
    day_id: int,
    *,
    actor: AbstractBaseUser,
    name: str,
    phone: str,
    summary: str,
    now: dt.datetime | None = None,
) -> Appointment:
    """A walk-in on the day (no capacity limit: every visitor is received and registered)."""
    moment = now or timezone.now()
    clean_name = _text(name, "name", _("姓名"), max_length=50)
    clean_phone = _mobile(phone, required=False)
    clean_summary = _text(summary, "summary", _("反映事项摘要"), max_length=2000)
    with transaction.atomic():
        day = _day_for_update(day_id)
        if not can_register(actor, day):
            raise Forbidden(_("您不能为该接访日登记来访人员。"))
        if day.status != ReceptionDay.Status.PUBLISHED:
            raise InvalidInput(_("该接访日未发布或已取消。"), field="day")
        if day.date != timezone.localdate(moment):
            raise InvalidInput(_("现场登记只能在接访当天进行。"), field="day")
        appt = Appointment.objects.create(
            day=day,
            kind=Appointment.Kind.WALK_IN,
            code=_new_code(),
            name=clean_name,
            phone=clean_phone,
            phone_index=blind_index(clean_phone) if clean_phone else "",
            summary=clean_summary,
            created_at=moment,
            created_by_id=actor.pk,
        )
        _log("walk_in", actor, day=day, appointment=appt)
    return appt


@dataclass
class MatterInput:
    title: str = ""
    request: str = ""
    facts: str = ""
    nature: str = Nature.GRIEVANCE
    category: Category | None = None
    region: Region | None = None
    place_text: str = ""
    id_number: str = ""
    address: str = ""
    # An accusation raised at a reception is registered as one, naming the accused unit:
    # then it does not exist for that unit, also on the day's list of a joint reception.
    accused_organ: Organ | None = None


def appointment_register_matter(
    appointment_id: int, *, actor: AbstractBaseUser, matter: MatterInput, now: dt.datetime | None = None
) -> Petition:
    """Register the matter brought to the reception as a petition (channel ``visit``) through the
    one registration service; the appointment records the receiving leader (谁接访、谁负责)."""
    from minsheng.workflow.services import petition_register

    moment = now or timezone.now()
    with transaction.atomic():
        appt = (
            Appointment.objects.select_for_update()
            .select_related("day", "day__organ")
            .filter(pk=appointment_id)
            .first()
        )
        if appt is None:
            raise NotFound(_("预约不存在。"))
        day = appt.day
        if not can_register(actor, day):
            raise Forbidden(_("您不能登记该接访事项。"))
        if appt.status != Appointment.Status.BOOKED:
            raise InvalidInput(_("该预约已登记或已取消。"), field="appointment")
        if day.status != ReceptionDay.Status.PUBLISHED or day.date > timezone.localdate(moment):
            raise InvalidInput(_("接访当天起才能登记接访事项。"), field="appointment")
        title = (matter.title or "").strip() or appt.summary[:40]
        petition, _password = petition_register(
            RegistrationInput(
                channel=Channel.VISIT,
                receiving_organ=day.organ,
                title=title[:200],
                request=(matter.request or "").strip() or appt.summary,
                facts=matter.facts,
                nature=matter.nature,
                accused_organ=matter.accused_organ,
                category=matter.category,
                region=matter.region,
                place_text=matter.place_text,
                received_at=moment,
                petitioner=PetitionerInput(
                    name=appt.name,
                    phone=appt.phone,
                    id_number=matter.id_number,
                    address=matter.address,
                    language=appt.language,
                ),
            ),
            actor=actor,
            now=moment,
        )
        appt.petition = petition
        appt.status = Appointment.Status.REGISTERED
        appt.receiving_leader = day.leader
        appt.registered_at = moment
        appt.save(update_fields=["petition", "status", "receiving_leader", "registered_at"])
        _log(
            "register_matter",
            actor,
            day=day,
            appointment=appt,
            petition=petition,
            data={"leader": day.leader.get_username()},
        )
    return petition


# --- 包案 -------------------------------------------------------------------------------------


def baoan_take(
    petition_id: int,
    *,
    leader: AbstractBaseUser,
    duties: Sequence[str] | None = None,
    target_date: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> CaseOwnership:
    """The leader takes personal charge of a petition (包案, A-083), through the workflow's
    ``take_charge`` row (role and chain checks, the event). Clocks are untouched: the row moves no
    state and the statutory deadlines are computed from the petition's own events only."""
    from minsheng.workflow.services import petition_transition

    moment = now or timezone.now()
    chosen = [d.strip() for d in (duties if duties is not None else DEFAULT_BAOAN_DUTIES) if d.strip()]
    if any(len(d) > MAX_DUTY_CHARS for d in chosen):
        raise InvalidInput(_("每项包案责任不超过%(n)s个字。") % {"n": MAX_DUTY_CHARS}, field="duties")
    if len(set(chosen)) != len(chosen):
        raise InvalidInput(_("包案责任有重复。"), field="duties")
    if not chosen:
        raise InvalidInput(_("请至少选择一项包案责任。"), field="duties")
    if target_date is not None and target_date < timezone.localdate(moment):
        raise InvalidInput(_("化解目标日期不能早于今天。"), field="target_date")
    check_year(target_date, "target_date")
    clean_note = _text(note, "note", _("说明"), max_length=300, required=False)
    with transaction.atomic():
        petition_transition(petition_id, "take_charge", actor=leader, data={}, now=moment)
        CaseOwnership.objects.filter(petition_id=petition_id, is_active=True).update(is_active=False)
        try:
            ownership = CaseOwnership.objects.create(
                petition_id=petition_id,
                leader_id=leader.pk,
                duties=chosen,
                target_date=target_date,
                note=clean_note,
                assigned_at=moment,
            )
        except IntegrityError as exc:  # pragma: no cover - guarded by the update above
            raise InvalidInput(_("该事项已有包案领导。"), field="leader") from exc
        _log(
            "baoan",
            leader,
            petition_id=petition_id,
            data={"duties": chosen, "target_date": target_date.isoformat() if target_date else None},
        )
    return ownership


# --- 下访 -------------------------------------------------------------------------------------


@dataclass
class VisitMatter:
    title: str
    request: str
    name: str = ""
    phone: str = ""
    category: Category | None = None


def outreach_record(
    *,
    leader: AbstractBaseUser,
    organ: Organ,
    region: Region,
    place: str,
    date: dt.date,
    people_met: str,
    outcomes: str = "",
    matters: Sequence[VisitMatter] = (),
    now: dt.datetime | None = None,
) -> OutreachVisit:
    """Record a 下访 (A-085). Matters taken up are registered as petitions (channel ``visit``) at the
    leader's organ, received by the leader who went (谁接访、谁负责)."""
    from minsheng.workflow.services import petition_register

    moment = now or timezone.now()
    if not _holds(leader, [organ.pk], RECEIVER_ROLES):
        raise Forbidden(_("只有本机关领导可以记录下访。"))
    clean_place = _text(place, "place", _("地点"), max_length=200)
    clean_people = _text(people_met, "people_met", _("接待群众"), max_length=2000)
    clean_outcomes = _text(outcomes, "outcomes", _("成效"), max_length=4000, required=False)
    if date > timezone.localdate(moment):
        raise InvalidInput(_("下访日期不能晚于今天。"), field="date")
    check_year(date, "date")
    with transaction.atomic():
        visit = OutreachVisit.objects.create(
            leader_id=leader.pk,
            organ=organ,
            region=region,
            place=clean_place,
            date=date,
            people_met=clean_people,
            outcomes=clean_outcomes,
            created_by_id=leader.pk,
            created_at=moment,
        )
        received = timezone.make_aware(dt.datetime.combine(date, dt.time(10, 0)))
        for index, m in enumerate(matters, start=1):
            title = _text(m.title, f"matters.{index}.title", _("事项标题"), max_length=200)
            request = _text(m.request, f"matters.{index}.request", _("请求"), max_length=5000)
            petition, _pw = petition_register(
                RegistrationInput(
                    channel=Channel.VISIT,
                    receiving_organ=organ,
                    title=title,
                    request=request,
                    region=region,
                    place_text=clean_place,
                    category=m.category,
                    received_at=min(received, moment),
                    petitioner=PetitionerInput(name=m.name, phone=_mobile(m.phone, required=False)),
                ),
                actor=leader,
                now=moment,
            )
            visit.petitions.add(petition)
        _log("outreach", leader, data={"visit": visit.pk, "region": region.code, "matters": len(matters)})
    return visit
