"""``next_due`` (the worklist's order, the API's list and detail) is defined twice by necessity: as
a query condition (PENDING_DEADLINE, for the list's subquery) and over rows already read
(next_due_of, for a detail). Both must say the same for every kind of row: a deadline still to be
met is open, or breached and not yet met — never one met, waived, cancelled or a petitioner's
window that expired."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.petitions.selectors import PENDING_DEADLINE, next_due_of
from minsheng.workflow.models import Deadline

pytestmark = pytest.mark.django_db

PENDING = {("open", False), ("open", True), ("breached", False)}


def test_the_two_definitions_agree_on_every_kind_of_row(register: Any) -> None:
    petition = register()
    Deadline.objects.filter(petition=petition).delete()
    start = dt.date(2025, 3, 3)
    rows = []
    for n, status in enumerate(Deadline.Status.values):
        for met in (False, True):
            due = start + dt.timedelta(days=10 + 2 * n + met)
            rows.append(
                Deadline.objects.create(
                    petition=petition,
                    rule=f"D-TEST-{status}-{met}",
                    start=start,
                    nominal_due=due,
                    statutory_due=due,
                    status=status,
                    met_at=timezone.now() if met else None,
                )
            )
    selected = set(Deadline.objects.filter(PENDING_DEADLINE, petition=petition).values_list("pk", flat=True))
    for row in rows:
        expected = (row.status, row.met_at is not None) in PENDING
        assert (row.pk in selected) is expected, (row.status, row.met_at)
        assert (next_due_of([row]) == row.statutory_due) is expected, (row.status, row.met_at)
    assert next_due_of(rows) == min(
        r.statutory_due for r in rows if (r.status, r.met_at is not None) in PENDING
    )
