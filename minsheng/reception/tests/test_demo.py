"""The demo: a published reception day with appointments, one held today with two registered
matters, a 包案 case, a 下访 record, a decided major decision, a consistency flag; idempotent."""

from __future__ import annotations

from typing import Any

from minsheng.reception.demo import build_reception_demo
from minsheng.reception.models import Appointment, CaseOwnership, OutreachVisit, ReceptionDay
from minsheng.stability.demo import build_stability_demo
from minsheng.stability.models import ConsistencyFlag, MajorDecision


def test_demo_builds_once(world: Any) -> None:
    assert build_reception_demo(world) == 2
    assert build_stability_demo(world) == {"decisions": 1, "linked_after": 0, "flags": 1}
    assert ReceptionDay.objects.filter(status="published").count() == 2
    assert Appointment.objects.filter(kind="online", status="booked").count() == 3
    assert Appointment.objects.filter(status="registered", petition__channel="visit").count() == 2
    assert OutreachVisit.objects.get().petitions.count() == 1
    assert CaseOwnership.objects.filter(is_active=True).count() == 1
    decision = MajorDecision.objects.get()
    assert (decision.status, decision.risk_level, decision.outcome) == (
        "decided",
        "medium",
        "implement_adjusted",
    )
    flag = ConsistencyFlag.objects.get()
    assert {flag.first_outcome, flag.second_outcome} == {"support", "not_support"}
    assert build_reception_demo(world) == 0
    assert build_stability_demo(world) == {"decisions": 0, "linked_after": 0, "flags": 0}
    assert ReceptionDay.objects.count() == 2 and ConsistencyFlag.objects.count() == 1
