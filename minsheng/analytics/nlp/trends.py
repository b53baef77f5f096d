"""Weekly trends per (category × region) and spike detection with a controlled false-alarm rate.

Series: :func:`weekly_counts` counts messages per ISO week (weeks start on Monday) for every key
(by default ``(category, region)``), with zero weeks filled in, over one common week range.

Test (:func:`detect_spikes`): for each series, the count ``x`` of the tested week is compared with
the sum ``b`` of the ``baseline_weeks`` weeks just before it. If the weekly counts are independent
Poisson with one common rate (no spike), then given the total ``t = x + b`` the tested week's count
is Binomial(t, 1 / (baseline_weeks + 1)). The one-sided p-value is the upper tail
``P(X ≥ x | t)`` of that binomial: the *conditional exact test* for comparing two Poisson rates. It
needs no estimate of the unknown rate, so its false-alarm probability is at most ``alpha`` for
every rate (it is conservative because the distribution is discrete). Across series the p-values are
corrected with Benjamini–Hochberg (the default; false discovery rate ≤ alpha, and probability of any
false alarm ≤ alpha when no series has a spike) or Bonferroni (probability of any false alarm ≤ alpha
always). Weeks with fewer than ``min_count`` messages are never reported.

Pure module: no Django.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from scipy.stats import binom

from .entities import clean, primary_region
from .records import Message

Correction = Literal["bh", "bonferroni", "none"]


@dataclass(frozen=True, slots=True)
class WeeklySeries:
    """Counts per week; ``counts[i]`` is the week starting ``first_week + 7·i days`` (a Monday)."""

    key: Hashable
    first_week: date
    counts: tuple[int, ...]

    def week(self, index: int) -> date:
        return self.first_week + timedelta(days=7 * index)


@dataclass(frozen=True, slots=True)
class Spike:
    """A week whose count is significantly above the series' recent baseline."""

    key: Hashable
    week: date
    count: int
    baseline_mean: float
    ratio: float
    p_value: float
    adjusted_p: float


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def default_key(message: Message) -> tuple[str, str]:
    """``(category, region)``: the message's 一级分类 (or "未分类") and the region code of its title/text."""
    region = primary_region(clean(message.title)) or primary_region(clean(message.text[:150]))
    return (message.category or "未分类", region or "未知")


def weekly_counts(
    records: Iterable[Message],
    *,
    key: Callable[[Message], Hashable] = default_key,
    first_week: date | None = None,
    last_week: date | None = None,
) -> dict[Hashable, WeeklySeries]:
    """Weekly counts for every key over one common range of weeks (zero weeks included)."""
    return series_from_counts(
        partial_counts([(key(m), m.day) for m in records]), first_week=first_week, last_week=last_week
    )


def partial_counts(items: Iterable[tuple[Hashable, date]]) -> dict[tuple[Hashable, date], int]:
    """Counts per (key, week) of (key, day) items: the map step of the weekly series. Counts of
    parts of the items add up to the counts of all of them (:func:`merge_counts`)."""
    out: dict[tuple[Hashable, date], int] = defaultdict(int)
    for k, day in items:
        out[(k, week_start(day))] += 1
    return dict(out)


def merge_counts(parts: Iterable[Mapping[tuple[Hashable, date], int]]) -> dict[tuple[Hashable, date], int]:
    """The sum of partial counts (the merge step)."""
    out: dict[tuple[Hashable, date], int] = defaultdict(int)
    for part in parts:
        for k, c in part.items():
            out[k] += c
    return dict(out)


def series_from_counts(
    counts: Mapping[tuple[Hashable, date], int],
    *,
    first_week: date | None = None,
    last_week: date | None = None,
) -> dict[Hashable, WeeklySeries]:
    """Weekly series from counts per (key, week), over one common range of weeks."""
    per_key: dict[Hashable, dict[date, int]] = defaultdict(dict)
    for (k, w), c in counts.items():
        if c:
            per_key[k][w] = c
    weeks = {w for (_k, w), c in counts.items() if c}
    if not weeks:
        return {}
    lo = week_start(first_week) if first_week else min(weeks)
    hi = week_start(last_week) if last_week else max(weeks)
    n_weeks = (hi - lo).days // 7 + 1
    out: dict[Hashable, WeeklySeries] = {}
    for k in sorted(per_key, key=repr):
        by_week = per_key[k]
        out[k] = WeeklySeries(
            key=k,
            first_week=lo,
            counts=tuple(by_week.get(lo + timedelta(days=7 * i), 0) for i in range(n_weeks)),
        )
    return out


def spike_p_value(count: int, baseline: Sequence[int]) -> float:
    """One-sided conditional exact p-value of ``count`` against the equal-rate baseline weeks."""
    k = len(baseline)
    if k == 0:
        raise ValueError("empty baseline")
    total = count + int(sum(baseline))
    if count <= 0:
        return 1.0
    return float(binom.sf(count - 1, total, 1.0 / (k + 1)))


def adjust(p_values: Sequence[float], correction: Correction) -> list[float]:
    """Multiple-testing adjusted p-values (Benjamini–Hochberg step-up, Bonferroni, or none)."""
    p = np.asarray(p_values, dtype=float)
    m = p.shape[0]
    if m == 0 or correction == "none":
        return p.tolist()
    if correction == "bonferroni":
        return np.minimum(p * m, 1.0).tolist()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    return out.tolist()


def detect_spikes(
    series: Mapping[Hashable, WeeklySeries] | Sequence[WeeklySeries],
    *,
    alpha: float = 0.01,
    baseline_weeks: int = 8,
    min_count: int = 5,
    week_index: int = -1,
    correction: Correction = "bh",
) -> list[Spike]:
    """Spikes in week ``week_index`` (default: the last week) of each series, strongest first.

    Every series needs ``baseline_weeks`` weeks before the tested week; shorter ones are skipped.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if baseline_weeks < 1:
        raise ValueError("baseline_weeks must be >= 1")
    items = list(series.values()) if isinstance(series, Mapping) else list(series)
    tested: list[tuple[WeeklySeries, int, int, list[int]]] = []
    for s in items:
        idx = week_index if week_index >= 0 else len(s.counts) + week_index
        if idx < baseline_weeks or idx >= len(s.counts):
            continue
        tested.append((s, idx, s.counts[idx], list(s.counts[idx - baseline_weeks : idx])))
    # The same test as spike_p_value, vectorised over the series.
    counts = np.fromiter((t[2] for t in tested), dtype=np.int64, count=len(tested))
    totals = counts + np.fromiter((sum(t[3]) for t in tested), dtype=np.int64, count=len(tested))
    p_values = np.where(counts > 0, binom.sf(counts - 1, totals, 1.0 / (baseline_weeks + 1)), 1.0)
    adjusted = adjust(p_values.tolist(), correction)
    spikes: list[Spike] = []
    for (s, idx, count, baseline), p, q in zip(tested, p_values.tolist(), adjusted, strict=True):
        if q <= alpha and count >= min_count:
            mean = sum(baseline) / len(baseline)
            spikes.append(
                Spike(
                    key=s.key,
                    week=s.week(idx),
                    count=count,
                    baseline_mean=round(mean, 3),
                    ratio=round(count / mean, 3) if mean > 0 else float("inf"),
                    p_value=p,
                    adjusted_p=q,
                )
            )
    spikes.sort(key=lambda sp: (sp.adjusted_p, -sp.count, repr(sp.key)))
    return spikes


def scan_spikes(
    series: Mapping[Hashable, WeeklySeries] | Sequence[WeeklySeries],
    *,
    alpha: float = 0.01,
    baseline_weeks: int = 8,
    min_count: int = 5,
    correction: Correction = "bh",
) -> list[Spike]:
    """:func:`detect_spikes` run on every week that has a full baseline (a history of alarms).

    The correction is applied within each week (as a weekly monitor would), not across weeks.
    """
    items = list(series.values()) if isinstance(series, Mapping) else list(series)
    n_weeks = max((len(s.counts) for s in items), default=0)
    out: list[Spike] = []
    for idx in range(baseline_weeks, n_weeks):
        out.extend(
            detect_spikes(
                items,
                alpha=alpha,
                baseline_weeks=baseline_weeks,
                min_count=min_count,
                week_index=idx,
                correction=correction,
            )
        )
    out.sort(key=lambda sp: (sp.week, sp.adjusted_p, repr(sp.key)))
    return out
