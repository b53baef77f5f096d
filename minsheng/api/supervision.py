"""API endpoints for supervision orders (督办, Arts. 39–40): list, read, answer.

An interface only: reads through ``minsheng.workflow.selectors`` (orders on petitions the caller
may see; 404 for the rest), the answer through ``petition_transition("supervision_feedback")``.
Orders are issued with ``POST /petitions/{id}/actions/supervise`` (registered in ``v1``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from pydantic import Field

from minsheng.api.schema import Schema
from minsheng.api.v1 import ERRORS, OrganRef
from minsheng.petitions.selectors import listed_titles
from minsheng.workflow.models import SupervisionOrder
from minsheng.workflow.selectors import (
    OrderFilters,
    can_answer,
    order_status,
    supervision_order_get,
    supervision_orders_for,
)
from minsheng.workflow.services import MAX_ID, petition_transition

router: Router = Router(tags=["supervision"])


class OrderPetitionRef(Schema):
    id: int
    tracking_code: str
    title: str
    state: str


class SupervisionOrderOut(Schema):
    id: int
    petition: OrderPetitionRef
    kind: str = Field(
        description="the ladder step: reminder 催办 | ordinary 普通督办 | yellow | red | listed 挂牌督办 | "
        "interview 约谈 | circular 通报"
    )
    kind_label: str
    origin: Literal["manual", "automatic"] = Field(description="issued by a person, or by the deadline sweep")
    trigger: str = Field(
        description="manual | notice_overdue | handling_overdue | assigned_overdue | other_overdue"
    )
    deadline_rule: str = Field(description="the missed deadline rule of an automatic order")
    target_organ: OrganRef
    issued_by: str | None
    issued_at: dt.datetime
    suggestion: str
    feedback_due: dt.date | None
    days_left: int | None = Field(
        description="days until feedback_due (negative: overdue); null once answered"
    )
    status: Literal["open", "answered", "overdue"]
    feedback: str
    feedback_at: dt.datetime | None
    feedback_by: str | None
    feedback_late: bool
    can_answer: bool = Field(description="the caller may answer it now")
    leaders: list[dict[str, str]] = Field(
        default_factory=list,
        description="挂牌督办 / 约谈 / 通报: the accountable chain's leaders named on the day (role, role_label, leader, title)",
    )
    delisted_at: dt.datetime | None = Field(None, description="挂牌督办: when it was delisted (摘牌)")
    delisting_evidence: str = ""


class SupervisionOrderPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SupervisionOrderOut]


class OrderListQuery(Schema):
    status: Literal["open", "answered", "overdue"] | None = Field(
        None, description="open: unanswered, not yet due; overdue: unanswered past feedback_due"
    )
    origin: Literal["manual", "automatic"] | None = None
    kind: Literal["reminder", "ordinary", "yellow", "red", "listed", "interview", "circular"] | None = None
    organ_id: int | None = Field(None, ge=1, le=MAX_ID, description="target organ")
    petition_id: int | None = Field(None, ge=1, le=MAX_ID)
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


class SupervisionFeedbackIn(Schema):
    feedback: str = Field(min_length=1, max_length=20000, description="the written answer (书面反馈)")


def _name(user: AbstractBaseUser | None) -> str | None:
    if user is None:
        return None
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or user.get_username())


def _order_out(
    user: Any, order: SupervisionOrder, today: dt.date, title: str | None = None
) -> SupervisionOrderOut:
    """An order as ``user`` may read it; the petition's title masked as its case page masks it
    (``listed_titles``; a supervisor who may not unmask the petitioner read it raw before)."""
    status = order_status(order, today)
    days_left = (
        (order.feedback_due - today).days if order.feedback_due is not None and status != "answered" else None
    )
    petition = order.petition
    return SupervisionOrderOut(
        id=order.pk,
        petition=OrderPetitionRef(
            id=petition.pk,
            tracking_code=petition.tracking_code,
            title=title if title is not None else listed_titles(user, [petition])[petition.pk],
            state=petition.state,
        ),
        kind=order.kind,
        kind_label=str(order.get_kind_display()),
        origin="automatic" if order.is_automatic else "manual",
        trigger=order.trigger,
        deadline_rule=order.deadline_rule,
        target_organ=OrganRef(id=order.target_organ_id, name=order.target_organ.name),
        issued_by=_name(order.issued_by),
        issued_at=order.issued_at,
        suggestion=order.suggestion,
        feedback_due=order.feedback_due,
        days_left=days_left,
        status=status,
        feedback=order.feedback,
        feedback_at=order.feedback_at,
        feedback_by=_name(order.feedback_by),
        feedback_late=order.feedback_late,
        can_answer=can_answer(user, order),
        leaders=order.leaders or [],
        delisted_at=order.delisted_at,
        delisting_evidence=order.delisting_evidence,
    )


@router.get(
    "/supervision-orders",
    response={200: SupervisionOrderPage, **ERRORS},
    operation_id="supervision_order_list",
)
def supervision_order_list_endpoint(request: HttpRequest, filters: Query[OrderListQuery]) -> Any:
    """Supervision orders (manual and automatic) on the petitions the caller may see, nearest
    feedback due first."""
    user = request.auth  # type: ignore[attr-defined]
    today = timezone.localdate()
    qs = supervision_orders_for(
        user,
        OrderFilters(
            status=filters.status,
            origin=filters.origin,
            kind=filters.kind,
            organ_id=filters.organ_id,
            petition_id=filters.petition_id,
            issued_from=filters.issued_from,
            issued_to=filters.issued_to,
        ),
        today=today,
    )
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start : start + filters.page_size])
    titles = listed_titles(user, [order.petition for order in rows])
    return SupervisionOrderPage(
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        results=[_order_out(user, order, today, titles[order.petition_id]) for order in rows],
    )


@router.get(
    "/supervision-orders/{order_id}",
    response={200: SupervisionOrderOut, **ERRORS},
    operation_id="supervision_order_get",
)
def supervision_order_get_endpoint(request: HttpRequest, order_id: int) -> Any:
    """One order; 404 when it does not exist or its petition is not visible to the caller."""
    user = request.auth  # type: ignore[attr-defined]
    return _order_out(user, supervision_order_get(user, order_id), timezone.localdate())


@router.post(
    "/supervision-orders/{order_id}/feedback",
    response={200: SupervisionOrderOut, **ERRORS},
    operation_id="supervision_order_feedback",
)
def supervision_order_feedback_endpoint(
    request: HttpRequest, order_id: int, payload: SupervisionFeedbackIn
) -> Any:
    """Answer the order in writing (Art. 40(4)) through the ``supervision_feedback`` action: the
    text, who answered and when are recorded; an answer after ``feedback_due`` is marked late.
    403 for callers who may not answer for the petition's organ, 422 when already answered."""
    user = request.auth  # type: ignore[attr-defined]
    order = supervision_order_get(user, order_id)
    petition_transition(
        order.petition_id,
        "supervision_feedback",
        actor=user,
        data={"order_id": order.pk, "feedback": payload.feedback},
    )
    return _order_out(user, supervision_order_get(user, order.pk), timezone.localdate())
