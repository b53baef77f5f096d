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


def test_a_figure_of_no_items_is_no_figure_not_an_insufficient_sample():
    """Nothing fell in the period: no value, no interval, no classes — and not flagged as a sample
    too small (that flag is for a few items, A-031 min_n), which would read as a weak result."""
    empty = F.make_figure("I-X", "X-1", 0, [], [], min_n=30)
    assert (empty.value, empty.interval, empty.insufficient_sample) == (None, None, False)
    assert (empty.classes, empty.excluded, empty.item_classes, empty.weights) == ({}, {}, {}, {})
    few = F.make_figure("I-X", "X-1", 1, ["a"], ["a", "b"], min_n=30)
    assert few.insufficient_sample and few.value == 0.5


def test_wilson_interval_of_one_item_and_of_none():
    """Wilson (z = 1.96) for 1 of 1: [0.2065, 1.0]; for 0 of 1: [0.0, 0.7935]; none for n = 0."""
    assert F.wilson_interval(0, 0) is None
    one = F.wilson_interval(1, 1)
    none = F.wilson_interval(0, 1)
    assert one is not None and none is not None
    assert (round(one.lower, 4), round(one.upper, 4)) == (0.2065, 1.0)
    assert (round(none.lower, 4), round(none.upper, 4)) == (0.0, 0.7935)


@pytest.mark.parametrize(
    ("status", "done_on", "done_late", "today", "expected"),
    [
        # met on the due day: on time; met the day after: late; met late by the engine's record
        ("met", dt.date(2025, 7, 31), False, dt.date(2025, 8, 10), F.ON_TIME),
        ("met", dt.date(2025, 8, 1), False, dt.date(2025, 8, 10), F.LATE),
        ("met", dt.date(2025, 7, 30), True, dt.date(2025, 8, 10), F.LATE),
        # met without a recorded day (an older record): done, on time — not open
        ("met", None, False, dt.date(2025, 8, 10), F.ON_TIME),
        # a recorded breach is late once done, whatever the day says, and overdue while not done —
        # even read on a day before the due date (a figure of an earlier day)
        ("breached", dt.date(2025, 7, 31), False, dt.date(2025, 8, 10), F.LATE),
        ("breached", None, False, dt.date(2025, 7, 20), F.OVERDUE_PENDING),
        # open: pending up to the due day, overdue the day after
        ("open", None, False, dt.date(2025, 7, 31), F.PENDING),
        ("open", None, False, dt.date(2025, 8, 1), F.OVERDUE_PENDING),
        ("waived", None, False, dt.date(2025, 8, 10), F.NOT_COUNTED),
        ("cancelled", None, False, dt.date(2025, 8, 10), F.NOT_COUNTED),
        ("expired", None, False, dt.date(2025, 8, 10), F.NOT_COUNTED),
    ],
)
def test_classify_deadline_at_fixed_dates(status, done_on, done_late, today, expected):
    """The GD classes of one deadline due 2025-07-31 (A-020/A-022)."""
    fact = F.DeadlineFact("x", status, dt.date(2025, 7, 31), done_on=done_on, done_late=done_late)
    assert F.classify_deadline(fact, today) == expected


def test_timeliness_counts_an_item_once_by_its_latest_due_deadline_and_sets_waived_ones_apart():
    """Item a has two deadlines of the rules, the later-due one (on time) listed first: it counts
    once, by that one — not by the earlier-due breach listed after it. Item b's was waived by law:
    outside the figure, counted apart. Item c was met late."""
    due, later = dt.date(2025, 7, 31), dt.date(2025, 8, 31)
    facts = [
        F.DeadlineFact("a", "met", later, done_on=dt.date(2025, 8, 20)),
        F.DeadlineFact("a", "breached", due),
        F.DeadlineFact("b", "waived", due),
        F.DeadlineFact("c", "met", due, done_on=dt.date(2025, 8, 2)),
    ]
    fig = F.timeliness("I-T", "T-1", facts, dt.date(2025, 9, 10), min_n=1)
    assert (fig.numerator_ids, fig.denominator_ids) == (("a",), ("a", "c"))
    assert fig.classes == {F.ON_TIME: 1, F.LATE: 1, F.OVERDUE_PENDING: 0, F.PENDING: 0}
    assert fig.excluded == {F.NOT_COUNTED: 1} and fig.item_classes["b"] == F.NOT_COUNTED


def test_timeliness_ties_and_items_not_yet_due():
    """Of two deadlines of one item due the same day, the one recorded later counts (a clock
    re-opened); an item not yet due is out of the denominator unless the definition counts it
    (``exclude_not_yet_due=False``: 未答复 in the denominator)."""
    due = dt.date(2025, 7, 31)
    facts = [
        F.DeadlineFact("a", "breached", due),
        F.DeadlineFact("a", "met", due, done_on=dt.date(2025, 7, 30)),
        F.DeadlineFact("p", "open", dt.date(2025, 9, 30)),
    ]
    today = dt.date(2025, 8, 10)
    fig = F.timeliness("I-T", "T-1", facts, today, min_n=1)
    assert (fig.numerator_ids, fig.denominator_ids) == (("a",), ("a",))
    assert fig.classes[F.PENDING] == 1
    counted = F.timeliness("I-T", "T-1", facts, today, min_n=1, exclude_not_yet_due=False)
    assert (counted.numerator_ids, counted.denominator_ids, counted.value) == (("a",), ("a", "p"), 0.5)


def test_registration_shares_count_each_item_once_and_exclude_litigation_from_repeats_only():
    """重复信访率 leaves 涉法涉诉 items out (counted apart); 网信占比 counts every item registered.
    An item listed twice counts once in both."""
    R = F.RegistrationFact
    facts = [
        R("a", is_repeat=True),
        R("a", is_repeat=True),
        R("b", is_repeat=False),
        R("c", is_repeat=True, in_scope=False, channel="online"),
        R("d", is_repeat=False, channel="online"),
    ]
    repeat = F.repeat_rate("I-REPEAT", "R-1", facts, min_n=1)
    assert (repeat.numerator_ids, repeat.denominator_ids) == (("a",), ("a", "b", "d"))
    assert repeat.classes == {"first": 2, "repeat": 1} and repeat.excluded == {F.OUT_OF_SCOPE: 1}
    assert repeat.item_classes == {"a": "repeat", "b": "first", "c": F.OUT_OF_SCOPE, "d": "first"}
    online = F.channel_share("I-ONLINE-SHARE", "O-1", facts, channels=["online"], min_n=1)
    assert (online.numerator_ids, online.denominator_ids) == (("c", "d"), ("a", "b", "c", "d"))
    assert online.classes == {"online": 2, "other": 2} and online.excluded == {}


def test_resolution_rate_window_edges_and_reviews():
    """初信初访化解率 with W = 90 days after a conclusion on 2025-03-01 (window 03-01 … 05-30, both
    included); 一次性化解率 (``no_review``) also counts an answer taken to 复查/复核 as not resolved.
    A return inside the window wins over a review."""
    R, day = F.ResolutionFact, dt.date
    concluded = day(2025, 3, 1)
    facts = [
        R("a", concluded, (day(2025, 5, 30),)),  # the window's last day
        R("b", concluded, (day(2025, 5, 31),)),  # the day after it
        R("c", concluded, (concluded,)),  # later on the conclusion day itself
        R("d", concluded, (day(2025, 2, 28),)),  # before the conclusion: not a return on the answer
        R("e", concluded, (), reviewed=True),
        R("f", concluded, (day(2025, 4, 1),), reviewed=True),
    ]
    plain = F.resolution_rate("I-FIRST-RESOLVED", "F-1", facts, window_days=90, min_n=1)
    assert plain.numerator_ids == ("b", "d", "e") and len(plain.denominator_ids) == 6
    assert plain.classes == {"resolved": 3, "repeated": 3}
    once = F.resolution_rate("I-ONE-TIME-RESOLVED", "O-1", facts, window_days=90, min_n=1, no_review=True)
    assert once.numerator_ids == ("b", "d")
    assert once.classes == {"resolved": 2, "repeated": 3, "reviewed": 1}
    assert once.item_classes == {
        "a": "repeated", "b": "resolved", "c": "repeated", "d": "resolved", "e": "reviewed", "f": "repeated"
    }  # fmt: skip
