"""Test support: the demo world for a test, built once per process and then restored from its rows.

``build_demo_world`` writes about 1,000 rows through a few hundred statements (update-or-create,
savepoints, password hashing): for the thousand tests that start from the demo world that was a
third of the suite's time. The first call in a process builds it and keeps the rows it wrote; each
later call copies them back with one bulk insert per table, but only into tables that are empty
as at the first build (otherwise it builds as usual), so a test sees exactly what a build gives:
the same rows with the same ids, fresh model instances, and the reference caches marked stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connections, router, transaction
from django.utils import timezone

from minsheng.orgs.demo import DemoWorld, build_demo_world

# The tables the build writes, parents before children (foreign keys are checked at commit anyway).
WORLD_MODELS = (
    "orgs.Category",
    "orgs.Region",
    "auth.User",
    "orgs.Organ",
    "orgs.Responsibility",
    "orgs.StaffMembership",
)


@dataclass(frozen=True)
class _Snapshot:
    database: str  # the test database's name: a snapshot belongs to one
    password: str
    rows: dict[str, list[dict[str, Any]]]
    city_code: str
    bureau_code: str
    organ_codes: list[str]
    usernames: list[str]


_snapshot: _Snapshot | None = None


def _models() -> list[Any]:
    return [apps.get_model(label) for label in WORLD_MODELS]


def _database_name(model: Any) -> str:
    return str(connections[router.db_for_write(model)].settings_dict["NAME"])


def _all_empty(models: list[Any]) -> bool:
    return not any(model._default_manager.exists() for model in models)


def demo_world_for_test(password: str) -> DemoWorld:
    """The demo world in the current test's database (see the module's docstring)."""
    global _snapshot
    models = _models()
    database = _database_name(models[0])
    snapshot = _snapshot
    empty = _all_empty(models)
    if snapshot is not None and snapshot.database == database and snapshot.password == password and empty:
        return _restore(snapshot, models)
    world = build_demo_world(password=password)
    if empty:
        _snapshot = _Snapshot(
            database=database,
            password=password,
            rows={
                label: list(m._default_manager.order_by("pk").values())
                for label, m in zip(WORLD_MODELS, models, strict=True)
            },
            city_code=world.city.code,
            bureau_code=world.bureau.code,
            organ_codes=list(world.organs),
            usernames=list(world.users),
        )
    return world


@transaction.atomic
def _restore(snapshot: _Snapshot, models: list[Any]) -> DemoWorld:
    from minsheng.core import freshness
    from minsheng.orgs.models import Organ, Region

    now = timezone.now()  # a build stamps its users now (a test may run at a frozen time)
    for label, model in zip(WORLD_MODELS, models, strict=True):
        rows = snapshot.rows[label]
        if label == "auth.User":
            rows = [{**row, "date_joined": now} for row in rows]
        model._default_manager.bulk_create([model(**row) for row in rows])
    connection = connections[router.db_for_write(models[0])]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:  # PostgreSQL: the sequences continue after the ids copied back
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    freshness.bump_now_and_after_commit(freshness.REFERENCE_TABLES)  # bulk inserts send no signal
    organs = Organ.objects.in_bulk(snapshot.organ_codes, field_name="code")
    users = apps.get_model("auth.User")._default_manager.in_bulk(snapshot.usernames, field_name="username")
    city = Region.objects.get(code=snapshot.city_code)
    # A build links its objects to each other (an organ's parent is the organ of the world, not a
    # copy of it); so does the copy.
    organ_by_pk = {organ.pk: organ for organ in organs.values()}
    user_by_pk = {user.pk: user for user in users.values()}
    for organ in organs.values():
        if organ.parent_id in organ_by_pk:
            organ.parent = organ_by_pk[organ.parent_id]
        if organ.review_organ_id in organ_by_pk:
            organ.review_organ = organ_by_pk[organ.review_organ_id]
        if organ.head_id in user_by_pk:
            organ.head = user_by_pk[organ.head_id]
        if organ.region_id == city.pk:
            organ.region = city
    return DemoWorld(
        city=city,
        bureau=organs[snapshot.bureau_code],
        organs={code: organs[code] for code in snapshot.organ_codes},
        users={name: users[name] for name in snapshot.usernames},
    )
