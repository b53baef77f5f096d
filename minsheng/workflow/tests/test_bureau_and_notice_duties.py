"""Which duties run, and when they are met, at the bureau's triage and at an organ's receipt:
the bureau's 15 days (Art. 22(1)) and the 15-day written notice (Art. 23(2)–(4)). Fixed dates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.orgs.models import Role, StaffMembership
from minsheng.workflow.models import Deadline, PetitionEvent
from minsheng.workflow.sweeps import deadlines_sweep

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


def test_reporting_for_decision_meets_the_bureaus_fifteen_days(register: Any, act: Any) -> None:
    """Art. 22(1)(1): reporting a major item to the government for decision (2025-03-04) is how
    the bureau dealt with it within D-BUREAU-15 (03-03 + 15 = 03-18): met on time then, and no
    sweep after 03-18 breaches it."""
    with time_machine.travel(at("2025-03-03"), tick=False) as traveller:
        petition = register(received_at=at("2025-03-03", 9))
        traveller.move_to(at("2025-03-04"))
        act(petition, "report_for_decision", "bureau_head", note="涉及多部门，报请市政府决定")
        bureau = Deadline.objects.get(petition=petition, rule="D-BUREAU-15")
        assert (bureau.status, bureau.met_at, bureau.met_late) == ("met", at("2025-03-04"), False)
        assert bureau.statutory_due == dt.date(2025, 3, 18)
        traveller.move_to(at("2025-03-20"))
        deadlines_sweep()
        bureau.refresh_from_db()
        assert bureau.status == "met" and bureau.breached_at is None


def test_a_discipline_body_registering_directly_owes_no_fifteen_day_notice(
    register: Any, world: Any, organs: Any
) -> None:
    """Art. 23(4): the discipline route notifies by its own rules — D-NOTICE-15 is waived when the
    discipline commission registers an item it received itself, as when it receives one forwarded;
    an ordinary organ registering directly owes it (03-03 + 15 = 03-18)."""
    registrar = world.users["registrar"]
    for code in ("a-discipline", "a-housing"):
        StaffMembership.objects.get_or_create(user=registrar, organ=organs[code], role=Role.REGISTRAR)
    with time_machine.travel(at("2025-03-04"), tick=False):
        accusation = register(
            receiving_organ=organs["a-discipline"], nature="accusation", received_at=at("2025-03-03", 9)
        )
        ordinary = register(receiving_organ=organs["a-housing"], received_at=at("2025-03-03", 9))
    waived = Deadline.objects.get(petition=accusation, rule="D-NOTICE-15")
    assert waived.status == "waived"
    registered = PetitionEvent.objects.get(petition=accusation, action="register")
    assert registered.data["notice_waived"] == "own_rules"
    owed = Deadline.objects.get(petition=ordinary, rule="D-NOTICE-15")
    assert (owed.status, owed.statutory_due) == ("open", dt.date(2025, 3, 18))
    assert "notice_waived" not in PetitionEvent.objects.get(petition=ordinary, action="register").data
