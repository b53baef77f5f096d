"""Reads of workflow records for the interfaces (workbench, API). Nothing here writes.

Supervision orders (督办, Arts. 39–40) exist for a user only on petitions
``petitions_visible_to(user)`` returns: an accusation's orders do not exist for its accused side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import Forbidden, NotFound
from minsheng.petitions.selectors import AnyUser, is_analyst_only, petitions_visible_to
from minsheng.workflow.models import SupervisionOrder

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
