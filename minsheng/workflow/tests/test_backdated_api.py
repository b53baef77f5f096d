"""Acts recorded at the date they happened, through the HTTP API, as a records office enters them.

The office enters on 2025-12-15 a letter received on 2025-09-01, forwarded on 09-03, received by
the housing bureau on 09-05 and accepted on 09-10. Every clock runs from the act's own date, the
entry time and reason are kept in the event, and the sweep catches up at once. Expected dates:
``minsheng deadline D-HANDLE-60 --from 2025-09-10`` → nominal 2025-11-09 (a Sunday), statutory
2025-11-10; had the clock started at receipt (09-01) it would be 2025-10-31.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from minsheng.api.tests.auth import api_token as _token
from minsheng.petitions.models import Petition
from minsheng.workflow.models import Deadline, PetitionEvent, SupervisionOrder

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
ENTERED = dt.datetime(2025, 12, 15, 10, 0, tzinfo=TZ)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(ENTERED, tick=False) as traveller:
        yield traveller


def _act(client: Client, who: str, pk: int, action: str, **data: Any) -> Any:
    return client.post(
        f"/api/v1/petitions/{pk}/actions/{action}",
        json.dumps(data),
        content_type="application/json",
        **_token(client, who),
    )


def _register_letter(client: Client) -> int:
    response = client.post(
        "/api/v1/petitions",
        {
            "channel": "letter",
            "received_at": "2025-09-01T09:00:00+08:00",
            "title": "小区旁工地夜间施工噪音扰民",
            "request": "请求责令工地停止夜间施工",
            "facts": "工地连续一个月在夜间十一点后施工。",
            "petitioner": {"name": "李四", "phone": "13800138000", "address": "A市A3区幸福小区3栋"},
        },
        content_type="application/json",
        **_token(client, "registrar"),
    )
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _deadline(pk: int, rule: str) -> Deadline:
    return Deadline.objects.exclude(status="cancelled").get(petition_id=pk, rule=rule)


def _accepted_on_0910(client: Client, organs: Any) -> int:
    pk = _register_letter(client)
    reason = "纸质件补录"
    for who, action, day, extra in (
        ("dispatcher", "forward", "2025-09-03", {"organ_id": organs["a-housing"].pk}),
        ("caseworker", "receive", "2025-09-05", {}),
        ("caseworker", "accept", "2025-09-10T15:00:00+08:00", {}),
    ):
        response = _act(client, who, pk, action, occurred_at=day, late_reason=reason, **extra)
        assert response.status_code == 200, (action, response.content)
    return pk


def test_back_dated_acceptance_starts_the_sixty_days_at_acceptance(
    world: Any, organs: Any, client: Client, frozen: Any
) -> None:
    pk = _accepted_on_0910(client, organs)
    handle = _deadline(pk, "D-HANDLE-60")
    assert handle.start == dt.date(2025, 9, 10)
    assert (handle.nominal_due, handle.statutory_due) == (dt.date(2025, 11, 9), dt.date(2025, 11, 10))
    # the 60 days run from acceptance, before any investigation started (Art. 34)
    assert Petition.objects.get(pk=pk).state == "accepted"
    # entered on 12-15: already breached, and the sweep caught up at once
    assert handle.status == "breached"
    assert Petition.objects.get(pk=pk).has_overdue is True
    notice = Deadline.objects.get(petition_id=pk, rule="D-NOTICE-15")
    assert notice.start == dt.date(2025, 9, 5)
    assert (notice.nominal_due, notice.statutory_due) == (dt.date(2025, 9, 20), dt.date(2025, 9, 22))
    # breached by the catch-up sweep after the receipt was entered, then met in time by the
    # acceptance entered next: a met deadline, not a late one, and no 督办 left for it
    assert notice.status == "met" and notice.met_late is False
    assert not SupervisionOrder.objects.filter(petition_id=pk, deadline_rule="D-NOTICE-15").exists()
    bureau = Deadline.objects.get(petition_id=pk, rule="D-BUREAU-15")
    assert bureau.status == "met" and bureau.met_late is False  # forwarded on 09-03, due 09-16


def test_the_event_keeps_the_act_date_the_entry_time_and_the_reason(
    world: Any, organs: Any, client: Client, frozen: Any
) -> None:
    pk = _accepted_on_0910(client, organs)
    event = PetitionEvent.objects.get(petition_id=pk, action="accept")
    assert event.occurred_at == dt.datetime(2025, 9, 10, 15, 0, tzinfo=TZ)
    assert event.data["entered_at"].startswith("2025-12-15T")
    assert event.data["late_entry"] is True and event.data["late_reason"] == "纸质件补录"
    detail = client.get(f"/api/v1/petitions/{pk}", **_token(client, "caseworker")).json()
    assert dt.datetime.fromisoformat(detail["accepted_at"].replace("Z", "+00:00")) == dt.datetime(
        2025, 9, 10, 15, 0, tzinfo=TZ
    )


@pytest.mark.parametrize(
    ("occurred_at", "late_reason", "field"),
    [
        ("2025-12-16", "x", "occurred_at"),  # in the future
        ("2025-09-04", "x", "occurred_at"),  # before receipt by the organ (09-05)
        ("2025-02-30", "x", "occurred_at"),  # no such date
        ("2025-09-10", "", "late_reason"),  # entered months later without a reason
    ],
)
def test_impossible_act_dates_are_refused_and_change_nothing(
    world: Any, organs: Any, client: Client, frozen: Any, occurred_at: str, late_reason: str, field: str
) -> None:
    pk = _register_letter(client)
    reason = "纸质件补录"
    _act(
        client,
        "dispatcher",
        pk,
        "forward",
        organ_id=organs["a-housing"].pk,
        occurred_at="2025-09-03",
        late_reason=reason,
    )
    _act(client, "caseworker", pk, "receive", occurred_at="2025-09-05", late_reason=reason)
    events = PetitionEvent.objects.filter(petition_id=pk).count()
    response = _act(client, "caseworker", pk, "accept", occurred_at=occurred_at, late_reason=late_reason)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert PetitionEvent.objects.filter(petition_id=pk).count() == events
    assert Petition.objects.get(pk=pk).state == "organ_received"
    assert not Deadline.objects.filter(petition_id=pk, rule="D-HANDLE-60").exists()


def test_back_dated_opinion_and_delivery_open_the_review_window_from_delivery(
    world: Any, organs: Any, client: Client, frozen: Any
) -> None:
    pk = _accepted_on_0910(client, organs)
    reason = "纸质件补录"
    steps = (
        ("start_handling", "2025-09-12", {"no_conflict_of_interest": True}),
        (
            "conclude",
            "2025-11-05",
            {
                "outcome": "support",
                "facts_and_reasons": "经现场核实，工地确有夜间施工。",
                "opinion": "责令停止夜间施工。",
                "legal_basis": "噪声污染防治法",
            },
        ),
        ("sign_opinion", "2025-11-05", {}),
    )
    for action, day, extra in steps:
        who = "organ_head" if action == "sign_opinion" else "caseworker"
        response = _act(client, who, pk, action, occurred_at=day, late_reason=reason, **extra)
        assert response.status_code == 200, (action, response.content)
    handle = Deadline.objects.get(petition_id=pk, rule="D-HANDLE-60")
    assert handle.status == "met" and handle.met_late is False  # concluded 11-05, due 11-10
    response = _act(
        client,
        "caseworker",
        pk,
        "deliver",
        occurred_at="2025-11-20",
        late_reason=reason,
        method="in_person",
        delivered_on="2025-11-20",
    )
    assert response.status_code == 200, response.content
    window = Deadline.objects.get(petition_id=pk, rule="D-REVIEW-REQ-30")
    assert window.start == dt.date(2025, 11, 20)
    assert (window.nominal_due, window.statutory_due) == (dt.date(2025, 12, 20), dt.date(2025, 12, 22))
    assert window.status == "open"


def test_clock_does_not_start_at_receipt(world: Any, organs: Any, client: Client, frozen: Any) -> None:
    """The mutation the issue names: had the clock started at receipt, the due date would be 10-31."""
    pk = _accepted_on_0910(client, organs)
    assert _deadline(pk, "D-HANDLE-60").statutory_due != dt.date(2025, 10, 31)
