"""Capacity under concurrent bookings: twelve threads book a day with three places at once, each
in its own connection and transaction. Exactly three bookings succeed and the others are told the
day is full; the counter and the rows agree. Run on PostgreSQL (DATABASE_URL); on SQLite the single
writer serialises the same statements."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from minsheng.core.errors import InvalidInput
from minsheng.reception import services as rs
from minsheng.reception.models import Appointment, ReceptionDay
from minsheng.reception.tests.test_services import _day


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_concurrent_bookings_never_exceed_capacity(transactional_db: Any, world: Any) -> None:
    import time_machine

    from minsheng.reception.tests.test_services import at

    day = _day(world, "2026-03-06", capacity=3)
    barrier = threading.Barrier(12)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(i: int) -> None:
        try:
            barrier.wait()
            rs.appointment_book(
                day.pk,
                name=f"群众{i}",
                phone=f"1390000{i:04d}",
                summary="小区停车难问题反映",
                phone_verified=True,
            )
            result = "ok"
        except InvalidInput as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    with time_machine.travel(at("2026-03-03"), tick=True):
        threads = [threading.Thread(target=book, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(outcomes) == ["full"] * 9 + ["ok"] * 3
    assert ReceptionDay.objects.get(pk=day.pk).booked == 3
    assert Appointment.objects.filter(day=day).count() == 3
