"""Reception duties (A-081) as pure rules: periods, verdicts and the settings' checks."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.reception import duties as d

D = dt.date


@pytest.mark.parametrize(
    ("day", "per", "start", "end", "label"),
    [
        (D(2026, 1, 1), "month", D(2026, 1, 1), D(2026, 1, 31), "2026-01"),
        (D(2028, 2, 29), "month", D(2028, 2, 1), D(2028, 2, 29), "2028-02"),
        (D(2026, 12, 31), "month", D(2026, 12, 1), D(2026, 12, 31), "2026-12"),
        (D(2026, 3, 31), "quarter", D(2026, 1, 1), D(2026, 3, 31), "2026-Q1"),
        (D(2026, 4, 1), "quarter", D(2026, 4, 1), D(2026, 6, 30), "2026-Q2"),
        (D(2026, 9, 30), "quarter", D(2026, 7, 1), D(2026, 9, 30), "2026-Q3"),
        (D(2026, 10, 1), "quarter", D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
        (D(2026, 6, 15), "year", D(2026, 1, 1), D(2026, 12, 31), "2026"),
    ],
)
def test_period_of(day: dt.date, per: str, start: dt.date, end: dt.date, label: str) -> None:
    assert d.period_of(day, per) == d.Period(start, end, label)


def test_periods_between_are_whole_and_contiguous() -> None:
    quarters = d.periods_between(D(2026, 2, 10), D(2026, 7, 1), "quarter")
    assert [p.label for p in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    months = d.periods_between(D(2025, 12, 31), D(2026, 1, 1), "month")
    assert [(p.start, p.end) for p in months] == [
        (D(2025, 12, 1), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2026, 1, 31)),
    ]
    assert [p.label for p in d.periods_between(D(2026, 5, 5), D(2026, 5, 5), "month")] == ["2026-05"]
    with pytest.raises(d.DutyError):
        d.periods_between(D(2026, 5, 5), D(2026, 5, 4), "month")
    with pytest.raises(d.DutyError):
        d.period_of(D(2026, 5, 5), "week")


def test_verdicts() -> None:
    q1 = d.period_of(D(2026, 1, 1), "quarter")
    # Met as soon as enough days were held, even before the period ends.
    assert d.verdict(1, 0, q1, 1, today=D(2026, 2, 1)) == "met"
    assert d.verdict(1, 0, q1, 2, today=D(2026, 2, 1)) == "open"
    assert d.verdict(1, 1, q1, 2, today=D(2026, 2, 1)) == "scheduled"
    assert d.verdict(0, 0, q1, 1, today=D(2026, 2, 1)) == "open"
    # On the last day of the period it is not over yet; the day after it is.
    assert d.verdict(0, 1, q1, 1, today=D(2026, 3, 31)) == "scheduled"
    assert d.verdict(0, 0, q1, 1, today=D(2026, 4, 1)) == "missed"
    assert d.verdict(1, 0, q1, 2, today=D(2026, 4, 1)) == "missed"
    assert d.verdict(2, 0, q1, 2, today=D(2026, 4, 1)) == "met"
    # A leader who came to the post after the period is not held to it (unless he received anyway).
    assert d.verdict(0, 0, q1, 1, today=D(2026, 5, 1), since=D(2026, 4, 1)) == "absent"
    assert d.verdict(0, 0, q1, 1, today=D(2026, 5, 1), since=D(2026, 3, 31)) == "missed"
    assert d.verdict(1, 0, q1, 1, today=D(2026, 5, 1), since=D(2026, 4, 1)) == "met"


def test_the_default_rules_are_the_2009_opinion() -> None:
    city, county = d.duties_from(None)
    assert (city.organ_level, city.per, city.min_days) == (2, "quarter", 1)
    assert city.applies(2, "government", "leader") and city.applies(2, "party_committee", "organ_head")
    assert not city.applies(2, "department", "organ_head")  # department heads: 「定期」, no minimum
    assert not city.applies(3, "government", "leader")
    assert (county.organ_level, county.per, county.min_days) == (3, "month", 1)
    assert county.applies(3, "party_committee", "organ_head") and not county.applies(
        3, "government", "leader"
    )


def test_rules_from_settings_are_checked() -> None:
    gansu = [
        {
            "key": "city-principals",
            "label": "市州主要领导每季度至少一次",
            "organ_level": 2,
            "organ_kinds": ["party_committee", "government"],
            "roles": ["organ_head"],
            "min_days": 1,
            "per": "quarter",
        },
        {
            "key": "city-others",
            "organ_level": 2,
            "organ_kinds": ["party_committee", "government"],
            "roles": ["leader"],
            "min_days": 1,
            "per": "month",
        },
    ]
    principals, others = d.duties_from(gansu)
    assert principals.roles == ("organ_head",) and others.per == "month" and others.label == "city-others"
    for broken, words in (
        ([{**gansu[0], "per": "week"}], "per must be"),
        ([{**gansu[0], "min_days": 0}], "min_days"),
        ([{**gansu[0], "roles": []}], "must not be empty"),
        ([{k: v for k, v in gansu[0].items() if k != "organ_level"}], "organ_level is required"),
        ([{**gansu[0], "typo": 1}], "unknown field"),
        ([gansu[0], gansu[0]], "used twice"),
        ([{**gansu[0], "organ_level": "city"}], "[0]"),
        (["city"], "an object is needed"),
    ):
        with pytest.raises(d.DutyError) as err:
            d.duties_from(broken)
        assert words in str(err.value)
