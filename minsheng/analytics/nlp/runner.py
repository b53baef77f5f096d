"""Where the map step of an analytics job runs: in this process, or on a Dask cluster.

A runner has one method, ``map(fn, items) -> list`` (results in the order of ``items``). The jobs
(hot issues, weekly trends) split their input into partitions by region and period, map a pure
function over the partitions and merge the results in the calling process; the function and the
merge are the same whichever runner is used, so the result is too.

Pure module: no Django (the Dask workers import only this package's pure modules).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Runner(Protocol):
    def map(self, fn: Callable[[Any], R], items: Sequence[Any]) -> list[R]: ...


class LocalRunner:
    """Runs every partition here, one after the other."""

    name = "local"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]


class DaskRunner:
    """Runs the partitions as tasks on a dask.distributed cluster (``address``: its scheduler,
    e.g. ``tcp://10.0.0.5:8786``; or an existing ``distributed.Client``)."""

    name = "dask"

    def __init__(self, address: str | None = None, *, client: Any = None, timeout: float = 30) -> None:
        if client is None:
            from distributed import Client

            client = Client(address, timeout=timeout, set_as_default=False)
        self.client = client

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        # The partitions go to the workers first (scatter), so the task graph stays small; pure=False:
        # every partition is a task of its own, even when two hold equal data.
        data = self.client.scatter(list(items), hash=False)
        futures = self.client.map(fn, data, pure=False)
        try:
            return list(self.client.gather(futures))
        finally:
            self.client.cancel([*futures, *data])

    def close(self) -> None:
        self.client.close()


def partition_positions(keys: Sequence[tuple[str, str]]) -> list[list[int]]:
    """Positions grouped by partition key (region, period), partitions in key order, positions
    ascending: the partitions cover every position exactly once."""
    groups: dict[tuple[str, str], list[int]] = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    return [groups[k] for k in sorted(groups)]


#: Smallest number of items in one task: whole partitions are put together in key order until a task
#: holds at least this many (a district-month is often a few dozen petitions; one task per
#: partition would spend more time shipping than computing).
TASK_MIN_ITEMS = 5000


def coalesce(partitions: Sequence[Sequence[int]], min_items: int | None = None) -> list[list[int]]:
    """Consecutive whole partitions joined into tasks of at least ``min_items`` (default
    :data:`TASK_MIN_ITEMS`) positions (the last task may be smaller); no partition is split, none
    is left out."""
    limit = TASK_MIN_ITEMS if min_items is None else min_items
    tasks: list[list[int]] = []
    current: list[int] = []
    for idx in partitions:
        current.extend(idx)
        if len(current) >= limit:
            tasks.append(current)
            current = []
    if current or not tasks:
        tasks.append(current)
    return tasks
