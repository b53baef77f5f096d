"""Prometheus metrics (prometheus_client): HTTP requests and latencies per route, and the
operational gauges (task queue depth, outbox backlog, sweep lag, overdue deadlines) read from the
database when scraped. See docs/operations.md ("Metrics").

Under ``minsheng serve`` every gunicorn worker writes its counters to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set by the ``minsheng``
command before anything imports prometheus_client) and a scrape of any worker adds them up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "minsheng_http_requests",
    "HTTP requests answered, by method, route pattern and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "minsheng_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0, 5.0, 10.0),
)


def route_of(request: HttpRequest) -> str:
    """The URL pattern, not the path (bounded label values: no ids, no tracking codes)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return (
        "/" + str(match.route).lstrip("^").rstrip("$") if match.route else str(match.view_name or "unnamed")
    )


class MetricsMiddleware:
    """Outermost middleware: counts every request and observes its duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        if route != "/metrics":
            LATENCY.labels(request.method or "", route).observe(time.perf_counter() - started)
            REQUESTS.labels(request.method or "", route, str(response.status_code)).inc()
        return response


class OperationalCollector(Collector):
    """Gauges read from the database at scrape time (minsheng.workflow.monitoring)."""

    def collect(self) -> Iterator[Metric]:
        from minsheng.workflow.monitoring import operational_gauges

        g = operational_gauges()
        yield GaugeMetricFamily(
            "minsheng_task_queue_depth", "Queued background tasks not started", value=g.tasks_ready
        )
        backlog = GaugeMetricFamily(
            "minsheng_outbox_backlog", "Outbox messages not sent yet", labels=["channel"]
        )
        for channel in ("sms", "email", "in_app", "webhook"):
            backlog.add_metric([channel], g.outbox_pending.get(channel, 0))
        yield backlog
        yield GaugeMetricFamily(
            "minsheng_outbox_oldest_pending_seconds",
            "Age of the oldest outbox message not sent yet",
            value=g.outbox_oldest_pending_seconds,
        )
        yield GaugeMetricFamily(
            "minsheng_sweep_lag_seconds",
            "How long the oldest open deadline past its statutory due date has waited for the sweep",
            value=g.sweep_lag_seconds,
        )
        yield GaugeMetricFamily("minsheng_deadlines_open", "Open deadlines", value=g.deadlines_open)
        yield GaugeMetricFamily(
            "minsheng_deadlines_overdue", "Breached deadlines not met yet (超期)", value=g.deadlines_overdue
        )


def exposition() -> tuple[bytes, str]:
    """The text exposition of every process's counters plus the operational gauges."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(OperationalCollector())
        return generate_latest(registry), CONTENT_TYPE_LATEST
    registry.register(OperationalCollector())
    return generate_latest(REGISTRY) + generate_latest(registry), CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: drop a dead worker's live gauges (counters are kept)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def metrics_allowed(request: HttpRequest) -> bool:
    """The bearer token ``MINSHENG_METRICS_TOKEN``, or a client address that is loopback or listed
    in ``MINSHENG_METRICS_ALLOW`` (the address the throttles use: behind ``MINSHENG_TRUSTED_PROXIES``
    proxies, the one they recorded, so a local reverse proxy does not open it to everyone)."""
    import ipaddress

    from django.conf import settings
    from django.utils.crypto import constant_time_compare

    from minsheng.core.throttle import client_ip

    token = str(getattr(settings, "MINSHENG_METRICS_TOKEN", "") or "")
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if token and header.startswith("Bearer ") and constant_time_compare(header[7:], token):
        return True
    address = client_ip(request)
    if address in set(getattr(settings, "MINSHENG_METRICS_ALLOW", ()) or ()):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: Prometheus text format; 404 to anyone not allowed (docs/operations.md)."""
    from django.http import Http404

    if not metrics_allowed(request):
        raise Http404
    body, content_type = exposition()
    return HttpResponse(body, content_type=content_type)
