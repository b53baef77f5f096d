"""Relations between petitions (similar, repeat, in progress elsewhere, collective) as a viewer may see them.

Every list of "similar or repeated" petitions — the stored suggestions of a case, the 预检 of a
draft, the API — is built here, for one viewer, by one function (:func:`similar_view`):

- hits the viewer is on the accused side of, and accusations he may not open, are dropped
  before anything is computed: they neither appear nor move a count;
- the identity-free relation (``same_matter_in_progress_elsewhere``, ``possible_collective_issue``,
  ``similar``) looks only at the hits' state, organ and text score and at how many different
  people filed the near-identical ones — never at the identity of the subject, so it is the same
  whatever phone or ID number is supplied;
- ``same_petitioner_repeat`` (by the blind indexes of phone and ID number) is shown only where the
  viewer may see the identity of both sides: the subject's and the hit's. An identity the viewer
  typed himself (a draft) links only hits whose petitioner he may unmask (``identity_covered_ids``):
  else the 预检 would tell one who may open a case but not its petitioner (a supervisor above)
  whether a guessed phone is that petitioner's.

``SYSTEM`` is the viewer of background work (the stored form is identity-free anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import Q
from django.utils import timezone

from minsheng.petitions.confidentiality import ACCUSATION, identity_keys
from minsheng.petitions.models import Petition, State

COLLECTIVE_MIN_SCORE = 0.6  # "near-identical" text for the collective-issue relation
COLLECTIVE_MIN_PETITIONERS = 3


class SystemViewer:
    """Background work (enrichment, commands): sees every petition and every identity."""

    is_authenticated: Final = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemViewer()


@dataclass(frozen=True)
class Subject:
    """What hits are related to: a registered petition or a draft."""

    keys: frozenset[str]  # identity keys (confidentiality.identity_keys); empty when none given
    organ_id: int | None  # the organ that has (or would have) the subject
    identity_visible: bool  # may the viewer see the subject's identity (he typed it, or may see it)
    exclude_id: int | None = None  # the subject itself, when registered
    #: The identity was typed by the viewer (a draft's 预检), not read from a registered petition:
    #: he could try any phone or ID number, so it links only hits whose petitioner he may unmask.
    supplied: bool = False


def subject_of_petition(viewer: Any, petition: Petition) -> Subject:
    from minsheng.petitions.selectors import can_see_masked_identity

    petitioner = petition.petitioner if petition.petitioner_id else None
    keys = identity_keys(
        petitioner.phone_index if petitioner else "", petitioner.id_number_index if petitioner else ""
    )
    visible = viewer is SYSTEM or can_see_masked_identity(viewer, petition)
    return Subject(
        keys=keys, organ_id=petition.current_organ_id, identity_visible=visible, exclude_id=petition.pk
    )


def _openable_ids(viewer: Any, ids: list[int]) -> set[int]:
    from minsheng.petitions.selectors import is_analyst_only, petitions_visible_to

    if viewer is SYSTEM:
        return set(ids)
    if is_analyst_only(viewer):
        return set()
    return set(petitions_visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True))


def _unmaskable_ids(viewer: Any, ids: list[int]) -> set[int]:
    """The petitions among ``ids`` whose petitioner ``viewer`` may unmask (selectors' one rule;
    ``SYSTEM``, which commands and tests use for a draft, may unmask every one)."""
    from minsheng.petitions.selectors import identity_covered_ids

    if viewer is SYSTEM:
        return set(ids)
    return identity_covered_ids(viewer, list(Petition.objects.in_bulk(ids).values()))


def _distinct_people(key_sets: list[frozenset[Any]]) -> int:
    """How many people the key sets describe (sets sharing a key are one person)."""
    groups: list[set[Any]] = []
    for keys in key_sets:
        merged = set(keys)
        rest = []
        for group in groups:
            if group & merged:
                merged |= group
            else:
                rest.append(group)
        groups = [*rest, merged]
    return len(groups)


#: How many similar petitions are shown. Callers look up more candidates than this
#: (``SIMILAR_CANDIDATES``) so that, the hidden accusations dropped first, the list is cut to this
#: length: a list one short would tell the viewer that an accusation like the text exists.
SIMILAR_SHOWN = 5
SIMILAR_CANDIDATES = 25


def similar_view(
    viewer: Any, hits: list[tuple[int, float]], subject: Subject, limit: int | None = None
) -> list[dict[str, Any]]:
    """The hits (petition id, text score), best first, as ``viewer`` may see them — at most
    ``limit``, counted after the accusations he may not open were dropped."""
    from minsheng.workflow.models import Deadline
    from minsheng.workflow.services import OPEN_STATES

    hits = [(int(pid), float(score)) for pid, score in hits if pid != subject.exclude_id]
    if not hits:
        return []
    ids = [pid for pid, _ in hits]
    rows = {
        r["pk"]: r
        for r in Petition.objects.filter(pk__in=ids).values(
            "pk",
            "tracking_code",
            "nature",
            "petitioner_id",
            "petitioner__phone_index",
            "petitioner__id_number_index",
            "state",
            "current_organ_id",
            "current_organ__name",
        )
    }
    openable = _openable_ids(viewer, ids)
    unmaskable = _unmaskable_ids(viewer, ids) if subject.supplied else set()
    # An accusation the viewer may not open does not exist for him: no item, no count.
    kept = [
        (pid, score)
        for pid, score in hits
        if pid in rows and (rows[pid]["nature"] != ACCUSATION or pid in openable)
    ][:limit]
    # Out of time on this matter: a limit breached (met late or not; a petitioner's window expires
    # instead) or an open one already past its statutory due.
    today = timezone.localdate()
    late = set(
        Deadline.objects.filter(petition_id__in=[pid for pid, _ in kept])
        .filter(Q(status=Deadline.Status.BREACHED) | Q(status=Deadline.Status.OPEN, statutory_due__lt=today))
        .values_list("petition_id", flat=True)
    )

    def person(row: Mapping[str, Any]) -> frozenset[Any]:
        keys = identity_keys(row["petitioner__phone_index"], row["petitioner__id_number_index"])
        if keys:
            return keys
        return frozenset({("row", row["petitioner_id"] or f"anonymous-{row['pk']}")})

    near = [rows[pid] for pid, score in kept if score >= COLLECTIVE_MIN_SCORE]
    # The subject counts as one more person, whoever it is: the count never looks at its identity.
    people = _distinct_people([person(r) for r in near]) + 1
    collective = people >= COLLECTIVE_MIN_PETITIONERS
    near_ids = {r["pk"] for r in near}
    out: list[dict[str, Any]] = []
    for pid, score in kept:
        row = rows[pid]
        seen = pid in openable
        final = row["state"] == State.FINAL
        if row["state"] in OPEN_STATES and row["current_organ_id"] != subject.organ_id and pid not in late:
            relation = "same_matter_in_progress_elsewhere"
            explanation = (
                f"相同事项正由{row['current_organ__name']}在法定期限内办理"
                "（条例第十九条第三款：期限内不得向上级机关再提出同一事项）"
            )
        elif collective and pid in near_ids:
            relation = "possible_collective_issue"
            explanation = f"至少{COLLECTIVE_MIN_PETITIONERS}位不同信访人反映几乎相同的内容，可能是群体性诉求"
        else:
            relation, explanation = "similar", "内容相似"
        linkable = seen and subject.identity_visible and bool(subject.keys)
        if subject.supplied:
            linkable = linkable and pid in unmaskable
        if linkable and subject.keys & identity_keys(
            row["petitioner__phone_index"], row["petitioner__id_number_index"]
        ):
            relation = "same_petitioner_repeat"
            explanation = (
                "同一信访人的同一事项已经复核终结，不再受理（条例第三十六条第三款）"
                if final
                else "同一信访人此前提出过相似事项，请核对是否为重复信访"
            )
        out.append(
            {
                "id": pid if seen else None,
                "tracking_code": row["tracking_code"],
                "score": round(score, 3),
                "relation": relation,
                "explanation": explanation,
                "final": final,
                "state": row["state"] if seen else None,
                "organ": row["current_organ__name"],
                "visible": seen,
            }
        )
    return out


def stored_hits(petition: Petition) -> list[tuple[int, float]]:
    """The (id, score) pairs stored by enrichment in ``petition.suggestions["similar"]``."""
    out = []
    for item in (petition.suggestions or {}).get("similar") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), int):
            try:
                out.append((int(item["id"]), float(item.get("score") or 0.0)))
            except (TypeError, ValueError):
                continue
    return out
