"""Jurisdiction disputes (Art. 24(1); REGULATIONS R-051): who decides which organ accepts a matter
that two or more organs dispute.

- The disputing organs' lowest common superior (共同的上一级机关) decides: the lowest organ that is
  a strict ancestor (``Organ.parent``) of every one of them.
- Without one (a court and a government department, a central enterprise and a city …), the
  信访工作联席会议 (an organ of kind ``joint_conference``) of the lowest region that contains all of
  them — or of the nearest region above that has one — coordinates.

The resolver is computed when the dispute is raised and recorded in the ``dispute_jurisdiction``
event (``resolver_organ_id``, ``resolver_basis``); only staff of that organ may decide it
(``resolve_jurisdiction``, table ``at=AT_DISPUTE_RESOLVER``)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput
from minsheng.orgs.models import Organ, Region
from minsheng.orgs.selectors import organ_subtree_ids
from minsheng.petitions.models import Nature, Petition, State
from minsheng.workflow.models import PetitionEvent

COMMON_SUPERIOR = "common_superior"
JOINT_CONFERENCE = "joint_conference"


def common_superior(organs: Sequence[Organ]) -> Organ | None:
    """The lowest organ that is a strict ancestor of every organ in ``organs``; None if none."""
    if not organs:
        return None
    chains = [o.ancestors() for o in organs]
    shared = set.intersection(*({a.pk for a in chain} for chain in chains))
    for ancestor in chains[0]:  # nearest first
        if ancestor.pk in shared and ancestor.is_active:
            return ancestor
    return None


def _region_chain(region: Region) -> list[Region]:
    return [region, *region.ancestors()]


def joint_conference_for(organs: Sequence[Organ]) -> Organ | None:
    """The joint conference of the lowest region containing every organ's region, or of the nearest
    region above it that has one."""
    chains = [_region_chain(o.region) for o in organs]
    shared = set.intersection(*({r.pk for r in chain} for chain in chains))
    for region in chains[0]:
        if region.pk not in shared:
            continue
        found = (
            Organ.objects.filter(region=region, kind=Organ.Kind.JOINT_CONFERENCE, is_active=True)
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    return None


def dispute_resolver(petition: Petition, organs: Sequence[Organ]) -> tuple[Organ, str]:
    """(resolver, basis) for a dispute among ``organs``; InvalidInput when no joint conference is
    configured for them. For an accusation a superior inside the accused unit's subtree never
    decides (R-150): the joint conference does."""
    superior = common_superior(organs)
    if (
        superior is not None
        and petition.nature == Nature.ACCUSATION
        and petition.accused_organ_id
        and superior.pk in organ_subtree_ids([petition.accused_organ_id])
    ):
        superior = None
    if superior is not None:
        return superior, COMMON_SUPERIOR
    conference = joint_conference_for(organs)
    if conference is None:
        raise InvalidInput(
            _("争议机关没有共同的上一级机关，且未配置所在地区的信访工作联席会议（条例第二十四条第一款）。"),
            field="other_organ_ids",
            code="no_dispute_resolver",
        )
    return conference, JOINT_CONFERENCE


def open_dispute_event(petition: Petition) -> PetitionEvent | None:
    """The event that raised the open dispute (None unless the petition is in dispute)."""
    if petition.state != State.JURISDICTION_DISPUTE:
        return None
    return (
        PetitionEvent.objects.filter(petition=petition, action="dispute_jurisdiction")
        .order_by("-occurred_at", "-pk")
        .first()
    )


def open_dispute_resolver(petition: Petition) -> Organ | None:
    """The organ that decides the open dispute of ``petition``."""
    event = open_dispute_event(petition)
    resolver_id = (event.data or {}).get("resolver_organ_id") if event else None
    if not isinstance(resolver_id, int):
        return None
    return Organ.objects.filter(pk=resolver_id).first()
