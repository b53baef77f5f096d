"""Reads for the reception pages: public schedule, staff lists, the 下访 region table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from minsheng.core.crypto import mask_name, mask_phone
from minsheng.orgs.models import Region
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids, region_subtree_ids
from minsheng.petitions.confidentiality import is_accusation_against, shield_q, shielded_accused_organs
from minsheng.petitions.models import Petition
from minsheng.reception.models import Appointment, CaseOwnership, OutreachVisit, ReceptionDay


def upcoming_days(today: dt.date | None = None) -> QuerySet[ReceptionDay]:
    """Published reception days from today on (the public schedule, Art. 18 para 1)."""
    day = today or timezone.localdate()
    return (
        ReceptionDay.objects.filter(status=ReceptionDay.Status.PUBLISHED, date__gte=day)
        .select_related("organ", "leader")
        .prefetch_related("joint_organs")
    )


def public_day(day_id: int) -> ReceptionDay | None:
    return upcoming_days().filter(pk=day_id).first()


def is_bookable(day: ReceptionDay, today: dt.date | None = None) -> bool:
    """Online booking is open until the day before and while places remain (the service
    ``appointment_book`` enforces the same; this is what the schedule shows)."""
    return day.date > (today or timezone.localdate()) and day.remaining > 0


def leader_name(day: ReceptionDay) -> str:
    user: Any = day.leader
    return str(user.get_full_name() or user.get_username())


def staff_days(user: AbstractBaseUser) -> QuerySet[ReceptionDay]:
    """Reception days of the user's organs and the organs below them (all for an administrator)."""
    from minsheng.petitions.selectors import is_analyst_only

    qs = ReceptionDay.objects.select_related("organ", "leader").prefetch_related("joint_organs")
    if is_analyst_only(user):
        # Analysts see de-identified data only; appointment summaries are case texts.
        return qs.none()
    if is_admin(user):
        return qs.order_by("-date", "pk")
    organs = organ_subtree_ids(m.organ_id for m in memberships_of(user))
    return qs.filter(Q(organ_id__in=organs) | Q(joint_organs__in=organs)).distinct().order_by("-date", "pk")


@dataclass
class AppointmentRow:
    a: Appointment
    name_masked: str
    phone_masked: str
    summary: str | None  # None: withheld from this viewer until the matter is registered


def hosts_day(user: AbstractBaseUser | None, day: ReceptionDay) -> bool:
    """Whether ``user`` holds a post in the host organ or an organ above it (not only in a joint
    organ): an administrator, or the host organ is in the subtree of one of his organs."""
    return is_admin(user) or day.organ_id in organ_subtree_ids(m.organ_id for m in memberships_of(user))


def appointment_rows(day: ReceptionDay, viewer: AbstractBaseUser | None) -> list[AppointmentRow]:
    """The day's appointments and walk-ins as ``viewer`` may see them (R-150, ADR 0006).

    A registered matter that is an accusation ``viewer`` is on the accused side of does not exist
    for him (``shield_q``). A matter not yet registered has no nature or accused organ the policy
    could judge, so only the host side sees who came and what they raised; staff of a joint organ
    see those rows without name, phone or summary until the matter is registered."""
    host = hosts_day(viewer, day)
    rows = []
    appointments = day.appointments.select_related("petition").filter(shield_q(viewer, "petition__"))
    for appt in appointments.order_by("kind", "created_at", "pk"):
        if host or appt.petition_id is not None:
            rows.append(AppointmentRow(appt, mask_name(appt.name), mask_phone(appt.phone), appt.summary))
        else:
            rows.append(AppointmentRow(appt, "", "", None))
    return rows


def reception_of(petition: Petition) -> Appointment | None:
    return Appointment.objects.select_related("day", "receiving_leader").filter(petition=petition).first()


def active_ownership(petition: Petition) -> CaseOwnership | None:
    return CaseOwnership.objects.select_related("leader").filter(petition=petition, is_active=True).first()


def owned_by(leader: AbstractBaseUser) -> QuerySet[CaseOwnership]:
    return CaseOwnership.objects.filter(leader_id=leader.pk, is_active=True).select_related("petition")


@dataclass
class RegionRow:
    region: Region
    petitions: int
    visits: int
    matters: int


def outreach_vs_petitions(city: Region, date_from: dt.date, date_to: dt.date) -> list[RegionRow]:
    """Per district of ``city``: petitions received from there and leader visits made there, in the
    period (both bounds inclusive): where leaders went against where petitions come from."""
    districts = list(Region.objects.filter(parent=city).order_by("code"))
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    rows = []
    for district in districts:
        ids = region_subtree_ids([district.pk])
        petitions = Petition.objects.filter(
            region_id__in=ids, received_at__gte=start, received_at__lt=end
        ).count()
        visits = OutreachVisit.objects.filter(region_id__in=ids, date__gte=date_from, date__lte=date_to)
        agg = visits.aggregate(n=Count("pk", distinct=True), m=Count("petitions", distinct=True))
        rows.append(RegionRow(district, petitions, int(agg["n"] or 0), int(agg["m"] or 0)))
    return rows


def outreach_city(user: AbstractBaseUser) -> Region | None:
    """The city whose districts the 下访 table compares: the city of one of the user's organs, else
    the first city on record."""
    city = next(
        (m.organ.region for m in memberships_of(user) if m.organ.region.level == Region.Level.CITY), None
    )
    return city or Region.objects.filter(level=Region.Level.CITY).order_by("code").first()


def ownerships_visible_to(user: AbstractBaseUser) -> QuerySet[CaseOwnership]:
    """Active 包案 on the petitions ``user`` may see (none for analysts); the accusations he is on
    the accused side of do not exist for him (R-150, through ``petitions_visible_to``)."""
    from minsheng.petitions.selectors import is_analyst_only, petitions_visible_to

    if is_analyst_only(user):
        return CaseOwnership.objects.none()
    return (
        CaseOwnership.objects.filter(is_active=True, petition__in=petitions_visible_to(user))
        .select_related("petition", "leader")
        .order_by("-assigned_at", "-pk")
    )


def visible_visit_petitions(visit: OutreachVisit, user: AbstractBaseUser) -> list[Petition]:
    """The matters a 下访 took up, as ``user`` may see them (R-150: an accusation whose accused
    side he is on does not exist for him). Reads the prefetched petitions of ``visits_for``."""
    shielded = shielded_accused_organs(user)
    return sorted(
        (
            p
            for p in visit.petitions.all()
            if not is_accusation_against(p.nature, p.accused_organ_id, shielded)
        ),
        key=lambda p: p.pk,
    )


def visits_for(user: AbstractBaseUser) -> QuerySet[OutreachVisit]:
    qs = OutreachVisit.objects.select_related("leader", "region", "organ").prefetch_related("petitions")
    if is_admin(user):
        return qs
    organs = organ_subtree_ids(m.organ_id for m in memberships_of(user))
    return qs.filter(organ_id__in=organs)
