"""Who answers for a petition at a given moment (A-001, A-003): the organ that held it then and the
leaders whose portfolios were valid on that day — never today's leaders for yesterday's failure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.accountability.models import LeaderRole, Portfolio
from minsheng.orgs.models import Category, Organ, Region
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, PetitionEvent
from minsheng.workflow.selectors import NOT_DUTIES

#: The order in which a chain is read out: the leader nearest the work first.
CHAIN_ORDER = (LeaderRole.PORTFOLIO, LeaderRole.COMPETENT, LeaderRole.CHIEF)


@dataclass(frozen=True)
class ChainLink:
    role: str
    role_label: str
    leader_id: int
    leader: str
    title: str
    valid_from: dt.date
    valid_to: dt.date | None
    scope: list[str]
    portfolio_id: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "role_label": self.role_label,
            "leader_id": self.leader_id,
            "leader": self.leader,
            "title": self.title,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "scope": self.scope,
            "portfolio_id": self.portfolio_id,
        }


@dataclass(frozen=True)
class AccountableChain:
    organ_id: int
    organ: str
    on: dt.date
    links: list[ChainLink] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roles nobody held that day

    def as_dict(self) -> dict[str, Any]:
        return {
            "organ_id": self.organ_id,
            "organ": self.organ,
            "on": self.on.isoformat(),
            "links": [link.as_dict() for link in self.links],
            "missing": self.missing,
        }

    def names(self) -> list[str]:
        return [f"{link.role_label} {link.leader}" for link in self.links]


def _day(at: dt.datetime | dt.date | None) -> dt.date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, dt.datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


def portfolios_valid_on(organ: Organ | int, on: dt.date) -> QuerySet[Portfolio]:
    organ_id = organ if isinstance(organ, int) else organ.pk
    return (
        Portfolio.objects.filter(organ_id=organ_id, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("leader")
        .prefetch_related("categories", "regions")
    )


def organ_at(petition: Petition, at: dt.datetime) -> Organ:
    """The organ that held ``petition`` at ``at``: the last move recorded on its timeline up to
    that moment (``moved_to_organ_id``, written by every transfer); before the first move, the
    registering organ. A petition with no recorded move is where it is now."""
    moves = PetitionEvent.objects.filter(petition=petition, data__has_key="moved_to_organ_id")
    last = moves.filter(occurred_at__lte=at).order_by("-occurred_at", "-pk").first()
    if last is not None:
        found = Organ.objects.filter(pk=last.data["moved_to_organ_id"]).first()
        if found is not None:
            return found
    if moves.exists():
        return petition.receiving_organ
    return petition.current_organ


def _category_depth(portfolio: Portfolio, category: Category | None) -> int | None:
    """How closely the portfolio's categories cover ``category`` (its level; 0 = all categories),
    or None when they do not cover it."""
    chosen = list(portfolio.categories.all())
    if not chosen:
        return 0
    if category is None:
        return None
    best: int | None = None
    for c in chosen:
        if category.path == c.path or category.path.startswith(c.path + "/"):
            best = max(best or 0, c.level)
    return best


def _region_depth(portfolio: Portfolio, region: Region | None) -> int | None:
    chosen = list(portfolio.regions.all())
    if not chosen:
        return 0
    if region is None:
        return None
    lineage = {r.pk for r in [region, *region.ancestors()]}
    levels = [r.level for r in chosen if r.pk in lineage]
    return max(levels) if levels else None


def _link(p: Portfolio) -> ChainLink:
    scope = [c.path for c in p.categories.all()] + [r.full_name() for r in p.regions.all()]
    return ChainLink(
        role=p.role,
        role_label=str(LeaderRole(p.role).label),
        leader_id=p.leader_id,
        leader=p.leader.name,
        title=p.title,
        valid_from=p.valid_from,
        valid_to=p.valid_to,
        scope=scope,
        portfolio_id=p.pk,
    )


def chain_for(
    organ: Organ,
    on: dt.date,
    *,
    category: Category | None = None,
    region: Region | None = None,
    preloaded: list[Portfolio] | None = None,
) -> AccountableChain:
    """The chain of ``organ`` on day ``on``: the 分管 leader(s) whose portfolio covers the category
    and region most closely (category first, then region; ties are all named), the 主管 and the
    总责. Without a category or region only leaders whose portfolio is not limited to one count.
    ``preloaded``: the organ's portfolios already read (any days), to spare the query."""
    if preloaded is None:
        valid = list(portfolios_valid_on(organ, on))
    else:
        valid = [
            p
            for p in preloaded
            if p.organ_id == organ.pk and p.valid_from <= on and (p.valid_to is None or p.valid_to >= on)
        ]
    links: list[ChainLink] = []
    missing: list[str] = []
    for role in CHAIN_ORDER:
        holders = [p for p in valid if p.role == role]
        if role == LeaderRole.PORTFOLIO:
            scored: list[tuple[tuple[int, int], Portfolio]] = []
            for p in holders:
                cd, rd = _category_depth(p, category), _region_depth(p, region)
                if cd is not None and rd is not None:
                    scored.append(((cd, rd), p))
            if scored:
                top = max(score for score, _p in scored)
                holders = [p for score, p in scored if score == top]
            else:
                holders = []
        if not holders:
            missing.append(role)
        links.extend(_link(p) for p in sorted(holders, key=lambda p: (p.valid_from, p.pk)))
    return AccountableChain(organ_id=organ.pk, organ=organ.name, on=on, links=links, missing=missing)


def accountable_chain(petition: Petition, at: dt.datetime | dt.date | None = None) -> AccountableChain:
    """The accountable chain of ``petition`` at ``at`` (default now): the organ that held it at that
    moment, with the leaders valid on that day for the petition's category and region."""
    if at is None:  # now: where the petition is
        return chain_for(
            petition.current_organ, timezone.localdate(), category=petition.category, region=petition.region
        )
    moment = at if isinstance(at, dt.datetime) else timezone.make_aware(dt.datetime.combine(at, dt.time.max))
    organ = organ_at(petition, moment)
    return chain_for(organ, _day(at), category=petition.category, region=petition.region)


def breach_chain(deadline: Deadline, *, preloaded: list[Portfolio] | None = None) -> AccountableChain:
    """Who answers for a missed deadline: the organ the clock ran against, with the leaders in office
    on the last day the duty could have been met (the statutory due date) — not today's."""
    petition = deadline.petition
    on = deadline.statutory_due
    organ = deadline.organ
    if organ is None:
        organ = organ_at(petition, timezone.make_aware(dt.datetime.combine(on, dt.time.max)))
    return chain_for(organ, on, category=petition.category, region=petition.region, preloaded=preloaded)


@dataclass(frozen=True)
class BreachChain:
    rule: str
    statutory_due: dt.date
    chain: AccountableChain


def petition_accountability(petition: Petition) -> tuple[AccountableChain, list[BreachChain]]:
    """For the petition pages: today's chain, and for every missed duty (NOT_DUTIES aside) the chain
    of its due date. Callers check that the viewer may see the petition (staff only)."""
    missed = list(
        Deadline.objects.filter(petition=petition, status=Deadline.Status.BREACHED)
        .exclude(rule__in=NOT_DUTIES)
        .select_related("organ")
        .order_by("statutory_due", "pk")
    )
    for d in missed:
        d.petition = petition
    organ_ids = {petition.current_organ_id} | {d.organ_id for d in missed if d.organ_id}
    # One read of every portfolio involved (with its scope), whatever the days.
    preloaded = list(
        Portfolio.objects.filter(organ_id__in=organ_ids)
        .select_related("leader")
        .prefetch_related("categories", "regions")
    )
    breaches = [
        BreachChain(rule=d.rule, statutory_due=d.statutory_due, chain=breach_chain(d, preloaded=preloaded))
        for d in missed
    ]
    current = chain_for(
        petition.current_organ,
        timezone.localdate(),
        category=petition.category,
        region=petition.region,
        preloaded=preloaded,
    )
    return current, breaches
