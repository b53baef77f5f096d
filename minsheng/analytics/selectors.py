"""Read-only analytics over the database: scoped petitions, de-identified records, hot issues,
weekly series per (level-1 category × district), period figures.

Nothing here reads a petitioner's personal data: the petitioner key given to the algorithms is
``petitioner_id``; texts shown to analysts go through :func:`deidentify`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.analytics.nlp.hotspots import HotIssue, HotIssueParams, find_hot_issues
from minsheng.analytics.nlp.records import Message
from minsheng.analytics.nlp.runner import LocalRunner, Runner, coalesce, partition_positions
from minsheng.analytics.nlp.trends import (
    Spike,
    WeeklySeries,
    detect_spikes,
    merge_counts,
    partial_counts,
    series_from_counts,
    week_start,
)
from minsheng.analytics.wording import UNCLASSIFIED
from minsheng.orgs.models import Category, Region
from minsheng.orgs.selectors import organ_subtree_ids, region_subtree_ids
from minsheng.petitions.models import Channel, Nature, Petition, State
from minsheng.petitions.selectors import petitions_visible_to
from minsheng.workflow import rulesets

AnyUser = AbstractBaseUser | AnonymousUser

UNKNOWN_REGION = "未知地区"
#: Deadlines whose on-time share the situation report gives (workflow.rulesets).
ON_TIME_RULES = rulesets.REPORT_ON_TIME_RULES

_PHONE_RE = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"
)
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER_RE = re.compile(r"(?<!\d)\d{9,}(?!\d)")
# Digits written with spaces, hyphens or brackets between them — (0731)88886666, 0731 8888 6666,
# 1380 013 8000, 110101 19900307 4514 — and bare landlines (88886666): a run holding 7 or more
# digits is a number that names someone, unless it is a date (2025-03-01).
_DIGIT_RUN_RE = re.compile(r"(?<![\dA-Za-z])[(（]?\d[\d \-－()（）]*[\dXx](?![\dA-Za-z])")
_DATE_RE = re.compile(r"\d{4}[-－]\d{1,2}[-－]\d{1,2}")
_MIN_NUMBER_DIGITS = 7


def _mask_digit_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if sum(c.isdigit() for c in run) < _MIN_NUMBER_DIGITS or _DATE_RE.fullmatch(run.strip()):
        return run
    return "＊＊＊"


def deidentify(text: str, names: Iterable[str] = ()) -> str:
    """Mask phone numbers, ID-card numbers, e-mail addresses, long digit runs and the given names."""
    text = text or ""
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, "某某")
    text = _EMAIL_RE.sub("＊＊＊", text)
    text = _ID_RE.sub("＊＊＊", text)
    text = _PHONE_RE.sub("＊＊＊", text)
    text = _LONG_NUMBER_RE.sub("＊＊＊", text)
    return _DIGIT_RUN_RE.sub(_mask_digit_run, text)


@dataclass(frozen=True)
class Scope:
    """A period (local dates, both inclusive) and optional organ / region / category filters."""

    date_from: dt.date
    date_to: dt.date
    organ_id: int | None = None
    region_code: str | None = None
    category_id: int | None = None

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Scope:
        """The period of the same length just before this one, same filters."""
        length = dt.timedelta(days=self.days)
        return Scope(
            self.date_from - length,
            self.date_from - dt.timedelta(days=1),
            self.organ_id,
            self.region_code,
            self.category_id,
        )

    def start_dt(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date_from, dt.time.min))

    def end_dt(self) -> dt.datetime:
        """Exclusive end: midnight after ``date_to``."""
        return timezone.make_aware(dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min))


def scope_filter(qs: QuerySet[Petition], scope: Scope, *, dated: bool = True) -> QuerySet[Petition]:
    """Petitions of ``qs`` in the scope's filters (and received in its period when ``dated``)."""
    if dated:
        qs = qs.filter(received_at__gte=scope.start_dt(), received_at__lt=scope.end_dt())
    if scope.organ_id is not None:
        organs = organ_subtree_ids([scope.organ_id])
        qs = qs.filter(
            Q(receiving_organ_id__in=organs)
            | Q(current_organ_id__in=organs)
            | Q(handling_organ_id__in=organs)
        )
    if scope.region_code:
        region = Region.objects.filter(code=scope.region_code).first()
        if region is None:
            return qs.none()
        qs = qs.filter(region_id__in=region_subtree_ids([region.pk]))
    if scope.category_id is not None:
        category = Category.objects.filter(pk=scope.category_id).first()
        if category is None:
            return qs.none()
        qs = qs.filter(Q(category_id=category.pk) | Q(category__path__startswith=category.path + "/"))
    return qs


def scoped_petitions(scope: Scope, user: AnyUser | None = None, *, dated: bool = True) -> QuerySet[Petition]:
    """The petitions in ``scope``; limited to what ``user`` may see when a user is given."""
    base = petitions_visible_to(user) if user is not None else Petition.objects.all()
    return scope_filter(base, scope, dated=dated)


# --- districts and level-1 categories ------------------------------------------------------------


@dataclass
class Lookups:
    """Region id → its district (level 3), and level-1 category names → ids."""

    district_of: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # id → (id, code, name)
    category_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Lookups:
        rows = {r[0]: r for r in Region.objects.values_list("pk", "parent_id", "level", "code", "name")}
        district_of: dict[int, tuple[int, str, str]] = {}
        for pk in rows:
            node: tuple[Any, ...] | None = rows[pk]
            while node is not None and node[2] > 3:
                node = rows.get(node[1])
            if node is not None and node[2] == 3:
                district_of[pk] = (node[0], node[3], node[4])
        categories = dict(Category.objects.filter(level=1).values_list("name", "pk"))
        return cls(district_of=district_of, category_ids=categories)


def districts(city_code: str | None = None) -> list[Region]:
    """The level-3 regions (districts and counties), of one city when ``city_code`` is given."""
    qs = Region.objects.filter(level=Region.Level.COUNTY)
    if city_code:
        qs = qs.filter(parent__code=city_code)
    return list(qs.order_by("code"))


@dataclass(frozen=True)
class PetitionRecord:
    """One petition as the analytics see it: no personal data; ``message.id`` is the tracking code."""

    pk: int
    tracking_code: str
    message: Message
    channel: str
    category: str
    category_id: int | None
    district: str
    district_code: str
    district_id: int | None
    state: str


def petition_records(qs: QuerySet[Petition], lookups: Lookups | None = None) -> list[PetitionRecord]:
    """Records for the pure algorithms, in received order.

    The message text starts with the district name and the place text, so that the algorithms'
    region parsing sees the petition's region even when the title does not name it.
    """
    look = lookups or Lookups.load()
    rows = qs.order_by("received_at", "pk").values_list(
        "pk",
        "tracking_code",
        "title",
        "request",
        "facts",
        "place_text",
        "received_at",
        "petitioner_id",
        "channel",
        "category__path",
        "region_id",
        "state",
    )
    tz = timezone.get_current_timezone()
    out: list[PetitionRecord] = []
    for (
        pk,
        code,
        title,
        request,
        facts,
        place,
        received,
        petitioner_id,
        channel,
        path,
        region_id,
        state,
    ) in rows:
        level1 = path.split("/")[0] if path else ""
        district = look.district_of.get(region_id) if region_id else None
        district_name = district[2] if district else ""
        text = "\n".join(part for part in (f"{district_name}{place}".strip(), request, facts) if part)
        message = Message(
            id=code,
            user=f"p{petitioner_id}" if petitioner_id else f"anon{pk}",
            title=title,
            text=text,
            day=timezone.localtime(received, tz).date(),
            category=level1,
        )
        out.append(
            PetitionRecord(
                pk=pk,
                tracking_code=code,
                message=message,
                channel=channel,
                category=level1 or UNCLASSIFIED,
                category_id=look.category_ids.get(level1),
                district=district_name or UNKNOWN_REGION,
                district_code=district[1] if district else "",
                district_id=district[0] if district else None,
                state=state,
            )
        )
    return out


def known_names(petition_ids: Iterable[int]) -> set[str]:
    """Names recorded with these petitions (petitioner, representatives, accused person), to mask them.

    Read only to remove them from texts shown to analysts; never returned to a caller.
    """
    ids = set(petition_ids)
    rows = Petition.objects.filter(pk__in=ids).select_related("petitioner")
    return set().union(*names_by_petition(rows).values())


def names_by_petition(petitions: Iterable[Petition]) -> dict[int, set[str]]:
    """The names recorded with each of these petitions already read: the petitioners not joined
    to the read, and the representatives, cost one statement each for all of them. Each text is
    masked with its own petition's names only — masked with a page's names, a title would read
    differently in a list than on its case page, and tell which petition a name belongs to."""
    from minsheng.petitions.models import Petitioner, Representative

    petitioner_field = Petition._meta.get_field("petitioner")
    names: dict[int, set[str]] = {}
    unread: dict[int, list[int]] = {}
    for petition in petitions:
        own = names.setdefault(petition.pk, set())
        if petitioner_field.is_cached(petition):  # type: ignore[union-attr]
            if petition.petitioner is not None:
                own.add(petition.petitioner.name.strip())
        elif petition.petitioner_id is not None:
            unread.setdefault(petition.petitioner_id, []).append(petition.pk)
        if petition.accused_person:
            own.update(p.strip() for p in re.split(r"[、，,；;\s]+", petition.accused_person))
    if unread:
        for petitioner in Petitioner.objects.filter(pk__in=unread):
            for pk in unread[petitioner.pk]:
                names[pk].add(petitioner.name.strip())
    for pk, name in Representative.objects.filter(petition_id__in=names).values_list("petition_id", "name"):
        names[pk].add((name or "").strip())
    return {pk: {n for n in own if len(n) >= 2} for pk, own in names.items()}


def recorded_names(petition: Petition) -> set[str]:
    """``names_by_petition`` for one petition, kept on the instance for the rest of its use: a
    registration indexes its texts twice (search, similarity) and must not read them twice."""
    cached: set[str] | None = getattr(petition, "_recorded_names", None)
    if cached is None:
        cached = names_by_petition([petition])[petition.pk]
        petition._recorded_names = cached  # type: ignore[attr-defined]
    return cached


# --- hot issues ----------------------------------------------------------------------------------


def hot_issue_dict(issue: HotIssue, names: Iterable[str] = ()) -> dict[str, Any]:
    """The JSON shape of ``minsheng hot-issues`` (members are tracking codes), de-identified."""
    names = tuple(names)
    data = issue.as_dict()
    data["title"] = deidentify(data["title"], names)
    data["place"] = deidentify(data["place"], names)
    data["keywords"] = [k for k in data["keywords"] if deidentify(k, names) == k]
    return data


def record_partitions(records: Sequence[PetitionRecord]) -> list[list[int]]:
    """Positions of ``records`` partitioned by district and calendar month (the map partitions of
    the hot-issue and trend jobs; docs/operations.md "Analytics on Dask")."""
    return partition_positions([(r.district_code, r.message.day.strftime("%Y-%m")) for r in records])


def hot_issues_from_records(
    records: Sequence[PetitionRecord],
    *,
    top: int = 20,
    now: dt.date | None = None,
    min_size: int = 2,
    runner: Runner | None = None,
) -> list[dict[str, Any]]:
    """The hot issues of ``records``; the per-petition features are computed per (district, month)
    partition on ``runner`` (default: this process), and the result is the same for any runner."""
    issues = find_hot_issues(
        [r.message for r in records],
        top=top,
        now=now,
        params=HotIssueParams(min_size=min_size, division_lists=tuple(settings.MINSHENG_DIVISION_LISTS)),
        runner=runner,
        partitions=record_partitions(records),
    )
    pk_of = {r.tracking_code: r.pk for r in records}
    names = known_names(pk_of[str(m)] for h in issues for m in h.members if str(m) in pk_of)
    return [hot_issue_dict(h, names) for h in issues]


def hot_issues(
    scope: Scope,
    user: AnyUser | None = None,
    *,
    top: int = 20,
    now: dt.date | None = None,
    min_size: int = 2,
    runner: Runner | None = None,
) -> list[dict[str, Any]]:
    """Ranked same-matter groups of the petitions received in ``scope`` (``now`` defaults to its end)."""
    records = petition_records(scoped_petitions(scope, user))
    return hot_issues_from_records(
        records, top=top, now=now or scope.date_to, min_size=min_size, runner=runner
    )


# --- weekly series and spikes --------------------------------------------------------------------

SeriesKey = tuple[str, str]


def series_key_of(record: PetitionRecord) -> SeriesKey:
    return (record.category, record.district)


def weekly_series(
    records: Sequence[PetitionRecord],
    *,
    first_week: dt.date | None = None,
    last_week: dt.date | None = None,
    runner: Runner | None = None,
) -> dict[Hashable, WeeklySeries]:
    """Weekly counts per (level-1 category, district), zero weeks included: partial counts per
    (district, month) partition on ``runner`` (default: this process), summed."""
    tasks = coalesce(record_partitions(records))
    items = [[(series_key_of(records[i]), records[i].message.day) for i in idx] for idx in tasks]
    parts = (runner or LocalRunner()).map(partial_counts, items)
    return series_from_counts(merge_counts(parts), first_week=first_week, last_week=last_week)


def weekly_totals(records: Iterable[PetitionRecord], first_week: dt.date, last_week: dt.date) -> list[int]:
    counts: Counter[dt.date] = Counter(week_start(r.message.day) for r in records)
    n = (week_start(last_week) - week_start(first_week)).days // 7 + 1
    return [counts.get(week_start(first_week) + dt.timedelta(days=7 * i), 0) for i in range(n)]


#: The one definition of a spike (异常增长), used by the worker that records and notifies alerts,
#: the dashboard and the situation report: a week of a (level-1 category, district) series tested
#: against its ``SPIKE_BASELINE_WEEKS`` weeks before (conditional exact Poisson test), the false
#: discovery rate held at ``SPIKE_ALPHA`` across all series of that week (Benjamini–Hochberg), at
#: least ``SPIKE_MIN_COUNT`` petitions in the week. Only complete weeks are tested.
SPIKE_ALPHA = 0.01
SPIKE_BASELINE_WEEKS = 8
SPIKE_MIN_COUNT = 5


def spike_window(
    first_week: dt.date, last_week: dt.date, baseline_weeks: int = SPIKE_BASELINE_WEEKS
) -> tuple[dt.datetime, dt.datetime]:
    """Received-at bounds of the petitions the spikes of weeks ``first_week``..``last_week`` read."""
    first = week_start(first_week) - dt.timedelta(days=7 * baseline_weeks)
    end = week_start(last_week) + dt.timedelta(days=7)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end, dt.time.min)),
    )


def spike_records(
    first_week: dt.date,
    last_week: dt.date,
    lookups: Lookups | None = None,
    baseline_weeks: int = SPIKE_BASELINE_WEEKS,
) -> list[PetitionRecord]:
    """Every petition the spike test of those weeks reads (all organs and districts: the false
    discovery rate is controlled across every series of a week, whoever looks at the result) —
    except accusations: a spike and its count are computed once, stored and sent to every
    subscriber, the accused side among them, and a count that moved with an accusation (or a
    spike that exists only because of one) would tell him it exists (R-150)."""
    start, end = spike_window(first_week, last_week, baseline_weeks)
    rows = Petition.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
        nature=Nature.ACCUSATION
    )
    return petition_records(rows, lookups)


def spikes_in_week(
    records: Sequence[PetitionRecord],
    week: dt.date,
    *,
    alpha: float = SPIKE_ALPHA,
    baseline_weeks: int = SPIKE_BASELINE_WEEKS,
    min_count: int = SPIKE_MIN_COUNT,
    runner: Runner | None = None,
) -> list[Spike]:
    """Spikes of the week starting ``week_start(week)`` against the ``baseline_weeks`` before it."""
    tested = week_start(week)
    first = tested - dt.timedelta(days=7 * baseline_weeks)
    in_range = [r for r in records if first <= r.message.day < tested + dt.timedelta(days=7)]
    series = weekly_series(in_range, first_week=first, last_week=tested, runner=runner)
    return detect_spikes(series, alpha=alpha, baseline_weeks=baseline_weeks, min_count=min_count)


# --- period figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnTime:
    rule: str
    due: int  # decided deadlines due in the period (met, breached, or open past due)
    on_time: int
    pending: int  # still open and not yet due
    indicator: str = ""  # the assessment indicator the row is computed as (minsheng.assessment)
    definition_id: str = ""

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None


#: Rows computed as the assessment indicators (same definitions as the indicators and /stats/):
#: 受理告知 = I-ACCEPT-ORGAN, 办理 = I-ONTIME-REPLY (first-time items, ordinary and simplified
#: handling, approved extensions included), the bureau's 15 days = I-ACCEPT-BUREAU.
ROW_INDICATORS: dict[str, str] = {
    "D-BUREAU-15": "I-ACCEPT-BUREAU",
    "D-NOTICE-15": "I-ACCEPT-ORGAN",
    "D-HANDLE-60": "I-ONTIME-REPLY",
}


def on_time_figures(
    scope: Scope, user: AnyUser | None = None, *, today: dt.date | None = None
) -> list[OnTime]:
    """Per rule: items whose deadline's ``statutory_due`` falls in the period, and how many met it,
    by the assessment formulas (minsheng.assessment.formulas.timeliness); the rows of
    ``ROW_INDICATORS`` under the assessment definitions of those indicators."""
    from minsheng.assessment import definitions as D
    from minsheng.assessment import formulas as F
    from minsheng.workflow.models import Deadline

    today = today or timezone.localdate()
    petitions = scoped_petitions(scope, user, dated=False)
    version = D.latest_version()
    defs = {d["id"]: d for d in D.indicator_defs("xinfang", version)}
    out = []
    for rule in ON_TIME_RULES:
        indicator = ROW_INDICATORS.get(rule, "")
        d = defs.get(indicator, {})
        qs = Deadline.objects.filter(
            rule__in=list(d.get("deadline_rules", [rule])),
            statutory_due__gte=scope.date_from,
            statutory_due__lte=scope.date_to,
            petition__in=petitions,
        )
        if d.get("first_time_only"):
            qs = qs.filter(petition__is_first_time=True)
        facts = [
            F.DeadlineFact(
                pid,
                status,
                statutory_due,
                timezone.localtime(met_at).date() if met_at is not None else None,
                done_late=met_late,
            )
            for pid, status, met_at, met_late, statutory_due in qs.values_list(
                "petition_id", "status", "met_at", "met_late", "statutory_due"
            )
        ]
        definition_id = D.definition_id(version, "xinfang", indicator, d.get("variant")) if d else ""
        fig = F.timeliness(indicator or rule, definition_id, facts, today, min_n=1)
        out.append(
            OnTime(
                rule=rule,
                due=fig.denominator,
                on_time=int(fig.numerator),
                pending=fig.classes[F.PENDING],
                indicator=indicator,
                definition_id=definition_id,
            )
        )
    return out


@dataclass(frozen=True)
class Satisfaction:
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    basic_counts: bool
    definition_id: str = ""  # the assessment definition it is computed as (minsheng.assessment)

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    @property
    def share(self) -> float | None:
        good = self.satisfied + (self.basically_satisfied if self.basic_counts else 0)
        return good / self.rated if self.rated else None


def satisfaction(scope: Scope, user: AnyUser | None = None) -> Satisfaction:
    """The competent organs' ratings recorded in the period, counted as the assessment indicator
    I-SATISFACTION-ORGAN counts them (minsheng.assessment: target 责任单位, one rating per petition,
    petitions outside the satisfaction scope left out, 基本满意 per the setting) -- the same figure
    as the indicator page and the public /stats/ page, limited to the petitions of the scope."""
    from minsheng.assessment import definitions as D
    from minsheng.assessment import formulas as F
    from minsheng.assessment.selectors import basic_counts_setting, evaluation_facts
    from minsheng.workflow.models import Rating

    version = D.latest_version()
    facts = evaluation_facts(
        Rating.Target.ORGAN, None, scope.date_from, scope.date_to, version, with_unrated=False
    )
    visible = set(
        scoped_petitions(scope, user, dated=False)
        .filter(pk__in=[f.item for f in facts])
        .values_list("pk", flat=True)
    )
    basic = basic_counts_setting()
    fig = F.satisfaction(
        "I-SATISFACTION-ORGAN",
        D.definition_id(version, "xinfang", "I-SATISFACTION-ORGAN", D.satisfaction_variant(basic)),
        [f for f in facts if f.item in visible],
        basic_weight=1.0 if basic else 0.0,
        min_n=1,
    )
    return Satisfaction(
        satisfied=fig.classes.get(F.SATISFIED, 0),
        basically_satisfied=fig.classes.get(F.BASICALLY_SATISFIED, 0),
        unsatisfied=fig.classes.get(F.UNSATISFIED, 0),
        basic_counts=basic,
        definition_id=fig.definition_id,
    )


def mix(records: Iterable[PetitionRecord], attr: str) -> list[tuple[str, int]]:
    """Counts by a record attribute, largest first (ties by label)."""
    counts = Counter(str(getattr(r, attr)) for r in records)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class DrillRow:
    """A de-identified petition for the drill-down: no petitioner data at all."""

    tracking_code: str
    title: str
    request: str
    state: str
    state_label: str
    received_on: dt.date
    category: str
    district: str


def drill_down(
    scope: Scope,
    user: AnyUser | None = None,
    *,
    codes: Sequence[str] | None = None,
    category: str | None = None,
    district: str | None = None,
    week: dt.date | None = None,
    limit: int = 200,
) -> list[DrillRow]:
    """De-identified petitions of the scope, optionally of a set of tracking codes / series / week."""
    qs = scoped_petitions(scope, user, dated=not codes)
    if codes:
        qs = qs.filter(tracking_code__in=list(codes)[:500])
    records = petition_records(qs)
    if category:
        records = [r for r in records if r.category == category]
    if district:
        records = [r for r in records if r.district == district]
    if week:
        records = [r for r in records if week_start(r.message.day) == week_start(week)]
    by_pk = {
        pk: (title, request)
        for pk, title, request in Petition.objects.filter(
            pk__in=[r.pk for r in records[-limit:]]
        ).values_list("pk", "title", "request")
    }
    names = known_names(by_pk)
    rows = []
    for r in reversed(records[-limit:]):
        title, request = by_pk[r.pk]
        rows.append(
            DrillRow(
                tracking_code=r.tracking_code,
                title=deidentify(title, names),
                request=deidentify(request, names)[:300],
                state=r.state,
                state_label=state_label(r.state),
                received_on=r.message.day,
                category=r.category,
                district=r.district,
            )
        )
    return rows
