"""The demo world of the tests (``orgs.testing``): copied back from the rows of the first build, it
must be exactly what a build gives, and it must build whenever the tables are not as they were."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from minsheng.orgs import testing
from minsheng.orgs.demo import DemoWorld, build_demo_world
from minsheng.orgs.models import Organ, Region

PASSWORD = "test-password-123"


def _rows() -> dict[str, list[dict[str, Any]]]:
    """The world's rows; a user's ``date_joined`` is when the world was made, so it is left out."""
    return {
        label: [
            {key: value for key, value in row.items() if key != "date_joined"}
            for row in model._default_manager.order_by("pk").values()
        ]
        for label, model in zip(testing.WORLD_MODELS, testing._models(), strict=True)
    }


def _shape(world: DemoWorld) -> tuple[Any, ...]:
    return (
        world.city.pk,
        world.bureau.pk,
        [(code, organ.pk, organ.parent_id, organ.head_id) for code, organ in world.organs.items()],
        [(name, user.pk, user.password) for name, user in world.users.items()],
    )


def _counting_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def counted(**kwargs: Any) -> DemoWorld:
        calls.append("build")
        return build_demo_world(**kwargs)

    monkeypatch.setattr(testing, "build_demo_world", counted)
    return calls


def _restart_sequences() -> None:
    """Restart the world's id sequences at 1 (PostgreSQL; SQLite's follow the largest id)."""
    from django.core.management.color import no_style
    from django.db import connection

    tables = {model._meta.db_table for model in testing._models()}
    sequences = [seq for seq in connection.introspection.sequence_list() if seq["table"] in tables]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)


def _in_savepoint(make: Any) -> tuple[Any, dict[str, list[dict[str, Any]]]]:
    sid = transaction.savepoint()
    try:
        world = make()
        return _shape(world), _rows()
    finally:
        transaction.savepoint_rollback(sid)


@pytest.mark.django_db
def test_the_restored_world_is_row_for_row_what_a_build_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "_snapshot", None)
    built_shape, built_rows = _in_savepoint(lambda: testing.demo_world_for_test(PASSWORD))  # builds
    assert testing._snapshot is not None
    restored: list[DemoWorld] = []

    def restore() -> DemoWorld:
        world = testing.demo_world_for_test(PASSWORD)
        restored.append(world)
        return world

    calls = _counting_builds(monkeypatch)
    _restart_sequences()  # as a test with reset_sequences leaves them: the copy must move them on
    restored_shape, restored_rows = _in_savepoint(restore)
    assert calls == []  # copied back, not built
    assert restored_rows == built_rows
    assert restored_shape == built_shape
    assert (
        sum(len(rows) for rows in restored_rows.values()) > 900
    )  # 650 categories, 189 regions, 43 organs, …
    # The restored rows are real rows: a demo user signs in, organs hang in their tree.
    again = testing.demo_world_for_test(PASSWORD)
    assert calls == []
    assert again.users["registrar"].check_password(PASSWORD)
    assert again.organs["a-bureau"].parent == again.organs["a-gov"]
    assert Region.objects.get(code="439923").name == "A9市"
    # New rows after a restore get new ids (PostgreSQL's sequences continue past the copied ids).
    region = Region.objects.create(code="999999", name="新区", level=3, parent=again.city)
    assert region.pk > max(row["id"] for row in built_rows["orgs.Region"])
    organ = Organ.objects.create(
        code="x-new", name="新机构", short_name="新", kind=Organ.Kind.DEPARTMENT, level=3, region=region
    )
    assert organ.pk > max(row["id"] for row in built_rows["orgs.Organ"])
    user = get_user_model().objects.create(username="someone-new")
    assert user.pk > max(row["id"] for row in built_rows["auth.User"])


@pytest.mark.django_db
def test_tables_not_as_at_the_first_build_are_built_not_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing, "_snapshot", None)
    _in_savepoint(lambda: testing.demo_world_for_test(PASSWORD))  # the snapshot
    calls = _counting_builds(monkeypatch)
    # Another password: built, not copied with the first one's hashes.
    other = "other-password-456"
    _in_savepoint(lambda: testing.demo_world_for_test(other))
    assert calls == ["build"]
    # A row before the world: built around it.
    Region.objects.create(code="999999", name="先有的区", level=2)
    world = testing.demo_world_for_test(PASSWORD)
    assert calls == ["build", "build"]
    assert Region.objects.filter(code="999999").exists()
    assert world.city.code == "439900"
    assert world.users["registrar"].check_password(PASSWORD)


@pytest.mark.django_db
def test_the_copy_is_stamped_now_and_linked_like_a_build(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    import time_machine

    monkeypatch.setattr(testing, "_snapshot", None)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        _in_savepoint(lambda: testing.demo_world_for_test(PASSWORD))  # the first build, at a frozen time
    calls = _counting_builds(monkeypatch)
    world = testing.demo_world_for_test(PASSWORD)
    assert calls == []
    # A build stamps its users now, not when the copied build ran.
    assert world.users["registrar"].date_joined.date() != dt.date(2026, 3, 2)
    joined = get_user_model().objects.get(username="registrar").date_joined
    assert abs((joined - dt.datetime.now(dt.UTC)).total_seconds()) < 3600
    # The objects of the world are linked to each other as a build links them.
    organs = world.organs
    assert organs["a-bureau"].parent is organs["a-gov"]
    assert organs["a-gov"].region is world.city
    assert organs["a-gov"].review_organ is organs["xd-gov"]
    assert organs["a-bureau"].head is world.users["bureau_head"]
