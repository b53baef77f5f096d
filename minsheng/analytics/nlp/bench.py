"""Benchmark of :func:`find_hot_issues` on N synthetic messages made from the real TipDM ones.

``python -m minsheng.analytics.nlp.bench --n 100000`` (or ``minsheng bench-hot-issues --n 100000``);
``--dask-workers 2`` also runs it on a local Dask cluster and compares (docs/figures.md).

How the synthetic corpus is made (deterministic, seed 20200108): the 3,793 vendored messages are
templates. ``N // 3`` *matters* are drawn, each a (template, world) pair; each message picks a matter
with a skewed distribution (a few matters get many messages, most get one or two, as in real hot
issue data). Within a world every named place of the template gets a different first characters
and every region code a different letter/number, so that a large corpus has many distinct places
rather than the same 3,793 places repeated; every message then gets a random petitioner, a day in
a two-year span and a small random edit of its title. Texts are cut to 300 characters (the
algorithm reads the first 150).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import time
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from .entities import _CODE_REGION_RE, _SUFFIXES, anchors, clean
from .evaluate import load_tipdm_corpus
from .hotspots import find_hot_issues
from .records import Message
from .trends import scan_spikes, weekly_counts

SEED = 20200108
# Characters used to rename places (common in Chinese place names).
_NAME_CHARS = (
    "安宝北碧长城春翠大德东芳丰凤福富港高光广桂海和河红宏华环黄惠吉佳嘉建江金锦景九康兰蓝丽莲"
    "林龙隆鹿绿美明南宁平浦青清庆瑞山上盛石顺泰天田万旺文西祥新鑫兴秀雅阳怡银永玉裕园远月云泽中竹紫"
)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _stable(*parts: object) -> int:
    return zlib.crc32("\x1f".join(map(str, parts)).encode("utf-8"))


def _rename(name: str, world: int) -> str:
    suffix = next((s for s in _SUFFIXES if name.endswith(s)), "")
    stem = name[: len(name) - len(suffix)]
    if not stem:
        return name
    h = _stable(name, world)
    a = _NAME_CHARS[h % len(_NAME_CHARS)]
    b = _NAME_CHARS[(h // len(_NAME_CHARS)) % len(_NAME_CHARS)]
    new_stem = (a + b + stem[2:]) if len(stem) >= 3 else (a + stem[1:])
    return new_stem + suffix


def _rename_regions(text: str, world: int) -> str:
    def sub(m: re.Match[str]) -> str:
        letter = _LETTERS[(_LETTERS.index(m.group(1)) + world) % 26]
        number = m.group(2)
        if number:
            number = str((int(number) + world // 26) % 30 + 1)
        return f"{letter}{number}{m.group(3)}"

    return _CODE_REGION_RE.sub(sub, text)


def synthetic_messages(n: int, *, seed: int = SEED, base: Sequence[Message] | None = None) -> list[Message]:
    """``n`` deterministic synthetic messages (see the module docstring)."""
    templates = list(base) if base is not None else load_tipdm_corpus()
    rng = random.Random(seed)
    n_matters = max(1, n // 3)
    matters = [(rng.randrange(len(templates)), w) for w in range(n_matters)]
    start = date(2018, 1, 1)
    matter_day = [rng.randrange(700) for _ in range(n_matters)]
    users = max(1, n // 2)
    names_cache: dict[int, list[str]] = {}
    out: list[Message] = []
    for i in range(n):
        # Skewed choice: u**3 puts a third of the messages on ~4% of the matters.
        k = int(n_matters * rng.random() ** 3)
        t_idx, world = matters[k]
        tpl = templates[t_idx]
        title, text = clean(tpl.title), clean(tpl.text[:300])
        if t_idx not in names_cache:
            names_cache[t_idx] = sorted(
                set(anchors(title)) | set(anchors(text[:150])), key=lambda s: (-len(s), s)
            )
        for name in names_cache[t_idx]:
            new = _rename(name, world)
            title = title.replace(name, new)
            text = text.replace(name, new)
        title = _rename_regions(title, world)
        text = _rename_regions(text, world)
        if len(title) > 6 and rng.random() < 0.5:
            cut = rng.randrange(len(title))
            title = title[:cut] + title[cut + 1 :]
        day = start + timedelta(days=matter_day[k] + int(rng.expovariate(1 / 20)))
        out.append(
            replace(
                tpl,
                id=i,
                user=f"S{rng.randrange(users)}",
                title=title,
                text=text,
                day=day,
                likes=rng.choice((0, 0, 0, 1, 2, 5)),
                dislikes=rng.choice((0, 0, 0, 0, 1)),
            )
        )
    return out


def run(n: int, top: int = 20) -> dict[str, float]:
    t0 = time.perf_counter()
    records = synthetic_messages(n)
    t_gen = time.perf_counter() - t0
    generated_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    c0 = time.process_time()
    issues = find_hot_issues(records, top=top, timings=timings)
    t_run = time.perf_counter() - t0
    c_run = time.process_time() - c0
    # The weekly trends and spike scan over the same corpus (category x primary region).
    t0 = time.perf_counter()
    series = weekly_counts(records)
    spikes = scan_spikes(series)
    t_trends = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = [h.size for h in issues]
    figures = {
        "n": float(n),
        "generate_s": round(t_gen, 2),
        "generated_peak_mb": round(generated_mb, 1),
        "find_hot_issues_s": round(t_run, 2),
        "find_hot_issues_cpu_s": round(c_run, 2),
        **{k if k == "pairs" or k.endswith("_mb") else f"{k}_s": round(v, 2) for k, v in timings.items()},
        "trends_s": round(t_trends, 2),
        "trend_series": float(len(series)),
        "spikes": float(len(spikes)),
        "max_rss_mb": round(rss_mb, 2),
        "top_group_size": float(max(sizes, default=0)),
    }
    return figures


def report(n: int, top: int = 20) -> dict[str, object]:
    """The benchmark as one JSON-able object: the figure (hot issues + trends over N messages),
    its limits (issue 14: 10 minutes and 4 GB at 1,000,000), the peak memory of the whole process
    (the generated input included), a baseline measured in the same run — one character-bigram
    TF-IDF pass over the same texts, the least any lexical grouping of them costs — and the
    machine and its load."""
    import os
    import platform

    from .vectors import bigram_tfidf

    figures = run(n, top)
    records = synthetic_messages(n)
    t0 = time.perf_counter()
    bigram_tfidf([f"{m.title} {m.text[:150]}" for m in records])
    baseline_s = time.perf_counter() - t0
    figure_s = figures["find_hot_issues_s"] + figures["trends_s"]
    return {
        "bench": "hot-issues",
        "n": n,
        "figure_seconds": round(figure_s, 2),
        "limit_seconds": 600 if n >= 1_000_000 else None,
        "peak_rss_mb": figures["max_rss_mb"],
        "limit_mb": 4096 if n >= 1_000_000 else None,
        "baseline": "one character-bigram TF-IDF pass over the same texts (title + first 150 characters)",
        "baseline_seconds": round(baseline_s, 4),
        "ratio": round(figure_s / baseline_s, 1) if baseline_s else None,
        "figures": figures,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
    }


def run_dask(n: int, top: int = 20, workers: int = 2, scheduler: str | None = None) -> dict[str, float]:
    """The same corpus on one process and on a Dask cluster (a LocalCluster of ``workers``
    processes, or the scheduler at ``scheduler``), partitioned by region and month; the results must
    be equal (``equal`` = 1)."""
    import distributed

    from .entities import primary_region
    from .runner import DaskRunner, partition_positions

    records = synthetic_messages(n)
    partitions = partition_positions(
        [(primary_region(clean(m.title)) or "", m.day.strftime("%Y-%m")) for m in records]
    )
    t0 = time.perf_counter()
    single_timings: dict[str, float] = {}
    single = find_hot_issues(records, top=top, timings=single_timings)
    t_single = time.perf_counter() - t0
    cluster = None
    if scheduler is None:
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
    client = distributed.Client(scheduler or cluster, set_as_default=False)
    try:
        runner = DaskRunner(client=client)
        runner.map(len, [[0]] * workers)  # workers warm (imports), not timed
        t0 = time.perf_counter()
        dask_timings: dict[str, float] = {}
        on_dask = find_hot_issues(
            records, top=top, timings=dask_timings, runner=runner, partitions=partitions
        )
        t_dask = time.perf_counter() - t0
        n_workers = len(client.scheduler_info()["workers"])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {
        "n": float(n),
        "partitions": float(len(partitions)),
        "dask_workers": float(n_workers),
        "single_s": round(t_single, 2),
        "single_features_s": round(single_timings["features"], 2),
        "dask_s": round(t_dask, 2),
        "dask_features_s": round(dask_timings["features"], 2),
        "dask_features_cpu_s": round(dask_timings["features_cpu"], 2),
        "equal": float([h.as_dict() for h in single] == [h.as_dict() for h in on_dask]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="number of synthetic messages")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument(
        "--dask-workers", type=int, default=0, help="also run on a LocalCluster of this many processes"
    )
    parser.add_argument("--dask-scheduler", default=None, help="or on the Dask scheduler at this address")
    args = parser.parse_args(argv)
    if args.dask_workers or args.dask_scheduler:
        figures = run_dask(args.n, args.top, args.dask_workers or 2, args.dask_scheduler)
        print(" ".join(f"{k}={v:g}" for k, v in figures.items()))  # noqa: T201
        return 0
    print(json.dumps(report(args.n, args.top), ensure_ascii=False))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
