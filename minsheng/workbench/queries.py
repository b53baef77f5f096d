"""Read-only presentation helpers for the workbench: inboxes, deadlines, suggestions, dashboard.

No business rule lives here: visibility comes from petitions.selectors, actions from
workflow.services; this module only arranges reads for the pages.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.orgs.models import Organ, Role
from minsheng.orgs.selectors import memberships_of, organ_subtree_ids
from minsheng.petitions.models import Channel, Petition, State, flag_condition
from minsheng.petitions.selectors import (
    PetitionFilters,
    petition_list,
    petitions_visible_to,
    similar_suggestions_for,
)
from minsheng.workflow import rulesets
from minsheng.workflow.labels import rule_article, rule_name
from minsheng.workflow.models import Deadline, OpinionDraft, PetitionEvent, Rating

logger = logging.getLogger(__name__)
S = State

# One definition of "open" (workflow.rulesets), as a sorted list for querysets and inboxes.
OPEN_STATES = sorted(rulesets.OPEN_STATES)


@dataclass(frozen=True)
class Inbox:
    key: str
    role: str
    label: Any
    hint: Any
    states: tuple[str, ...]


INBOXES: list[Inbox] = [
    Inbox(
        "registrar",
        Role.REGISTRAR,
        _("登记"),
        _("来信、来电、传真、来访登记；签收转来件；送达处理意见"),
        (S.REGISTERED, S.FORWARDED, S.ASSIGNED, S.CONCLUDED),
    ),
    Inbox(
        "dispatcher",
        Role.DISPATCHER,
        _("转送交办"),
        _("15日内分流：转送、交办、不予受理；异议与受理争议"),
        (
            S.REGISTERED,
            S.BUREAU_TRIAGE,
            S.REPORTED_FOR_DECISION,
            S.RETURNED,
            S.OBJECTION_PENDING,
            S.JURISDICTION_DISPUTE,
        ),
    ),
    Inbox(
        "caseworker",
        Role.CASEWORKER,
        _("承办"),
        _("签收、受理告知、第三十一条途径、调查核实、处理意见"),
        (
            S.FORWARDED,
            S.ASSIGNED,
            S.ORGAN_RECEIVED,
            S.ACCEPTED,
            S.SIMPLIFIED_HANDLING,
            S.IN_HANDLING,
            S.EXTENDED,
            S.HEARING,
            S.MEDIATION,
            S.CONCLUDED,
            S.REVIEW_REQUESTED,
            S.RECHECK_REQUESTED,
            S.RECHECK_HEARING,
        ),
    ),
    Inbox(
        "organ_head",
        Role.ORGAN_HEAD,
        _("机关负责人"),
        _("审批延期、签发处理意见、指定承办人"),
        (
            S.ORGAN_RECEIVED,
            S.ACCEPTED,
            S.SIMPLIFIED_HANDLING,
            S.IN_HANDLING,
            S.EXTENDED,
            S.HEARING,
            S.MEDIATION,
            S.CONCLUDED,
            S.REVIEW_REQUESTED,
            S.RECHECK_REQUESTED,
            S.RECHECK_HEARING,
            S.OBJECTION_PENDING,
            S.JURISDICTION_DISPUTE,
        ),
    ),
    Inbox(
        "signoff",
        Role.ORGAN_HEAD,
        _("待签发"),
        _("承办人起草的处理意见书、复查意见书、复核意见书：审核后签发，或写明意见退回"),
        tuple(
            sorted(
                rulesets.HANDLING_STATES | {S.SIMPLIFIED_HANDLING, S.REVIEW_REQUESTED, S.RECHECK_REQUESTED}
            )
        ),
    ),
    Inbox(
        "supervisor",
        Role.SUPERVISOR,
        _("督查督办"),
        _("临期、超期事项；督办、催办与书面反馈"),
        tuple(OPEN_STATES),
    ),
    Inbox("leader", Role.LEADER, _("领导包案"), _("本人包案事项与重大紧急事项"), tuple(OPEN_STATES)),
]
INBOX_BY_KEY = {inbox.key: inbox for inbox in INBOXES}


def signoff_organ_ids(user: AbstractBaseUser) -> set[int]:
    """Where the user signs opinions off: as organ head, or as a delegate the organ names."""
    ids = role_organ_ids(user, Role.ORGAN_HEAD)
    ids |= set(
        Organ.objects.filter(Q(head_id=user.pk) | Q(signoff_delegates=user)).values_list("pk", flat=True)
    )
    return ids


def user_inboxes(user: AbstractBaseUser) -> list[Inbox]:
    roles = {m.role for m in memberships_of(user)}
    signs = Role.ORGAN_HEAD in roles or bool(signoff_organ_ids(user))
    return [inbox for inbox in INBOXES if inbox.role in roles or (inbox.key == "signoff" and signs)]


def role_organ_ids(user: AbstractBaseUser, role: str) -> set[int]:
    return {m.organ_id for m in memberships_of(user) if m.role == role}


def inbox_queryset(user: AbstractBaseUser, inbox: Inbox, filters: PetitionFilters) -> QuerySet[Petition]:
    """The inbox: visible petitions in the inbox's states, where this role acts; urgency first."""
    base = PetitionFilters(**filters.__dict__)
    if not base.state:
        base.state = list(inbox.states)
    qs = petition_list(user, base)
    organs = role_organ_ids(user, inbox.role)
    if inbox.key == "dispatcher":
        disputes = [S.OBJECTION_PENDING, S.JURISDICTION_DISPUTE]
        qs = qs.filter(
            (Q(current_organ_id__in=organs) & ~Q(state__in=disputes))
            | Q(forwarded_by_id__in=organs, state__in=disputes)
            | (
                Q(state=S.JURISDICTION_DISPUTE)
                & Exists(
                    PetitionEvent.objects.filter(
                        petition=OuterRef("pk"),
                        action="dispute_jurisdiction",
                        data__resolver_organ_id__in=list(organs),
                    )
                )
            )
        )
    elif inbox.key == "caseworker":
        qs = (
            qs.filter(current_organ_id__in=organs)
            .filter(Q(caseworker__isnull=True) | Q(caseworker=user))
            .exclude(recusals__user_id=user.pk)  # Art. 28(3): not his to handle
        )
    elif inbox.key == "signoff":
        qs = qs.filter(
            current_organ_id__in=signoff_organ_ids(user), opinion_drafts__status=OpinionDraft.Status.PENDING
        ).exclude(recusals__user_id=user.pk)
    elif inbox.key in ("registrar", "organ_head"):
        qs = qs.filter(current_organ_id__in=organs)
    elif inbox.key == "supervisor":
        # Only what this supervisor can act on now: 督办 reaches the organ's own cases and those of
        # the organs below it (the transition's AT_CHAIN), not a 复核 held by the province.
        qs = qs.filter(current_organ_id__in=organ_subtree_ids(list(organs)))
        if filters.overdue is None and filters.due_soon is None:
            qs = qs.filter(
                Q(flag_condition("has_overdue"))
                | Q(flag_condition("has_due_soon"))
                | Q(flag_condition("is_supervised"))
            )
    elif inbox.key == "leader":
        within = Q(current_organ_id__in=organ_subtree_ids(list(organs)))
        qs = qs.filter(Q(leader_in_charge=user) | (Q(is_urgent=True) & within))
    return qs


# ---- deadlines


@dataclass(frozen=True)
class DeadlineView:
    rule: str
    name: str
    article: str
    start: dt.date
    nominal_due: dt.date
    statutory_due: dt.date
    status: str
    status_label: str
    provisional: bool
    days_left: int | None
    tone: str  # ok | soon | overdue | met | breached | waived | closed
    organ: str
    extra_days: int


def due_tone(due: dt.date | None, today: dt.date | None = None, soon_days: int = 3) -> tuple[int | None, str]:
    if due is None:
        return None, "none"
    today = today or timezone.localdate()
    left = (due - today).days
    if left < 0:
        return left, "overdue"
    if left == 0:
        return left, "today"  # due today: a colour of its own, between "soon" and "overdue"
    if left <= soon_days:
        return left, "soon"
    return left, "ok"


def deadline_views(petition: Petition) -> list[DeadlineView]:
    from django.conf import settings

    rows = []
    soon = int(getattr(settings, "MINSHENG_DUE_SOON_DAYS", 3))
    for d in petition.deadlines.select_related("organ").order_by("created_at", "pk"):
        left, tone = due_tone(d.statutory_due, soon_days=soon)
        if d.status != Deadline.Status.OPEN:
            left = None
            tones: dict[str, str] = {
                Deadline.Status.MET: "met",
                Deadline.Status.BREACHED: "breached",
                Deadline.Status.WAIVED: "waived",
            }
            tone = tones.get(d.status, "closed")
            if d.status == Deadline.Status.MET and d.met_late:
                tone = "breached"
        rows.append(
            DeadlineView(
                rule=d.rule,
                name=rule_name(d.rule),
                article=rule_article(d.rule),
                start=d.start,
                nominal_due=d.nominal_due,
                statutory_due=d.statutory_due,
                status=d.status,
                status_label=str(Deadline.Status(d.status).label),
                provisional=d.is_provisional,
                days_left=left,
                tone=tone,
                organ=d.organ.short_name or d.organ.name if d.organ else "",
                extra_days=d.extra_days,
            )
        )
    return rows


# ---- routing suggestions


@dataclass(frozen=True)
class OrganSuggestion:
    organ: Organ
    reasons: tuple[str, ...]  # as the routing module words them (the routing_reason filter translates)
    score: float | None = None


def suggested_organs(petition: Petition, limit: int = 3) -> list[OrganSuggestion]:
    """Competent organs as minsheng.intelligence.routing suggests them (category, place and the
    Responsibility table, never the accused organ), with the reasons shown to the dispatcher.

    The one definition of the routing suggestion on the case page: its list of suggested organs
    and the starred options of the forward form both come from here (never from the snapshot
    stored at registration, which a later change of category or place makes stale)."""
    from minsheng.intelligence.routing import routing_suggest

    try:
        items = list(routing_suggest(petition))[:limit]
    except Exception:  # an optional aid: never break the case page
        logger.exception("routing suggestions failed for petition %s", petition.pk)
        return []
    organs = Organ.objects.in_bulk([item.organ_id for item in items])
    return [
        OrganSuggestion(organs[item.organ_id], tuple(item.reasons), float(item.score))
        for item in items
        if item.organ_id in organs and organs[item.organ_id].is_active
    ]


def similar_petitions(
    user: AbstractBaseUser, petition: Petition, limit: int = 5
) -> list[tuple[Petition, float]]:
    """Visible petitions with similar text (minsheng.intelligence.similarity), best first."""
    try:
        from minsheng.intelligence.services import SIMILAR_MIN_SCORE
        from minsheng.intelligence.similarity import similar_to_petition

        # Candidates only among what the viewer may open, before the cut.
        hits = similar_to_petition(
            petition, top=limit, min_score=SIMILAR_MIN_SCORE, within=petitions_visible_to(user)
        )
    except Exception:
        logger.debug("similarity lookup unavailable", exc_info=True)
        return []
    scores = {h.id: h.score for h in hits}
    visible = petitions_visible_to(user).filter(pk__in=list(scores)).select_related("current_organ")
    rows = sorted(((p, scores[p.pk]) for p in visible), key=lambda item: -item[1])
    return rows[:limit]


def suggested_similar(user: AbstractBaseUser, petition: Petition) -> list[dict[str, Any]]:
    """The stored "similar or repeated" suggestions as this user may see them (the rule lives in
    minsheng.petitions.selectors.similar_suggestions_for)."""
    return similar_suggestions_for(user, petition)


# ---- dashboard


def dashboard_data(user: AbstractBaseUser, organ_id: int | None) -> dict[str, Any]:
    qs = petitions_visible_to(user)
    if organ_id:
        qs = qs.filter(current_organ_id=organ_id)
    today = timezone.localdate()
    week_end = today + dt.timedelta(days=7)
    by_state = dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    open_qs = qs.filter(state__in=OPEN_STATES)
    due_week = (
        Deadline.objects.filter(
            petition__in=open_qs,
            status=Deadline.Status.OPEN,
            statutory_due__gte=today,
            statutory_due__lte=week_end,
        )
        .values("petition")
        .distinct()
        .count()
    )
    overdue = open_qs.filter(flag_condition("has_overdue")).count()
    # The ratings of the organ chosen (it may have been rated on petitions it no longer holds), but
    # only on petitions the viewer may see: a rating of an accusation against him does not exist
    # for him any more than the accusation does.
    ratings = Rating.objects.filter(petition__in=petitions_visible_to(user) if organ_id else qs)
    if organ_id:
        ratings = ratings.filter(organ_id=organ_id)
    rating_counts = Counter(
        dict(ratings.values_list("value").annotate(n=Count("pk")).values_list("value", "n"))
    )
    rated = sum(rating_counts.values())
    unsatisfied = rating_counts.get(Rating.Value.UNSATISFIED, 0)
    by_channel = dict(qs.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n"))
    start = today - dt.timedelta(days=7 * 11 + today.weekday())
    weekly: Counter[str] = Counter()
    for received in qs.filter(received_at__date__gte=start).values_list("received_at", flat=True):
        day = timezone.localtime(received).date()
        monday = day - dt.timedelta(days=day.weekday())
        weekly[monday.isoformat()] += 1
    weeks = [(start + dt.timedelta(days=7 * i)).isoformat() for i in range(12)]
    return {
        "total": sum(by_state.values()),
        "open": open_qs.count(),
        "due_week": due_week,
        "overdue": overdue,
        "rated": rated,
        "unsatisfied": unsatisfied,
        "unsatisfied_ratio": (unsatisfied / rated) if rated else None,
        "by_state": [
            {"state": s.value, "label": str(s.label), "n": by_state.get(s.value, 0)}
            for s in State
            if by_state.get(s.value)
        ],
        "by_channel": [
            {"label": str(label), "n": by_channel.get(value, 0)}
            for value, label in Channel.choices
            if by_channel.get(value)
        ],
        "weekly": {"weeks": [w[5:] for w in weeks], "counts": [weekly.get(w, 0) for w in weeks]},
        "ratings": [{"label": str(v.label), "n": rating_counts.get(v.value, 0)} for v in Rating.Value],
    }


def dashboard_organs(user: AbstractBaseUser) -> list[Organ]:
    """The user's organs, his first post first (the dashboard opens on it: a registrar of the city
    bureau who also registers for the province sees his bureau, not the province)."""
    ids = list(dict.fromkeys(m.organ_id for m in memberships_of(user)))
    organs = Organ.objects.in_bulk(ids)
    return [organs[i] for i in ids if i in organs]


# Roles whose dashboard opens on the whole area they lead or oversee (everything they may see),
# not on the cases held by their own organ.
AREA_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ANALYST})


def dashboard_default_is_area(user: AbstractBaseUser) -> bool:
    """A leader's (supervisor's, analyst's) default dashboard covers the area they lead; the
    others open on their first organ."""
    roles = {m.role for m in memberships_of(user)}
    return bool(roles & AREA_ROLES) and not roles & {Role.CASEWORKER, Role.REGISTRAR, Role.DISPATCHER}
