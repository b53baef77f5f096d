"""Reads for 稳评 (evidence from petitions, before/after) and the consistency flags.
Everything returned about petitions is de-identified: tracking code, masked title, dates."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.analytics.selectors import deidentify, hot_issues_from_records, known_names, petition_records
from minsheng.orgs.models import Region, Role
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids, region_subtree_ids
from minsheng.petitions.confidentiality import shield_q
from minsheng.petitions.models import Nature, Petition, State
from minsheng.reception.models import CaseOwnership
from minsheng.stability.models import ConsistencyFlag, DecisionPetition, MajorDecision

EVIDENCE_MONTHS = 12


def decisions_for(user: AbstractBaseUser) -> QuerySet[MajorDecision]:
    qs = MajorDecision.objects.select_related("organ", "region", "category")
    if is_admin(user):
        return qs
    return qs.filter(organ_id__in=organ_subtree_ids(m.organ_id for m in memberships_of(user)))


def decision_get(user: AbstractBaseUser, decision_id: int) -> MajorDecision | None:
    return decisions_for(user).filter(pk=decision_id).first()


def matching_petitions(decision: MajorDecision) -> QuerySet[Petition]:
    """Petitions from the decision's region (and below; without a recognised place, those received
    by an organ there) on its topic: its category subtree or any of its keywords in the title,
    request or facts (region alone when neither is set).

    Never an accusation (R-150): whoever registers a decision chooses its place, its category and
    its keywords, and reads the petitions he may see there elsewhere (analytics drill-down); any
    figure here that moved with an accusation — the total, a month, the repeat petitioners —
    would tell him one exists, and the accused unit may be the deciding organ."""
    regions = region_subtree_ids([decision.region_id])
    # A petition whose place was not recognised counts where the organ that received it sits.
    near = Q(region_id__in=regions) | Q(region__isnull=True, receiving_organ__region_id__in=regions)
    qs = Petition.objects.filter(near).exclude(state=State.RECEIVED).exclude(nature=Nature.ACCUSATION)
    topic = Q()
    if decision.category_id:
        assert decision.category is not None
        topic |= Q(category__path__startswith=decision.category.path)
    for word in decision.keywords or []:
        topic |= Q(title__contains=word) | Q(request__contains=word) | Q(facts__contains=word)
    return qs.filter(topic) if topic else qs


def evidence_window(
    decision: MajorDecision, as_of: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """The twelve months before ``as_of`` (the decision time once decided), as aware datetimes."""
    end = as_of or decision.decided_at or timezone.now()
    local = timezone.localdate(end)
    first = _month_start(local, -(EVIDENCE_MONTHS - 1))
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    return start, end


def _month_start(day: dt.date, shift: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class PetitionRef:
    pk: int
    tracking_code: str
    title: str
    received: dt.date
    state: str
    urgent: bool
    collective: bool
    repeat: bool


def _refs(qs: QuerySet[Petition], limit: int = 50) -> list[PetitionRef]:
    # Accusations are counted but never listed: their text must not reach the accused side
    # (ADR 0006), and a decision-making organ may be the accused one. Titles are shown to whoever
    # may read the decision, not only to those who may open the petitions: the names recorded
    # with them (petitioner, representatives) are masked like phone and ID numbers.
    rows = list(qs.exclude(nature=Nature.ACCUSATION).order_by("-received_at", "-pk")[:limit])
    names = known_names([p.pk for p in rows])
    return [
        PetitionRef(
            p.pk,
            p.tracking_code,
            deidentify(p.title, names),
            timezone.localdate(p.received_at),
            str(State(p.state).label),
            p.is_urgent,
            p.is_collective,
            not p.is_first_time,
        )
        for p in rows
    ]


def monthly_counts(qs: QuerySet[Petition], first: dt.date, months: int) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter(
        f"{timezone.localtime(r):%Y-%m}" for r in qs.values_list("received_at", flat=True)
    )
    keys = [f"{_month_start(first, i):%Y-%m}" for i in range(months)]
    return [(k, counts.get(k, 0)) for k in keys]


def evidence(decision: MajorDecision, as_of: dt.datetime | None = None) -> dict[str, Any]:
    """The petition evidence for the assessment (A-095): counts and monthly trend near the place
    and topic, hot issues, urgent and collective petitions, repeat petitioners, and the petitions."""
    start, end = evidence_window(decision, as_of)
    qs = matching_petitions(decision).filter(received_at__gte=start, received_at__lt=end)
    petitioners = Counter(pid for pid in qs.values_list("petitioner_id", flat=True) if pid)
    repeat_people = sum(1 for n in petitioners.values() if n > 1)
    repeat_people += len(
        {
            p
            for p in qs.filter(is_first_time=False).values_list("petitioner_id", flat=True)
            if p and petitioners[p] == 1
        }
    )
    records = petition_records(qs.exclude(nature=Nature.ACCUSATION))
    hot = hot_issues_from_records(records, top=5, now=timezone.localdate(end)) if records else []
    return {
        "from": timezone.localdate(start),
        "to": timezone.localdate(end),
        "total": qs.count(),
        "urgent": qs.filter(is_urgent=True).count(),
        "collective": qs.filter(is_collective=True).count(),
        "persons": sum(qs.values_list("persons_involved", flat=True)),
        "repeat_petitioners": repeat_people,
        # pending 包案 cases on the place and topic.
        "baoan": CaseOwnership.objects.filter(petition__in=qs, is_active=True).count(),
        "monthly": monthly_counts(qs, timezone.localdate(start), EVIDENCE_MONTHS),
        "hot_issues": hot,
        "petitions": _refs(qs),
    }


def before_after(decision: MajorDecision, as_of: dt.datetime | None = None) -> dict[str, Any] | None:
    """Monthly counts on the place and topic, 12 months before the decision and the months since,
    with the petitions linked after it."""
    if decision.decided_at is None:
        return None
    moment = as_of or timezone.now()
    start, _end = evidence_window(decision)
    first = timezone.localdate(start)
    decided = timezone.localdate(decision.decided_at)
    today = timezone.localdate(moment)
    months_after = (today.year - decided.year) * 12 + today.month - decided.month + 1
    qs = matching_petitions(decision)
    before = qs.filter(received_at__gte=start, received_at__lt=decision.decided_at)
    after = qs.filter(received_at__gte=decision.decided_at, received_at__lte=moment)
    linked = Petition.objects.filter(
        pk__in=DecisionPetition.objects.filter(decision=decision, phase="after").values("petition_id")
    )
    before_n = before.count()
    after_n = after.count()
    return {
        "before_total": before_n,
        "after_total": after_n,
        "before_per_month": round(before_n / 12, 2),
        "after_per_month": round(after_n / max(1, months_after), 2),
        "months_after": months_after,
        "before_monthly": monthly_counts(before, first, 12),
        "after_monthly": monthly_counts(after, _month_start(decided, 0), months_after),
        "linked_after": _refs(linked),
        "linked_after_total": linked.count(),
    }


# --- consistency flags ------------------------------------------------------------------------


def district_of(region_id: int | None, cache: dict[int, int]) -> int | None:
    """The county-level (level 3) ancestor of a region, or the region itself above that level."""
    if region_id is None:
        return None
    if region_id not in cache:
        region = Region.objects.filter(pk=region_id).first()
        node = region
        while node is not None and node.level > Region.Level.COUNTY and node.parent_id is not None:
            node = node.parent
        cache[region_id] = node.pk if node is not None else region_id
    return cache[region_id]


def handling_outcomes() -> dict[int, str]:
    """petition id → outcome of its latest handling opinion (信访处理意见书), for concluded petitions."""
    from minsheng.workflow.models import Opinion

    rows = Opinion.objects.filter(stage=Opinion.Stage.HANDLING).order_by("petition_id", "issued_at", "pk")
    return dict(rows.values_list("petition_id", "outcome"))


def can_review_flags(user: AbstractBaseUser | None) -> bool:
    return is_admin(user) or any(m.role == Role.SUPERVISOR for m in memberships_of(user))


def flags_for(user: AbstractBaseUser, status: str | None = None) -> QuerySet[ConsistencyFlag]:
    qs = ConsistencyFlag.objects.select_related(
        "first",
        "second",
        "first__category",
        "first__region",
        "second__region",
        "first__current_organ",
        "second__current_organ",
    )
    if not is_admin(user):
        organs = organ_subtree_ids(m.organ_id for m in memberships_of(user) if m.role == Role.SUPERVISOR)
        # Either petition received, handled or now held by an organ the supervisor oversees (a
        # concluded petition may sit with the 复核 organ above).
        seen = Q()
        for side in ("first", "second"):
            for organ in ("current_organ", "handling_organ", "receiving_organ"):
                seen |= Q(**{f"{side}__{organ}_id__in": organs})
        qs = qs.filter(seen)
    # R-150: a flag shows both petitions' texts; one that is an accusation the viewer is on the
    # accused side of does not exist for him, and neither does the flag (administrators included).
    qs = qs.filter(shield_q(user, "first__"), shield_q(user, "second__"))
    if status:
        qs = qs.filter(status=status)
    return qs


def flag_sides(flag: ConsistencyFlag) -> list[dict[str, Any]]:
    """Both petitions side by side, de-identified, with their handling opinion and legal basis."""
    from minsheng.workflow.models import Opinion

    # Both sides' handling opinions in one query (organ joined); the latest per petition wins.
    latest: dict[int, Any] = {}
    rows = Opinion.objects.filter(petition__in=[flag.first_id, flag.second_id], stage=Opinion.Stage.HANDLING)
    for row in rows.select_related("organ").order_by("issued_at", "pk"):
        latest[row.petition_id] = row
    sides = []
    names = known_names([flag.first_id, flag.second_id])  # the people named in either text
    for petition in (flag.first, flag.second):
        opinion = latest.get(petition.pk)
        sides.append(
            {
                "petition": petition,
                "title": deidentify(petition.title, names),
                "request": deidentify(petition.request, names),
                "facts": deidentify(petition.facts, names),
                "outcome": opinion.get_outcome_display() if opinion else "",
                "opinion": deidentify(opinion.opinion, names) if opinion else "",
                "legal_basis": opinion.legal_basis if opinion else "",
                "organ": opinion.organ.name if opinion else "",
                "issued": timezone.localdate(opinion.issued_at) if opinion else None,
            }
        )
    return sides
