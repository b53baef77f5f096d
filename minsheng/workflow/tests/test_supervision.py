"""Supervision orders (督办, Arts. 39–40; R-140): the feedback due date from D-SUPERVISION-FEEDBACK
through the deadline engine (manual and automatic orders), editable by the issuer, and the
written answer with who, when and whether late — every change through petition_transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from minsheng.core.errors import InvalidInput
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, PetitionEvent, SupervisionOrder
from minsheng.workflow.selectors import OrderFilters, order_status, supervision_orders_for
from minsheng.workflow.services import petition_transition
from minsheng.workflow.services.oversight import supervision_feedback_due
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def forwarded(register: Any, act: Any, organs: Any) -> Petition:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return Petition.objects.get(pk=petition.pk)


def _supervise(petition: Petition, users: Any, on: dt.date, **data: Any) -> SupervisionOrder:
    petition_transition(
        petition.pk,
        "supervise",
        actor=users["supervisor"],
        data={"kind": "ordinary", "suggestion": "请说明原因并尽快办理", **data},
        now=_at(on),
    )
    return SupervisionOrder.objects.filter(petition=petition).latest("pk")


def test_default_due_comes_from_the_rule(forwarded: Petition, users: Any, organs: Any) -> None:
    # 2025-03-03 + 30 calendar days = 2025-04-02, a working day.
    order = _supervise(forwarded, users, dt.date(2025, 3, 3))
    assert order.feedback_due == dt.date(2025, 4, 2) == supervision_feedback_due(dt.date(2025, 3, 3))
    assert order.target_organ == organs["a-housing"] and order.issued_by == users["supervisor"]
    assert not order.is_automatic
    event = PetitionEvent.objects.get(petition=forwarded, action="supervise")
    assert event.data["order_id"] == order.pk
    assert event.data["feedback_due"] == "2025-04-02"
    assert event.data["feedback_due_source"] == "D-SUPERVISION-FEEDBACK"


def test_default_due_crossing_the_national_day_holiday_rolls_forward(forwarded: Petition, users: Any) -> None:
    # 2025-09-01 + 30 = 2025-10-01, inside the 1–8 October holiday: due on 9 October.
    order = _supervise(forwarded, users, dt.date(2025, 9, 1))
    assert order.feedback_due == dt.date(2025, 10, 9)


@override_settings(MINSHENG_SUPERVISION_FEEDBACK_DAYS=10)
def test_the_period_is_configurable_as_rules_yaml_says(forwarded: Petition, users: Any) -> None:
    order = _supervise(forwarded, users, dt.date(2025, 3, 3))
    assert order.feedback_due == dt.date(2025, 3, 13)


def test_issuer_sets_the_due_date(forwarded: Petition, users: Any) -> None:
    order = _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due="2025-03-10")
    assert order.feedback_due == dt.date(2025, 3, 10)
    event = PetitionEvent.objects.get(petition=forwarded, action="supervise")
    assert event.data["feedback_due_source"] == "issuer"
    # the issue day itself is allowed
    same_day = _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due="2025-03-03")
    assert same_day.feedback_due == dt.date(2025, 3, 3)


@pytest.mark.parametrize("value", ["2025-03-02", "2025-02-30", "soon", 7])
def test_due_before_the_issue_date_or_not_a_date_is_refused(
    forwarded: Petition, users: Any, value: Any
) -> None:
    events = PetitionEvent.objects.filter(petition=forwarded).count()
    with pytest.raises(InvalidInput) as info:
        _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due=value)
    assert info.value.field == "feedback_due"
    assert not SupervisionOrder.objects.filter(petition=forwarded).exists()
    assert PetitionEvent.objects.filter(petition=forwarded).count() == events


def test_answer_records_text_who_and_when_and_late_answers_are_marked(
    forwarded: Petition, users: Any
) -> None:
    on_time = _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due="2025-03-10")
    late = _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due="2025-03-05")
    for order in (on_time, late):
        petition_transition(
            forwarded.pk,
            "supervision_feedback",
            actor=users["caseworker"],
            data={"order_id": order.pk, "feedback": "已整改，工地夜间停工。"},
            now=_at(dt.date(2025, 3, 10), hour=16),
        )
        order.refresh_from_db()
        assert order.feedback == "已整改，工地夜间停工。"
        assert order.feedback_by == users["caseworker"]
        assert order.feedback_at == _at(dt.date(2025, 3, 10), hour=16)
        assert order_status(order) == "answered"
    assert not on_time.feedback_late  # answered on the due day
    assert late.feedback_late
    events = PetitionEvent.objects.filter(petition=forwarded, action="supervision_feedback").order_by("pk")
    assert [e.data["late"] for e in events] == [False, True]
    assert events[1].data["order_id"] == late.pk and events[1].actor == users["caseworker"]
    # once answered, an order cannot be answered again
    with pytest.raises(InvalidInput) as info:
        petition_transition(
            forwarded.pk,
            "supervision_feedback",
            actor=users["caseworker"],
            data={"order_id": late.pk, "feedback": "again"},
        )
    assert info.value.field == "order_id"


def test_automatic_orders_from_the_sweep_get_the_rules_due(forwarded: Petition, act: Any) -> None:
    act(forwarded, "receive", "caseworker")
    past = dt.date(2025, 8, 20)
    Deadline.objects.filter(petition=forwarded, rule="D-NOTICE-15").update(
        start=past - dt.timedelta(days=15), nominal_due=past, statutory_due=past, is_provisional=False
    )
    result = deadlines_sweep(now=_at(dt.date(2025, 9, 1), hour=2))
    assert result.supervision_orders == 1
    order = SupervisionOrder.objects.get(petition=forwarded)
    assert order.is_automatic and order.trigger == "notice_overdue" and order.issued_by is None
    assert order.feedback_due == dt.date(2025, 10, 9)  # same rule, same holiday roll-over
    breach = PetitionEvent.objects.get(petition=forwarded, action="deadline_breached")
    assert breach.data["order_id"] == order.pk and breach.data["feedback_due"] == "2025-10-09"


def test_selector_filters_and_orders_by_feedback_due(forwarded: Petition, users: Any, organs: Any) -> None:
    far = _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due="2025-05-01")
    near = _supervise(forwarded, users, dt.date(2025, 3, 4), feedback_due="2025-03-06")
    SupervisionOrder.objects.filter(pk=far.pk).update(trigger="handling_overdue", deadline_rule="D-HANDLE-60")
    today = dt.date(2025, 3, 20)
    supervisor = users["supervisor"]
    assert list(supervision_orders_for(supervisor, today=today)) == [near, far]
    assert list(supervision_orders_for(supervisor, OrderFilters(status="overdue"), today=today)) == [near]
    assert list(supervision_orders_for(supervisor, OrderFilters(status="open"), today=today)) == [far]
    assert list(supervision_orders_for(supervisor, OrderFilters(origin="automatic"), today=today)) == [far]
    assert list(supervision_orders_for(supervisor, OrderFilters(origin="manual"), today=today)) == [near]
    assert list(supervision_orders_for(supervisor, OrderFilters(issued_from=dt.date(2025, 3, 4)))) == [near]
    assert list(supervision_orders_for(supervisor, OrderFilters(issued_to=dt.date(2025, 3, 3)))) == [far]
    assert not supervision_orders_for(supervisor, OrderFilters(organ_id=organs["a-edu"].pk)).exists()
    assert supervision_orders_for(supervisor, OrderFilters(organ_id=organs["a-housing"].pk)).count() == 2
    assert not supervision_orders_for(users["edu_caseworker"]).exists()  # not his petition
    assert not supervision_orders_for(users["analyst"]).exists()  # analysts open no case files


def test_the_answer_is_offered_only_while_an_order_awaits_one(forwarded: Petition, users: Any) -> None:
    """``supervision_feedback`` (and ``delist``) were offered on every forwarded case, with or
    without an order, so a client following the offered actions met a 422 (external client review)."""
    from minsheng.workflow.services import available_actions

    def offered(role: str) -> set[str]:
        petition = Petition.objects.get(pk=forwarded.pk)
        return {t.action for t in available_actions(petition, users[role])}

    assert "supervision_feedback" not in offered("caseworker")
    assert "delist" not in offered("supervisor")
    order = _supervise(forwarded, users, dt.date(2025, 3, 3), feedback_due="2025-03-10")
    assert "supervision_feedback" in offered("caseworker")
    petition_transition(
        forwarded.pk,
        "supervision_feedback",
        actor=users["caseworker"],
        data={"order_id": order.pk, "feedback": "已整改。"},
        now=_at(dt.date(2025, 3, 4)),
    )
    assert "supervision_feedback" not in offered("caseworker")
    assert "delist" not in offered("supervisor")  # an ordinary order is not listed
