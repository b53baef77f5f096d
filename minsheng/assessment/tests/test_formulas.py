"""The worked examples of ACCOUNTABILITY.md §3 (A-031, A-030) and issue 11's quarterly example,
reproduced exactly by the pure formulas and the versioned definitions (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.assessment import definitions as D
from minsheng.assessment import formulas as F

TODAY = dt.date(2025, 8, 15)
JULY = dt.date(2025, 7, 15)


def deadlines(on_time: int, late: int, overdue: int, pending: int = 0, *, due: dt.date = JULY):
    facts = []
    n = 0
    for _ in range(on_time):
        n += 1
        facts.append(F.DeadlineFact(n, "met", due, due - dt.timedelta(days=2)))
    for _ in range(late):
        n += 1
        facts.append(F.DeadlineFact(n, "breached", due, due + dt.timedelta(days=3), done_late=True))
    for _ in range(overdue):
        n += 1
        facts.append(F.DeadlineFact(n, "breached", due))
    for _ in range(pending):
        n += 1
        facts.append(F.DeadlineFact(n, "open", TODAY + dt.timedelta(days=5)))
    return facts


def evaluations(sat: int, basic: int, unsat: int, overdue_unrated: int = 0, open_window: int = 0):
    facts = []
    n = 0
    for value, count in (("satisfied", sat), ("basically_satisfied", basic), ("unsatisfied", unsat)):
        for _ in range(count):
            n += 1
            facts.append(F.EvaluationFact(n, value, JULY))
    for _ in range(overdue_unrated):
        n += 1
        facts.append(F.EvaluationFact(n, None, JULY))
    for _ in range(open_window):
        n += 1
        facts.append(F.EvaluationFact(n, None, TODAY + dt.timedelta(days=3)))
    return facts


def by_id(figures):
    return {f.indicator: f for f in figures}


def test_a031_worked_example_july_2025():
    facts = D.Facts(
        by_indicator={
            "I-ACCEPT-BUREAU": deadlines(36, 3, 1),
            "I-ONTIME-REPLY": deadlines(44, 4, 2),
            "I-PARTICIPATION-ORGAN": evaluations(20, 6, 4, overdue_unrated=10, open_window=4),
            "I-SATISFACTION-ORGAN": evaluations(20, 6, 4),
            "I-REPEAT": [F.RegistrationFact(i, is_repeat=i <= 18) for i in range(1, 121)],
        }
    )
    figs = by_id(D.evaluate("xinfang", facts, TODAY, basic_counts=True, version="2025.1"))
    accept = figs["I-ACCEPT-BUREAU"]
    assert (accept.numerator, accept.denominator, accept.value) == (36, 40, 0.9)
    assert accept.classes == {"on_time": 36, "late": 3, "overdue_pending": 1, "pending": 0}
    assert accept.definition_id == "xinfang-2025.1/I-ACCEPT-BUREAU"
    reply = figs["I-ONTIME-REPLY"]
    assert (reply.numerator, reply.denominator, reply.value) == (44, 50, 0.88)
    part = figs["I-PARTICIPATION-ORGAN"]
    assert (part.numerator, part.denominator, part.value) == (30, 40, 0.75)
    assert part.excluded["open_window"] == 4
    sat = figs["I-SATISFACTION-ORGAN"]
    assert (sat.numerator, sat.denominator) == (26, 30)
    assert round(sat.value * 100, 2) == 86.67
    assert sat.definition_id.endswith(":with_basic")
    assert "基本满意" in sat.definition_text
    weighted = F.satisfaction("x", "x", evaluations(20, 6, 4), basic_weight=0.9, min_n=10)
    assert round(weighted.numerator, 6) == 25.4 and round(weighted.value * 100, 2) == 84.67
    rep = figs["I-REPEAT"]
    assert (rep.numerator, rep.denominator, rep.value) == (18, 120, 0.15)
    # 达川-style points: 0.90×5 + 0.88×10 + 0.8667×10 + 0.75×5 + (10 − 2)
    points = (
        F.points_rate(accept.value, 5)
        + F.points_rate(reply.value, 10)
        + F.points_rate(sat.value, 10)
        + F.points_rate(part.value, 5)
        + F.points_repeat(10, 2)
    )
    assert round(points, 2) == 33.72
    # unrated and bureau-only indicators without facts: not rated, never 0 %
    assert figs["I-ACCEPT-ORGAN"].value is None and figs["I-ACCEPT-ORGAN"].status == "not_rated"


def test_a030_beijing_worked_example():
    facts = [
        F.CallbackFact(
            i,
            contacted=i <= 196,
            solved=i <= 170,
            value="satisfied" if i <= 150 else "basically_satisfied" if i <= 180 else "unsatisfied",
        )
        for i in range(1, 201)
    ]
    figs = D.evaluate("beijing", D.Facts({}, callbacks=facts), TODAY, version="2025.1")
    got = {f.indicator: f.value for f in figs}
    assert got == {"BJ-RESPONSE": 0.98, "BJ-RESOLUTION": 0.85, "BJ-SATISFACTION": pytest.approx(0.885)}
    assert by_id(figs)["BJ-SATISFACTION"].numerator == pytest.approx(177.0)
    assert D.composite_score("beijing", figs, version="2025.1") == pytest.approx(87.7)


def test_issue_11_quarterly_example():
    facts = D.Facts(
        by_indicator={
            "I-ACCEPT-BUREAU": deadlines(114, 4, 2, pending=7),
            "I-ONTIME-REPLY": deadlines(92, 5, 3, pending=2),
            "I-PARTICIPATION-ORGAN": evaluations(45, 9, 6, overdue_unrated=20, open_window=5),
            "I-SATISFACTION-ORGAN": evaluations(45, 9, 6),
        }
    )
    strict = by_id(D.evaluate("xinfang", facts, TODAY, basic_counts=False, version="2025.1"))
    broad = by_id(D.evaluate("xinfang", facts, TODAY, basic_counts=True, version="2025.1"))
    assert strict["I-ACCEPT-BUREAU"].denominator == 120  # 7 not yet due are left out
    assert round(strict["I-ACCEPT-BUREAU"].value * 100, 1) == 95.0
    assert (strict["I-ONTIME-REPLY"].numerator, strict["I-ONTIME-REPLY"].denominator) == (92, 100)
    assert round(strict["I-PARTICIPATION-ORGAN"].value * 100, 1) == 75.0
    assert strict["I-PARTICIPATION-ORGAN"].denominator == 80
    assert round(strict["I-SATISFACTION-ORGAN"].value * 100, 1) == 75.0
    assert strict["I-SATISFACTION-ORGAN"].definition_id.endswith(":satisfied_only")
    assert round(broad["I-SATISFACTION-ORGAN"].value * 100, 1) == 90.0


def test_wilson_interval_known_values():
    # 36/40: Wilson 95 % = [0.7695, 0.9604]
    ci = F.wilson_interval(36, 40)
    assert ci is not None
    assert (round(ci.lower, 4), round(ci.upper, 4)) == (0.7695, 0.9604)
    zero = F.wilson_interval(0, 10)
    assert zero is not None and zero.lower == 0.0 and zero.upper > 0.25
    assert F.wilson_interval(0, 0) is None


def test_classify_deadline_classes():
    due = dt.date(2025, 7, 10)
    assert F.classify_deadline(F.DeadlineFact(1, "met", due, due), TODAY) == F.ON_TIME
    assert F.classify_deadline(F.DeadlineFact(1, "met", due, due, done_late=True), TODAY) == F.LATE
    assert F.classify_deadline(F.DeadlineFact(1, "met", due, due + dt.timedelta(days=1)), TODAY) == F.LATE
    assert F.classify_deadline(F.DeadlineFact(1, "breached", due), TODAY) == F.OVERDUE_PENDING
    assert F.classify_deadline(F.DeadlineFact(1, "open", due), TODAY) == F.OVERDUE_PENDING
    assert F.classify_deadline(F.DeadlineFact(1, "open", TODAY), TODAY) == F.PENDING
    for status in ("waived", "cancelled", "expired"):
        assert F.classify_deadline(F.DeadlineFact(1, status, due), TODAY) == F.NOT_COUNTED


def test_one_item_counts_once():
    due = dt.date(2025, 7, 10)
    facts = [F.DeadlineFact(1, "met", due, due), F.DeadlineFact(1, "met", due, due)]
    assert F.timeliness("x", "x", facts, TODAY, min_n=1).denominator == 1


def test_ranking_leaves_small_samples_unranked():
    big = F.make_figure("x", "x", 250, range(250), range(300), min_n=5)
    mid = F.make_figure("x", "x", 80, range(80), range(100), min_n=5)
    tied = F.make_figure("x", "x", 40, range(40), range(50), min_n=5)
    tiny = F.make_figure("x", "x", 3, range(3), range(3), min_n=5)  # 100 % of 3 items
    empty = F.make_figure("x", "x", 0, [], [], min_n=5)
    ranked = F.rank([("tiny", tiny), ("big", big), ("mid", mid), ("tied", tied), ("empty", empty)])
    assert [(r.key, r.rank) for r in ranked] == [
        ("big", 1),
        ("mid", 2),
        ("tied", 2),
        ("tiny", None),
        ("empty", None),
    ]
    assert tiny.insufficient_sample and tiny.status == "insufficient_sample"
    low = F.rank([("a", big), ("b", mid)], higher_is_better=False)
    assert [r.key for r in low] == ["b", "a"]


def test_resolution_rate_window():
    concluded = dt.date(2025, 4, 1)
    facts = [
        F.ResolutionFact(1, concluded),
        F.ResolutionFact(2, concluded, (concluded + dt.timedelta(days=30),)),
        F.ResolutionFact(3, concluded, (concluded + dt.timedelta(days=91),)),  # after the window
    ]
    fig = F.resolution_rate("x", "x", facts, window_days=90, min_n=1)
    assert (fig.numerator, fig.denominator) == (2, 3)


def test_month_periods():
    assert F.month_periods(dt.date(2025, 11, 20), dt.date(2026, 1, 5)) == [
        (dt.date(2025, 11, 20), dt.date(2025, 11, 30)),
        (dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 5)),
    ]


def test_definitions_are_complete_and_pure():
    import ast
    from pathlib import Path

    for version in D.versions():
        data = D.load(version)
        kinds = {"timeliness", "participation", "satisfaction", "repeat", "resolution", "channel_share"}
        for d in data["profiles"]["xinfang"]["indicators"]:
            # A-0xx: ACCOUNTABILITY.md §3; AR:I-…: accountability_rules.yaml only
            assert d["kind"] in kinds and d["min_n"] >= 1 and d["rule"].startswith(("A-0", "AR:I-"))
    for module in ("formulas.py", "definitions.py"):
        tree = ast.parse((Path(D.__file__).parent / module).read_text(encoding="utf-8"))
        imported = {
            (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        assert not any(name.startswith("django") for name in imported), module


def test_without_recomputes_exactly():
    facts = evaluations(20, 6, 4)  # ids 1-20 satisfied, 21-26 basic, 27-30 unsatisfied
    fig = F.satisfaction("x", "x", facts, basic_weight=0.9, min_n=10)
    gone = F.without(fig, {1, 21, 27, 999})
    direct = F.satisfaction(
        "x", "x", [f for f in facts if f.item not in {1, 21, 27}], basic_weight=0.9, min_n=10
    )
    for attr in (
        "numerator",
        "denominator",
        "value",
        "interval",
        "classes",
        "excluded",
        "insufficient_sample",
    ):
        assert getattr(gone, attr) == getattr(direct, attr), attr
    assert F.without(fig, {999}) is fig
    t = F.timeliness("x", "x", deadlines(36, 3, 1, pending=2), TODAY, min_n=5)
    t2 = F.without(t, {1, 37, 40, 41})
    assert t2.classes == {"on_time": 35, "late": 2, "overdue_pending": 0, "pending": 1}
    assert (t2.numerator, t2.denominator) == (35, 37)
