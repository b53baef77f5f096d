"""/metrics: Prometheus text with request counts and latencies per route pattern and the
operational gauges (issue 14); only loopback, listed addresses or the bearer token see it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from prometheus_client import REGISTRY

from minsheng.workflow.models import Deadline
from minsheng.workflow.monitoring import operational_gauges

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_per_route_pattern_and_timed(client: Client) -> None:
    before = sample("minsheng_http_requests_total", method="GET", route="/healthz", status="200")
    timed = sample("minsheng_http_request_duration_seconds_count", method="GET", route="/healthz")
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert sample("minsheng_http_requests_total", method="GET", route="/healthz", status="200") == before + 3
    assert sample("minsheng_http_request_duration_seconds_count", method="GET", route="/healthz") == timed + 3
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert f'minsheng_http_requests_total{{method="GET",route="/healthz",status="200"}} {before + 3}' in text
    assert "# TYPE minsheng_sweep_lag_seconds gauge" in text


def test_a_tracking_code_never_becomes_a_label(client: Client) -> None:
    client.get("/api/v1/petitions/123456")
    labels = {s.labels.get("route") for m in REGISTRY.collect() for s in m.samples if "route" in s.labels}
    assert "/api/v1/petitions/123456" not in labels
    assert any(label and "<" in label for label in labels)  # the pattern, e.g. petitions/<int:...>


def test_only_allowed_clients_see_metrics(client: Client) -> None:
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 404
    with override_settings(MINSHENG_METRICS_ALLOW=["203.0.113.9"]):
        assert client.get("/metrics", **outside).status_code == 200
    with override_settings(MINSHENG_METRICS_TOKEN="s3cret-scrape-token"):
        assert (
            client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", **outside).status_code
            == 200
        )
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 404
    # Behind a local reverse proxy every request comes from 127.0.0.1: the recorded client counts.
    with override_settings(MINSHENG_TRUSTED_PROXIES=1):
        proxied = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
        assert client.get("/metrics", **proxied).status_code == 404


def test_operational_gauges_at_a_fixed_date(register: Any) -> None:
    with time_machine.travel(dt.datetime(2025, 9, 30, 10, 0, tzinfo=TZ), tick=False):
        petition = register(received_at=dt.datetime(2025, 9, 30, 9, 0, tzinfo=TZ))
    deadline = Deadline.objects.get(petition=petition, status=Deadline.Status.OPEN)
    assert (deadline.rule, deadline.statutory_due) == ("D-BUREAU-15", dt.date(2025, 10, 15))
    # Two days and two hours after the day it fell due, no sweep has run.
    later = dt.datetime(2025, 10, 18, 2, 0, tzinfo=TZ)
    gauges = operational_gauges(later)
    assert gauges.deadlines_open == 1
    assert gauges.deadlines_overdue == 0
    assert gauges.sweep_lag_seconds == 2 * 86400 + 2 * 3600
    # The registration notice to the petitioner waits in the outbox since 2025-09-30 10:00.
    assert gauges.outbox_pending == {"sms": 1}
    assert gauges.outbox_oldest_pending_seconds == 17 * 86400 + 16 * 3600
    assert gauges.tasks_ready == 0
