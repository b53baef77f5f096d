"""API reads: reception days (masked appointments), major decisions (de-identified evidence) and
consistency flags; 404 outside the caller's organs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from minsheng.api.tests.auth import api_token as token
from minsheng.orgs.models import Region
from minsheng.reception import services as rs
from minsheng.reception.tests.test_services import _day, at
from minsheng.stability import services as ss

pytestmark = pytest.mark.django_db


def test_reception_days_and_decisions_read(world: Any, register: Any) -> None:
    day = _day(world, "2026-03-06")
    with time_machine.travel(at("2026-03-03"), tick=False):
        rs.appointment_book(
            day.pk, name="张三", phone="13900001111", summary="小区停车位被占用问题", phone_verified=True
        )
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    register(title="房屋征收补偿过低", request="请求提高补偿", region=district)
    decision = ss.decision_register(
        ss.DecisionInput(
            title="旧城改造房屋征收",
            kind="demolition",
            organ=world.organs["a-gov"],
            region=district,
            scope="征收住宅",
            planned_date=dt.date(2026, 12, 1),
            keywords=["征收"],
        ),
        actor=world.users["leader"],
    )
    client = Client()
    auth = token(client, "registrar")
    days = client.get("/api/v1/reception-days", **auth).json()
    assert [d["id"] for d in days] == [day.pk] and days[0]["booked"] == 1
    detail = client.get(f"/api/v1/reception-days/{day.pk}", **auth).json()
    assert detail["appointments"][0]["name_masked"] == "张*"
    assert detail["appointments"][0]["phone_masked"] == "139****1111"
    assert "13900001111" not in str(detail)
    leader = token(client, "leader")
    got = client.get(f"/api/v1/major-decisions/{decision.pk}", **leader).json()
    assert got["evidence"]["total"] == 1 and got["before_after"] is None
    assert "李四" not in str(got) and "13800138000" not in str(got)
    other = token(client, "hrss_caseworker")
    assert client.get(f"/api/v1/major-decisions/{decision.pk}", **other).status_code == 404
    assert client.get(f"/api/v1/reception-days/{day.pk}", **other).status_code == 404
    assert client.get("/api/v1/consistency-flags", **token(client, "supervisor")).json() == []
