"""Reads about organs and staff roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from minsheng.orgs.models import Organ, Region, Role, StaffMembership

AnyUser = AbstractBaseUser | AnonymousUser

# Roles whose view covers the whole subtree of their organ (supervision chain).
SUBTREE_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ANALYST})


def memberships_of(user: AnyUser | None) -> list[StaffMembership]:
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, "_minsheng_memberships", None)
    if cached is None:
        cached = list(StaffMembership.objects.filter(user_id=user.pk).select_related("organ").order_by("pk"))
        user._minsheng_memberships = cached  # type: ignore[union-attr,attr-defined]
    return cached


def roles_of(user: AnyUser | None) -> set[str]:
    return {m.role for m in memberships_of(user)}


def is_admin(user: AnyUser | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (getattr(user, "is_superuser", False) or Role.ADMIN in roles_of(user))
    )


def organ_subtree_ids(organ_ids: Iterable[int]) -> set[int]:
    """The organs and every organ below them, in one query per level."""
    result = set(organ_ids)
    frontier = set(result)
    while frontier:
        children = set(Organ.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - result
        result |= children
        frontier = children
    return result


def region_subtree_ids(region_ids: Iterable[int]) -> set[int]:
    """The regions and every region below them, in one query per level."""
    result = set(region_ids)
    frontier = set(result)
    while frontier:
        children = set(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - result
        result |= children
        frontier = children
    return result


def visible_organ_scope(user: AnyUser | None) -> tuple[set[int], set[int]]:
    """(organs the user works in, organs the user oversees through a subtree role)."""
    memberships = memberships_of(user)
    direct = {m.organ_id for m in memberships}
    over = organ_subtree_ids(m.organ_id for m in memberships if m.role in SUBTREE_ROLES)
    cache_key = "_minsheng_scope"
    setattr(user, cache_key, (direct, over))
    return direct, over


def membership_for(
    user: AnyUser | None, organ_ids: Iterable[int], roles: Iterable[str]
) -> StaffMembership | None:
    wanted_organs = set(organ_ids)
    wanted_roles = set(roles)
    for membership in memberships_of(user):
        if membership.organ_id in wanted_organs and membership.role in wanted_roles:
            return membership
    return None


def organ_heads(organ: Organ) -> list[int]:
    ids = list(
        StaffMembership.objects.filter(organ=organ, role=Role.ORGAN_HEAD).values_list("user_id", flat=True)
    )
    if organ.head_id and organ.head_id not in ids:
        ids.append(organ.head_id)
    return ids


def online_bureau() -> Organ | None:
    """The city petition bureau that registers online petitions (kind petition_bureau, level 2)."""
    code = getattr(settings, "MINSHENG_ONLINE_BUREAU", "a-bureau")
    return (
        Organ.objects.filter(code=code, kind=Organ.Kind.PETITION_BUREAU, is_active=True).first()
        or Organ.objects.filter(kind=Organ.Kind.PETITION_BUREAU, level=Organ.Level.CITY, is_active=True)
        .order_by("code")
        .first()
    )
