"""The indicator formulas of ACCOUNTABILITY.md §3 (A-020 … A-031), pure: no Django, no database.

Every function takes plain facts (one per item, 信访件, counted once) and returns a ``Figure``:
numerator, denominator, value, the definition id it was computed under, a Wilson interval, the
counts per class and the item ids behind the numerator and the denominator (for drill-down).

Conventions (§3 "General conventions"):
- zero denominator → ``value is None`` ("not rated"), never 0 % or 100 %;
- below the definition's ``min_n`` the value is published but flagged ``insufficient_sample`` and
  left out of rankings;
- timeliness items belong to the period in which their (statutory) due date falls, satisfaction
  items to the period of the rating, participation items to the period of the rating or, unrated,
  of the closed window, volume and repeat items to the period of registration — the callers
  select the items of a period by those dates; the formulas classify and count them;
- items not yet due (the window still open) leave the denominator (the [P] deviation of A-020
  and A-022 from the GD queries).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

ItemId = Hashable

# ---------------------------------------------------------------------------------------------
# The figure


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    confidence: float = 0.95


@dataclass(frozen=True)
class Figure:
    indicator: str  # I-ACCEPT-BUREAU, I-ONTIME-REPLY, …
    definition_id: str  # e.g. "xinfang-2025.1/I-ONTIME-REPLY" (versioned, see definitions/)
    numerator: float
    denominator: int
    value: float | None
    interval: Interval | None
    insufficient_sample: bool
    classes: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    numerator_ids: tuple[ItemId, ...] = ()
    denominator_ids: tuple[ItemId, ...] = ()
    definition_text: str = ""
    # Per item: its class (or exclusion) and, when not 1, its weight in the numerator — so that an
    # item can be taken out exactly (``without``: accusations for the accused side).
    item_classes: dict[ItemId, str] = field(default_factory=dict)
    weights: dict[ItemId, float] = field(default_factory=dict)
    min_n: int = 1

    @property
    def status(self) -> str:
        if self.value is None:
            return "not_rated"
        return "insufficient_sample" if self.insufficient_sample else "rated"

    def as_dict(self, *, with_ids: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "indicator": self.indicator,
            "definition_id": self.definition_id,
            "definition": self.definition_text,
            "numerator": _plain(self.numerator),
            "denominator": self.denominator,
            "value": None if self.value is None else round(self.value, 6),
            "interval": None
            if self.interval is None
            else {
                "lower": round(self.interval.lower, 6),
                "upper": round(self.interval.upper, 6),
                "confidence": self.interval.confidence,
                "method": "wilson",
            },
            "status": self.status,
            "insufficient_sample": self.insufficient_sample,
            "classes": dict(self.classes),
            "excluded": dict(self.excluded),
        }
        if with_ids:
            out["numerator_ids"] = list(self.numerator_ids)
            out["denominator_ids"] = list(self.denominator_ids)
        return out


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 6)


Z_95 = 1.959963984540054


def wilson_interval(successes: float, n: int, z: float = Z_95) -> Interval | None:
    """Wilson score interval for a proportion (``successes`` may be weighted, e.g. 0.9 × 基本满意)."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = (z / (1 + z2 / n)) * math.sqrt(max(p * (1 - p) / n + z2 / (4 * n * n), 0.0))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def make_figure(
    indicator: str,
    definition_id: str,
    numerator: float,
    numerator_ids: Sequence[ItemId],
    denominator_ids: Sequence[ItemId],
    *,
    min_n: int,
    classes: dict[str, int] | None = None,
    excluded: dict[str, int] | None = None,
    definition_text: str = "",
    item_classes: dict[ItemId, str] | None = None,
    weights: dict[ItemId, float] | None = None,
) -> Figure:
    n = len(denominator_ids)
    value = numerator / n if n else None
    return Figure(
        indicator=indicator,
        definition_id=definition_id,
        numerator=numerator,
        denominator=n,
        value=value,
        interval=wilson_interval(numerator, n),
        insufficient_sample=bool(n) and n < min_n,
        classes=classes or {},
        excluded=excluded or {},
        numerator_ids=tuple(numerator_ids),
        denominator_ids=tuple(denominator_ids),
        definition_text=definition_text,
        item_classes=dict(item_classes or {}),
        weights=dict(weights or {}),
        min_n=min_n,
    )


def without(figure: Figure, removed: Iterable[ItemId]) -> Figure:
    """``figure`` recomputed as if the ``removed`` items did not exist: numerator, denominator,
    value, interval, sample flag, classes and exclusions (R-150: an accusation does not exist for
    its accused side, not even as a count)."""
    gone = set(removed) & set(figure.item_classes)
    if not gone:
        return figure
    classes = dict.fromkeys(figure.classes, 0)
    excluded = dict.fromkeys(figure.excluded, 0)
    kept = {i: c for i, c in figure.item_classes.items() if i not in gone}
    for c in kept.values():
        if c in classes:
            classes[c] += 1
        elif c in excluded:
            excluded[c] += 1
    numerator_ids = [i for i in figure.numerator_ids if i not in gone]
    return make_figure(
        figure.indicator,
        figure.definition_id,
        sum(figure.weights.get(i, 1.0) for i in numerator_ids),
        numerator_ids,
        [i for i in figure.denominator_ids if i not in gone],
        min_n=figure.min_n,
        classes=classes,
        excluded=excluded,
        definition_text=figure.definition_text,
        item_classes=kept,
        weights={i: w for i, w in figure.weights.items() if i not in gone},
    )


# ---------------------------------------------------------------------------------------------
# Timeliness (A-020 及时受理率, A-021 责任单位及时受理率, A-022 按期办结率)

ON_TIME = "on_time"  # 及时受理 / 按期答复
LATE = "late"  # 超期受理 / 超期答复 (done after the due date)
OVERDUE_PENDING = "overdue_pending"  # 超期未受理 / 超期未答复 (not done, due date passed)
PENDING = "pending"  # 未答复 (not done, not yet due): out of the denominator
NOT_COUNTED = "not_counted"  # waived by law, cancelled by another route, a petitioner's window

#: Deadline statuses no timeliness figure counts (workflow.models.Deadline.Status).
NOT_COUNTED_STATUSES: frozenset[str] = frozenset({"waived", "cancelled", "expired"})


@dataclass(frozen=True)
class DeadlineFact:
    """One item's deadline: its status, when it was done (local date), its statutory due date
    (approved extensions included for 按期办结率)."""

    item: ItemId
    status: str  # open | met | breached | waived | cancelled | expired
    statutory_due: dt.date
    done_on: dt.date | None = None
    done_late: bool = False  # recorded late by the deadline engine (met_late)


def classify_deadline(fact: DeadlineFact, today: dt.date) -> str:
    """The GD classes (jssl/cqsl/cqwsl; aqdf/cqdf/wdf/cqwdf) of one deadline on ``today``."""
    if fact.status in NOT_COUNTED_STATUSES:
        return NOT_COUNTED
    if fact.status == "met" or fact.done_on is not None:
        late = fact.done_late or fact.status == "breached"
        if fact.done_on is not None and fact.done_on > fact.statutory_due:
            late = True
        return LATE if late else ON_TIME
    if fact.status == "breached":
        return OVERDUE_PENDING
    # open
    return OVERDUE_PENDING if fact.statutory_due < today else PENDING


def is_due(fact: DeadlineFact, today: dt.date) -> bool:
    """Counted by a timeliness figure: decided, or open past its statutory due date."""
    return classify_deadline(fact, today) not in (PENDING, NOT_COUNTED)


def is_on_time(fact: DeadlineFact, today: dt.date) -> bool:
    return classify_deadline(fact, today) == ON_TIME


def timeliness(
    indicator: str,
    definition_id: str,
    facts: Iterable[DeadlineFact],
    today: dt.date,
    *,
    min_n: int,
    exclude_not_yet_due: bool = True,
    definition_text: str = "",
) -> Figure:
    """``on time / (on time + late + overdue pending [+ pending])`` over distinct items.

    An item with several deadlines of the indicator's rules counts once, by its latest-due one."""
    by_item: dict[ItemId, DeadlineFact] = {}
    for f in facts:
        prev = by_item.get(f.item)
        if prev is None or f.statutory_due >= prev.statutory_due:
            by_item[f.item] = f
    classes = {ON_TIME: 0, LATE: 0, OVERDUE_PENDING: 0, PENDING: 0}
    excluded = {NOT_COUNTED: 0}
    numerator_ids: list[ItemId] = []
    denominator_ids: list[ItemId] = []
    item_classes: dict[ItemId, str] = {}
    for item, f in by_item.items():
        c = classify_deadline(f, today)
        item_classes[item] = c
        if c == NOT_COUNTED:
            excluded[NOT_COUNTED] += 1
            continue
        classes[c] += 1
        if c == PENDING and exclude_not_yet_due:
            continue
        denominator_ids.append(item)
        if c == ON_TIME:
            numerator_ids.append(item)
    return make_figure(
        indicator,
        definition_id,
        len(numerator_ids),
        numerator_ids,
        denominator_ids,
        min_n=min_n,
        classes=classes,
        excluded=excluded,
        definition_text=definition_text,
        item_classes=item_classes,
    )


# ---------------------------------------------------------------------------------------------
# Participation and satisfaction (A-023 参评率, A-024 满意率), per rated party

SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
UNSATISFIED = "unsatisfied"

RATED = "rated"  # 已评价
OVERDUE_UNRATED = "overdue_unrated"  # 超期未评价
OPEN_WINDOW = "open_window"  # 待评价: out of the denominator
OUT_OF_SCOPE = "out_of_scope"  # 涉法涉诉, routed to a statutory channel, anonymous


@dataclass(frozen=True)
class EvaluationFact:
    """One item eligible for a rating of one party: rated (with the value) or not, and when its
    rating window closes (None: no window known, treated as still open)."""

    item: ItemId
    value: str | None  # satisfied | basically_satisfied | unsatisfied | None (not rated)
    window_closes: dt.date | None
    in_scope: bool = True


def classify_evaluation(fact: EvaluationFact, today: dt.date) -> str:
    if not fact.in_scope:
        return OUT_OF_SCOPE
    if fact.value is not None:
        return RATED
    if fact.window_closes is not None and fact.window_closes < today:
        return OVERDUE_UNRATED
    return OPEN_WINDOW


def participation(
    indicator: str,
    definition_id: str,
    facts: Iterable[EvaluationFact],
    today: dt.date,
    *,
    min_n: int,
    definition_text: str = "",
) -> Figure:
    """``已评价 / (已评价 + 超期未评价)``; windows still open and out-of-scope items excluded."""
    classes = {RATED: 0, OVERDUE_UNRATED: 0}
    excluded = {OPEN_WINDOW: 0, OUT_OF_SCOPE: 0}
    numerator_ids: list[ItemId] = []
    denominator_ids: list[ItemId] = []
    item_classes: dict[ItemId, str] = {}
    for f in _distinct(facts):
        c = classify_evaluation(f, today)
        item_classes[f.item] = c
        if c in excluded:
            excluded[c] += 1
            continue
        classes[c] += 1
        denominator_ids.append(f.item)
        if c == RATED:
            numerator_ids.append(f.item)
    return make_figure(
        indicator,
        definition_id,
        len(numerator_ids),
        numerator_ids,
        denominator_ids,
        min_n=min_n,
        classes=classes,
        excluded=excluded,
        definition_text=definition_text,
        item_classes=item_classes,
    )


def satisfaction(
    indicator: str,
    definition_id: str,
    facts: Iterable[EvaluationFact],
    *,
    basic_weight: float,
    min_n: int,
    definition_text: str = "",
) -> Figure:
    """``(满意 + w × 基本满意) / (满意 + 基本满意 + 不满意)`` over rated, in-scope items.

    ``basic_weight`` 1.0: 满意 + 基本满意 (GD/CQ); 0.0: 满意 only; 0.9: Beijing 接诉即办."""
    classes = {SATISFIED: 0, BASICALLY_SATISFIED: 0, UNSATISFIED: 0}
    excluded = {OUT_OF_SCOPE: 0}
    numerator = 0.0
    numerator_ids: list[ItemId] = []
    denominator_ids: list[ItemId] = []
    item_classes: dict[ItemId, str] = {}
    weights: dict[ItemId, float] = {}
    for f in _distinct(facts):
        if f.value is None:
            continue
        if not f.in_scope:
            excluded[OUT_OF_SCOPE] += 1
            item_classes[f.item] = OUT_OF_SCOPE
            continue
        classes[f.value] += 1
        item_classes[f.item] = f.value
        denominator_ids.append(f.item)
        if f.value == SATISFIED:
            numerator += 1
            numerator_ids.append(f.item)
        elif f.value == BASICALLY_SATISFIED and basic_weight > 0:
            numerator += basic_weight
            numerator_ids.append(f.item)
            if basic_weight != 1:
                weights[f.item] = basic_weight
    return make_figure(
        indicator,
        definition_id,
        numerator,
        numerator_ids,
        denominator_ids,
        min_n=min_n,
        classes=classes,
        excluded=excluded,
        definition_text=definition_text,
        item_classes=item_classes,
        weights=weights,
    )


def _distinct(facts: Iterable[EvaluationFact]) -> list[EvaluationFact]:
    """One fact per item: a rated one wins over an unrated one, the first rating over later ones."""
    out: dict[ItemId, EvaluationFact] = {}
    for f in facts:
        prev = out.get(f.item)
        if prev is None or (prev.value is None and f.value is not None):
            out[f.item] = f
    return list(out.values())


# ---------------------------------------------------------------------------------------------
# Volume: repeat rate and resolution rate


@dataclass(frozen=True)
class RegistrationFact:
    item: ItemId
    is_repeat: bool
    in_scope: bool = True  # False: 涉法涉诉
    channel: str = ""


def _registration_share(
    indicator: str,
    definition_id: str,
    facts: Iterable[RegistrationFact],
    *,
    classify: Callable[[RegistrationFact], str],
    classes: tuple[str, str],
    hit: str,
    scoped: bool,
    min_n: int,
    definition_text: str,
) -> Figure:
    """The share of the items registered in the period that ``classify`` puts in class ``hit``
    (each item once); with ``scoped``, 涉法涉诉 items are excluded and counted apart."""
    counts = dict.fromkeys(classes, 0)
    excluded = {OUT_OF_SCOPE: 0}
    numerator_ids: list[ItemId] = []
    denominator_ids: list[ItemId] = []
    seen: set[ItemId] = set()
    item_classes: dict[ItemId, str] = {}
    for f in facts:
        if f.item in seen:
            continue
        seen.add(f.item)
        if scoped and not f.in_scope:
            excluded[OUT_OF_SCOPE] += 1
            item_classes[f.item] = OUT_OF_SCOPE
            continue
        denominator_ids.append(f.item)
        label = classify(f)
        counts[label] += 1
        item_classes[f.item] = label
        if label == hit:
            numerator_ids.append(f.item)
    return make_figure(
        indicator,
        definition_id,
        len(numerator_ids),
        numerator_ids,
        denominator_ids,
        min_n=min_n,
        classes=counts,
        excluded=excluded if scoped else None,
        definition_text=definition_text,
        item_classes=item_classes,
    )


def repeat_rate(
    indicator: str,
    definition_id: str,
    facts: Iterable[RegistrationFact],
    *,
    min_n: int,
    definition_text: str = "",
) -> Figure:
    """``重件 / 总件`` over items registered in the period, 涉法涉诉 excluded."""
    return _registration_share(
        indicator,
        definition_id,
        facts,
        classify=lambda f: "repeat" if f.is_repeat else "first",
        classes=("first", "repeat"),
        hit="repeat",
        scoped=True,
        min_n=min_n,
        definition_text=definition_text,
    )


def channel_share(
    indicator: str,
    definition_id: str,
    facts: Iterable[RegistrationFact],
    *,
    channels: Iterable[str],
    min_n: int,
    definition_text: str = "",
) -> Figure:
    """网信占比 (accountability_rules.yaml I-ONLINE-SHARE): items registered in the period through
    one of ``channels`` over every item registered in the period."""
    wanted = frozenset(channels)
    return _registration_share(
        indicator,
        definition_id,
        facts,
        classify=lambda f: "online" if f.channel in wanted else "other",
        classes=("online", "other"),
        hit="online",
        scoped=False,
        min_n=min_n,
        definition_text=definition_text,
    )


@dataclass(frozen=True)
class ResolutionFact:
    """A first-time item concluded on ``concluded_on``; ``repeated_on`` lists the dates on which
    the same petitioner came back on the same matter after the conclusion (the caller passes only
    returns made after its moment, so a return later on the conclusion day itself is one)."""

    item: ItemId
    concluded_on: dt.date
    repeated_on: tuple[dt.date, ...] = ()
    reviewed: bool = False  # the petitioner asked for 复查 (or 复核) of the answer


def resolution_rate(
    indicator: str,
    definition_id: str,
    facts: Iterable[ResolutionFact],
    *,
    window_days: int,
    min_n: int,
    definition_text: str = "",
    no_review: bool = False,
) -> Figure:
    """初信初访化解率 (A-026 [P]): concluded first-time items with no repeat within ``window_days``
    after the conclusion. The caller selects the items whose ``concluded_on + W`` falls in the
    period (and is past), so every window counted is complete. With ``no_review`` — 一次性化解率
    (I-ONE-TIME-RESOLVED) — an item whose answer was taken to 复查/复核 is not resolved either."""
    classes = {"resolved": 0, "repeated": 0, **({"reviewed": 0} if no_review else {})}
    numerator_ids: list[ItemId] = []
    denominator_ids: list[ItemId] = []
    item_classes: dict[ItemId, str] = {}
    for f in facts:
        end = f.concluded_on + dt.timedelta(days=window_days)
        denominator_ids.append(f.item)
        if any(f.concluded_on <= d <= end for d in f.repeated_on):
            classes["repeated"] += 1
            item_classes[f.item] = "repeated"
        elif no_review and f.reviewed:
            classes["reviewed"] += 1
            item_classes[f.item] = "reviewed"
        else:
            classes["resolved"] += 1
            item_classes[f.item] = "resolved"
            numerator_ids.append(f.item)
    return make_figure(
        indicator,
        definition_id,
        len(numerator_ids),
        numerator_ids,
        denominator_ids,
        min_n=min_n,
        classes=classes,
        definition_text=definition_text,
        item_classes=item_classes,
    )


# ---------------------------------------------------------------------------------------------
# Beijing 接诉即办 三率


@dataclass(frozen=True)
class CallbackFact:
    """One valid call-back (有效回访): contacted? solved? the rating given."""

    item: ItemId
    contacted: bool
    solved: bool
    value: str | None  # satisfied | basically_satisfied | unsatisfied | None


def beijing_rates(
    definition_prefix: str,
    facts: Iterable[CallbackFact],
    *,
    basic_weight: float,
    min_n: int,
    texts: dict[str, str] | None = None,
) -> list[Figure]:
    """响应率, 解决率, 满意率, each over all valid call-backs (not only over those who rated)."""
    texts = texts or {}
    items = list({f.item: f for f in facts}.values())
    all_ids = [f.item for f in items]
    contacted = [f.item for f in items if f.contacted]
    solved = [f.item for f in items if f.solved]
    sat = [f.item for f in items if f.value == SATISFIED]
    basic = [f.item for f in items if f.value == BASICALLY_SATISFIED]
    unsat = sum(1 for f in items if f.value == UNSATISFIED)
    out = [
        make_figure(
            "BJ-RESPONSE",
            f"{definition_prefix}/BJ-RESPONSE",
            len(contacted),
            contacted,
            all_ids,
            min_n=min_n,
            classes={"contacted": len(contacted), "not_contacted": len(all_ids) - len(contacted)},
            definition_text=texts.get("BJ-RESPONSE", ""),
            item_classes={f.item: "contacted" if f.contacted else "not_contacted" for f in items},
        ),
        make_figure(
            "BJ-RESOLUTION",
            f"{definition_prefix}/BJ-RESOLUTION",
            len(solved),
            solved,
            all_ids,
            min_n=min_n,
            classes={"solved": len(solved), "not_solved": len(all_ids) - len(solved)},
            definition_text=texts.get("BJ-RESOLUTION", ""),
            item_classes={f.item: "solved" if f.solved else "not_solved" for f in items},
        ),
        make_figure(
            "BJ-SATISFACTION",
            f"{definition_prefix}/BJ-SATISFACTION",
            len(sat) + basic_weight * len(basic),
            sat + basic,
            all_ids,
            min_n=min_n,
            classes={
                SATISFIED: len(sat),
                BASICALLY_SATISFIED: len(basic),
                UNSATISFIED: unsat,
                "unrated": len(all_ids) - len(sat) - len(basic) - unsat,
            },
            definition_text=texts.get("BJ-SATISFACTION", ""),
            item_classes={f.item: f.value or "unrated" for f in items},
            weights={i: basic_weight for i in basic if basic_weight != 1},
        ),
    ]
    return out


def composite(figures: Sequence[Figure], weights: dict[str, float]) -> float | None:
    """Σ weight × value × 100 (e.g. Beijing 0.1/0.5/0.4); None when any weighted figure is unrated."""
    total = 0.0
    for f in figures:
        w = weights.get(f.indicator)
        if w is None:
            continue
        if f.value is None:
            return None
        total += w * f.value * 100
    return round(total, 6)


# ---------------------------------------------------------------------------------------------
# 达川-style points


def points_rate(value: float | None, points: float) -> float:
    return 0.0 if value is None else value * points


def points_repeat(points: float, repeat_increase: int) -> float:
    """10 points minus 1 per additional repeat item (per monthly cycle), floor 0."""
    return max(0.0, points - max(0, repeat_increase))


# ---------------------------------------------------------------------------------------------
# Rankings (minimum sample) and monthly trend periods


@dataclass(frozen=True)
class Ranked:
    key: Hashable
    figure: Figure
    rank: int | None  # None: not ranked (not rated, or below the minimum sample)


def rank(entries: Sequence[tuple[Hashable, Figure]], *, higher_is_better: bool = True) -> list[Ranked]:
    """Rank by value (ties share a rank); figures not rated or with an insufficient sample are
    listed after the ranked ones, unranked — a unit with 3 items is not ranked against one with 300."""
    eligible = [(k, f) for k, f in entries if f.value is not None and not f.insufficient_sample]
    rest = [(k, f) for k, f in entries if f.value is None or f.insufficient_sample]
    eligible.sort(key=lambda kf: -(kf[1].value or 0.0) if higher_is_better else (kf[1].value or 0.0))
    out: list[Ranked] = []
    prev: float | None = None
    current = 0
    for i, (k, f) in enumerate(eligible, start=1):
        if f.value != prev:
            current = i
            prev = f.value
        out.append(Ranked(k, f, current))
    out.extend(Ranked(k, f, None) for k, f in rest)
    return out


def month_periods(date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar months covering [date_from, date_to], clipped to it."""
    out: list[tuple[dt.date, dt.date]] = []
    start = date_from
    while start <= date_to:
        nxt = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(nxt - dt.timedelta(days=1), date_to)
        out.append((start, end))
        start = nxt
    return out
