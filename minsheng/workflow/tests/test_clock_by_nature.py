"""Art. 34's 60 days are the clock of a grievance handled by the ordinary route (rules.yaml
D-HANDLE-60 "第三十一条第六项事项办结期限"). An accusation is handled under the discipline bodies'
rules (Art. 30; rules.yaml categories.accusation.clock), a 涉法涉诉 matter goes to the
political-legal organs (R-022: "No 信访 60-day clock starts"): accepting or handling them opens no
D-HANDLE-60, so no Art. 34 breach, no automatic 督办 and no 按期办结率 item comes of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from minsheng.orgs.models import Role, StaffMembership
from minsheng.workflow.models import Deadline, SupervisionOrder
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db


def _at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


@pytest.mark.parametrize(
    ("nature", "clock"),
    [("grievance", True), ("accusation", False), ("litigation_related", False)],
)
def test_only_a_grievance_gets_the_sixty_days(
    register: Any, act: Any, organs: Any, world: Any, nature: str, clock: bool
) -> None:
    gov = organs["a-gov"]
    clerk = get_user_model().objects.create_user("gov_clerk", password="test-password-123")
    StaffMembership.objects.create(user=clerk, organ=gov, role=Role.CASEWORKER)
    StaffMembership.objects.create(user=clerk, organ=gov, role=Role.REGISTRAR)
    world.users["gov_clerk"] = clerk
    extra: dict[str, Any] = {"nature": nature}
    if nature == "accusation":
        extra.update(
            accused_organ=organs["a-housing"], title="举报住建局某科长索要好处费", request="请求查处"
        )
    with time_machine.travel(_at("2026-08-03"), tick=False) as clock_:
        if nature == "litigation_related":
            # received by the government itself (a letter the bureau would have routed to the
            # political-legal organs cannot be forwarded to it, test_statute_routing_review)
            petition = register(received_at=_at("2026-08-03", 9), receiving_organ=gov, actor=clerk, **extra)
        else:
            petition = register(received_at=_at("2026-08-03", 9), **extra)
            act(petition, "forward", "dispatcher", organ_id=gov.pk)
            act(petition, "receive", "gov_clerk")
        act(petition, "accept", "gov_clerk")
        act(petition, "start_handling", "gov_clerk", no_conflict_of_interest=True)
        rows = Deadline.objects.filter(petition=petition, rule="D-HANDLE-60")
        assert rows.exists() is clock
        if clock:  # 10-02 falls in 国庆 2026: rolled over to 10-08
            assert (rows.get().nominal_due, rows.get().statutory_due) == (
                dt.date(2026, 10, 2),
                dt.date(2026, 10, 8),
            )
        clock_.move_to(_at("2026-10-09", 0))
        deadlines_sweep(_at("2026-10-09", 0))
    orders = SupervisionOrder.objects.filter(petition=petition, deadline_rule="D-HANDLE-60")
    assert orders.exists() is clock
