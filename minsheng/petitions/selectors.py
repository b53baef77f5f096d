"""Reads of petitions with the visibility rules applied in one place.

- A user sees the petitions his organs have registered, hold, forwarded, handled, assist with,
  review or do Art. 37(3) follow-up work on; a supervisor, leader or analyst also sees those of
  every organ below his own.
- 404 for both "missing" and "not yours" (access_petition).
- R-150: an accusation does not exist for users on its accused side (``confidentiality``: any post
  in the accused organ or below it, or an oversight post above it) — enforced here, below every
  interface, in the one queryset every read starts from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import mask_address, mask_id_number, mask_name, mask_phone
from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.orgs.models import Organ, Role
from minsheng.orgs.selectors import (
    SUBTREE_ROLES,
    is_admin,
    memberships_of,
    organ_subtree_ids,
    visible_organ_scope,
)
from minsheng.petitions.confidentiality import identity_keys, identity_q, is_accused_side, shield_q
from minsheng.petitions.models import FLAGS, Nature, PersonalDataAccess, Petition, flag_condition
from minsheng.workflow.models import Appeal, Assignment, Deadline, FollowUpTask, PetitionEvent

AnyUser = AbstractBaseUser | AnonymousUser

# Roles that need the petitioner's contact data for their work (notices, delivery, handling).
IDENTITY_ROLES = frozenset({Role.REGISTRAR, Role.DISPATCHER, Role.CASEWORKER, Role.ORGAN_HEAD, Role.LEADER})


#: The petition's own columns naming an organ it involves (received, holds, forwarded, handles):
#: the visibility scope and the identity right both read them (``_scope_q``, ``identity_covered_ids``).
PETITION_ORGAN_COLUMNS = ("receiving_organ_id", "current_organ_id", "forwarded_by_id", "handling_organ_id")


def _scope_q(organ_ids: set[int]) -> Q:
    assignments = Assignment.objects.filter(petition=OuterRef("pk"), organ_id__in=organ_ids)
    appeals = Appeal.objects.filter(petition=OuterRef("pk"), organ_id__in=organ_ids)
    # Art. 24(1): the organ named to decide a jurisdiction dispute (e.g. the joint conference).
    disputes = PetitionEvent.objects.filter(
        petition=OuterRef("pk"), action="dispute_jurisdiction", data__resolver_organ_id__in=list(organ_ids)
    )
    # Art. 37(3): the organ charged with follow-up work after the matter is final.
    follow_ups = FollowUpTask.objects.filter(petition=OuterRef("pk"), organ_id__in=organ_ids)
    own = Q()
    for column in PETITION_ORGAN_COLUMNS:
        own |= Q(**{f"{column}__in": organ_ids})
    return own | Exists(assignments) | Exists(appeals) | Q(Exists(disputes)) | Q(Exists(follow_ups))


def petitions_visible_to(user: AnyUser | None) -> QuerySet[Petition]:
    """Every read of petitions starts here: the user's organ scope, minus the accusations he is on
    the accused side of (those do not exist for him, whatever else his posts allow)."""
    qs = Petition.objects.all()
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs.filter(shield_q(user))
    direct, over = visible_organ_scope(user)
    organ_ids = direct | over
    if not organ_ids:
        return qs.none()
    return qs.filter(_scope_q(organ_ids)).filter(shield_q(user))


def is_analyst_only(user: AnyUser | None) -> bool:
    """Analysts work on de-identified aggregates (analytics), never on case files."""
    roles = {m.role for m in memberships_of(user)}
    return bool(roles) and roles <= {Role.ANALYST} and not is_admin(user)


def access_petition(user: AnyUser | None, petition_id: int | str) -> Petition:
    """The petition if ``user`` may see it; NotFound otherwise (missing and forbidden look alike).

    Users whose only post is analyst never open a case file (they see de-identified analytics).
    """
    if is_analyst_only(user):
        raise NotFound(_("信访事项不存在。"))
    try:
        pk = int(petition_id)
    except (TypeError, ValueError):
        raise NotFound(_("信访事项不存在。")) from None
    petition = (
        petitions_visible_to(user)
        .filter(pk=pk)
        .select_related(*CASE_FILE_JOINED)
        .annotate(**{name: flag_condition(name) for name in FLAGS})
        .first()
    )
    if petition is None:
        raise NotFound(_("信访事项不存在。"))
    attach_case_file_relations(petition)
    return petition


# What a case page or a detailed answer shows at once besides the petition and its list flags.
# Three relations are joined to the read; the five organs and two staff members it names are
# loaded by key afterwards, one statement for each kind. PostgreSQL's planning time grows steeply
# with the number of joins (one read joining all ten planned in ≈ 3.7 ms on an idle machine and
# ≈ 11 ms under load, more than executing it; three joins plan in ≈ 0.3 ms, a lookup by key in
# ≈ 0.1 ms), and every case page, API read and API action starts with this read.
CASE_FILE_JOINED = ("petitioner", "category", "region")
CASE_FILE_ORGANS = ("current_organ", "receiving_organ", "handling_organ", "forwarded_by", "accused_organ")
CASE_FILE_STAFF = ("caseworker", "leader_in_charge")


def attach_case_file_relations(petition: Petition) -> None:
    """Load the organs and staff ``petition`` names (``CASE_FILE_ORGANS``/``CASE_FILE_STAFF``) with
    one statement per kind and cache them on it, so reading them costs no further statement."""
    for fields, model in ((CASE_FILE_ORGANS, Organ), (CASE_FILE_STAFF, get_user_model())):
        keys = {getattr(petition, f"{name}_id") for name in fields} - {None}
        rows = model.objects.in_bulk(keys) if keys else {}
        for name in fields:
            key = getattr(petition, f"{name}_id")
            if key is None:
                Petition._meta.get_field(name).set_cached_value(petition, None)  # type: ignore[union-attr]
            elif key in rows:
                setattr(petition, name, rows[key])


def registered_petition_for(user: AnyUser | None, registered: Petition) -> Petition:
    """The petition ``user`` has just registered, re-read for the answer. He registered it for an
    organ where he holds a post, so he sees it (receiving organ) — unless it is an accusation he
    may be on the accused side of: only then is the visibility filter applied (same NotFound)."""
    if registered.nature == Nature.ACCUSATION:
        return access_petition(user, registered.pk)
    # Only the list flags are read here: a case-file read joins ten tables, and PostgreSQL spends
    # about 11 ms planning that join — more than the rest of the registration's statements
    # together. The related rows the answer names load by key, each a trivial statement.
    flags = Petition.objects.filter(pk=registered.pk).with_flags().values(*FLAGS).get()
    for name, value in flags.items():
        setattr(registered, name, value)
    return registered


def in_accused_organ(user: AnyUser | None, petition: Petition) -> bool:
    """Whether ``user`` is on the accused side of ``petition`` (see ``confidentiality``)."""
    return is_accused_side(user, petition)


def can_see_identity(user: AnyUser | None, petition: Petition) -> bool:
    """Whether ``user`` may unmask this petition's petitioner (with a logged reason): see
    ``identity_covered_ids``, the one rule for a case page and for a list's rows."""
    return petition.pk in identity_covered_ids(user, [petition])


def identity_covered_ids(user: AnyUser | None, petitions: Sequence[Petition]) -> set[int]:
    """The petitions among ``petitions`` whose petitioner ``user`` may unmask: a case-work post with
    an identity role *that covers the petition* — in an organ that registered, holds, handles,
    forwarded or reviews it (or, for a leader, one above such an organ) — and not on the accused
    side. A post in an unrelated organ gives no right over the petitions his other posts let him
    see (review of 2026-12-07). Nobody signed out, and no administrator without such a post
    (configuration is not case work), holds one."""
    posts = [m for m in memberships_of(user) if m.role in IDENTITY_ROLES]
    if not posts:
        return set()
    organs = {m.organ_id for m in posts} | organ_subtree_ids(
        m.organ_id for m in posts if m.role in SUBTREE_ROLES
    )
    candidates = [p for p in petitions if not in_accused_organ(user, p)]
    # The petition's own organ columns answer most rows without a query; the links kept in other
    # tables (assignments, appeals, disputes, follow-up tasks) are asked for, in one statement for
    # all the rest, only when they do not.
    covered = {p.pk for p in candidates if {getattr(p, c) for c in PETITION_ORGAN_COLUMNS} & organs}
    rest = [p.pk for p in candidates if p.pk not in covered]
    if rest:
        covered.update(
            Petition.objects.filter(pk__in=rest).filter(_scope_q(organs)).values_list("pk", flat=True)
        )
    return covered


def can_see_masked_identity(user: AnyUser | None, petition: Petition) -> bool:
    """Masked name etc. — hidden completely from the accused organ, and from analysts."""
    if in_accused_organ(user, petition):
        return False
    roles = {m.role for m in memberships_of(user)}
    return not (roles and roles <= {Role.ANALYST})


#: The petition's own texts, where a petitioner often writes his name, phone or ID number.
TEXT_FIELDS = ("title", "request", "facts", "reasons")


def petition_texts(
    user: AnyUser | None, petition: Petition, *, identity: bool | None = None
) -> dict[str, str]:
    """The petition's texts as ``user`` may read them: as written for whoever may reveal the
    petitioner (``can_see_identity``; ``identity`` when the caller computed it), else with the
    names recorded with the petition and every phone, ID-card or other long number masked
    (analytics.selectors.deidentify) — the petitioner card is masked for him, so the facts must
    not spell out what it hides (review of 2026-12-07)."""
    mask = text_mask(user, petition, identity=identity)
    return {name: mask(str(getattr(petition, name) or "")) for name in TEXT_FIELDS}


def text_mask(
    user: AnyUser | None, petition: Petition, *, identity: bool | None = None
) -> Callable[[str], str]:
    """How ``user`` reads a text about ``petition`` (its own texts, an appeal's reasons): as written
    for whoever may reveal the petitioner, else with the petition's recorded names and every long
    number masked. One rule for ``petition_texts`` and every other text quoting the petitioner."""
    if identity if identity is not None else can_see_identity(user, petition):
        return lambda text: text
    from minsheng.analytics.selectors import deidentify, recorded_names

    names = recorded_names(petition)
    return lambda text: deidentify(text, names)


def first_time_for(user: AnyUser | None, petition: Petition) -> bool:
    """Whether ``petition`` is a first petition (初次信访) as far as ``user`` can tell: the stored
    flag (R-050, computed over every petition at registration) unless the earlier petitions of the
    matter are all hidden from him — an accusation he is on the accused side of, or another organ's
    case — when it is first for him too. Otherwise the flag would be an oracle: staff typing a
    guessed phone and text into a registration of their own would learn from ``false`` that the
    person filed a similar petition they may not see (red-team review 2026-12-08). ``None`` (the
    system) gets the stored flag."""
    if petition.is_first_time or user is None:
        return petition.is_first_time
    earlier = Petition.objects.filter(
        Q(pk=petition.first_item_id)
        | Q(first_item_id=petition.first_item_id, received_at__lte=petition.received_at)
    ).exclude(pk=petition.pk)
    return not petitions_visible_to(user).filter(pk__in=earlier.values("pk")).exists()


def listed_titles(
    user: AnyUser | None,
    petitions: Sequence[Petition],
    *,
    allowed: Callable[[Petition], bool] | None = None,
) -> dict[int, str]:
    """The titles of a list's rows as ``user`` may read them — ``petition_texts``' rule for a page
    at once (one statement for the identity right's links, two for the names), each title masked
    exactly as its case page masks it: a list must not show in a title what the case page masks,
    nor mask it differently. ``allowed(p)`` false masks whatever the user's posts allow (an
    integration key without personal data in its scope, and always for an accusation)."""
    from minsheng.analytics.selectors import deidentify, names_by_petition

    covered = identity_covered_ids(user, petitions)
    if allowed is not None:
        covered = {p.pk for p in petitions if p.pk in covered and allowed(p)}
    masked = [p for p in petitions if p.pk not in covered]
    names = names_by_petition(masked) if masked else {}
    return {p.pk: p.title if p.pk in covered else deidentify(p.title, names[p.pk]) for p in petitions}


@dataclass(frozen=True)
class PetitionerView:
    name: str
    phone: str
    id_number: str
    address: str
    email: str
    masked: bool
    hidden: bool


HIDDEN = PetitionerView("", "", "", "", "", True, True)


def petitioner_view(user: AnyUser | None, petition: Petition, *, reveal: bool = False) -> PetitionerView:
    """The petitioner as ``user`` may see it: hidden, masked, or (if revealed with a reason) plain."""
    petitioner = petition.petitioner
    if petitioner is None:
        return PetitionerView(_("（匿名）"), "", "", "", "", True, False)
    if not can_see_masked_identity(user, petition):
        return HIDDEN
    if reveal and can_see_identity(user, petition):
        return PetitionerView(
            petitioner.name,
            petitioner.phone,
            petitioner.id_number,
            petitioner.address,
            petitioner.email,
            False,
            False,
        )
    return PetitionerView(
        mask_name(petitioner.name),
        mask_phone(petitioner.phone),
        mask_id_number(petitioner.id_number),
        mask_address(petitioner.address),
        ("***@" + petitioner.email.split("@")[-1]) if petitioner.email else "",
        True,
        False,
    )


def petitioner_reveal(user: AbstractBaseUser, petition: Petition, *, reason: str) -> PetitionerView:
    """Unmask with a logged reason (R-150(d)); NotFound-style refusal for users who may not."""
    if not reason.strip():
        raise InvalidInput(_("请说明查看理由。"), field="reason")
    if not can_see_identity(user, petition):
        raise NotFound(_("无权查看信访人信息。"))
    PersonalDataAccess.objects.create(
        petition=petition,
        user=user,  # type: ignore[misc]
        reason=reason.strip()[:200],
        fields=["name", "phone", "id_number", "address", "email"],
        flagged=in_accused_organ(user, petition),
    )
    return petitioner_view(user, petition, reveal=True)


@dataclass
class PetitionFilters:
    state: list[str] | None = None
    channel: str | None = None
    nature: str | None = None
    organ_id: int | None = None
    category_id: int | None = None
    region_id: int | None = None
    overdue: bool | None = None
    due_soon: bool | None = None
    urgent: bool | None = None
    collective: bool | None = None
    supervised: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    due_before: dt.date | None = None
    q: str | None = None
    caseworker_id: int | None = None
    leader_id: int | None = None


# A deadline still to be met: open, or breached and not yet met. ``next_due`` (the worklist's
# order, the API's list and detail) is the nearest statutory due date among these.
PENDING_DEADLINE = Q(status=Deadline.Status.OPEN) | Q(status=Deadline.Status.BREACHED, met_at=None)


def next_due_of(deadlines: Iterable[Deadline]) -> dt.date | None:
    """``next_due`` of deadlines already read (the same definition as the list's annotation)."""
    return min(
        (
            d.statutory_due
            for d in deadlines
            if d.status == Deadline.Status.OPEN or (d.status == Deadline.Status.BREACHED and d.met_at is None)
        ),
        default=None,
    )


def petition_list(user: AnyUser | None, filters: PetitionFilters | None = None) -> QuerySet[Petition]:
    """Visible petitions, filtered; ordered by urgency, then the nearest statutory due date."""
    f = filters or PetitionFilters()
    qs = petitions_visible_to(user)
    if is_analyst_only(user):
        qs = qs.none()
    if f.state:
        qs = qs.filter(state__in=f.state)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.nature:
        qs = qs.filter(nature=f.nature)
    if f.organ_id:
        qs = qs.filter(current_organ_id=f.organ_id)
    if f.category_id:
        qs = qs.filter(
            Q(category_id=f.category_id)
            | Q(category__parent_id=f.category_id)
            | Q(category__parent__parent_id=f.category_id)
        )
    if f.region_id:
        qs = qs.filter(
            Q(region_id=f.region_id)
            | Q(region__parent_id=f.region_id)
            | Q(region__parent__parent_id=f.region_id)
        )
    for flag, field in ((f.urgent, "is_urgent"), (f.collective, "is_collective")):
        if flag is not None:
            qs = qs.filter(**{field: flag})
    for flag, name in (
        (f.overdue, "has_overdue"),
        (f.due_soon, "has_due_soon"),
        (f.supervised, "is_supervised"),
    ):
        if flag is not None:
            condition = flag_condition(name)
            qs = qs.filter(condition if flag else ~condition)
    if f.received_from:
        qs = qs.filter(received_at__date__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_at__date__lte=f.received_to)
    if f.caseworker_id:
        qs = qs.filter(caseworker_id=f.caseworker_id)
    if f.leader_id:
        qs = qs.filter(leader_in_charge_id=f.leader_id)
    if f.q:
        from minsheng.petitions.search import search_filter

        qs = search_filter(qs, f.q)
    # A correlated subquery (one index lookup per row), not a join of the deadlines with GROUP BY:
    # that grouped every visible petition with its five joined rows by all their columns (a hash
    # aggregate of ~6 kB rows, spilling to disk) before the first page could be sorted out.
    next_due = (
        Deadline.objects.filter(PENDING_DEADLINE, petition_id=OuterRef("pk"))
        .order_by("statutory_due")
        .values("statutory_due")[:1]
    )
    qs = qs.annotate(next_due=Subquery(next_due))
    qs = qs.annotate(**{name: flag_condition(name) for name in FLAGS})
    if f.due_before:
        qs = qs.filter(next_due__lte=f.due_before)
    return qs.select_related("current_organ", "category", "region").order_by(
        "-is_urgent", "-has_overdue", "next_due", "-received_at", "-pk"
    )


def page_rows(qs: QuerySet[Petition], start: int, stop: int) -> list[Petition]:
    """Rows ``start:stop`` of a list query, in its order, read in two steps: the page's ids by the
    list's own ordering, selecting nothing but the id (PostgreSQL sorts narrow rows), then those
    rows with everything the list shows (joins, flags, ``next_due``) for the page alone. Sorting
    the full rows with their joined organs, petitioner and category dragged every visible row's
    ~6 kB through the sort for the twenty that are shown."""
    if stop <= start:
        return []
    ids = list(qs.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    found = {p.pk: p for p in qs.filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]  # a row gone in between is simply not shown


class PagedRows:
    """A list query for ``django.core.paginator.Paginator``: counted by the query, sliced with
    ``page_rows`` (the workbench's lists; the API's list pages the same way)."""

    ordered = True  # the query's own order_by (Paginator warns on unordered input)

    def __init__(self, qs: QuerySet[Petition]) -> None:
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Petition]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("PagedRows takes a slice")
        start = index.start or 0
        return page_rows(self.qs, start, start + 1_000_000 if index.stop is None else index.stop)


def similar_suggestions_for(user: AnyUser | None, petition: Petition) -> list[dict[str, Any]]:
    """The stored "similar or repeat" hits of ``petition`` as ``user`` may see them
    (``relations.similar_view``: no hidden accusation, identity links only where both sides'
    identities are visible to him)."""
    from minsheng.petitions.relations import SIMILAR_SHOWN, similar_view, stored_hits, subject_of_petition

    return similar_view(user, stored_hits(petition), subject_of_petition(user, petition), SIMILAR_SHOWN)


def same_person_petitions(user: AnyUser | None, petition: Petition, limit: int = 10) -> list[Petition]:
    """Other petitions of the same person (by the blind indexes of phone and ID number), among those
    ``user`` may open, and only when he may see this petition's petitioner."""
    if petition.petitioner_id is None or not can_see_masked_identity(user, petition):
        return []
    petitioner = petition.petitioner
    keys = identity_keys(petitioner.phone_index, petitioner.id_number_index) if petitioner else frozenset()
    same = Q(petitioner_id=petition.petitioner_id) | identity_q(keys)
    return list(
        petitions_visible_to(user)
        .filter(same)
        .exclude(pk=petition.pk)
        .select_related("current_organ")
        .order_by("-received_at", "-pk")[:limit]
    )


def similar_search(user: AnyUser | None, text: str, top: int = 10) -> list[tuple[Petition, float]]:
    """Petitions with near-identical text among those ``user`` may open, best first.

    Analysts, who work on de-identified aggregates, may not: titles carry names, and scores
    against texts they cannot read would let them test guesses.
    """
    from minsheng.intelligence.similarity import similar_find

    if is_analyst_only(user):
        raise Forbidden(_("研判人员只能查看去标识化的统计分析。"))
    visible_qs = petitions_visible_to(user)
    # Candidates only among what he may open, before the cut (R-150: see similar_find's ``within``).
    hits = similar_find(text, top=top, within=visible_qs)
    visible = {p.pk: p for p in visible_qs.filter(pk__in=[h.id for h in hits])}
    return [(visible[h.id], float(h.score)) for h in hits if h.id in visible][:top]


def similar_scope(user: AnyUser | None) -> QuerySet[Petition]:
    """The petitions a similarity list for ``user`` may draw on: every one but the accusations he
    may not open. Those must not even take a candidate's place (similar_find's ``within``): a
    list cut short by one would tell him it exists (R-150). Background work (relations.SYSTEM)
    draws on all of them."""
    from minsheng.petitions.relations import SystemViewer

    if isinstance(user, SystemViewer):
        return Petition.objects.all()
    openable = petitions_visible_to(user).filter(nature=Nature.ACCUSATION).values("pk")
    return Petition.objects.filter(~Q(nature=Nature.ACCUSATION) | Q(pk__in=openable))


def timeline_data_for(user: AnyUser | None, data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as ``user`` may read it: references to petitions he may not open are blanked."""
    ref = data.get("related_petition_id")
    if isinstance(ref, int) and not petitions_visible_to(user).filter(pk=ref).exists():
        return {**data, "related_petition_id": None}
    return data


def suggestions_for(user: AnyUser | None, petition: Petition) -> dict[str, Any]:
    """The intelligence suggestions of a petition as ``user`` may see them (no drafts, filtered similar)."""
    data = {
        k: v for k, v in (petition.suggestions or {}).items() if k not in ("draft_opinion", "import_user")
    }
    if "similar" in data:
        data["similar"] = similar_suggestions_for(user, petition)
    return data


def petition_public_timeline(petition: Petition) -> list[dict[str, Any]]:
    """The petitioner's timeline: public events only, in plain language, no staff names."""
    rows = []
    for event in petition.events.filter(is_public=True).order_by("occurred_at", "pk"):
        rows.append(
            {
                "action": event.action,
                "at": timezone.localtime(event.occurred_at),
                "to_state": event.to_state,
                "data": {k: v for k, v in event.data.items() if k in PUBLIC_EVENT_KEYS},
            }
        )
    return rows


PUBLIC_EVENT_KEYS = frozenset(
    {
        "channel",
        "received_at",
        "organ",
        "reason_label",
        "explanation",
        "guidance_organ",
        "days",
        "reason",
        "notice_number",
        "outcome",
        "number",
        "delivered_on",
        "method",
        "deadlines",
        "route",
        "target_procedure",
        "limitation",
        "limitation_due",
        "value",
        "received_on",
        "hearing_start",
        "hearing_end",
    }
)
