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
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.analytics.nlp.places import LearnedGazetteer, real_places
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
from minsheng.intelligence.routing import cached, routing_suggest, routing_suggest_text
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
    "learned_places",
    "petition_enrich",
    "petition_places",
    "predict_category",
    "route_draft",
    "similar_relations",
    "suggestion_feedback",
]

logger = logging.getLogger(__name__)

FEEDBACK_KINDS = ("category", "nature", "routing", "region", "urgency", "similar")
SIMILAR_MIN_SCORE = 0.3

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

    return cached("gazetteer", (Region,), build)  # type: ignore[no-any-return]


#: Confidence of a district known only from the small places a petition names (learned gazetteer).
LEARNED_PLACE_CONFIDENCE = 0.5
#: The learned gazetteer reads at most this many of the newest petitions with a district.
LEARNED_PLACE_ROWS = 20_000


def learned_places() -> LearnedGazetteer:
    """Small places (estates, schools, villages ...) -> district region id, learned from the
    registered petitions whose district is known (cached per process; rebuilt when the regions
    change or after the routing cache's time to live)."""
    from minsheng.petitions.models import Petition as PetitionModel

    def build() -> LearnedGazetteer:
        learned = LearnedGazetteer()
        rows = (
            PetitionModel.objects.filter(region__level=3)
            .order_by("-pk")
            .values_list("region_id", "title", "place_text", "facts")[:LEARNED_PLACE_ROWS]
        )
        for region_id, title, place, facts in rows:
            for key in real_places(f"{title} {place} {facts[:300]}"):
                learned.add(key, str(region_id))
        return learned

    return cached("learned_places", (Region,), build)  # type: ignore[no-any-return]


def petition_places(petition: Petition) -> tuple[list[PlaceCandidate], int | None, float]:
    """Places in the petition text and ``place_text``; the best region id and its confidence.

    When no administrative name is found, the district is the one the petition's small places
    lie in according to the petitions registered before (docs/analytics.md, "Places")."""
    gaz = gazetteer()
    text = "\n".join(
        part for part in (petition.title, petition.request, petition.facts, petition.reasons) if part
    )
    candidates = find_places(text, gaz, address=petition.place_text or "")
    region_id, confidence = best_region(candidates, gaz)
    if region_id is None or gaz.entries[region_id].level < 3:
        # The learned districts are region ids, not codes: the city the text names (region_id,
        # above district level) is checked by containment, not by the code's letter.
        voted = learned_places().vote(f"{petition.place_text or ''} {text[:300]}", check_city=False)
        district = int(voted) if voted else None
        if district in gaz.entries and (region_id is None or _within(gaz, district, region_id)):
            region_id, confidence = district, LEARNED_PLACE_CONFIDENCE
    return candidates, region_id, confidence


def _within(gaz: Gazetteer, region_id: int, ancestor_id: int) -> bool:
    """Whether ``region_id`` is ``ancestor_id`` or lies below it in the gazetteer's tree."""
    node: int | None = region_id
    while node is not None and node in gaz.entries:
        if node == ancestor_id:
            return True
        node = gaz.entries[node].parent_id
    return False


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
        (Category,),
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


def similar_relations(
    petition: Petition, hits: list[tuple[int, float]], *, viewer: Any
) -> list[dict[str, Any]]:
    """Explain each similar hit for ``viewer`` (``petitions.relations.SYSTEM`` for background
    work): a repeat by the same petitioner, the same matter in progress at another organ, a
    possible collective issue, or just similar. The rule is ``petitions.relations.similar_view``."""
    from minsheng.petitions.relations import similar_view, subject_of_petition

    return similar_view(viewer, hits, subject_of_petition(viewer, petition))


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


def _draft_identity(draft: DraftPetition) -> frozenset[str]:
    """The draft's identity keys: blind indexes of the ID number and phone, as registration makes them."""
    from minsheng.core.crypto import blind_index
    from minsheng.petitions.confidentiality import identity_keys

    return identity_keys(
        blind_index(draft.petitioner_phone) if draft.petitioner_phone.strip() else "",
        blind_index(draft.petitioner_id_number) if draft.petitioner_id_number.strip() else "",
    )


def _identity_check_allowed(viewer: Any) -> bool:
    """Count one typed identity for ``viewer`` against ``draft_identity_user`` (120 an hour by
    default, ``MINSHENG_PORTAL_LIMITS``); False once the allowance is used up."""
    from minsheng.core.throttle import throttle_take  # the cache counters all limits share
    from minsheng.petitions.relations import SYSTEM

    if viewer is SYSTEM:
        return True
    return throttle_take(("draft_identity_user", str(viewer.pk))) is not None


def _log_accuser_matches(viewer: Any, draft: DraftPetition, similar: list[dict[str, Any]]) -> None:
    """Log (flagged, in the personal-data access log) every accusation the typed phone or ID number
    was found to belong to: for whoever may unmask the accuser the link is legitimate, but it tells
    him who the accuser is as a reveal would, so it leaves the same trace (external client review)."""
    from minsheng.petitions.access_log import record_access
    from minsheng.petitions.models import AccessKind, Nature
    from minsheng.petitions.models import Petition as PetitionModel
    from minsheng.petitions.relations import SYSTEM

    ids = [item["id"] for item in similar if item["relation"] == "same_petitioner_repeat" and item["id"]]
    if viewer is SYSTEM or not ids:
        return
    fields = [
        name
        for name, value in (("phone", draft.petitioner_phone), ("id_number", draft.petitioner_id_number))
        if value.strip()
    ]
    for petition in PetitionModel.objects.filter(pk__in=ids, nature=Nature.ACCUSATION).order_by("pk"):
        record_access(
            viewer,
            petition,
            kind=AccessKind.MATCH,
            reason=str(_("登记预检：输入的联系方式或身份证号与该检举控告人一致")),
            fields=fields,
        )


def draft_analyse(draft: DraftPetition, *, viewer: Any) -> dict[str, Any]:
    """Everything registration would suggest for ``draft``, as ``viewer`` may see it, computed
    without writing anything.

    Keys as in ``petition.suggestions`` (category, nature, region, routing, urgency, similar)
    plus ``routing_basis`` (which category and region the routing used). ``similar`` is
    ``petitions.relations.similar_view`` for ``viewer``: accusations he may not open are left out,
    and the draft's identity is compared (by blind index) only with petitions whose identity he
    may see — for everything else the answer does not depend on the identity typed. Never raises:
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
        from minsheng.petitions.relations import SIMILAR_CANDIDATES, SIMILAR_SHOWN, Subject, similar_view
        from minsheng.petitions.selectors import similar_scope

        # The accusations the viewer may not open take no candidate's place.
        hits = similar_find(
            petition_match_text(draft),
            top=SIMILAR_CANDIDATES,
            min_score=SIMILAR_MIN_SCORE,
            within=similar_scope(viewer),
        )
        keys = _draft_identity(draft)
        if keys and not _identity_check_allowed(viewer):
            # Over the hourly allowance of typed identities: the 预检 goes on without them (the
            # same answer as for a draft without a phone), so guesses cannot be tested in bulk.
            keys = frozenset()
            result["identity_checked"] = False
        subject = Subject(
            keys=keys,
            organ_id=draft.receiving_organ_id,
            identity_visible=True,
            supplied=True,
        )
        similar = similar_view(viewer, [(h.id, h.score) for h in hits], subject, SIMILAR_SHOWN)
        # Logged before the links are given: if the log cannot be written, no link goes out.
        _log_accuser_matches(viewer, draft, similar)
        result["similar"] = similar
    if steps.errors:
        result["errors"] = steps.errors
    result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


# -- the service -------------------------------------------------------------------------------


def _with_codes(hits: list[Any]) -> list[tuple[Any, str]]:
    from minsheng.petitions.models import Petition as PetitionModel

    codes = dict(PetitionModel.objects.filter(pk__in=[h.id for h in hits]).values_list("pk", "tracking_code"))
    return [(h, codes[h.id]) for h in hits if h.id in codes]


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
        # Stored for every future viewer: the best candidates among the other natures and, apart,
        # among the accusations — so that a viewer's list, the accusations he may not open dropped,
        # is the same list whatever accusations exist.
        from minsheng.petitions.models import Nature
        from minsheng.petitions.models import Petition as PetitionModel
        from minsheng.petitions.relations import SIMILAR_CANDIDATES

        others = PetitionModel.objects.exclude(nature=Nature.ACCUSATION)
        accusations = PetitionModel.objects.filter(nature=Nature.ACCUSATION)
        hits = sorted(
            [
                *similar_to_petition(
                    petition, top=SIMILAR_CANDIDATES, min_score=SIMILAR_MIN_SCORE, within=others
                ),
                *similar_to_petition(
                    petition, top=SIMILAR_CANDIDATES, min_score=SIMILAR_MIN_SCORE, within=accusations
                ),
            ],
            key=lambda h: (-h.score, h.id),
        )
        # Stored identity-free: relations are computed for each viewer when shown
        # (petitions.selectors.similar_suggestions_for), never kept where any reader could see them.
        result["similar"] = [
            {"id": h.id, "tracking_code": code, "score": round(float(h.score), 3)}
            for h, code in _with_codes(hits)
        ]

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
