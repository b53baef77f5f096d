"""The suggestion service: category, nature, places, routing, urgency and similar petitions.

``route_draft(title, body, region_id, nature, ...)`` suggests the competent organ of a matter
that is not registered yet (the portal's confirmation step): the same classifier, place
recognition and routing rules as for a petition, with a keyword guess when the classifier is
unsure.

``petition_enrich(petition)`` computes every suggestion for one petition, stores them in
``petition.suggestions`` (merged: other keys such as ``demo_source`` or ``import_source``
are kept) and indexes the petition for similarity search. It never raises: a failing step
is logged and left out (its name is listed under ``"errors"``). It is fast enough to run
inside the registration transaction (see docs/intelligence.md for measured latency).

``suggestion_feedback(petition, kind=, suggested=, chosen=, actor=)`` records whether staff
accepted or overrode a suggestion, as a non-public ``PetitionEvent`` with action
``suggestion_feedback``: an audit row, not a state change, so it is written directly and
not through ``petition_transition``. These rows are the training signal for retraining.

Personal data: only the petition's own text and ``place_text`` are analysed; the
petitioner's (encrypted) address is never copied into the suggestions.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from minsheng.intelligence.nlp.keywords import keyword_category
from minsheng.intelligence.nlp.places import (
    Gazetteer,
    GazetteerEntry,
    PlaceCandidate,
    best_region,
    find_places,
)
from minsheng.intelligence.nlp.routing import Suggestion
from minsheng.intelligence.nlp.urgency import detect_urgency
from minsheng.intelligence.routing import cached, routing_suggest, routing_suggest_text, table_signature
from minsheng.orgs.models import Category, Region

if TYPE_CHECKING:
    from minsheng.intelligence.nlp.classify import Classifier, Prediction
    from minsheng.petitions.models import Petition

__all__ = [
    "DRAFT_MIN_CONFIDENCE",
    "FEEDBACK_KINDS",
    "DraftPetition",
    "DraftRouting",
    "draft_analyse",
    "gazetteer",
    "petition_enrich",
    "petition_places",
    "predict_category",
    "route_draft",
    "similar_relations",
    "suggestion_feedback",
]

logger = logging.getLogger(__name__)

FEEDBACK_KINDS = ("category", "nature", "routing", "region", "urgency", "similar")
SIMILAR_TOP = 5
SIMILAR_MIN_SCORE = 0.3
COLLECTIVE_MIN_SCORE = 0.6  # "near-identical" text for the collective-issue relation
COLLECTIVE_MIN_PETITIONERS = 3

_classifier_lock = threading.Lock()
_classifier_cache: dict[str, tuple[float, Classifier]] = {}


# -- building blocks ---------------------------------------------------------------------------


def gazetteer() -> Gazetteer:
    """The place gazetteer built from the Region table (cached per process)."""

    def build() -> Gazetteer:
        rows = [
            GazetteerEntry(pk, name, tuple(str(a) for a in (aliases or [])), level, parent_id)
            for pk, name, aliases, level, parent_id in Region.objects.values_list(
                "pk", "name", "aliases", "level", "parent_id"
            )
        ]
        return Gazetteer.build(rows)

    return cached("gazetteer", table_signature(Region), build)  # type: ignore[no-any-return]


def petition_places(petition: Petition) -> tuple[list[PlaceCandidate], int | None, float]:
    """Places in the petition text and ``place_text``; the best region id and its confidence."""
    gaz = gazetteer()
    text = "\n".join(
        part for part in (petition.title, petition.request, petition.facts, petition.reasons) if part
    )
    candidates = find_places(text, gaz, address=petition.place_text or "")
    region_id, confidence = best_region(candidates, gaz)
    return candidates, region_id, confidence


def classifier() -> Classifier:
    """The active category model (deployment's retrained one if present), cached by file mtime."""
    from minsheng.intelligence.nlp.classify import active_model_path, load_active

    model_dir = getattr(settings, "MINSHENG_MODEL_DIR", None)
    path = active_model_path(model_dir)
    key = str(path)
    mtime = Path(path).stat().st_mtime
    with _classifier_lock:
        entry = _classifier_cache.get(key)
        if entry is not None and entry[0] == mtime:
            return entry[1]
    model = load_active(model_dir)
    with _classifier_lock:
        _classifier_cache.clear()
        _classifier_cache[key] = (mtime, model)
    return model


def _body(petition: Petition) -> str:
    return "\n".join(part for part in (petition.request, petition.facts, petition.reasons) if part)


def predict_category(petition: Petition) -> Prediction | None:
    try:
        return classifier().predict(petition.title, _body(petition))
    except Exception:
        logger.exception("category prediction failed for petition %s", petition.pk)
        return None


def _level1_category_ids() -> dict[str, int]:
    return cached(  # type: ignore[no-any-return]
        "level1_categories",
        table_signature(Category),
        lambda: dict(Category.objects.filter(level=1).values_list("name", "pk")),
    )


# -- a matter before it is registered ---------------------------------------------------------

# Below this the classifier is "unsure" of a draft and the keyword guess is tried first: on
# short everyday wording ("你好/谢谢", "局长受贿") the shipped model spreads its probability
# (top ≈ 0.2–0.3), while clear drafts reach 0.7–1.0.
DRAFT_MIN_CONFIDENCE = 0.4
# The probability a keyword guess is routed with (a guess, never certain).
KEYWORD_PROBABILITY = 0.6


@dataclass(frozen=True)
class DraftRouting:
    """Where a draft will probably go, and what that guess rests on."""

    category: str | None  # level-1 category name
    category_id: int | None
    category_source: str  # "classifier", "keywords" or "none"
    confidence: float | None  # the classifier's, when it was used
    region_id: int | None
    region_source: str  # "chosen", "recognised" or "none"
    region_confidence: float
    suggestions: list[Suggestion]


def _draft_category(
    title: str, body: str, prediction: Prediction | None = None
) -> tuple[list[tuple[str, float]], str, float | None]:
    """(category scores, source, classifier confidence) of a draft's text; ``prediction`` is
    the classifier's, when the caller already has it."""
    if prediction is None:
        try:
            prediction = classifier().predict(title, body)
        except Exception:  # no model file, or a broken one: the keywords still give a guess
            logger.warning("category prediction failed for a draft; trying keywords", exc_info=True)
    if prediction is not None and prediction.confidence >= DRAFT_MIN_CONFIDENCE:
        return [(label, float(p)) for label, p in prediction.top], "classifier", float(prediction.confidence)
    guess = keyword_category(f"{title}\n{body}", _level1_category_ids())
    if guess is not None:
        return [(guess, KEYWORD_PROBABILITY)], "keywords", None
    return [], "none", None


def route_draft(
    title: str,
    body: str,
    region_id: int | None,
    nature: str,
    *,
    place_text: str = "",
    accused_organ_id: int | None = None,
    accused_person: str = "",
    top: int = 3,
    prediction: Prediction | None = None,
) -> DraftRouting:
    """Suggest the competent organ of a matter that has no Petition yet.

    The category comes from the active classifier (:func:`classifier`), or from the keyword
    guess when the classifier fails or its confidence is below ``DRAFT_MIN_CONFIDENCE``; the
    region is the one chosen, else the one recognised in the text and ``place_text``. The
    routing itself is :func:`routing_suggest_text`, the one used for registered petitions:
    the accused organ's subtree is never suggested, accusations about officials go to the
    discipline body. When nothing places the matter (no category), no bare territorial guess
    is made: ``suggestions`` may be empty.
    """
    scores, source, confidence = _draft_category(title, body, prediction)
    region_source = "chosen" if region_id is not None else "none"
    region_confidence = 1.0 if region_id is not None else 0.0
    if region_id is None:
        try:
            gaz = gazetteer()
            candidates = find_places("\n".join(p for p in (title, body) if p), gaz, address=place_text or "")
            region_id, region_confidence = best_region(candidates, gaz)
        except Exception:
            logger.warning("place recognition failed for a draft", exc_info=True)
            region_id, region_confidence = None, 0.0
        if region_id is not None:
            region_source = "recognised"
    label = scores[0][0] if source != "none" else None
    suggestions = routing_suggest_text(
        "\n".join(p for p in (title, body, place_text) if p),
        category_scores=scores,
        category_source="predicted",
        region_id=region_id,
        region_confidence=region_confidence,
        nature=nature or "",
        accused_organ_id=accused_organ_id,
        accused_person=accused_person or "",
        territorial_fallback=source != "none",
        top=top,
    )
    return DraftRouting(
        category=label,
        category_id=_level1_category_ids().get(label) if label else None,
        category_source=source,
        confidence=confidence,
        region_id=region_id,
        region_source=region_source,
        region_confidence=float(region_confidence),
        suggestions=suggestions,
    )


# -- similar petitions and what they mean ------------------------------------------------------


def similar_relations(petition: Petition, hits: list[tuple[int, float]]) -> list[dict[str, Any]]:
    """Explain each similar hit: a repeat by the same petitioner, the same matter in progress
    at another organ, a possible collective issue, or just similar."""
    own = {petition.petitioner_id} if petition.petitioner_id is not None else set()
    return _relations(hits, own_petitioners=own, counts_itself=bool(own), organ_id=petition.current_organ_id)


def _relations(
    hits: list[tuple[int, float]],
    *,
    own_petitioners: set[int],
    counts_itself: bool,
    organ_id: int | None,
) -> list[dict[str, Any]]:
    """The relation of each hit to a matter whose petitioner is one of ``own_petitioners``
    (several records may be one person) and which is (or would be) at ``organ_id``.

    Every item also carries ``identity_free_relation``: the relation computed without
    looking at who the petitioners are, for viewers who may not learn that two petitions
    come from the same person.
    """
    from minsheng.petitions.models import Petition as PetitionModel
    from minsheng.petitions.models import State
    from minsheng.workflow.models import Deadline
    from minsheng.workflow.services import OPEN_STATES

    if not hits:
        return []
    ids = [pid for pid, _ in hits]
    rows = {
        r["pk"]: r
        for r in PetitionModel.objects.filter(pk__in=ids).values(
            "pk",
            "tracking_code",
            "petitioner_id",
            "state",
            "current_organ_id",
            "current_organ__name",
            "received_at",
            "has_overdue",
        )
    }
    # "Within its deadline": no clock of that petition has run out (open past its statutory
    # due date, or breached); has_overdue is maintained by the deadline sweep.
    today = timezone.localdate()
    late = set(
        Deadline.objects.filter(petition_id__in=ids)
        .filter(Q(status=Deadline.Status.BREACHED) | Q(status=Deadline.Status.OPEN, statutory_due__lt=today))
        .values_list("petition_id", flat=True)
    )
    near = [pid for pid, score in hits if score >= COLLECTIVE_MIN_SCORE and pid in rows]
    others = {rows[pid]["petitioner_id"] for pid in near if rows[pid]["petitioner_id"] is not None}
    anonymous_near = sum(1 for pid in near if rows[pid]["petitioner_id"] is None)
    distinct = len(others - own_petitioners) + (1 if counts_itself else 0) + anonymous_near
    collective = distinct >= COLLECTIVE_MIN_PETITIONERS
    out: list[dict[str, Any]] = []
    for pid, score in hits:
        row = rows.get(pid)
        if row is None:
            continue
        item: dict[str, Any] = {
            "id": pid,
            "tracking_code": row["tracking_code"],
            "score": round(float(score), 3),
            "state": row["state"],
            "organ": row["current_organ__name"],
            "final": row["state"] == State.FINAL,
        }
        if (
            row["state"] in OPEN_STATES
            and row["current_organ_id"] != organ_id
            and not row["has_overdue"]
            and pid not in late
        ):
            free, free_text = (
                "same_matter_in_progress_elsewhere",
                f"相同事项正由{row['current_organ__name']}在法定期限内办理（条例第十九条第三款：期限内不得向上级机关再提出同一事项）",
            )
        elif collective and pid in near:
            free, free_text = (
                "possible_collective_issue",
                f"至少{COLLECTIVE_MIN_PETITIONERS}位不同信访人反映几乎相同的内容，可能是群体性诉求",
            )
        else:
            free, free_text = "similar", "内容相似"
        item["identity_free_relation"] = free
        if row["petitioner_id"] is not None and row["petitioner_id"] in own_petitioners:
            item["relation"] = "same_petitioner_repeat"
            item["explanation"] = (
                "同一信访人的同一事项已经复核终结，不再受理（条例第三十六条第三款）"
                if item["final"]
                else "同一信访人此前提出过相似事项，请核对是否为重复信访"
            )
        else:
            item["relation"] = free
            item["explanation"] = free_text
        item["identity_free_explanation"] = free_text
        out.append(item)
    return out


class _Steps:
    """Runs the independent steps of a suggestion computation: a failing step is logged and
    named in ``errors``, and the others still run (suggestions never fail a registration)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.errors: list[str] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except Exception:
            logger.exception("%s: %s failed", self.what, name)
            self.errors.append(name)


# -- drafts: what registration would suggest, before anything is written -----------------------


@dataclass(frozen=True)
class DraftPetition:
    """The text and keys of a matter being registered (nothing is stored)."""

    title: str
    request: str
    facts: str = ""
    reasons: str = ""
    nature: str = ""
    region_id: int | None = None
    place_text: str = ""
    accused_organ_id: int | None = None
    accused_person: str = ""
    receiving_organ_id: int | None = None
    petitioner_id_number: str = ""
    petitioner_phone: str = ""


def _draft_petitioners(draft: DraftPetition) -> set[int]:
    """Petitioner records with the draft's ID number or phone (by blind index, as registration does)."""
    from minsheng.core.crypto import blind_index
    from minsheng.petitions.models import Petitioner

    keys = Q(pk__in=[])
    if draft.petitioner_id_number.strip():
        keys |= Q(id_number_index=blind_index(draft.petitioner_id_number))
    if draft.petitioner_phone.strip():
        keys |= Q(phone_index=blind_index(draft.petitioner_phone))
    return set(Petitioner.objects.filter(keys).values_list("pk", flat=True))


def draft_analyse(draft: DraftPetition) -> dict[str, Any]:
    """Everything registration would suggest for ``draft``, computed without writing anything.

    Keys as in ``petition.suggestions`` (category, nature, region, routing, urgency, similar)
    plus ``routing_basis`` (which category and region the routing used). ``similar`` items
    carry both ``relation`` and ``identity_free_relation``; callers show the first only for
    petitions the viewer may see (``petitions.selectors.draft_similar_for``). Never raises:
    a failing step is logged and listed under ``errors``.
    """
    started = time.perf_counter()
    title, body = draft.title or "", "\n".join(p for p in (draft.request, draft.facts, draft.reasons) if p)
    result: dict[str, Any] = {}
    steps = _Steps("draft")
    prediction: Prediction | None = None
    with steps.step("category"):
        prediction = classifier().predict(title, body)
        cat = prediction.to_dict()
        cat["category_id"] = _level1_category_ids().get(prediction.label)
        result["category"] = cat
    with steps.step("nature"):
        from minsheng.intelligence.nlp.classify_nature import predict_nature

        result["nature"] = predict_nature(title, body).to_dict()
    with steps.step("routing"):
        routed = route_draft(
            title,
            body,
            draft.region_id,
            draft.nature,
            place_text=draft.place_text,
            accused_organ_id=draft.accused_organ_id,
            accused_person=draft.accused_person,
            prediction=prediction,
        )
        result["routing"] = [s.to_dict() for s in routed.suggestions]
        result["routing_basis"] = {
            "category": routed.category,
            "category_source": routed.category_source,
            "region_id": routed.region_id,
            "region_source": routed.region_source,
        }
        if routed.region_id is not None:
            result["region"] = {
                "region_id": routed.region_id,
                "name": gazetteer().path_name(routed.region_id),
                "confidence": routed.region_confidence,
            }
    with steps.step("urgency"):
        result["urgency"] = detect_urgency(title, body).to_dict()
    with steps.step("similar"):
        from minsheng.intelligence.similarity import petition_match_text, similar_find

        own = _draft_petitioners(draft)
        has_identity = bool(draft.petitioner_id_number.strip() or draft.petitioner_phone.strip())
        hits = similar_find(petition_match_text(draft), top=SIMILAR_TOP, min_score=SIMILAR_MIN_SCORE)
        result["similar"] = _relations(
            [(h.id, h.score) for h in hits],
            own_petitioners=own,
            counts_itself=has_identity,
            organ_id=draft.receiving_organ_id,
        )
    if steps.errors:
        result["errors"] = steps.errors
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


# -- the service -------------------------------------------------------------------------------


def petition_enrich(petition: Petition, *, save: bool = True, index: bool = True) -> dict[str, Any]:
    """Compute all suggestions for ``petition``, merge them into ``petition.suggestions`` and save.

    Returns the new suggestions (without the keys it kept). Never raises.
    """
    started = time.perf_counter()
    result: dict[str, Any] = {}
    steps = _Steps(f"enrich petition {petition.pk}")
    title, body = petition.title or "", _body(petition)

    # category
    prediction = None
    with steps.step("category"):
        prediction = predict_category(petition)
        if prediction is not None:
            cat = prediction.to_dict()
            cat["category_id"] = _level1_category_ids().get(prediction.label)
            result["category"] = cat

    # nature
    with steps.step("nature"):
        from minsheng.intelligence.nlp.classify_nature import predict_nature

        result["nature"] = predict_nature(title, body).to_dict()

    # places
    region_id: int | None = petition.region_id
    with steps.step("places"):
        candidates, best, confidence = petition_places(petition)
        result["places"] = [c.to_dict() for c in candidates[:8]]
        if best is not None:
            gaz = gazetteer()
            result["region"] = {"region_id": best, "name": gaz.path_name(best), "confidence": confidence}
            if region_id is None:
                region_id = best

    # routing
    with steps.step("routing"):
        if petition.category_id is not None and petition.category is not None:
            scores: list[tuple[str, float]] = [(petition.category.path, 1.0)]
            source = "registered"
        else:
            scores = [(label, float(p)) for label, p in prediction.top] if prediction is not None else []
            source = "predicted"
        suggestions = routing_suggest(
            petition, category_scores=scores, category_source=source, region_id=region_id
        )
        result["routing"] = [s.to_dict() for s in suggestions]

    # urgency
    with steps.step("urgency"):
        result["urgency"] = detect_urgency(title, body).to_dict()

    # similarity: index, then look up
    with steps.step("similar"):
        from minsheng.intelligence.similarity import similar_to_petition, similarity_index_petition

        if index:
            similarity_index_petition(petition)
        hits = similar_to_petition(petition, top=SIMILAR_TOP, min_score=SIMILAR_MIN_SCORE)
        result["similar"] = similar_relations(petition, [(h.id, h.score) for h in hits])

    result["generated_at"] = timezone.now().isoformat()
    if steps.errors:
        result["errors"] = steps.errors
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if save:
        try:
            merged = dict(petition.suggestions or {})
            merged.pop("errors", None)
            merged.update(result)
            petition.suggestions = merged
            type(petition).objects.filter(pk=petition.pk).update(suggestions=merged)
        except Exception:
            logger.exception("enrich: could not save suggestions of petition %s", petition.pk)
    return result


def suggestion_feedback(
    petition: Petition,
    *,
    kind: str,
    suggested: Any,
    chosen: Any,
    actor: AbstractBaseUser | None,
) -> Any:
    """Record that staff accepted (``chosen == suggested``) or overrode a suggestion.

    Written as a non-public ``PetitionEvent(action="suggestion_feedback")`` — an audit row,
    not a state change (the state is unchanged). Returns the event. ``kind`` is one of
    FEEDBACK_KINDS; ``suggested`` / ``chosen`` are JSON-serialisable (ids, labels).
    """
    from minsheng.core.errors import InvalidInput
    from minsheng.orgs.selectors import memberships_of
    from minsheng.workflow.models import PetitionEvent

    if kind not in FEEDBACK_KINDS:
        raise InvalidInput(f"unknown suggestion kind: {kind}", field="kind")
    stored = (petition.suggestions or {}).get(kind)
    accepted = _same(suggested, chosen)
    organ = None
    role = "system"
    if actor is not None:
        memberships = memberships_of(actor)
        in_organ = [m for m in memberships if m.organ_id == petition.current_organ_id]
        candidates = in_organ or memberships
        if candidates:
            pick = candidates[0]
            organ, role = pick.organ, pick.role
    return PetitionEvent.objects.create(
        petition=petition,
        action="suggestion_feedback",
        occurred_at=timezone.now(),
        actor=actor,  # type: ignore[misc]
        actor_role=role,
        actor_organ=organ,
        from_state=petition.state,
        to_state=petition.state,
        is_public=False,
        data={
            "kind": kind,
            "suggested": suggested,
            "chosen": chosen,
            "accepted": accepted,
            "generated_at": (petition.suggestions or {}).get("generated_at"),
            "had_suggestion": stored is not None,
        },
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in ("organ_id", "category_id", "region_id", "label", "level", "id"):
            if key in a or key in b:
                return a.get(key) == b.get(key)
    if isinstance(a, list) and a:
        return _same(a[0], b)
    return bool(a == b)
