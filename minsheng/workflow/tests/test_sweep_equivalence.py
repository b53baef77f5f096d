"""The set-based sweep gives the same observable results as the old per-item sweep.

Both run on the same generated data (each inside a savepoint that is rolled back afterwards):
deadlines, timeline events, supervision orders, in-app messages, petition flags and states are
compared, as are the counts each returns. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from minsheng.notifications.models import OutboxMessage
from minsheng.petitions.models import Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow.models import Deadline, PetitionEvent, SupervisionOrder
from minsheng.workflow.sweeps import AUTO_SUPERVISION, deadlines_sweep
from minsheng.workflow.tests.naive_sweep import naive_deadlines_sweep

pytestmark = pytest.mark.django_db

RULES = sorted({*AUTO_SUPERVISION, *dl.PETITIONER_WINDOWS, "D-URGENT-REPORT", "D-EXTENSION-NOTICE"})


class _Rollback(Exception):
    pass


def _snapshot() -> dict[str, Any]:
    orders = {o.pk: (o.petition_id, o.deadline_rule, o.trigger) for o in SupervisionOrder.objects.all()}

    def event_data(data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        if "order_id" in out:
            out["order_id"] = orders.get(out["order_id"], "missing")
        return out

    return {
        "deadlines": sorted(
            Deadline.objects.values_list(
                "pk", "status", "due_soon_at", "breached_at", "met_at", "nominal_due", "statutory_due"
            )
        ),
        "events": sorted(
            (
                e.petition_id,
                e.action,
                e.occurred_at,
                e.from_state,
                e.to_state,
                e.is_public,
                e.actor_role,
                sorted(event_data(e.data).items()),
            )
            for e in PetitionEvent.objects.all()
        ),
        "orders": sorted(
            SupervisionOrder.objects.values_list(
                "petition_id",
                "kind",
                "trigger",
                "deadline_rule",
                "target_organ_id",
                "issued_at",
                "suggestion",
                "feedback_due",
                "issued_by_id",
            )
        ),
        "outbox": sorted(
            (m.petition_id, m.channel, m.recipient, m.kind, m.body, m.status)
            for m in OutboxMessage.objects.all()
        ),
        "petitions": sorted(
            Petition.objects.with_flags().values_list(
                "pk", "state", "has_overdue", "has_due_soon", "is_supervised"
            )
        ),
    }


def _run(sweep: Any, now: dt.datetime, capture: Any) -> tuple[Any, dict[str, Any]]:
    got: dict[str, Any] = {}
    try:
        with transaction.atomic():
            with capture(execute=True):
                result = sweep(now)
            got["result"] = result
            got["snapshot"] = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    return got["result"], got["snapshot"]


def _generate(seed: int, register: Any, act: Any, organs: Any) -> None:
    rng = random.Random(seed)
    organ_ids = [o.pk for o in organs.values()][:6]
    petitions = []
    for i in range(14):
        petition = register()
        if i % 3:
            act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
            act(petition, "receive", "caseworker")
        petitions.append(petition)
    # A delivered opinion whose review window runs out (R-093 closes the matter).
    delivered = petitions[1]
    act(delivered, "accept", "caseworker")
    act(delivered, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(
        delivered,
        "conclude",
        "caseworker",
        outcome="explain",
        facts_and_reasons="x",
        opinion="y",
        legal_basis="z",
    )
    act(delivered, "sign_opinion", "organ_head")
    act(delivered, "deliver", "caseworker", method="post")
    today = timezone.localdate()
    for petition in petitions:
        for rule in rng.sample(RULES, 4):
            offset = rng.choice([-40, -5, -1, 0, 1, 2, 3, 10, 60])
            statutory = today + dt.timedelta(days=offset)
            nominal = statutory - dt.timedelta(days=rng.choice([0, 0, 2]))
            status = rng.choice(["open"] * 6 + ["met", "cancelled", "breached"])
            Deadline.objects.filter(petition=petition, rule=rule, status="open").update(status="cancelled")
            Deadline.objects.create(
                petition=petition,
                rule=rule,
                organ_id=rng.choice([*organ_ids, None]),
                start=nominal - dt.timedelta(days=30),
                length=30,
                nominal_due=nominal,
                statutory_due=statutory,
                status=status,
                due_soon_at=timezone.now() - dt.timedelta(days=1) if rng.random() < 0.2 else None,
            )
    Deadline.objects.filter(petition=delivered, rule="D-REVIEW-REQ-30").update(status="cancelled")
    window_end = today - dt.timedelta(days=1)
    Deadline.objects.create(
        petition=delivered,
        rule="D-REVIEW-REQ-30",
        start=window_end - dt.timedelta(days=30),
        length=30,
        nominal_due=window_end,
        statutory_due=window_end,
    )
    # A historical import (no alarms), an accusation against an organ (R-150 on messages), and a
    # supervision order that already exists (no second one).
    Petition.objects.filter(pk=petitions[2].pk).update(is_historical=True)
    Petition.objects.filter(pk=petitions[4].pk).update(nature="accusation", accused_organ_id=organ_ids[0])
    late = Deadline.objects.filter(petition=petitions[5], status="open").first()
    if late is not None:
        Deadline.objects.filter(pk=late.pk).update(
            rule="D-HANDLE-60",
            start=today - dt.timedelta(days=63),
            nominal_due=today - dt.timedelta(days=3),
            statutory_due=today - dt.timedelta(days=3),
            organ_id=organ_ids[1],
            is_provisional=False,
        )
        SupervisionOrder.objects.create(
            petition=petitions[5],
            kind="ordinary",
            trigger="handling_overdue",
            deadline_rule="D-HANDLE-60",
            target_organ_id=organ_ids[1],
            suggestion="earlier",
        )


@pytest.mark.parametrize("seed", [1, 2])
def test_set_based_sweep_equals_the_per_item_sweep(
    seed: int, register: Any, act: Any, organs: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _generate(seed, register, act, organs)
    now = timezone.now()
    naive_result, naive = _run(naive_deadlines_sweep, now, django_capture_on_commit_callbacks)
    fast_result, fast = _run(deadlines_sweep, now, django_capture_on_commit_callbacks)
    assert naive_result.breached > 0 and naive_result.due_soon > 0 and naive_result.closed == 1
    assert fast_result == naive_result
    for key in naive:
        assert fast[key] == naive[key], key
    # A second sweep at the same moment changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep(now)
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        again = deadlines_sweep(now)
    assert (again.due_soon, again.breached, again.expired, again.supervision_orders) == (0, 0, 0, 0)
    assert _snapshot() == before


def test_due_soon_only_sweep_notifies(register: Any, act: Any, organs: Any) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    soon = timezone.localdate() + dt.timedelta(days=1)
    Deadline.objects.filter(petition=petition, rule="D-NOTICE-15").update(
        start=soon - dt.timedelta(days=15), nominal_due=soon, statutory_due=soon, is_provisional=False
    )
    result = deadlines_sweep()
    assert (result.due_soon, result.breached) == (1, 0)
    assert OutboxMessage.objects.filter(petition=petition, kind="due_soon").exists()
    assert Petition.objects.get(pk=petition.pk).has_due_soon


def test_scoped_sweep_touches_only_its_petitions(register: Any, act: Any, organs: Any) -> None:
    first, second = register(), register()
    past = timezone.localdate() - dt.timedelta(days=2)
    Deadline.objects.filter(status="open").update(
        start=past - dt.timedelta(days=15), nominal_due=past, statutory_due=past, is_provisional=False
    )
    result = deadlines_sweep(petition_ids=[first.pk])
    assert result.breached == Deadline.objects.filter(petition=first, status="breached").count() > 0
    assert not Deadline.objects.filter(petition=second).exclude(status="open").exists()


def test_a_flood_of_marks_gives_each_member_one_summary(
    register: Any, act: Any, organs: Any, settings: Any
) -> None:
    settings.MINSHENG_SWEEP_DIGEST_OVER = 2
    petitions = []
    for _ in range(3):
        petition = register()
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        petitions.append(petition)
    past = timezone.localdate() - dt.timedelta(days=2)
    Deadline.objects.filter(rule="D-NOTICE-15", status="open").update(
        start=past - dt.timedelta(days=15), nominal_due=past, statutory_due=past, is_provisional=False
    )
    before = OutboxMessage.objects.count()
    result = deadlines_sweep()
    assert result.breached == 3 and result.supervision_orders == 3
    staff = set(organs["a-housing"].memberships.values_list("user_id", flat=True))
    new = OutboxMessage.objects.order_by("pk")[before:]
    assert {m.kind for m in new} == {"due_soon_digest", "overdue_digest"}
    assert sorted(m.recipient for m in new if m.kind == "overdue_digest") == sorted(
        f"user:{u}" for u in staff
    )
    assert all(m.petition_id is None and m.body.startswith("3 件") for m in new)
    # The audit is still per petition: one breach event and one order each.
    assert PetitionEvent.objects.filter(action="deadline_breached").count() == 3
