"""The worklist's pages and its ``next_due``: a page read in two steps is exactly the slice of the
ordered list, with every annotation; and ``next_due`` is one definition for the list and the
detail (open deadlines and breached ones not yet met)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.test import Client

from minsheng.api.tests.auth import api_token
from minsheng.petitions.models import FLAGS
from minsheng.petitions.selectors import PagedRows, page_rows, petition_list
from minsheng.workflow.models import Deadline


def test_a_page_is_the_slice_of_the_ordered_list_with_its_annotations(
    register: Any, act: Any, organs: Any, users: Any
) -> None:
    petitions = [register(title=f"第{i}件：小区噪音扰民") for i in range(7)]
    act(petitions[2], "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    Deadline.objects.filter(petition=petitions[4]).update(status="breached")  # now overdue: first
    petitions[5].__class__.objects.filter(pk=petitions[5].pk).update(is_urgent=True)  # urgent: first of all
    qs = petition_list(users["dispatcher"])
    expected = list(qs)
    assert expected[0].pk == petitions[5].pk and expected[1].pk == petitions[4].pk
    for start, stop in ((0, 3), (2, 6), (5, 50), (7, 9), (3, 3)):
        rows = page_rows(qs, start, stop)
        assert [p.pk for p in rows] == [p.pk for p in expected[start:stop]]
        for got, want in zip(rows, expected[start:stop], strict=True):
            assert got.next_due == want.next_due  # type: ignore[attr-defined]
            assert all(getattr(got, flag) == getattr(want, flag) for flag in FLAGS)
    page = Paginator(PagedRows(qs), 3).get_page(2)  # type: ignore[arg-type]
    assert page.paginator.count == 7 and [p.pk for p in page.object_list] == [p.pk for p in expected[3:6]]


def test_next_due_is_the_same_in_the_list_and_in_the_detail(
    client: Client, register: Any, act: Any, organs: Any
) -> None:
    petition = register()  # D-BUREAU-15 runs
    open_due = Deadline.objects.filter(petition=petition, status="open").order_by("statutory_due").first()
    assert open_due is not None
    # A deadline breached and not yet met, earlier than the open one: it is what is due next.
    earlier = open_due.statutory_due - dt.timedelta(days=3)
    Deadline.objects.filter(pk=open_due.pk).update(
        status="breached",
        statutory_due=earlier,
        nominal_due=min(open_due.nominal_due, earlier),
        is_provisional=False,
    )
    auth = api_token(client, "dispatcher")
    listed = {r["id"]: r for r in client.get("/api/v1/petitions", **auth).json()["results"]}
    detail = client.get(f"/api/v1/petitions/{petition.pk}", **auth).json()
    assert listed[petition.pk]["next_due"] == detail["next_due"]
    assert (
        detail["next_due"]
        == min(
            d.statutory_due
            for d in Deadline.objects.filter(petition=petition, status__in=["open", "breached"])
        ).isoformat()
    )
    # Met, it no longer counts in either.
    Deadline.objects.filter(pk=open_due.pk).update(met_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    listed = {r["id"]: r for r in client.get("/api/v1/petitions", **auth).json()["results"]}
    detail = client.get(f"/api/v1/petitions/{petition.pk}", **auth).json()
    assert listed[petition.pk]["next_due"] == detail["next_due"] != earlier.isoformat()
