"""The personal-data access log (R-150(d), R-155; PIPL Art. 51): writing it and reading it.

Every display of a petitioner's full name or contact data writes one ``PersonalDataAccess`` row
with the reason the user gave: the reveal on the case page (``selectors.petitioner_reveal``), an
attachment download (``attachments.attachment_download``) and an official document that prints
the full name (``documents.services.render_document``). Rows are never changed or deleted.

A row is *flagged* when it touches the petitioner of an accusation (the petition is an
accusation, or its petitioner has filed one), or when the user sits on the accused side: these
are the rows an administrator reviews first. A supervisor reads only the rows of petitions he may
open, flagged only when the petition is an accusation (``flag_shown``): the stored flag would tell
him that a petitioner he can see has accused someone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from minsheng.core.errors import InvalidInput
from minsheng.orgs.models import Organ, Role
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids
from minsheng.petitions.models import AccessKind, Attachment, Nature, PersonalDataAccess, Petition

AnyUser = AbstractBaseUser | AnonymousUser

REASON_MAX = 200


def touches_accusation(petition: Petition) -> bool:
    """Whether the petition's petitioner is an accuser (in this petition or another)."""
    if petition.nature == Nature.ACCUSATION:
        return True
    if not petition.petitioner_id:
        return False
    return Petition.objects.filter(petitioner_id=petition.petitioner_id, nature=Nature.ACCUSATION).exists()


def acting_organ(user: AnyUser | None, petition: Petition) -> Organ | None:
    """The organ in which ``user`` read the petition: the post that holds the case, else his first."""
    memberships = memberships_of(user)
    if not memberships:
        return None
    case_organs = [
        petition.current_organ_id,
        petition.handling_organ_id,
        petition.receiving_organ_id,
        petition.forwarded_by_id,
    ]
    for organ_id in case_organs:
        for membership in memberships:
            if organ_id and membership.organ_id == organ_id:
                return membership.organ
    return memberships[0].organ


def complete_row(row: PersonalDataAccess) -> None:
    """Fill in the organ and the flag of a new row (called by ``PersonalDataAccess.save``)."""
    from minsheng.petitions.selectors import in_accused_organ

    petition = row.petition
    if row.organ_id is None:
        organ = acting_organ(row.user, petition)
        row.organ_id = organ.pk if organ else None
    row.flagged = bool(row.flagged or touches_accusation(petition) or in_accused_organ(row.user, petition))


def record_access(
    user: AbstractBaseUser,
    petition: Petition,
    *,
    kind: str,
    reason: str,
    fields: Iterable[str],
    attachment: Attachment | None = None,
) -> PersonalDataAccess:
    """Write one log row; the reason is required (InvalidInput on ``reason`` otherwise)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请说明查看理由。"), field="reason")
    return PersonalDataAccess.objects.create(
        petition=petition,
        user=user,  # type: ignore[misc]
        kind=AccessKind(kind).value,
        reason=reason[:REASON_MAX],
        fields=list(fields),
        attachment=attachment,
    )


# ---- reading the log -----------------------------------------------------------------------


def can_read_access_log(user: AnyUser | None) -> bool:
    """Administrators read the whole log; supervisors the rows of the organs they oversee."""
    return is_admin(user) or any(m.role == Role.SUPERVISOR for m in memberships_of(user))


@dataclass
class AccessLogFilters:
    flagged: bool | None = None
    kind: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    organ_id: int | None = None
    username: str | None = None
    q: str | None = None  # tracking code or username


def access_log_rows(
    user: AnyUser | None, filters: AccessLogFilters | None = None
) -> QuerySet[PersonalDataAccess]:
    """The rows ``user`` may read, filtered, newest first (none for users who may not read it).

    A supervisor reads the rows written by users of the organs he oversees and the rows about
    petitions those organs hold or registered.
    """
    from minsheng.petitions.selectors import petitions_visible_to

    qs = PersonalDataAccess.objects.select_related("petition", "user", "organ", "attachment")
    if not can_read_access_log(user):
        return qs.none()
    if is_admin(user):
        qs = qs.annotate(flag_shown=F("flagged"))
    else:
        overseen = organ_subtree_ids(m.organ_id for m in memberships_of(user) if m.role == Role.SUPERVISOR)
        qs = qs.filter(
            Q(organ_id__in=overseen)
            | Q(petition__current_organ_id__in=overseen)
            | Q(petition__receiving_organ_id__in=overseen)
            | Q(petition__handling_organ_id__in=overseen)
        )
        # only rows about petitions he may open — never an accusation he may not see (for
        # the accused side it does not exist, nor do the reads of it) — and the flag only for what
        # he can see himself, an accusation: the stored flag also says "this petitioner accused
        # someone elsewhere", which is the accuser's identity to the accused side.
        qs = qs.filter(petition_id__in=petitions_visible_to(user).values("pk")).annotate(
            flag_shown=Q(petition__nature=Nature.ACCUSATION)
        )
    f = filters or AccessLogFilters()
    if f.flagged is not None:
        qs = qs.filter(flag_shown=f.flagged)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.date_from:
        qs = qs.filter(accessed_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(accessed_at__date__lte=f.date_to)
    if f.organ_id:
        qs = qs.filter(organ_id=f.organ_id)
    if f.username:
        qs = qs.filter(user__username=f.username.strip())
    if f.q:
        term = f.q.strip()
        qs = qs.filter(Q(petition__tracking_code__iexact=term) | Q(user__username__icontains=term))
    return qs.order_by("-accessed_at", "-pk")


def access_log_organs(user: AnyUser | None) -> QuerySet[Organ]:
    """Organs to offer in the log's organ filter."""
    if not can_read_access_log(user):
        return Organ.objects.none()
    if is_admin(user):
        return Organ.objects.order_by("level", "code")
    overseen = organ_subtree_ids(m.organ_id for m in memberships_of(user) if m.role == Role.SUPERVISOR)
    return Organ.objects.filter(pk__in=overseen).order_by("level", "code")
