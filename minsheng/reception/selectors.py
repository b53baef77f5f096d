"""Reads for the reception pages: public schedule, staff lists, the 下访 region table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import mask_name, mask_phone
from minsheng.core.errors import InvalidInput
from minsheng.core.params import check_year
from minsheng.orgs.models import Organ, Region, StaffMembership
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids, region_subtree_ids
from minsheng.petitions.confidentiality import is_accusation_against, shield_q, shielded_accused_organs
from minsheng.petitions.models import Nature, Petition
from minsheng.reception import duties
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
    summary: str | None  # None: withheld from this viewer (not registered yet, or not his case)
    petition_visible: bool = False  # the registered petition is one the viewer may open


def hosts_day(user: AbstractBaseUser | None, day: ReceptionDay) -> bool:
    """Whether ``user`` holds a post in the host organ or an organ above it (not only in a joint
    organ): an administrator, or the host organ is in the subtree of one of his organs."""
    return is_admin(user) or day.organ_id in organ_subtree_ids(m.organ_id for m in memberships_of(user))


def appointment_rows(day: ReceptionDay, viewer: AbstractBaseUser | None) -> list[AppointmentRow]:
    """The day's appointments and walk-ins as ``viewer`` may see them (R-150, ADR 0006).

    A registered matter that is an accusation ``viewer`` is on the accused side of does not exist
    for him (``shield_q``). A matter not yet registered has no nature or accused organ the policy
    could judge, so only the host side sees who came and what they raised; staff of a joint organ
    see those rows without name, phone or summary until the matter is registered.

    Once registered, the matter is the petition's: a row shows who came and the petition's title as
    its case page shows it to the viewer (``listed_titles``), and only to those who may open that
    petition; never again the citizen's own summary. The summary may name an accusation that was
    split off into a petition the viewer is on the accused side of (``split_accusation`` cleans the
    petition, not the appointment), with the accuser's name (red-team review 2026-12-08)."""
    from minsheng.petitions.selectors import listed_titles, petitions_visible_to

    host = hosts_day(viewer, day)
    appointments = list(
        day.appointments.select_related("petition")
        .filter(shield_q(viewer, "petition__"))
        .order_by("kind", "created_at", "pk")
    )
    registered = [a.petition for a in appointments if a.petition is not None]
    visible = set(
        petitions_visible_to(viewer).filter(pk__in=[p.pk for p in registered]).values_list("pk", flat=True)
    )
    titles = listed_titles(viewer, [p for p in registered if p.pk in visible]) if visible else {}
    rows = []
    for appt in appointments:
        if appt.petition_id is None:
            if host:
                rows.append(AppointmentRow(appt, mask_name(appt.name), mask_phone(appt.phone), appt.summary))
            else:
                rows.append(AppointmentRow(appt, "", "", None))
        elif appt.petition_id in visible:
            rows.append(
                AppointmentRow(
                    appt, mask_name(appt.name), mask_phone(appt.phone), titles[appt.petition_id], True
                )
            )
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
        # Accusations are not counted: the table is shown to every member of staff, and a count per
        # district and day that moves with an accusation tells the accused side it exists.
        petitions = (
            Petition.objects.filter(region_id__in=ids, received_at__gte=start, received_at__lt=end)
            .exclude(nature=Nature.ACCUSATION)
            .count()
        )
        visits = OutreachVisit.objects.filter(region_id__in=ids, date__gte=date_from, date__lte=date_to)
        agg = visits.aggregate(
            n=Count("pk", distinct=True),
            m=Count("petitions", distinct=True, filter=~Q(petitions__nature=Nature.ACCUSATION)),
        )
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


# ---- reception duties: days held against each leader's duty -----------------------------


def reception_duties() -> tuple[duties.ReceptionDuty, ...]:
    """The deployment's duty rules (``MINSHENG_RECEPTION_DUTIES``), else 接访意见2009's."""
    return duties.duties_from(getattr(settings, "MINSHENG_RECEPTION_DUTIES", None))


@dataclass
class DutyPeriodRow:
    period: duties.Period
    held: int  # published days of this leader in the period, up to today
    ahead: int  # published days still to come in the period
    cancelled: int
    matters: int  # matters registered from the held days (appointments turned into petitions)
    verdict: str  # duties.verdict: met / missed / scheduled / open


@dataclass
class DutyRow:
    leader: Any
    leader_name: str
    organ: Organ
    duty: duties.ReceptionDuty
    periods: list[DutyPeriodRow]

    @property
    def met(self) -> int:
        return sum(p.verdict == "met" for p in self.periods)

    @property
    def missed(self) -> int:
        return sum(p.verdict == "missed" for p in self.periods)

    @property
    def held_without_records(self) -> int:
        """Periods with days held but no matter registered from any of them (达川考核: no
        reception records)."""
        return sum(p.held > 0 and p.matters == 0 for p in self.periods)


MAX_DUTY_SPAN_DAYS = 3 * 366


def duty_scope(user: AbstractBaseUser | None) -> set[int] | None:
    """The organs whose leaders ``user`` may see in the report: every organ for an administrator
    (None), else his organs and those below them."""
    if is_admin(user):
        return None
    return organ_subtree_ids(m.organ_id for m in memberships_of(user))


def duty_period(
    date_from: dt.date | None, date_to: dt.date | None, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The report's period: what was asked, else this calendar year (each bound on its own)."""
    now = today or timezone.localdate()
    return date_from or now.replace(month=1, day=1), date_to or now.replace(month=12, day=31)


def duty_compliance(
    user: AbstractBaseUser | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    today: dt.date | None = None,
) -> list[DutyRow]:
    """Per leader bound by a reception duty (within ``user``'s organs) and per whole month or
    quarter overlapping the period: the reception days held, still to come and cancelled, the
    matters registered from them, and whether the duty's minimum was met. A day counts as held
    once its date has come and it was not cancelled; joint receptions count for their leader."""
    check_year(date_from, "from")
    check_year(date_to, "to")
    date_from, date_to = duty_period(date_from, date_to, today)
    if date_to < date_from:
        raise InvalidInput(_("截止日期早于起始日期。"), field="to")
    if (date_to - date_from).days > MAX_DUTY_SPAN_DAYS:
        raise InvalidInput(_("统计期间最长三年。"), field="to")
    now = today or timezone.localdate()
    scope = duty_scope(user)
    memberships = StaffMembership.objects.select_related("user", "organ").order_by(
        "organ__level", "organ__code", "user__username", "pk"
    )
    if scope is not None:
        memberships = memberships.filter(organ_id__in=scope)
    bound: list[tuple[StaffMembership, duties.ReceptionDuty]] = []
    seen: set[tuple[int, str]] = set()
    rules = reception_duties()
    for m in memberships.filter(role__in={r for rule in rules for r in rule.roles}):
        for rule in rules:
            if rule.applies(m.organ.level, m.organ.kind, m.role) and (m.user_id, rule.key) not in seen:
                seen.add((m.user_id, rule.key))
                bound.append((m, rule))
    if not bound:
        return []
    spans = {rule.key: duties.periods_between(date_from, date_to, rule.per) for _m, rule in bound}
    first = min(p[0].start for p in spans.values())
    last = max(p[-1].end for p in spans.values())
    days = (
        ReceptionDay.objects.filter(
            leader_id__in={m.user_id for m, _r in bound}, date__gte=first, date__lte=last
        )
        .exclude(status=ReceptionDay.Status.DRAFT)
        .annotate(matters=Count("appointments", filter=Q(appointments__petition__isnull=False)))
        .values_list("leader_id", "date", "status", "matters")
    )
    by_leader: dict[int, list[tuple[dt.date, str, int]]] = {}
    for leader_id, date, status, matters in days:
        by_leader.setdefault(leader_id, []).append((date, status, int(matters)))
    rows = []
    for m, rule in bound:
        # The account's creation stands for the start in office (no appointment date is kept):
        # quarters before it are not held against the leader.
        since = timezone.localdate(m.user.date_joined) if getattr(m.user, "date_joined", None) else None
        periods = []
        for period in spans[rule.key]:
            inside = [d for d in by_leader.get(m.user_id, []) if period.start <= d[0] <= period.end]
            published = [d for d in inside if d[1] == ReceptionDay.Status.PUBLISHED]
            held = [d for d in published if d[0] <= now]
            ahead = len(published) - len(held)
            periods.append(
                DutyPeriodRow(
                    period=period,
                    held=len(held),
                    ahead=ahead,
                    cancelled=len(inside) - len(published),
                    matters=sum(d[2] for d in held),
                    verdict=duties.verdict(len(held), ahead, period, rule.min_days, now, since),
                )
            )
        user_obj: Any = m.user
        name = str(user_obj.get_full_name() or user_obj.get_username())
        rows.append(DutyRow(m.user, name, m.organ, rule, periods))
    return rows
