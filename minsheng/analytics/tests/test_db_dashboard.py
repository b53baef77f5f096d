"""The analyst dashboard at /workbench/analytics/: permissions, de-identification, downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.analytics.models import AlertSubscription
from minsheng.analytics.tests.test_db_selectors import NAMES, PHONES, build_fixture
from minsheng.analytics.tests.test_db_spikes import spike_world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def period() -> str:
    today = timezone.localdate()
    return f"from={(today - dt.timedelta(days=13)).isoformat()}&to={today.isoformat()}"


def test_allowed_roles(world, users):
    for username in ("analyst", "leader", "supervisor", "admin"):
        response = client_for(users[username]).get(reverse("workbench:analytics"))
        assert response.status_code == 200, username
        assert "研判分析" in response.content.decode()


def test_other_roles_forbidden(world, users):
    for username in ("registrar", "dispatcher", "caseworker", "organ_head"):
        client = client_for(users[username])
        assert client.get(reverse("workbench:analytics")).status_code == 403, username
        assert client.get(reverse("workbench:analytics_petitions")).status_code == 403
        assert client.get(reverse("workbench:analytics_report", args=["pdf"])).status_code == 403
        assert client.post(reverse("workbench:analytics_subscribe")).status_code == 403


def test_anonymous_redirected_to_login(world):
    response = Client().get(reverse("workbench:analytics"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_dashboard_and_drill_down_show_no_personal_data(register, act, organs, users):
    fx = build_fixture(register, act, organs)
    client = client_for(users["analyst"])
    page = client.get(reverse("workbench:analytics") + "?" + period()).content.decode()
    drill = client.get(reverse("workbench:analytics_petitions") + "?" + period()).content.decode()
    for html in (page, drill):
        for secret in [*NAMES, *PHONES, "13912345678", "110101199003074514"]:
            assert secret not in html
    assert "幸福小区" in page  # the hot issue
    assert fx["petitions"][1].tracking_code in drill
    codes = ",".join(p.tracking_code for p in fx["petitions"][3:5])
    only = client.get(
        reverse("workbench:analytics_petitions") + f"?{period()}&codes={codes}"
    ).content.decode()
    assert fx["petitions"][3].tracking_code in only and fx["petitions"][0].tracking_code not in only


def test_report_downloads(world, users):
    client = client_for(users["leader"])
    for fmt, content_type in (
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        response = client.get(reverse("workbench:analytics_report", args=[fmt]))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert f".{fmt}" in response["Content-Disposition"]
    assert client.get(reverse("workbench:analytics_report", args=["html"])).status_code == 404


def test_subscribe_from_alert_list_and_unsubscribe(spike_world, users):  # noqa: F811
    # the list shows the spikes of the period computed as the alert worker computes them
    category, region = spike_world["category"], spike_world["region"]
    client = client_for(users["analyst"])
    page = client.get(reverse("workbench:analytics")).content.decode()
    assert "城乡建设 · A3区" in page and "订阅" in page
    response = client.post(
        reverse("workbench:analytics_subscribe"),
        {"category": category.pk, "region": region.pk, "channel": "in_app", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("workbench:analytics")
    sub = AlertSubscription.objects.get(user=users["analyst"])
    assert (sub.category, sub.region, sub.channel) == (category, region, "in_app")
    assert "已订阅" in client.get(reverse("workbench:analytics")).content.decode()
    # Someone else cannot remove it.
    other = client_for(users["leader"])
    assert other.post(reverse("workbench:analytics_unsubscribe", args=[sub.pk])).status_code == 404
    client.post(reverse("workbench:analytics_unsubscribe", args=[sub.pk]))
    assert not AlertSubscription.objects.exists()


def test_unknown_filters_fall_back_and_malformed_ones_answer_400(world, users):
    client = client_for(users["analyst"])
    # A future end date is clamped to today, an unknown region or category is ignored ...
    response = client.get(reverse("workbench:analytics") + "?to=2999-01-01&category=999999&region=nope")
    assert response.status_code == 200
    # ... but a date or id that cannot be one is a bad link: 400 naming the parameter.
    for query in ("from=junk", "category=x"):
        response = client.get(reverse("workbench:analytics") + "?" + query)
        assert response.status_code == 400 and query.split("=")[0] in response.content.decode()
