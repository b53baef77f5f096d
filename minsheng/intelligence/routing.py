"""Routing suggestions for a petition, from the database (organs, responsibilities, regions).

The algorithm is pure and lives in :mod:`minsheng.intelligence.nlp.routing`; this module
builds its inputs from the database (cached per process, rebuilt when the organ,
responsibility or region tables change, at most every ``WORLD_TTL`` seconds otherwise) and
from the petition (registered or predicted category, region or recognised place, nature,
accused organ's subtree).

Public API::

    routing_suggest(petition, *, top=5, category_scores=None, region_id=None) -> list[Suggestion]
    routing_suggest_text(text, *, category_scores, region_id=None, nature="", accused_organ_id=None, ...)
    routing_world() -> RoutingWorld
    routing_world_clear() -> None
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Max, Model

from minsheng.core import freshness
from minsheng.intelligence.nlp.routing import (
    OrganInfo,
    ResponsibilityRow,
    RoutingQuery,
    RoutingWorld,
    Suggestion,
    suggest,
)
from minsheng.orgs.models import Organ, Region, Responsibility, Role, StaffMembership
from minsheng.orgs.selectors import organ_subtree_ids

if TYPE_CHECKING:
    from minsheng.petitions.models import Petition

__all__ = [
    "Suggestion",
    "routing_suggest",
    "routing_suggest_text",
    "routing_world",
    "routing_world_clear",
    "table_signature",
]

logger = logging.getLogger(__name__)

WORLD_TTL = 300.0

_lock = threading.Lock()
# key -> (built at, reference-table version, table signature, signature checked at, value)
_cache: dict[str, tuple[float, int, tuple[Any, ...], float, Any]] = {}

# The version group bumped by every change of an organ, responsibility, region or category.
REFERENCE_TABLES = freshness.REFERENCE_TABLES


def table_signature(*models: Any) -> tuple[Any, ...]:
    """(count, max pk) of each table: changes whenever a row is added or deleted."""
    sig: list[Any] = []
    for model in models:
        agg = model.objects.aggregate(n=Count("pk"), m=Max("pk"))
        sig.append((agg["n"], agg["m"]))
    return tuple(sig)


def cached(key: str, models: Sequence[type[Model]], build: Any) -> Any:
    """A per-process cache entry of values built from the tables of ``models``.

    Rebuilt when the reference tables' version in the shared cache moved (a row saved or deleted:
    IntelligenceConfig.ready), when their fingerprint (``table_signature``, looked at only every
    ``freshness.RECHECK_SECONDS``) changed, or after WORLD_TTL seconds; otherwise no query.
    """
    now = time.monotonic()
    current = freshness.version(REFERENCE_TABLES)
    with _lock:
        entry = _cache.get(key)
    if entry is not None and entry[1] == current and now - entry[0] < WORLD_TTL:
        if now - entry[3] < freshness.RECHECK_SECONDS:
            return entry[4]
        signature = table_signature(*models)
        if signature == entry[2]:
            with _lock:
                _cache[key] = (entry[0], current, signature, now, entry[4])
            return entry[4]
    signature = table_signature(*models)
    value = build()
    with _lock:
        _cache[key] = (now, current, signature, now, value)
    return value


def routing_world_clear() -> None:
    """Forget every cached world and gazetteer (tests, admin changes)."""
    with _lock:
        _cache.clear()


def _build_world() -> RoutingWorld:
    organs = {
        o.pk: OrganInfo(
            id=o.pk,
            name=o.name,
            short_name=o.short_name,
            aliases=tuple(str(a) for a in (o.aliases or [])),
            kind=o.kind,
            level=o.level,
            parent_id=o.parent_id,
            region_id=o.region_id,
            is_active=o.is_active,
            successor_id=o.successor_id,
        )
        for o in Organ.objects.all()
    }
    rows = [
        ResponsibilityRow(
            organ_id=r["organ_id"],
            category_path=r["category__path"],
            region_id=r["region_id"],
            priority=r["priority"],
        )
        for r in Responsibility.objects.values("organ_id", "category__path", "region_id", "priority")
    ]
    parents: dict[int, int | None] = {}
    names: dict[int, str] = {}
    levels: dict[int, int] = {}
    for pk, parent_id, name, level in Region.objects.values_list("pk", "parent_id", "name", "level"):
        parents[pk] = parent_id
        names[pk] = name
        levels[pk] = level
    return RoutingWorld(
        organs=organs,
        responsibilities=rows,
        region_parent=parents,
        region_names=names,
        region_levels=levels,
        able_organ_ids=_able_organ_ids(organs, rows),
    )


def _able_organ_ids(organs: dict[int, OrganInfo], rows: list[ResponsibilityRow]) -> frozenset[int]:
    """Organs a case can be sent to and get handled: an active member who receives cases
    (caseworker, head or dispatcher) and a competence (a responsibility row, or by law)."""
    from minsheng.intelligence.nlp.routing import DISCIPLINE_KIND, GOVERNMENT_KIND, POLITICAL_LEGAL_KINDS

    staffed = set(
        StaffMembership.objects.filter(
            role__in=[Role.CASEWORKER, Role.ORGAN_HEAD, Role.DISPATCHER], user__is_active=True
        ).values_list("organ_id", flat=True)
    )
    responsible = {row.organ_id for row in rows}
    by_law = {GOVERNMENT_KIND, DISCIPLINE_KIND, *POLITICAL_LEGAL_KINDS}
    return frozenset(
        pk for pk, organ in organs.items() if pk in staffed and (pk in responsible or organ.kind in by_law)
    )


def routing_world() -> RoutingWorld:
    """The organs/responsibilities/regions snapshot used for routing (cached). Staff changes
    (which organs can act) reach it when the cache expires (WORLD_TTL) or an organ, responsibility
    or region changes: counting memberships too would cost every registration a query."""
    return cached("routing_world", (Organ, Responsibility, Region), _build_world)  # type: ignore[no-any-return]


def _category_scores(petition: Petition) -> tuple[list[tuple[str, float]], str]:
    if petition.category_id is not None and petition.category is not None:
        return [(petition.category.path, 1.0)], "registered"
    stored = (petition.suggestions or {}).get("category") or {}
    top = stored.get("top") or []
    if top:
        return [(str(label), float(p)) for label, p in top], "predicted"
    from minsheng.intelligence.services import predict_category

    prediction = predict_category(petition)
    if prediction is None:
        return [], "predicted"
    return [(label, float(p)) for label, p in prediction.top], "predicted"


def _region(petition: Petition) -> tuple[int | None, float]:
    if petition.region_id is not None:
        return int(petition.region_id), 1.0
    from minsheng.intelligence.services import petition_places

    _, region_id, confidence = petition_places(petition)
    return region_id, confidence


def _nature(petition: Petition) -> str:
    return str(petition.nature or "")


def routing_suggest_text(
    text: str,
    *,
    category_scores: Sequence[tuple[str, float]],
    category_source: str = "predicted",
    region_id: int | None = None,
    region_confidence: float = 0.0,
    nature: str = "",
    accused_organ_id: int | None = None,
    accused_person: str = "",
    territorial_fallback: bool = True,
    top: int = 5,
) -> list[Suggestion]:
    """Ranked suggestions for a matter given as text plus what is known about it.

    The one place where a query is built for the pure :func:`suggest`: a registered petition
    (:func:`routing_suggest`) and a portal draft (``services.route_draft``) both come here,
    so both follow the same rules — in particular the accused organ and every organ below it
    are never suggested (R-150).
    """
    excluded: frozenset[int] = frozenset()
    if accused_organ_id is not None:
        excluded = frozenset(organ_subtree_ids([int(accused_organ_id)]))
    query = RoutingQuery(
        text=text,
        category_scores=list(category_scores),
        category_source=category_source,
        region_id=region_id,
        region_confidence=region_confidence,
        nature=nature,
        excluded_organ_ids=excluded,
        accused_organ_id=accused_organ_id,
        accused_person=accused_person,
        territorial_fallback=territorial_fallback,
    )
    return suggest(routing_world(), query, top=top)


def routing_suggest(
    petition: Petition,
    *,
    top: int = 5,
    category_scores: Sequence[tuple[str, float]] | None = None,
    category_source: str = "predicted",
    region_id: int | None = None,
) -> list[Suggestion]:
    """Ranked competent-organ suggestions: ``organ_id``, ``organ`` (name), ``score`` (0..1), ``reasons``.

    Never suggests the accused organ or any organ below it. ``category_scores`` and
    ``region_id`` may be passed by a caller that has computed them already (enrichment).
    """
    if category_scores is None:
        scores, source = _category_scores(petition)
    else:
        scores, source = list(category_scores), category_source
    if region_id is None:
        region, region_conf = _region(petition)
    else:
        region, region_conf = region_id, 1.0
    return routing_suggest_text(
        f"{petition.title}\n{petition.request}\n{petition.facts}\n{petition.reasons}\n{petition.place_text}",
        category_scores=scores,
        category_source=source,
        region_id=region,
        region_confidence=region_conf,
        nature=_nature(petition),
        accused_organ_id=petition.accused_organ_id,
        accused_person=petition.accused_person or "",
        top=top,
    )
