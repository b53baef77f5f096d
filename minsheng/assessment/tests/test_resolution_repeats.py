"""I-FIRST-RESOLVED / I-ONE-TIME-RESOLVED: what counts as a repeat of a concluded first-time item
("same petitioner, same matter within W days"). An accusation by the same person is another
matter — and counting it would tell the accused organ, through its own figure, that the
petitioner it answered has since accused someone (R-150)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.assessment.selectors import resolution_facts
from minsheng.workflow.tests.scenario_api import OPINION

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def test_an_accusation_by_the_same_person_is_not_a_repeat_of_the_grievance(
    register: Any, act: Any, organs: Any
) -> None:
    housing = organs["a-housing"]
    with time_machine.travel(at("2025-07-01"), tick=False) as clock:
        grievance = register(received_at=at("2025-07-01", 9))
        act(grievance, "forward", "dispatcher", organ_id=housing.pk)
        act(grievance, "receive", "caseworker")
        act(grievance, "accept", "caseworker")
        act(grievance, "start_handling", "caseworker", no_conflict_of_interest=True)
        clock.move_to(at("2025-07-20"))
        act(grievance, "conclude", "caseworker", **OPINION)
        act(grievance, "sign_opinion", "organ_head")
        clock.move_to(at("2025-08-01"))
        accusation = register(
            received_at=at("2025-08-01", 9),
            nature="accusation",
            accused_organ=housing,
            title="举报住建局某科长索要好处费",
            request="请求查处",
            existing_petitioner=grievance.petitioner,
        )
    assert not accusation.is_first_time

    def repeats() -> tuple[dt.date, ...]:
        facts = resolution_facts(
            housing.pk, dt.date(2025, 10, 1), dt.date(2025, 12, 31), 90, dt.date(2026, 1, 5)
        )
        (fact,) = [f for f in facts if f.item == grievance.pk]
        return fact.repeated_on

    assert repeats() == ()
    with time_machine.travel(at("2025-09-01"), tick=False):
        register(received_at=at("2025-09-01", 9), existing_petitioner=grievance.petitioner)
    assert repeats() == (dt.date(2025, 9, 1),)
