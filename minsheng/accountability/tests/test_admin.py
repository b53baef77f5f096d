"""The admin pages for portfolios and veto events save through the services: audited, an overlapping
总责 refused on the form, a portfolio only ended afterwards, veto events never edited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from minsheng.accountability.models import AuditEntry, Leader, Portfolio, VetoEvent
from minsheng.accountability.services import portfolio_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(users: Any) -> Client:
    client = Client()
    client.force_login(users["admin"])
    return client


def test_portfolio_admin_adds_ends_and_refuses_overlaps(web: Client, organs: Any) -> None:
    housing = organs["a-housing"]
    first = Leader.objects.create(name="赵一")
    second = Leader.objects.create(name="钱二")
    portfolio_assign(organ=housing, leader=first, role="chief", valid_from=dt.date(2025, 1, 1))
    form = {
        "organ": housing.pk,
        "leader": second.pk,
        "role": "chief",
        "title": "局长",
        "valid_from": "2025-06-01",
    }
    r = web.post("/admin/accountability/portfolio/add/", form)
    assert r.status_code == 200 and "已由 赵一 负总责，与所设期间重叠" in r.content.decode()
    assert Portfolio.objects.count() == 1
    chief = Portfolio.objects.get()
    r = web.post(
        f"/admin/accountability/portfolio/{chief.pk}/change/", {"valid_to": "2025-05-31", "end_reason": ""}
    )
    assert r.status_code == 200 and Portfolio.objects.get().valid_to is None  # a reason is required
    r = web.post(
        f"/admin/accountability/portfolio/{chief.pk}/change/",
        {"valid_to": "2025-05-31", "end_reason": "调任"},
    )
    assert r.status_code == 302 and Portfolio.objects.get(pk=chief.pk).valid_to == dt.date(2025, 5, 31)
    r = web.post("/admin/accountability/portfolio/add/", form)
    assert r.status_code == 302
    new = Portfolio.objects.get(leader=second)
    assert (new.valid_from, new.created_by.username) == (dt.date(2025, 6, 1), "admin")
    assert list(AuditEntry.objects.values_list("action", "actor__username")) == [
        ("portfolio_assign", None),
        ("portfolio_end", "admin"),
        ("portfolio_assign", "admin"),
    ]
    assert web.post(f"/admin/accountability/portfolio/{new.pk}/delete/", {"post": "yes"}).status_code == 403


def test_veto_admin_records_through_the_service(web: Client, organs: Any) -> None:
    r = web.post(
        "/admin/accountability/vetoevent/add/",
        {
            "organ": organs["a-hrss"].pk,
            "period_from": "2025-01-01",
            "period_to": "2025-12-31",
            "ground": "mass_incident",
            "evidence": "2025-05-04 集体访处置不力，事态扩大",
        },
    )
    # V-46-3 requires 造成严重后果: the form says so, nothing is recorded
    assert r.status_code == 200 and "请写明造成的严重后果" in r.content.decode()
    assert not VetoEvent.objects.exists()
    r = web.post(
        "/admin/accountability/vetoevent/add/",
        {
            "organ": organs["a-hrss"].pk,
            "period_from": "2025-01-01",
            "period_to": "2025-12-31",
            "ground": "mass_incident",
            "evidence": "2025-05-04 集体访处置不力，事态扩大",
            "serious_consequence": "二百余人聚集市政府门前，堵塞交通四小时",
        },
    )
    assert r.status_code == 302
    event = VetoEvent.objects.get()
    assert event.decided_by.username == "admin" and AuditEntry.objects.get().action == "veto_recorded"
    page = web.get(f"/admin/accountability/vetoevent/{event.pk}/change/")
    assert page.status_code == 200 and 'name="evidence"' not in page.content.decode()  # read-only


def test_veto_admin_refuses_on_the_form_what_the_service_refuses(web: Client, organs: Any) -> None:
    """Every rule of veto_check is a field error on the form (a span over one assessment year, a
    period not yet begun reached the service and answered 500)."""
    base = {
        "organ": organs["a-hrss"].pk,
        "ground": "accountability",
        "evidence": "信访工作责任追究决定书",
    }
    for dates, words in (
        (("2024-01-01", "2025-12-31"), "一票否决的期间不能超过一个考核年度"),
        (("2099-01-01", "2099-12-31"), "不能对尚未开始的期间记录一票否决"),
    ):
        r = web.post(
            "/admin/accountability/vetoevent/add/", {**base, "period_from": dates[0], "period_to": dates[1]}
        )
        assert r.status_code == 200 and words in r.content.decode()
    assert not VetoEvent.objects.exists()
