"""The read-replica router's decisions (docs/adr/0018): the pure rules, the router inside and outside
a replica context, the middleware's pins (signed cookie, per-token and per-user timestamps in the
shared cache) and the lag probe's cache. No second database is needed: the router is called
directly, the lag is injected."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from minsheng.core import replica
from minsheng.core import replica_policy as policy
from minsheng.orgs.models import ApiToken
from minsheng.petitions.models import Petition

CFG = policy.ReplicaConfig(
    max_lag_seconds=5,
    pin_seconds=15,
    lag_check_seconds=1,
    paths=("/workbench/dashboard/",),
    search_paths=("/api/v1/petitions",),
)


# --- pure rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query", "eligible"),
    [
        ("GET", "/workbench/dashboard/", [], True),
        ("HEAD", "/workbench/dashboard/?x", [], True),
        ("POST", "/workbench/dashboard/", [], False),  # never an unsafe method
        ("GET", "/workbench/petitions/1/", [], False),
        ("GET", "/api/v1/petitions", ["q"], True),  # a search
        ("GET", "/api/v1/petitions", ["state"], False),  # a list right after an intake is not
        ("DELETE", "/api/v1/petitions", ["q"], False),
    ],
)
def test_eligible_requests(method: str, path: str, query: list[str], eligible: bool) -> None:
    assert policy.path_is_eligible(method, path, query, CFG) is eligible


def test_pin_window_must_cover_lag_bound_and_probe_interval() -> None:
    with pytest.raises(ValueError, match="pin window"):
        policy.ReplicaConfig(max_lag_seconds=5, lag_check_seconds=1, pin_seconds=5.5)
    assert policy.ReplicaConfig(max_lag_seconds=5, lag_check_seconds=1, pin_seconds=6).pin_seconds == 6


@pytest.mark.parametrize(
    ("pinned", "lag", "allowed"),
    [
        (False, 0.0, True),
        (False, 5.0, True),
        (False, 5.01, False),  # beyond the bound: the primary
        (False, None, False),  # unknown lag: the primary
        (False, float("inf"), False),
        (True, 0.0, False),  # the client wrote recently: the primary
    ],
)
def test_request_may_use_replica(pinned: bool, lag: float | None, allowed: bool) -> None:
    assert (
        policy.request_may_use_replica(eligible=True, pinned=pinned, lag_seconds=lag, config=CFG) is allowed
    )
    assert not policy.request_may_use_replica(eligible=False, pinned=pinned, lag_seconds=lag, config=CFG)


def test_pins() -> None:
    assert not policy.is_pinned([None, None], 100.0)
    assert policy.is_pinned([None, 100.5], 100.0)
    assert not policy.is_pinned([99.9], 100.0)
    assert policy.pin_until(100.0, CFG) == 115.0


@pytest.mark.parametrize(
    ("kwargs", "target"),
    [
        ({}, policy.REPLICA),
        ({"replica_allowed": False}, policy.PRIMARY),
        ({"wrote": True}, policy.PRIMARY),  # a read after a write in the same context
        ({"in_primary_transaction": True}, policy.PRIMARY),
        ({"model_label": "orgs.apitoken", "app_label": "orgs"}, policy.PRIMARY),  # revocations at once
        ({"model_label": "sessions.session", "app_label": "sessions"}, policy.PRIMARY),
        ({"model_label": "axes.accessattempt", "app_label": "axes"}, policy.PRIMARY),
        ({"model_label": "orgs.staffmembership", "app_label": "orgs"}, policy.PRIMARY),
    ],
)
def test_read_target(kwargs: dict[str, Any], target: str) -> None:
    base: dict[str, Any] = {
        "replica_allowed": True,
        "wrote": False,
        "in_primary_transaction": False,
        "model_label": "petitions.petition",
        "app_label": "petitions",
    }
    assert policy.read_target(**{**base, **kwargs}) == target


# --- the router ------------------------------------------------------------------------------------


def test_router_reads_primary_outside_a_replica_context() -> None:
    router = replica.ReplicaRouter()
    assert router.db_for_read(Petition) == "default"
    assert router.db_for_write(Petition) == "default"


def test_router_in_a_replica_context_until_the_first_write() -> None:
    router = replica.ReplicaRouter()
    with replica.replica_reads(allowed=True) as state:
        assert router.db_for_read(Petition) == "replica"
        assert router.db_for_read(ApiToken) == "default"
        assert router.db_for_write(ApiToken) == "default"  # a token's last use: not the client's write
        assert router.db_for_read(Petition) == "replica"
        assert router.db_for_write(Petition) == "default"
        assert router.db_for_read(Petition) == "default"  # read-your-writes within the context
        assert state.replica_reads == 2
        with replica.primary_reads():
            assert router.db_for_read(Petition) == "default"
    assert router.db_for_read(Petition) == "default"


def test_router_context_not_allowed_reads_primary() -> None:
    with replica.replica_reads(allowed=False):
        assert replica.ReplicaRouter().db_for_read(Petition) == "default"


def test_router_migrates_only_the_primary() -> None:
    router = replica.ReplicaRouter()
    assert router.allow_migrate("default", "petitions")
    assert not router.allow_migrate("replica", "petitions")


# --- the lag probe ---------------------------------------------------------------------------------


@override_settings(MINSHENG_REPLICA_LAG_CHECK_SECONDS=1)
def test_lag_is_probed_at_most_once_per_interval_and_ages() -> None:
    replica.forget_lag()
    calls: list[str] = []
    now = [100.0]

    def probe(alias: str) -> float | None:
        calls.append(alias)
        return 0.5

    assert replica.replica_lag_seconds(clock=lambda: now[0], probe=probe) == 0.5
    now[0] = 100.4
    assert replica.replica_lag_seconds(clock=lambda: now[0], probe=probe) == pytest.approx(0.9)
    assert len(calls) == 1
    now[0] = 101.2
    assert replica.replica_lag_seconds(clock=lambda: now[0], probe=probe) == 0.5
    assert len(calls) == 2
    replica.forget_lag()


# --- the middleware --------------------------------------------------------------------------------

SETTINGS = {
    "MINSHENG_REPLICA_PATHS": ["/workbench/dashboard/"],
    "MINSHENG_REPLICA_SEARCH_PATHS": ["/api/v1/petitions"],
    "MINSHENG_REPLICA_MAX_LAG_SECONDS": 5,
    "MINSHENG_REPLICA_PIN_SECONDS": 15,
    "MINSHENG_REPLICA_LAG_CHECK_SECONDS": 1,
}


@pytest.fixture
def lag(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float | None]]:
    value: list[float | None] = [0.0]
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda *a, **k: value[0])
    cache.clear()
    yield value
    cache.clear()


def reading_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(replica.ReplicaRouter().db_for_read(Petition))


def writing_view(request: HttpRequest) -> HttpResponse:
    replica.ReplicaRouter().db_for_write(Petition)
    return HttpResponse(replica.ReplicaRouter().db_for_read(Petition))


class Anonymous:
    is_authenticated = False


class Staff:
    is_authenticated = True
    pk = 42


def call(view: Any, request: HttpRequest, user: Any = None) -> HttpResponse:
    request.user = user or Anonymous()  # type: ignore[assignment]
    return replica.ReplicaMiddleware(view)(request)


@override_settings(**SETTINGS)
def test_dashboard_read_goes_to_the_replica(lag: list[float | None]) -> None:
    response = call(reading_view, RequestFactory().get("/workbench/dashboard/"))
    assert response.content == b"replica"
    assert response[replica.READ_FROM_HEADER] == "replica"
    assert replica.PIN_COOKIE not in response.cookies


@override_settings(**SETTINGS)
def test_lagging_replica_falls_back_to_the_primary(lag: list[float | None]) -> None:
    lag[0] = 6.0
    response = call(reading_view, RequestFactory().get("/workbench/dashboard/"))
    assert response.content == b"default" and response[replica.READ_FROM_HEADER] == "primary"
    lag[0] = None  # could not be measured
    assert call(reading_view, RequestFactory().get("/workbench/dashboard/")).content == b"default"


@override_settings(**SETTINGS)
def test_other_pages_never_read_the_replica(lag: list[float | None]) -> None:
    response = call(reading_view, RequestFactory().get("/workbench/petitions/7/"))
    assert response.content == b"default"
    assert replica.READ_FROM_HEADER not in response


@override_settings(**SETTINGS)
def test_browser_write_pins_the_browser_by_signed_cookie(lag: list[float | None]) -> None:
    factory = RequestFactory()
    posted = call(writing_view, factory.post("/workbench/register/visit/"))
    cookie = posted.cookies[replica.PIN_COOKIE]
    assert int(cookie["max-age"]) >= 15 and cookie["httponly"]
    request = factory.get("/workbench/dashboard/")
    request.COOKIES[replica.PIN_COOKIE] = cookie.value
    assert call(reading_view, request).content == b"default"  # reads its own write
    forged = factory.get("/workbench/dashboard/")
    forged.COOKIES[replica.PIN_COOKIE] = "9999999999.0"  # unsigned: ignored
    assert call(reading_view, forged).content == b"replica"


@override_settings(**SETTINGS)
def test_api_write_pins_the_token_on_every_server(lag: list[float | None]) -> None:
    factory = RequestFactory()
    call(writing_view, factory.post("/api/v1/petitions", HTTP_AUTHORIZATION="Bearer tok-A"))
    # Another app server: no cookie, same shared cache.
    same = factory.get("/api/v1/petitions", {"q": "路灯"}, HTTP_AUTHORIZATION="Bearer tok-A")
    assert call(reading_view, same).content == b"default"
    other = factory.get("/api/v1/petitions", {"q": "路灯"}, HTTP_AUTHORIZATION="Bearer tok-B")
    assert call(reading_view, other).content == b"replica"


@override_settings(**SETTINGS)
def test_a_write_pins_the_user_in_every_session(lag: list[float | None]) -> None:
    factory = RequestFactory()
    call(writing_view, factory.post("/workbench/petition/1/act/accept/"), Staff())
    assert call(reading_view, factory.get("/workbench/dashboard/"), Staff()).content == b"default"
    assert call(reading_view, factory.get("/workbench/dashboard/"), Anonymous()).content == b"replica"


@override_settings(**SETTINGS)
def test_a_write_during_an_eligible_request_moves_its_later_reads(lag: list[float | None]) -> None:
    response = call(writing_view, RequestFactory().get("/workbench/dashboard/"))
    assert response.content == b"default"
    assert replica.PIN_COOKIE in response.cookies  # and pins the client


@override_settings(**SETTINGS)
def test_pin_expires(lag: list[float | None], monkeypatch: pytest.MonkeyPatch) -> None:
    factory = RequestFactory()
    clock = [1_000_000.0]
    monkeypatch.setattr(replica.time, "time", lambda: clock[0])
    call(writing_view, factory.post("/x/", HTTP_AUTHORIZATION="Bearer tok-C"))
    request = lambda: factory.get("/workbench/dashboard/", HTTP_AUTHORIZATION="Bearer tok-C")  # noqa: E731
    clock[0] += 14.9
    assert call(reading_view, request()).content == b"default"
    clock[0] += 0.2
    assert call(reading_view, request()).content == b"replica"


def test_without_replica_url_there_is_one_database_and_no_router() -> None:
    code = (
        "from django.conf import settings; import django; django.setup();"
        "print(sorted(settings.DATABASES), settings.DATABASE_ROUTERS,"
        "'minsheng.core.replica.ReplicaMiddleware' in settings.MIDDLEWARE)"
    )
    env_base = {k: v for k, v in __import__("os").environ.items() if k != "DATABASE_REPLICA_URL"}
    env_base["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env_base, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['default'] [] False"
    with_replica = {**env_base, "DATABASE_REPLICA_URL": "postgres://u@127.0.0.1:1/x"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=with_replica, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['default', 'replica'] ['minsheng.core.replica.ReplicaRouter'] True"
