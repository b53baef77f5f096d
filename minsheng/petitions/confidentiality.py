"""The confidentiality policy: what a viewer may learn about a petition and about its petitioner.

One rule, used by every feature that shows, links, counts, compares or notifies (R-150;
《信访工作条例》 Art. 30(3), Art. 46(5); 《监察法》 Art. 74):

**The accused side.** For an accusation (``nature == accusation``) against organ *X*, a viewer is
on the accused side when

1. he holds *any* post in *X* or in any organ under *X* — whatever other posts he holds (a person
   who sits on both sides is on the accused side); or
2. he holds an oversight post (leader, supervisor: ``OVERSIGHT_ROLES``) in an organ *above* *X*:
   the leader who answers for the accused unit (谁主管谁负责) is not a neutral reader of reports
   about it. ``settings.MINSHENG_SHIELD_OVERSIGHT`` (default on) switches this second part.

For an accused-side viewer the accusation does not exist: it is not in any queryset he reads
(:func:`shield_q` is part of ``petitions_visible_to``), no relation points to it, no count moves
because of it, he cannot act on it, and no notification about it reaches him
(:func:`accused_side_user_ids`).

**Identity.** Whether two petitions come from the same person is decided by the blind indexes of
the phone and ID numbers (:func:`identity_keys`), never by petitioner row. A relation that depends
on identity is shown only to viewers who may see the identity of both petitions; everybody else
gets the identity-free relation, computed without looking at the identity supplied, so the answer
is the same whatever identity is typed (no oracle).

The organ tree is read with one query per level; the per-viewer answer is cached on the user
object for the request (like ``memberships_of``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.orgs.selectors import memberships_of, organ_subtree_ids

AnyUser = AbstractBaseUser | AnonymousUser

ACCUSATION = "accusation"

# Posts whose holders answer for the organs below them: above an accused unit they are accused side.
OVERSIGHT_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR})

_CACHE_ATTR = "_minsheng_shielded_accused"


def organ_ancestor_ids(organ_ids: Iterable[int]) -> set[int]:
    """The organs and every organ above them, in one query per level (cycles are cut)."""
    result = set(organ_ids)
    frontier = set(result)
    while frontier:
        parents = (
            set(
                Organ.objects.filter(pk__in=frontier, parent_id__isnull=False).values_list(
                    "parent_id", flat=True
                )
            )
            - result
        )
        result |= parents
        frontier = parents
    return result


def _shield_oversight() -> bool:
    return bool(getattr(settings, "MINSHENG_SHIELD_OVERSIGHT", True))


def accused_organs_shielding(memberships: Iterable[StaffMembership]) -> frozenset[int]:
    """The accused organs whose accusations do not exist for the holder of ``memberships``.

    A post in organ *O* shields the accusations against *O* and against every organ above *O*
    (those whose subtree contains *O*). An oversight post in *O* also shields those against
    every organ below *O*.
    """
    posts = list(memberships)
    shielded = organ_ancestor_ids({m.organ_id for m in posts})
    if _shield_oversight():
        shielded |= organ_subtree_ids({m.organ_id for m in posts if m.role in OVERSIGHT_ROLES})
    return frozenset(shielded)


def shielded_accused_organs(user: AnyUser | None) -> frozenset[int]:
    """:func:`accused_organs_shielding` for the user's posts (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = accused_organs_shielding(memberships_of(user))
        setattr(user, _CACHE_ATTR, cached)
    return cached  # type: ignore[no-any-return]


def is_accusation_against(nature: str, accused_organ_id: int | None, shielded: frozenset[int]) -> bool:
    """Whether an item of ``nature`` against ``accused_organ_id`` is hidden by ``shielded``."""
    return nature == ACCUSATION and accused_organ_id is not None and accused_organ_id in shielded


def is_accused_side(user: AnyUser | None, petition: object) -> bool:
    """Whether ``user`` is on the accused side of ``petition`` (then it does not exist for him)."""
    return is_accusation_against(
        getattr(petition, "nature", ""),
        getattr(petition, "accused_organ_id", None),
        shielded_accused_organs(user),
    )


def shield_q(user: AnyUser | None, prefix: str = "") -> Q:
    """A filter that keeps only petitions ``user`` is not on the accused side of.

    ``prefix`` addresses the petition through a relation (e.g. ``"petition__"``).
    """
    shielded = shielded_accused_organs(user)
    if not shielded:
        return Q()
    return ~Q(**{f"{prefix}nature": ACCUSATION, f"{prefix}accused_organ_id__in": sorted(shielded)})


def accused_side_user_ids(accused_organ_id: int, user_ids: Iterable[int] | None = None) -> set[int]:
    """The users on the accused side of an accusation against ``accused_organ_id``.

    Computed from the organ: every post in its subtree, and (with the oversight shield) every
    oversight post above it. Limited to ``user_ids`` when given.
    """
    below = organ_subtree_ids([accused_organ_id])
    posts = StaffMembership.objects.filter(organ_id__in=below)
    if _shield_oversight():
        above = organ_ancestor_ids([accused_organ_id]) - {accused_organ_id}
        posts = StaffMembership.objects.filter(
            Q(organ_id__in=below) | Q(organ_id__in=above, role__in=sorted(OVERSIGHT_ROLES))
        )
    if user_ids is not None:
        posts = posts.filter(user_id__in=list(user_ids))
    return set(posts.values_list("user_id", flat=True))


# -- identity ----------------------------------------------------------------------------------


def identity_keys(phone_index: str | None, id_number_index: str | None) -> frozenset[str]:
    """The keys that make two petitioner records one person: the blind indexes, tagged by kind."""
    keys = set()
    if phone_index:
        keys.add(f"p:{phone_index}")
    if id_number_index:
        keys.add(f"i:{id_number_index}")
    return frozenset(keys)


def identity_q(keys: Iterable[str], prefix: str = "petitioner__") -> Q:
    """Rows whose petitioner shares one of ``keys`` (none when ``keys`` is empty)."""
    q = Q(pk__in=[])
    for key in keys:
        kind, _, value = key.partition(":")
        if kind == "p":
            q |= Q(**{f"{prefix}phone_index": value})
        elif kind == "i":
            q |= Q(**{f"{prefix}id_number_index": value})
    return q
