"""The hot-issue and trend jobs on a Dask cluster (a LocalCluster of two worker processes) give
exactly the single-process result: the same per-(district, month) map step, merged here.

Small data: 1,500 synthetic petitions resampled from the vendored real texts (nlp.bench), spread
over districts and three years' months."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest

from minsheng.analytics.nlp import runner as runner_module
from minsheng.analytics.nlp.bench import synthetic_messages
from minsheng.analytics.nlp.entities import clean, primary_region
from minsheng.analytics.nlp.hotspots import cluster_messages, find_hot_issues
from minsheng.analytics.nlp.records import Message
from minsheng.analytics.nlp.runner import DaskRunner, LocalRunner, coalesce, partition_positions
from minsheng.analytics.nlp.trends import merge_counts, partial_counts, series_from_counts, weekly_counts
from minsheng.analytics.selectors import (
    PetitionRecord,
    hot_issue_dict,
    hot_issues_from_records,
    record_partitions,
    series_key_of,
    spikes_in_week,
    weekly_series,
)

distributed = pytest.importorskip("distributed")

N = 1500
DISTRICTS = [("439901", "A1区"), ("439902", "A2区"), ("439903", "A3区"), ("", "未知地区")]


@pytest.fixture(autouse=True)
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks of at least 100 petitions (production: 5,000), so that small data makes many tasks."""
    monkeypatch.setattr(runner_module, "TASK_MIN_ITEMS", 100)


@pytest.fixture(scope="module")
def dask_runner() -> Iterator[DaskRunner]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield DaskRunner(client=client)
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return synthetic_messages(N)


def region_partitions(messages: list[Message]) -> list[list[int]]:
    return partition_positions(
        [(primary_region(clean(m.title)) or "", m.day.strftime("%Y-%m")) for m in messages]
    )


def test_hot_issues_on_dask_equal_the_single_process_run(
    messages: list[Message], dask_runner: DaskRunner
) -> None:
    partitions = region_partitions(messages)
    assert len(partitions) > 20
    single = find_hot_issues(messages, top=30)
    with distributed.get_task_stream(dask_runner.client) as stream:
        on_dask = find_hot_issues(messages, top=30, runner=dask_runner, partitions=partitions)
    assert [h.as_dict() for h in on_dask] == [h.as_dict() for h in single]
    assert len(single) == 30 and single[0].size >= 5
    used = {task["worker"] for task in stream.data}
    assert len(used) == 2, f"the partitions ran on {len(used)} worker process(es)"
    # The clustering itself (every label, not only the top groups) is the same.
    a = cluster_messages(messages).labels
    b = cluster_messages(messages, runner=dask_runner, partitions=partitions).labels
    assert np.array_equal(a, b)


def test_tasks_hold_whole_partitions() -> None:
    partitions = [[0, 1], [2], [3, 4, 5], [6]]
    assert coalesce(partitions, 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert coalesce(partitions, 100) == [[0, 1, 2, 3, 4, 5, 6]]
    assert coalesce([], 3) == [[]]


def test_partitions_must_cover_every_message_once(messages: list[Message]) -> None:
    with pytest.raises(ValueError, match="exactly once"):
        cluster_messages(messages[:10], partitions=[[0, 1, 2], [2, 3, 4, 5, 6, 7, 8, 9]])


def test_weekly_counts_on_dask_equal_the_single_process_run(
    messages: list[Message], dask_runner: DaskRunner
) -> None:
    single = weekly_counts(messages)
    partitions = region_partitions(messages)
    from minsheng.analytics.nlp.trends import default_key

    items = [[(default_key(messages[i]), messages[i].day) for i in idx] for idx in partitions]
    merged = series_from_counts(merge_counts(dask_runner.map(partial_counts, items)))
    assert merged == single
    assert sum(sum(s.counts) for s in merged.values()) == N


def records_of(messages: list[Message]) -> list[PetitionRecord]:
    out = []
    for pk, m in enumerate(messages, start=1):
        code, name = DISTRICTS[pk % len(DISTRICTS)]
        out.append(
            PetitionRecord(
                pk=pk,
                tracking_code=str(m.id),
                message=dataclasses.replace(m, category=m.category or "城乡建设"),
                channel="online",
                category=m.category or "城乡建设",
                category_id=None,
                district=name,
                district_code=code,
                district_id=None,
                state="registered",
            )
        )
    return out


@pytest.mark.django_db
def test_the_jobs_on_dask_equal_the_single_process_run(
    messages: list[Message], dask_runner: DaskRunner
) -> None:
    records = records_of(messages)
    assert len(record_partitions(records)) > 20
    # Hot issues: the job's path (partitioned by district and month) on Dask, locally, and the plain
    # in-memory algorithm over all records at once.
    on_dask = hot_issues_from_records(records, top=25, runner=dask_runner)
    local = hot_issues_from_records(records, top=25, runner=LocalRunner())
    plain = [hot_issue_dict(h) for h in find_hot_issues([r.message for r in records], top=25)]
    assert on_dask == local == plain
    # Weekly series and the spikes of a week.
    series_dask = weekly_series(records, runner=dask_runner)
    keys = {r.tracking_code: series_key_of(r) for r in records}
    assert (
        series_dask
        == weekly_series(records)
        == weekly_counts([r.message for r in records], key=lambda m: keys[str(m.id)])
    )
    last = max(r.message.day for r in records) - timedelta(days=7)
    found = 0
    for week in (last, last - timedelta(days=70), last - timedelta(days=300)):
        spikes = spikes_in_week(records, week, runner=dask_runner, alpha=0.2, min_count=2)
        assert spikes == spikes_in_week(records, week, alpha=0.2, min_count=2)
        found += len(spikes)
    assert found >= 1
