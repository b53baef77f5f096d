"""Spike detection: false-alarm rate by simulation on stationary Poisson series, and power."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from minsheng.analytics.nlp.records import Message
from minsheng.analytics.nlp.trends import (
    WeeklySeries,
    adjust,
    detect_spikes,
    scan_spikes,
    spike_p_value,
    week_start,
    weekly_counts,
)

MONDAY = date(2019, 1, 7)


def _series(rng: np.random.Generator, rates: np.ndarray, weeks: int) -> list[WeeklySeries]:
    return [
        WeeklySeries(key=i, first_week=MONDAY, counts=tuple(int(x) for x in rng.poisson(lam, size=weeks)))
        for i, lam in enumerate(rates)
    ]


def test_weekly_counts_fills_zero_weeks_and_keys() -> None:
    def msg(i: int, day: date, cat: str, title: str) -> Message:
        return Message(id=i, user="u", title=title, text="", day=day, category=cat)

    records = [
        msg(1, date(2019, 1, 7), "环境保护", "A2区工地噪音"),
        msg(2, date(2019, 1, 13), "环境保护", "A2区工地噪音"),
        msg(3, date(2019, 1, 28), "环境保护", "A2区工地噪音"),
        msg(4, date(2019, 1, 9), "教育文体", "B市学校"),
    ]
    series = weekly_counts(records)
    assert series[("环境保护", "A2区")].counts == (2, 0, 0, 1)
    assert series[("教育文体", "B市")].counts == (1, 0, 0, 0)
    assert series[("环境保护", "A2区")].week(3) == date(2019, 1, 28)
    assert week_start(date(2019, 1, 13)) == date(2019, 1, 7)


def test_p_value_and_corrections() -> None:
    # 20 against a baseline of eight weeks of 2 is extreme; 2 against 2 is not.
    assert spike_p_value(20, [2] * 8) < 1e-6
    assert spike_p_value(2, [2] * 8) > 0.3
    assert spike_p_value(0, [0] * 8) == 1.0
    assert adjust([0.01, 0.02, 0.5], "bonferroni") == pytest.approx([0.03, 0.06, 1.0])
    assert adjust([0.01, 0.02, 0.5], "bh") == pytest.approx([0.03, 0.03, 0.5])


def test_false_alarm_rate_on_stationary_poisson_series() -> None:
    """No series has a spike: the chance of any alarm in a week must stay below alpha (+ margin)."""
    rng = np.random.default_rng(12345)
    alpha, trials, n_series = 0.01, 600, 40
    any_alarm = 0
    single_alarms = 0
    for _ in range(trials):
        rates = rng.uniform(1.0, 20.0, size=n_series)
        series = _series(rng, rates, weeks=9)
        if detect_spikes(series, alpha=alpha, baseline_weeks=8, min_count=1):
            any_alarm += 1
        single_alarms += len(detect_spikes(series, alpha=alpha, min_count=1, correction="none"))
    family_rate = any_alarm / trials
    per_test_rate = single_alarms / (trials * n_series)
    print(f"family-wise false-alarm rate {family_rate:.4f}, per-series {per_test_rate:.4f} (alpha {alpha})")
    assert family_rate <= 2 * alpha
    assert per_test_rate <= 1.5 * alpha


def test_power_on_injected_spikes() -> None:
    rng = np.random.default_rng(777)
    trials, n_series, hits, injected = 200, 40, 0, 0
    for _ in range(trials):
        rates = rng.uniform(2.0, 10.0, size=n_series)
        series = _series(rng, rates, weeks=9)
        spiked = set(rng.choice(n_series, size=3, replace=False).tolist())
        for i in spiked:
            counts = list(series[i].counts)
            counts[-1] = int(rng.poisson(4 * rates[i])) + 5
            series[i] = WeeklySeries(key=i, first_week=MONDAY, counts=tuple(counts))
        found = {sp.key for sp in detect_spikes(series, alpha=0.01)}
        hits += len(found & spiked)
        injected += len(spiked)
    power = hits / injected
    print(f"power on 4x spikes: {power:.3f}")
    assert power >= 0.9


def test_scan_finds_the_spike_week() -> None:
    counts = [3, 2, 4, 3, 2, 3, 4, 3, 2, 3, 30, 3]
    series = [WeeklySeries(key="k", first_week=MONDAY, counts=tuple(counts))]
    spikes = scan_spikes(series)
    assert [(s.week, s.count) for s in spikes] == [(date(2019, 3, 18), 30)]
    assert detect_spikes(series) == []  # the last week is normal


def test_detect_spikes_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        detect_spikes([], alpha=0)
    with pytest.raises(ValueError):
        detect_spikes([], baseline_weeks=0)
