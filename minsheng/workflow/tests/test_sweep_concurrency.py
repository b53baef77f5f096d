"""Two workers sweeping at the same moment mark each deadline once (PostgreSQL: real concurrency)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from minsheng.workflow.models import Deadline, PetitionEvent, SupervisionOrder
from minsheng.workflow.sweeps import deadlines_sweep


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_mark_once(register, act, organs):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (CI runs the suite on it)")
    petitions = []
    for _ in range(6):
        petition = register()
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        petitions.append(petition)
    past = timezone.localdate() - dt.timedelta(days=2)
    Deadline.objects.filter(rule="D-NOTICE-15").update(
        start=past - dt.timedelta(days=15), nominal_due=past, statutory_due=past, is_provisional=False
    )
    results = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            results.append(deadlines_sweep())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.breached for r in results) == 6
    assert SupervisionOrder.objects.filter(trigger="notice_overdue").count() == 6
    assert PetitionEvent.objects.filter(action="deadline_breached").count() == 6
