"""Per-process caches of small reference tables without a database query per request.

A cached value (the holiday calendar, the routing world, the gazetteer, ...) depends on a few
tables. Every save or delete of a row of them bumps a version number in the shared cache
(Redis in production, so every process and server sees it), at once and again after the commit
(a process that rebuilt between the two from the not yet committed state rebuilds again). A
process compares the version, one cache read, before using its copy; the tables themselves are
fingerprinted (count and largest key, one aggregate per table) only when the version moved or at
most every ``RECHECK_SECONDS`` seconds, which catches the changes that send no signal (a
queryset ``update``, a bulk load, another deployment writing the same database).

Before issue 14 every registration paid 8 such aggregate queries (docs/figures.md, "Scale").
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

RECHECK_SECONDS = 30.0
PREFIX = "minsheng:tables:"

# The organ tree and its references (organs, responsibilities, regions, categories): the routing
# world, the gazetteer and the category ids are cached under this group (minsheng.intelligence).
REFERENCE_TABLES = "reference"

_connected: set[tuple[str, type[Model]]] = set()


def version(group: str) -> int:
    """The current version of a group of tables (0 before any change was seen)."""
    value = cache.get(PREFIX + group, 0)
    return int(value) if isinstance(value, int) else 0


def bump(group: str) -> None:
    """Mark every cached copy of ``group`` as stale in every process."""
    try:
        cache.incr(PREFIX + group)
    except ValueError:
        cache.set(PREFIX + group, 1, None)


def bump_now_and_after_commit(group: str) -> None:
    """``bump`` now and again after the commit: what a save signal does, for a write that sends
    none (``bulk_create``, ``bulk_update``)."""
    bump(group)
    transaction.on_commit(lambda: bump(group))


def bump_on_change(group: str, models: Iterable[type[Model]]) -> None:
    """Bump ``group`` whenever a row of one of ``models`` is saved or deleted (idempotent)."""
    for model in models:
        if (group, model) in _connected:
            continue
        _connected.add((group, model))

        def receiver(sender: Any, _group: str = group, **kwargs: Any) -> None:
            bump_now_and_after_commit(_group)

        uid = f"freshness:{group}:{model._meta.label}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ":delete")


class Checked:
    """When a process last fingerprinted a group: ``due(version)`` says whether to look again."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.at = 0.0

    def due(self, current: int) -> bool:
        return self.version != current or time.monotonic() - self.at >= RECHECK_SECONDS

    def done(self, current: int) -> None:
        self.version, self.at = current, time.monotonic()

    def reset(self) -> None:
        self.version, self.at = None, 0.0
