"""Reads of workflow records for the interfaces (workbench, API). Nothing here writes.

Supervision orders (督办, Arts. 39–40) exist for a user only on petitions
``petitions_visible_to(user)`` returns: an accusation's orders do not exist for its accused side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, NotFound
from minsheng.petitions.models import PETITIONER_WINDOWS, Petition
from minsheng.petitions.selectors import AnyUser, is_analyst_only, petitions_visible_to
from minsheng.workflow.models import Deadline, FollowUpTask, PetitionEvent, SupervisionOrder
from minsheng.workflow.rulesets import execution_overdue

OrderStatus = Literal["open", "answered", "overdue"]
ORDER_STATUSES: tuple[str, ...] = ("open", "answered", "overdue")
ORDER_ORIGINS: tuple[str, ...] = ("manual", "automatic")


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None  # open (unanswered, not yet due) | answered | overdue (unanswered, past due)
    origin: str | None = None  # manual (issued by a person) | automatic (raised by the deadline sweep)
    kind: str | None = None  # SupervisionOrder.Kind: reminder | ordinary | yellow | red
    organ_id: int | None = None  # target organ
    petition_id: int | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None


def petition_version(petition_id: int, user: AnyUser | None = None) -> str:
    """A version of the petition as ``user`` sees it, which changes with every event written to it
    that ``user`` is shown (the timeline is append-only): ``<number of events>-<latest event id>``
    over the events not hidden from ``user`` (:func:`hidden_event_ids`) — so the version does not
    count what the timeline hides. The API's ETag and If-Match use it."""
    from django.db.models import Count, Max

    events = PetitionEvent.objects.filter(petition_id=petition_id)
    hidden = hidden_event_ids(user, petition_id)
    if hidden:
        events = events.exclude(pk__in=hidden)
    row = events.aggregate(n=Count("pk"), last=Max("pk"))
    return _version(row["n"], row["last"])


def version_of_events(events: Sequence[PetitionEvent]) -> str:
    """:func:`petition_version` of a petition whose events (those the caller sees) are at hand."""
    return _version(len(events), max((e.pk for e in events), default=None))


def _version(count: int, last_event_id: int | None) -> str:
    return f"{count}-{last_event_id or 0}"


def order_status(order: SupervisionOrder, today: dt.date | None = None) -> OrderStatus:
    if order.feedback_at is not None:
        return "answered"
    today = today or timezone.localdate()
    if order.feedback_due is not None and order.feedback_due < today:
        return "overdue"
    return "open"


def supervision_orders_for(
    user: AnyUser | None, filters: OrderFilters | None = None, *, today: dt.date | None = None
) -> QuerySet[SupervisionOrder]:
    """The orders on petitions ``user`` may see, filtered, nearest feedback due first (orders
    without a due date last). Analysts, who never open case files, see none."""
    qs = SupervisionOrder.objects.select_related(
        "petition", "petition__current_organ", "target_organ", "issued_by", "feedback_by"
    )
    if user is None or is_analyst_only(user):
        return qs.none()
    qs = qs.filter(petition__in=petitions_visible_to(user))
    f = filters or OrderFilters()
    today = today or timezone.localdate()
    if f.status == "answered":
        qs = qs.filter(feedback_at__isnull=False)
    elif f.status == "overdue":
        qs = qs.filter(feedback_at__isnull=True, feedback_due__lt=today)
    elif f.status == "open":
        qs = qs.filter(feedback_at__isnull=True).filter(
            Q(feedback_due__gte=today) | Q(feedback_due__isnull=True)
        )
    if f.origin == "manual":
        qs = qs.filter(trigger=SupervisionOrder.Trigger.MANUAL)
    elif f.origin == "automatic":
        qs = qs.exclude(trigger=SupervisionOrder.Trigger.MANUAL)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.organ_id is not None:
        qs = qs.filter(target_organ_id=f.organ_id)
    if f.petition_id is not None:
        qs = qs.filter(petition_id=f.petition_id)
    if f.issued_from is not None:
        qs = qs.filter(issued_at__date__gte=f.issued_from)
    if f.issued_to is not None:
        qs = qs.filter(issued_at__date__lte=f.issued_to)
    return qs.order_by(F("feedback_due").asc(nulls_last=True), "-issued_at", "pk")


def supervision_order_get(user: AnyUser | None, order_id: int | str) -> SupervisionOrder:
    """One order if ``user`` may see its petition; NotFound otherwise (missing and hidden alike)."""
    from minsheng.workflow.services import MAX_ID

    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("督办单不存在。")) from None
    if not 1 <= pk <= MAX_ID:  # beyond MAX_ID the database driver overflows
        raise NotFound(_("督办单不存在。"))
    order = supervision_orders_for(user).filter(pk=pk).first()
    if order is None:
        raise NotFound(_("督办单不存在。"))
    return order


def can_answer(user: AnyUser | None, order: SupervisionOrder) -> bool:
    """Whether ``user`` may try ``supervision_feedback`` on this order now (the service re-checks)."""
    from minsheng.workflow.services import TRANSITIONS, resolve_actor

    if order.feedback_at is not None or not isinstance(user, AbstractBaseUser):
        return False
    transition = TRANSITIONS["supervision_feedback"]
    if order.petition.state not in transition.sources:
        return False
    try:
        resolve_actor(transition, order.petition, user)
    except Forbidden:
        return False
    return True


# ---- mixed letters split by the bureau (Art. 30; R-150)

#: Events that record a split: shown only to those who may see the link.
SPLIT_ACTIONS: frozenset[str] = frozenset({"split_accusation"})


def _may_see_split(user: AnyUser | None, split: object) -> bool:
    from minsheng.orgs.models import Role, StaffMembership
    from minsheng.petitions.confidentiality import is_accused_side

    if not isinstance(user, AbstractBaseUser) or is_analyst_only(user):
        return False
    if is_accused_side(user, split.accusation):  # type: ignore[attr-defined]
        return False
    organs = {split.bureau_id, split.discipline_organ_id} - {None}  # type: ignore[attr-defined]
    return (
        StaffMembership.objects.filter(user_id=user.pk, organ_id__in=organs)
        .exclude(role=Role.ANALYST)
        .exists()
    )


def split_links_for(user: AnyUser | None, petition: object) -> list[dict[str, object]]:
    """The split link of ``petition`` (grievance ↔ accusation) as ``user`` may see it: only staff
    of the registering bureau or of the discipline body, never the accused side; everyone else
    gets an empty list (for them the link does not exist)."""
    from minsheng.workflow.models import AccusationSplit

    pk = getattr(petition, "pk", None)
    splits = AccusationSplit.objects.filter(Q(grievance_id=pk) | Q(accusation_id=pk))
    # Most petitions were never split: ask that first with a plain statement (the joined read of
    # both petitions costs milliseconds to build and to plan).
    if not splits.exists():
        return []
    rows = splits.select_related("grievance", "accusation", "bureau", "discipline_organ")
    links: list[dict[str, object]] = []
    for split in rows:
        if not _may_see_split(user, split):
            continue
        is_grievance = split.grievance_id == pk
        other = split.accusation if is_grievance else split.grievance
        links.append(
            {
                "kind": "accusation" if is_grievance else "grievance",
                "petition_id": other.pk,
                "tracking_code": other.tracking_code,
                "bureau": split.bureau.name,
                "discipline_organ": split.discipline_organ.name if split.discipline_organ else None,
                "created_at": split.created_at,
            }
        )
    return links


#: Events whose free text staff wrote about the whole letter: on a split grievance, those written
#: before the split may quote the accusation.
PRE_SPLIT_TEXT_ACTIONS: frozenset[str] = frozenset({"note"})


def hidden_event_ids(user: AnyUser | None, petition_id: int) -> frozenset[int]:
    """The events of a petition not shown to ``user``. Only a split letter (Art. 30; R-150) hides
    any: for whoever may not see the split link (``split_links_for``: everyone but the bureau and
    the discipline body, above all the accused side) the split event and the notes written before
    it, which may quote the accusation. For them the split never happened: the timeline, the
    notes, the ETag and If-Match all leave these events out."""
    from django.db.models import Max

    from minsheng.workflow.models import AccusationSplit

    if not AccusationSplit.objects.filter(grievance_id=petition_id).exists():
        return frozenset()  # most petitions: one plain statement
    if split_links_for(user, Petition(pk=petition_id)):
        return frozenset()
    events = PetitionEvent.objects.filter(petition_id=petition_id)
    last_split = events.filter(action__in=SPLIT_ACTIONS).aggregate(last=Max("pk"))["last"] or 0
    hidden = events.filter(
        Q(action__in=SPLIT_ACTIONS) | Q(action__in=PRE_SPLIT_TEXT_ACTIONS, pk__lt=last_split)
    )
    return frozenset(hidden.values_list("pk", flat=True))


def notes_for(
    user: AnyUser | None, petition_id: int, hidden: frozenset[int] | None = None
) -> list[PetitionEvent]:
    """The internal notes (备注) of a petition that ``user`` is shown, newest first (the case page
    and the API: one definition, so that neither lists a note the other hides). ``hidden``:
    :func:`hidden_event_ids` of the same user and petition when the caller has it already."""
    notes = (
        PetitionEvent.objects.filter(petition_id=petition_id, action="note")
        .select_related("actor", "actor_organ")
        .order_by("-occurred_at", "-pk")
    )
    return visible_events(user, petition_id, notes, hidden)


def visible_events(
    user: AnyUser | None,
    petition_id: int,
    events: Iterable[PetitionEvent],
    hidden: frozenset[int] | None = None,
) -> list[PetitionEvent]:
    """``events`` of the petition without those hidden from ``user`` (:func:`hidden_event_ids`,
    read here unless the caller passes it)."""
    if hidden is None:
        hidden = hidden_event_ids(user, petition_id)
    return [e for e in events if e.pk not in hidden]


# ---- external limitation periods recorded at intake

#: Actions shown first on the case page when an external window is closing (the guidance).
GUIDANCE_ACTIONS: tuple[str, ...] = ("refer_elsewhere", "redirect", "forward", "assign")


def limitation_for(petition: object, today: dt.date | None = None) -> dict[str, object] | None:
    """The latest external limitation recorded on ``petition`` (action ``record_limitation``),
    recomputed for ``today`` against the bureau's open D-BUREAU-15 — or None when none was
    recorded. ``closing``: the external window may end before the bureau's own due date; the
    ``warning`` then says to tell the petitioner now and names what may lengthen the period."""
    from minsheng.workflow.models import Deadline, PetitionEvent
    from minsheng.workflow.rulesets import INTAKE_CLOCKS, limitation_status

    pk = getattr(petition, "pk", None)
    if pk is None:
        return None
    event = (
        PetitionEvent.objects.filter(petition_id=pk, action="record_limitation")
        .order_by("-occurred_at", "-pk")
        .first()
    )
    if event is None:
        return None
    known = dt.date.fromisoformat(str(event.data["known_date"]))
    # the bureau's 15 days, else the organ's written notice (rulesets.INTAKE_CLOCKS, in that order)
    clocks = list(
        Deadline.objects.filter(
            petition_id=event.petition_id, rule__in=INTAKE_CLOCKS, status=Deadline.Status.OPEN
        ).order_by("-pk")
    )
    bureau = next((c for rule in INTAKE_CLOCKS for c in clocks if c.rule == rule), None)
    status = limitation_status(
        str(event.data["limitation"]),
        known,
        today or timezone.localdate(),
        bureau.statutory_due if bureau else None,
    )
    warning = ""
    if status.closing:
        warning = _(
            "时效临近：还剩%(n)d日（%(label)s，最早于%(end)s届满，早于本机关%(due)s的办理期限）。"
            "请立即告知信访人依法定途径提出；下列情形可能延长期限，请一并说明：%(conditions)s"
        ) % {
            "n": status.days_left,
            "label": status.label,
            "end": status.earliest_end.isoformat(),
            "due": status.bureau_due.isoformat() if status.bureau_due else "",
            "conditions": "；".join(status.conditions),
        }
    return {
        "kind": status.kind,
        "label": status.label,
        "known_date": status.known_date,
        "earliest_end": status.earliest_end,
        "days_left": status.days_left,
        "bureau_due": status.bureau_due,
        "closing": status.closing,
        "conditions": list(status.conditions),
        "warning": warning,
    }


#: Lapsed periods that are an option, not a duty: an objection the organ did not raise
#: (D-OBJECTION-5WD, Art. 23(3)), the rating window and the petitioner's own windows. Their lapse is
#: no failure anyone answers for (accountability.selectors, the ladder below).
NOT_DUTIES = frozenset({"D-OBJECTION-5WD", "D-SATISFACTION-WINDOW"}) | frozenset(PETITIONER_WINDOWS)


@dataclass(frozen=True)
class LadderStep:
    step: str  # warning | breach | a SupervisionOrder.Kind value
    label: str
    first_on: dt.date | None  # the first day the step was reached on this case (None: not reached)
    count: int


def supervision_ladder(petition: Petition) -> list[LadderStep]:
    """The supervision ladder of one case (A-060, A-061), mildest first: the sweep's warning (临期提醒),
    the breach (超期), then 催办 → 普通/黄牌/红牌督办 → 挂牌督办 → 约谈 → 通报, each with the first day
    it was reached. Two queries."""
    deadlines = list(
        Deadline.objects.filter(petition=petition).values_list("due_soon_at", "breached_at", "status", "rule")
    )
    duties = [d for d in deadlines if d[3] not in NOT_DUTIES]
    warned = [d[0] for d in duties if d[0] is not None]
    breached = [d[1] for d in duties if d[1] is not None and d[2] == Deadline.Status.BREACHED]
    issued = SupervisionOrder.objects.filter(petition=petition).values_list("kind", "issued_at")
    return _ladder_steps(warned, breached, issued)


def _ladder_steps(
    warned: list[dt.datetime], breached: list[dt.datetime], issued: Iterable[tuple[str, dt.datetime]]
) -> list[LadderStep]:
    """The ladder's rows from the moments each step was reached: the warning, the breach, then each
    order kind of ``LADDER`` (mildest first) with the first day reached and how often."""
    from minsheng.workflow.services.oversight import LADDER

    orders: dict[str, list[dt.datetime]] = {}
    for kind, at in issued:
        orders.setdefault(kind, []).append(at)

    def first(moments: list[dt.datetime]) -> dt.date | None:
        return timezone.localdate(min(moments)) if moments else None

    steps = [
        LadderStep("warning", _("临期提醒"), first(warned), len(warned)),
        LadderStep("breach", _("超期"), first(breached), len(breached)),
    ]
    for kind in LADDER:
        found = orders.get(kind, [])
        steps.append(LadderStep(str(kind), str(SupervisionOrder.Kind(kind).label), first(found), len(found)))
    return steps


#: The period an organ's ladder covers when none is chosen: the last 90 days.
ORGAN_LADDER_DAYS = 90


def organ_supervision_ladder(
    user: AnyUser | None, organ_id: int, date_from: dt.date, date_to: dt.date
) -> list[LadderStep]:
    """The supervision ladder of one organ over a period (both bounds inclusive), mildest first:
    warnings (临期提醒) and breaches (超期) of the duties whose clock ran against the organ, then the
    orders of each step issued to it, each with the first day reached and how often. Petitions
    ``user`` is on the accused side of count for nobody he could learn them from (R-150)."""
    from minsheng.petitions.confidentiality import shield_q

    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    duties = (
        Deadline.objects.filter(organ_id=organ_id)
        .exclude(rule__in=NOT_DUTIES)
        .filter(shield_q(user, "petition__"))
    )
    warned = [
        at
        for at in duties.filter(due_soon_at__gte=start, due_soon_at__lt=end).values_list(
            "due_soon_at", flat=True
        )
        if at is not None
    ]
    breached = [
        at
        for at in duties.filter(
            status=Deadline.Status.BREACHED, breached_at__gte=start, breached_at__lt=end
        ).values_list("breached_at", flat=True)
        if at is not None
    ]
    issued = (
        SupervisionOrder.objects.filter(target_organ_id=organ_id, issued_at__gte=start, issued_at__lt=end)
        .filter(shield_q(user, "petition__"))
        .values_list("kind", "issued_at")
    )
    return _ladder_steps(warned, breached, issued)


@dataclass(frozen=True)
class FollowUpView:
    """A task owed after an answer, as a reader sees it (case page, API)."""

    id: int
    kind: str
    kind_label: str
    article: str
    organ: str
    created_at: dt.datetime
    done_at: dt.datetime | None
    superseded: bool
    note: str
    #: Art. 42(4): an execution still unrecorded past MINSHENG_EXECUTION_CHECK_DAYS (执行未落实)
    overdue: bool


FOLLOW_UP_ARTICLES = {
    FollowUpTask.Kind.COUNSELLING: "条例第三十七条第三款",
    FollowUpTask.Kind.EXECUTION: "条例第三十二条第二款、第四十二条第四项",
    FollowUpTask.Kind.GUIDANCE: "条例第三十二条第二款",
}


@dataclass(frozen=True)
class AppealView:
    """A 复查/复核 request as the reviewing side reads it: what is contested, and when it came."""

    kind: str
    kind_label: str
    organ: str
    received_on: dt.date
    postmarked_on: dt.date | None
    reasons: str
    good_reason: str
    is_late: bool
    hearing_start: dt.date | None
    hearing_end: dt.date | None


def appeal_views(user: AnyUser | None, petition: Petition) -> list[AppealView]:
    """The petition's 复查/复核 requests, oldest first, their texts as ``user`` may read the
    petition's own (``petition_texts``: masked for a reader who may not see the petitioner). The
    reasons were stored but shown nowhere, so the reviewing organ could not read what is contested
    (external client review, 2026-12-08)."""
    from minsheng.petitions.selectors import text_mask

    appeals = list(petition.appeals.select_related("organ").order_by("created_at", "pk"))
    if not appeals:
        return []
    text = text_mask(user, petition)

    return [
        AppealView(
            kind=a.kind,
            kind_label=str(a.get_kind_display()),
            organ=a.organ.name,
            received_on=a.received_on,
            postmarked_on=a.postmarked_on,
            reasons=text(a.reasons),
            good_reason=text(a.good_reason),
            is_late=a.is_late,
            hearing_start=a.hearing_start,
            hearing_end=a.hearing_end,
        )
        for a in appeals
    ]


def follow_up_views(petition: Petition, today: dt.date | None = None) -> list[FollowUpView]:
    """The petition's follow-up tasks, oldest first, each with whether its execution is overdue
    for a check (the local period: settings.MINSHENG_EXECUTION_CHECK_DAYS)."""
    from django.conf import settings

    today = today or timezone.localdate()
    views = []
    for task in FollowUpTask.objects.filter(petition=petition).select_related("organ"):
        overdue = (
            task.kind == FollowUpTask.Kind.EXECUTION
            and task.done_at is None
            and execution_overdue(
                timezone.localdate(task.created_at), today, settings.MINSHENG_EXECUTION_CHECK_DAYS
            )
        )
        views.append(
            FollowUpView(
                id=task.pk,
                kind=task.kind,
                kind_label=str(FollowUpTask.Kind(task.kind).label),
                article=FOLLOW_UP_ARTICLES[FollowUpTask.Kind(task.kind)],
                organ=task.organ.name,
                created_at=task.created_at,
                done_at=task.done_at,
                superseded=task.superseded,
                note=task.note,
                overdue=overdue,
            )
        )
    return views
