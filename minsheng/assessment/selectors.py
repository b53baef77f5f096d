"""Figures of an organ and period: the facts read from the case records, evaluated by the pure
formulas under the versioned definitions; frozen figures read back as stored; drill-down to the
petitions behind a figure through the visibility policy; rankings and monthly trends.

Attribution (ACCOUNTABILITY.md §3 conventions):
- timeliness: the organ the deadline runs against (``Deadline.organ``): the registering bureau
  for D-BUREAU-15, the competent organ for D-NOTICE-15 and the handling deadlines;
- ratings: the organ rated (``Rating.organ``), separately for target ``bureau`` and ``organ``;
  unrated items: the bureau that registered them, or the organ that answered them;
- repeat rate: the registering organ; resolution rate: the organ whose handling deadline was met.

``organ_id=None`` means every organ (the jurisdiction-wide figures of the public /stats/ page).
The figures of an organ count every item of that organ, whoever asks; who may ask is checked at
the interfaces (``can_view_organ``); the drill-down lists only petitions the viewer may see.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from minsheng.assessment import definitions as D
from minsheng.assessment import formulas as F
from minsheng.assessment.models import AssessmentPeriod, FrozenFigure
from minsheng.assessment.names import indicator_name
from minsheng.core.calendar import calendar_period
from minsheng.orgs.models import Organ
from minsheng.orgs.selectors import is_admin, memberships_of, organ_subtree_ids, visible_organ_scope
from minsheng.petitions.models import Nature, Petition
from minsheng.workflow import deadlines as dl
from minsheng.workflow import rulesets
from minsheng.workflow.models import Appeal, Deadline, Opinion, PetitionEvent, Rating

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass
class IndicatorSet:
    organ_id: int | None
    date_from: dt.date
    date_to: dt.date
    profile: str
    definitions_version: str
    basic_counts: bool
    computed_on: dt.date
    figures: list[F.Figure]
    composite: float | None = None
    frozen: bool = False
    frozen_at: dt.datetime | None = None
    period_version: int | None = None
    period_id: int | None = None
    subtree: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def figure(self, indicator: str) -> F.Figure:
        return next(f for f in self.figures if f.indicator == indicator)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organ_id": self.organ_id,
            "subtree": self.subtree,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "profile": self.profile,
            "definitions_version": self.definitions_version,
            "basic_satisfied_counts": self.basic_counts,
            "computed_on": self.computed_on.isoformat(),
            "frozen": self.frozen,
            "frozen_at": self.frozen_at.isoformat() if self.frozen_at else None,
            "period_version": self.period_version,
            "composite": self.composite,
            "indicators": [figure_dict(f) for f in self.figures],
        }


def figure_dict(figure: F.Figure) -> dict[str, Any]:
    """A figure as the API and ``minsheng indicators`` print it: its id, then its name in the active
    language (the workbench's and the reports' name), then the formula's fields."""
    data = figure.as_dict()
    return {"indicator": data.pop("indicator"), "name": indicator_name(figure.indicator), **data}


def basic_counts_setting() -> bool:
    return bool(getattr(settings, "MINSHENG_BASIC_SATISFIED_COUNTS", True))


def variants_setting() -> dict[str, str]:
    """Alternative definitions chosen by settings (the organ's acceptance clock, A-021)."""
    chosen = str(getattr(settings, "MINSHENG_ORGAN_ACCEPTANCE_VARIANT", "statutory") or "statutory")
    return {"I-ACCEPT-ORGAN": chosen} if chosen != "statutory" else {}


# ---------------------------------------------------------------------------------------------
# Facts


def _local(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _start(d: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(d, dt.time.min))


def _end(d: dt.date) -> dt.datetime:
    return _start(d + dt.timedelta(days=1))


#: One organ (its id), several organs (an organ and those below it: ``subtree``), or all (None).
OrganSel = int | frozenset[int] | None


def _q(field: str, sel: OrganSel) -> Q:
    if sel is None:
        return Q()
    if isinstance(sel, int):
        return Q(**{field: sel})
    return Q(**{f"{field}__in": sorted(sel)})


def _scope_exclusion_q(version: str | None) -> Q:
    """Petitions out of satisfaction scope (definitions ``satisfaction_scope``)."""
    scope = D.load(version)["satisfaction_scope"]
    q = (
        Q(nature__in=scope["exclude_natures"])
        | Q(route__in=scope["exclude_routes"])
        | Q(state__in=scope["exclude_states"])
    )
    if scope.get("exclude_anonymous"):
        q |= Q(is_anonymous=True)
    return q


def _out_of_scope_ids(ids: Iterable[int], version: str | None) -> set[int]:
    return set(
        Petition.objects.filter(pk__in=set(ids))
        .filter(_scope_exclusion_q(version))
        .values_list("pk", flat=True)
    )


def deadline_facts(
    rules: Sequence[str],
    organ_id: OrganSel,
    date_from: dt.date,
    date_to: dt.date,
    *,
    first_time_only: bool = False,
) -> list[F.DeadlineFact]:
    qs = Deadline.objects.filter(
        rule__in=list(rules), statutory_due__gte=date_from, statutory_due__lte=date_to
    )
    qs = qs.filter(_q("organ_id", organ_id))
    if first_time_only:
        qs = qs.filter(petition__is_first_time=True)
    return [
        F.DeadlineFact(
            item=pid,
            status=status,
            statutory_due=due,
            done_on=_local(met_at) if met_at is not None else None,
            done_late=met_late,
        )
        for pid, status, due, met_at, met_late in qs.values_list(
            "petition_id", "status", "statutory_due", "met_at", "met_late"
        )
    ]


def registration_clock_facts(
    organ_id: OrganSel, date_from: dt.date, date_to: dt.date, days: int
) -> list[F.DeadlineFact]:
    """A-021 ``gd_30d``: the organ's written notice counted from registration + ``days`` (the GD
    queries), for the items sent to the organ (those with its D-NOTICE-15 deadline)."""
    qs = Deadline.objects.filter(
        rule="D-NOTICE-15",
        petition__received_at__gte=_start(date_from - dt.timedelta(days=days)),
        petition__received_at__lt=_end(date_to - dt.timedelta(days=days)),
    )
    qs = qs.filter(_q("organ_id", organ_id))
    facts: dict[int, F.DeadlineFact] = {}
    for pid, status, received, notice, accepted in qs.order_by("pk").values_list(
        "petition_id", "status", "petition__received_at", "petition__notice_given_at", "petition__accepted_at"
    ):
        due = _local(received) + dt.timedelta(days=days)
        if not date_from <= due <= date_to:
            continue
        done = notice or accepted
        if status in F.NOT_COUNTED_STATUSES and done is None:
            facts.setdefault(pid, F.DeadlineFact(pid, status, due))
            continue
        facts[pid] = F.DeadlineFact(pid, "met" if done else "open", due, _local(done) if done else None)
    return list(facts.values())


def _bureau_ids(organ_id: OrganSel) -> QuerySet[Organ]:
    return Organ.objects.filter(kind=Organ.Kind.PETITION_BUREAU).filter(_q("pk", organ_id))


def evaluation_facts(
    party: str,
    organ_id: OrganSel,
    date_from: dt.date,
    date_to: dt.date,
    version: str | None,
    *,
    with_unrated: bool,
) -> list[F.EvaluationFact]:
    """Rated items (rating recorded in the period) and, with ``with_unrated``, unrated items whose
    rating window closes in the period (超期未评价, or still open: 待评价)."""
    ratings = Rating.objects.filter(target=party, rated_at__gte=_start(date_from), rated_at__lt=_end(date_to))
    ratings = ratings.filter(_q("organ_id", organ_id))
    rated = list(ratings.order_by("rated_at", "pk").values_list("petition_id", "value"))
    candidates: dict[int, dt.date] = {}
    if with_unrated:
        candidates = _unrated_windows(party, organ_id, date_from, date_to)
    out_of_scope = _out_of_scope_ids([p for p, _v in rated] + list(candidates), version)
    facts = [F.EvaluationFact(pid, value, None, pid not in out_of_scope) for pid, value in rated]
    facts += [
        F.EvaluationFact(pid, None, closes, pid not in out_of_scope) for pid, closes in candidates.items()
    ]
    return facts


def _unrated_windows(
    party: str, organ_id: OrganSel, date_from: dt.date, date_to: dt.date
) -> dict[int, dt.date]:
    """Items never rated for ``party`` whose rating window (from the first answer the petitioner
    could rate, D-SATISFACTION-WINDOW) closes in the period."""
    days = rulesets.configured_length(rulesets.RATING_WINDOW_RULE) or 30
    # Answers whose window may close in the period (the window is ``days`` plus a roll-over).
    events = PetitionEvent.objects.filter(
        to_state__in=list(rulesets.RATEABLE),
        occurred_at__gte=_start(date_from - dt.timedelta(days=days + 15)),
        occurred_at__lt=_end(date_to),
    )
    if party == Rating.Target.BUREAU:
        events = events.filter(petition__receiving_organ__in=_bureau_ids(organ_id))
    elif organ_id is not None:
        events = events.filter(
            _q("actor_organ_id", organ_id)
            | (Q(actor_organ__isnull=True) & _q("petition__current_organ_id", organ_id))
        )
    first = list(events.values("petition_id").annotate(at=Min("occurred_at")))
    rated = set(
        Rating.objects.filter(target=party, petition_id__in=[r["petition_id"] for r in first]).values_list(
            "petition_id", flat=True
        )
    )
    cache: dict[dt.date, dt.date] = {}
    out: dict[int, dt.date] = {}
    for row in first:
        pid = row["petition_id"]
        if pid in rated:
            continue
        answered = _local(row["at"])
        if answered not in cache:
            cache[answered] = dl.compute_rule_due(rulesets.RATING_WINDOW_RULE, answered).due.statutory_due
        closes = cache[answered]
        if date_from <= closes <= date_to:
            out[pid] = closes
    return out


def registration_facts(organ_id: OrganSel, date_from: dt.date, date_to: dt.date) -> list[F.RegistrationFact]:
    qs = Petition.objects.filter(received_at__gte=_start(date_from), received_at__lt=_end(date_to))
    qs = qs.filter(_q("receiving_organ_id", organ_id))
    return [
        F.RegistrationFact(pk, is_repeat=not first, in_scope=nature != "litigation_related", channel=channel)
        for pk, first, nature, channel in qs.values_list("pk", "is_first_time", "nature", "channel")
    ]


def resolution_facts(
    organ_id: OrganSel, date_from: dt.date, date_to: dt.date, window_days: int, today: dt.date
) -> list[F.ResolutionFact]:
    """初信初访化解率's facts: the first-time items the organ concluded — on time or late (a clock
    the sweep marked breached and met afterwards still concluded the item) — whose ``conclusion
    day + W`` falls in the period, each with the days the same petitioner came back *on the same
    matter* after the conclusion: a petition whose first item (R-050 match, Petition.first_item) or
    related item it is, received after the moment of conclusion (the same day included)."""
    w = dt.timedelta(days=window_days)
    qs = Deadline.objects.filter(
        rule__in=list(rulesets.CONCLUSION_RULES),
        met_at__isnull=False,
        petition__is_first_time=True,
        petition__concluded_at__gte=_start(date_from - w),
        petition__concluded_at__lt=_end(date_to - w),
    )
    qs = qs.filter(_q("organ_id", organ_id))
    concluded: dict[int, dt.datetime] = {}
    accusations: set[int] = set()
    for pid, at, nature in qs.values_list("petition_id", "petition__concluded_at", "petition__nature"):
        if at is None:
            continue
        on = _local(at)
        if date_from <= on + w <= date_to and on + w < today:
            concluded[pid] = at
            if nature == Nature.ACCUSATION:
                accusations.add(pid)
    repeats: dict[int, list[dt.date]] = defaultdict(list)
    later = Petition.objects.filter(
        Q(related_petition_id__in=list(concluded)) | Q(first_item_id__in=list(concluded))
    ).values_list("pk", "related_petition_id", "first_item_id", "received_at", "nature")
    for pk, related, first, received, nature in later:
        targets = {t for t in (related, first) if t in concluded}
        if nature == Nature.ACCUSATION:
            # An accusation is another matter than a grievance or a suggestion ("same matter"),
            # and counting it would tell the accused organ, through its own figure, that the
            # petitioner it answered has since accused someone: it repeats accusations only.
            targets &= accusations
        for t in targets - {pk}:
            if received > concluded[t]:  # came back after the answer, not before it
                repeats[t].append(_local(received))
    reviewed = set(
        Appeal.objects.filter(petition_id__in=list(concluded)).values_list("petition_id", flat=True)
    )
    return [
        F.ResolutionFact(pid, _local(at), tuple(repeats.get(pid, ())), reviewed=pid in reviewed)
        for pid, at in concluded.items()
    ]


def callback_facts(
    organ_id: OrganSel, date_from: dt.date, date_to: dt.date, version: str | None
) -> list[F.CallbackFact]:
    """Beijing profile: each rating of the competent organ in the period is a valid call-back."""
    prof = D.load(version)["profiles"]["beijing"]
    ratings = Rating.objects.filter(
        target=Rating.Target.ORGAN, rated_at__gte=_start(date_from), rated_at__lt=_end(date_to)
    )
    ratings = ratings.filter(_q("organ_id", organ_id))
    rated: dict[int, str] = {}
    for pid, value in ratings.order_by("rated_at", "pk").values_list("petition_id", "value"):
        rated.setdefault(pid, value)
    out_of_scope = _out_of_scope_ids(rated, version)
    ids = [pid for pid in rated if pid not in out_of_scope]
    contacted = set(
        Deadline.objects.filter(
            petition_id__in=ids, rule__in=["D-NOTICE-15", "D-SIMPLE-ACCEPT-3WD"], status=Deadline.Status.MET
        ).values_list("petition_id", flat=True)
    )
    solved = set(
        Opinion.objects.filter(petition_id__in=ids, outcome__in=prof["solved_outcomes"]).values_list(
            "petition_id", flat=True
        )
    ) | set(Petition.objects.filter(pk__in=ids, state__in=prof["solved_states"]).values_list("pk", flat=True))
    return [F.CallbackFact(pid, pid in contacted, pid in solved, rated[pid]) for pid in ids]


def gather_facts(
    profile: str,
    organ_id: OrganSel,
    date_from: dt.date,
    date_to: dt.date,
    today: dt.date,
    version: str | None = None,
    only: Sequence[str] | None = None,
    variants: dict[str, str] | None = None,
) -> D.Facts:
    variants = variants or {}
    if profile == "beijing":
        return D.Facts({}, callbacks=callback_facts(organ_id, date_from, date_to, version))
    by: dict[str, list[Any]] = {}
    # Indicators of one kind share their reads (repeat and channel share read the registrations;
    # the resolution rates of one window, the same answers): each is read once per call.
    shared: dict[tuple[Any, ...], list[Any]] = {}
    for d in D.indicator_defs(profile, version):
        iid, kind = d["id"], d["kind"]
        if only is not None and iid not in only:
            continue
        alt = d.get("variants", {}).get(variants.get(iid, ""))
        if kind == "timeliness" and alt and alt.get("clock") == "registration":
            by[iid] = registration_clock_facts(organ_id, date_from, date_to, int(alt["days"]))
        elif kind == "timeliness":
            by[iid] = deadline_facts(
                d["deadline_rules"],
                organ_id,
                date_from,
                date_to,
                first_time_only=bool(d.get("first_time_only")),
            )
        elif kind in ("participation", "satisfaction"):
            by[iid] = evaluation_facts(
                d["party"], organ_id, date_from, date_to, version, with_unrated=kind == "participation"
            )
        elif kind in ("repeat", "channel_share"):
            if ("registration",) not in shared:
                shared[("registration",)] = registration_facts(organ_id, date_from, date_to)
            by[iid] = shared[("registration",)]
        elif kind == "resolution":
            key = ("resolution", int(d["window_days"]))
            if key not in shared:
                shared[key] = resolution_facts(organ_id, date_from, date_to, int(d["window_days"]), today)
            by[iid] = shared[key]
    return D.Facts(by)


# ---------------------------------------------------------------------------------------------
# Figures: live, or as frozen


def compute_indicators(
    organ_id: int | None,
    date_from: dt.date,
    date_to: dt.date,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
    version: str | None = None,
    basic_counts: bool | None = None,
    only: Sequence[str] | None = None,
    subtree: bool = False,
) -> IndicatorSet:
    """The live figures (recomputed from the records now); ``only`` limits the indicators read
    (the others are left out). With ``subtree`` the organ and every organ below it count as one
    (属地: a county's government with its departments and townships)."""
    if profile not in D.PROFILES:
        raise ValueError(profile)
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    today = today or timezone.localdate()
    version = version or D.latest_version()
    basic = basic_counts_setting() if basic_counts is None else basic_counts
    variants = variants_setting()
    sel: OrganSel = organ_id
    if subtree and organ_id is not None:
        sel = frozenset(organ_subtree_ids([organ_id]))
    facts = gather_facts(profile, sel, date_from, date_to, today, version, only, variants)
    figures = D.evaluate(profile, facts, today, basic_counts=basic, version=version, variants=variants)
    if only is not None:
        figures = [f for f in figures if f.indicator in only]
    return IndicatorSet(
        organ_id=organ_id,
        date_from=date_from,
        date_to=date_to,
        profile=profile,
        definitions_version=version,
        basic_counts=basic,
        computed_on=today,
        figures=figures,
        composite=D.composite_score(profile, figures, version),
        subtree=subtree,
    )


def frozen_period(
    organ_id: int, date_from: dt.date, date_to: dt.date, profile: str, version: int | None = None
) -> AssessmentPeriod | None:
    qs = AssessmentPeriod.objects.filter(
        organ_id=organ_id, profile=profile, date_from=date_from, date_to=date_to
    )
    if version is not None:
        qs = qs.filter(version=version)
    return qs.order_by("-version").first()


def figure_from_row(row: FrozenFigure) -> F.Figure:
    return F.Figure(
        indicator=row.indicator,
        definition_id=row.definition_id,
        numerator=row.numerator,
        denominator=row.denominator,
        value=row.value,
        interval=None if row.lower is None or row.upper is None else F.Interval(row.lower, row.upper),
        insufficient_sample=row.insufficient_sample,
        classes=dict(row.classes),
        excluded=dict(row.excluded),
        numerator_ids=tuple(row.numerator_ids),
        denominator_ids=tuple(row.denominator_ids),
        definition_text=row.definition_text,
        item_classes={int(i): str(c) for i, c in row.item_classes},
        weights={int(i): float(w) for i, w in row.weights.items()},
        min_n=row.min_n,
    )


def period_indicators(period: AssessmentPeriod) -> IndicatorSet:
    figures = [figure_from_row(r) for r in period.figures.order_by("pk")]
    return IndicatorSet(
        organ_id=period.organ_id,
        date_from=period.date_from,
        date_to=period.date_to,
        profile=period.profile,
        definitions_version=period.definitions_version,
        basic_counts=period.basic_counts,
        computed_on=period.computed_on,
        figures=figures,
        composite=D.composite_score(period.profile, figures, period.definitions_version),
        frozen=True,
        frozen_at=period.frozen_at,
        period_version=period.version,
        period_id=period.pk,
    )


def indicators(
    organ_id: int,
    date_from: dt.date,
    date_to: dt.date,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
    live: bool = False,
    viewer: AnyUser | None = None,
    subtree: bool = False,
) -> IndicatorSet:
    """The figures of record: the latest frozen version of exactly this period when it has been
    assessed (later edits of the cases do not change them), otherwise the live figures.

    With ``viewer``: accusations whose accused side the viewer is on are taken out of every figure
    (R-150: for him they do not exist, not even as a count); for anybody else nothing changes."""
    result: IndicatorSet | None = None
    if not live and not subtree:  # frozen periods are per organ
        period = frozen_period(organ_id, date_from, date_to, profile)
        if period is not None:
            result = period_indicators(period)
    if result is None:
        result = compute_indicators(
            organ_id, date_from, date_to, profile=profile, today=today, subtree=subtree
        )
    if viewer is not None:
        result = for_viewer(result, viewer)
    return result


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter holding ``day``: its first and last day."""
    return calendar_period(day, "quarter")


#: How long :func:`default_view` keeps its choice for a viewer (seconds).
DEFAULT_VIEW_SECONDS = 300

#: How many quarters before the current one :func:`default_period` looks for figures.
DEFAULT_PERIOD_LOOKBACK = 4


def default_period(
    organ_id: int,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
    viewer: AnyUser | None = None,
    subtree: bool = False,
) -> tuple[dt.date, dt.date]:
    """The period the figures of ``organ_id`` (with ``subtree``: and the organs below it) are
    shown for when none is asked: the current calendar quarter when any of its figures counts
    something (a denominator above zero: items not yet due are left out, so a quarter that has
    just begun is usually still empty), otherwise the latest earlier quarter that does, up to
    :data:`DEFAULT_PERIOD_LOOKBACK` quarters back; with no figures in any of them, the current
    quarter.

    Quarters, because the assessment is made by quarter (the figures shown can be frozen and
    compared); the current one first, because it is the one the organ can still act on."""
    today = today or timezone.localdate()
    found = _quarter_with_figures(organ_id, profile=profile, today=today, viewer=viewer, subtree=subtree)
    return found or quarter_of(today)


def default_view(
    organ_id: int,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
    viewer: AnyUser | None = None,
) -> tuple[dt.date, dt.date, bool]:
    """The period and the scope (``subtree``) shown when neither is asked: the organ's own figures
    (:func:`default_period`); when the organ itself counts nothing in any of those quarters — a
    people's government or a bureau that hands its matters down — and the viewer may see the
    organs below it (:func:`can_view_subtree`), the organ with those below it."""
    today = today or timezone.localdate()
    # Up to 2 × (DEFAULT_PERIOD_LOOKBACK + 1) computations on a first visit: the choice is kept a
    # few minutes per viewer (the figures themselves are computed afresh for the page).
    key = f"assessment:default-view:{organ_id}:{profile}:{getattr(viewer, 'pk', None)}:{today.isoformat()}"
    kept = cache.get(key)
    if kept is not None:
        return dt.date.fromisoformat(kept[0]), dt.date.fromisoformat(kept[1]), bool(kept[2])
    own = _quarter_with_figures(organ_id, profile=profile, today=today, viewer=viewer, subtree=False)
    chosen: tuple[dt.date, dt.date, bool] = (*(own or quarter_of(today)), False)
    if own is None and viewer is not None and can_view_subtree(viewer, organ_id):
        below = _quarter_with_figures(organ_id, profile=profile, today=today, viewer=viewer, subtree=True)
        if below is not None:
            chosen = (below[0], below[1], True)
    cache.set(key, (chosen[0].isoformat(), chosen[1].isoformat(), chosen[2]), DEFAULT_VIEW_SECONDS)
    return chosen


def shown_view(
    organ_id: int,
    *,
    scope: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
    profile: str = "xinfang",
    viewer: AnyUser | None = None,
) -> tuple[dt.date, dt.date, bool]:
    """The period and scope (``subtree``) the figures of ``organ_id`` are shown for, from what was
    asked (``scope``: "organ", "subtree" or "" for none; a bound None when not asked): a scope
    asked is kept and a missing bound comes from :func:`default_period`; with no scope, a period
    asked is the organ's own figures, and no period takes :func:`default_view` (period and scope).
    The caller has checked that the viewer may see the subtree when it asks for it."""
    subtree = scope == "subtree"
    if date_from is not None and date_to is not None:
        return date_from, date_to, subtree
    if scope:
        default_from, default_to = default_period(organ_id, profile=profile, viewer=viewer, subtree=subtree)
    else:
        default_from, default_to, subtree = default_view(organ_id, profile=profile, viewer=viewer)
    return date_from or default_from, date_to or default_to, subtree


def _quarter_with_figures(
    organ_id: int, *, profile: str, today: dt.date, viewer: AnyUser | None, subtree: bool
) -> tuple[dt.date, dt.date] | None:
    """The current quarter or the latest of the :data:`DEFAULT_PERIOD_LOOKBACK` before it in which
    a figure counts something; None when none does."""
    start, end = quarter_of(today)
    for _ in range(DEFAULT_PERIOD_LOOKBACK + 1):
        result = indicators(
            organ_id, start, end, profile=profile, today=today, viewer=viewer, subtree=subtree
        )
        if any(f.denominator for f in result.figures):
            return start, end
        start, end = quarter_of(start - dt.timedelta(days=1))
    return None


def shielded_ids(viewer: AnyUser | None, ids: Iterable[Any]) -> set[int]:
    """Of ``ids``, the accusations ``viewer`` is on the accused side of."""
    from minsheng.petitions.confidentiality import shielded_accused_organs

    wanted = {int(str(i)) for i in ids}
    shielded = shielded_accused_organs(viewer) if wanted else frozenset()
    if not shielded:
        return set()
    return set(
        Petition.objects.filter(
            pk__in=wanted, nature=Nature.ACCUSATION, accused_organ_id__in=sorted(shielded)
        ).values_list("pk", flat=True)
    )


def without_accusations(result: IndicatorSet) -> IndicatorSet:
    """``result`` with every accusation taken out of every figure: for what is computed once and
    shown to everyone who may read an organ's figures (问责建议), the accused side among them —
    a figure that moved with an accusation would tell them it exists (R-150)."""
    every = {int(str(i)) for f in result.figures for i in f.item_classes}
    gone = set(Petition.objects.filter(pk__in=every, nature=Nature.ACCUSATION).values_list("pk", flat=True))
    return _without(result, gone)


def _without(result: IndicatorSet, gone: set[int]) -> IndicatorSet:
    if not gone:
        return result
    figures = [F.without(f, gone) for f in result.figures]
    return replace(
        result,
        figures=figures,
        composite=D.composite_score(result.profile, figures, result.definitions_version),
    )


def for_viewer(result: IndicatorSet, viewer: AnyUser | None) -> IndicatorSet:
    every = {i for f in result.figures for i in f.item_classes}
    return _without(result, shielded_ids(viewer, every))


# ---------------------------------------------------------------------------------------------
# Who may see an organ's figures; drill-down


def can_view_organ(user: AnyUser | None, organ_id: int) -> bool:
    """Staff of the organ, or of an organ above it (supervisors, leaders, analysts), or admins."""
    if user is None or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    if not memberships_of(user):
        return False
    direct, over = visible_organ_scope(user)
    return organ_id in direct or organ_id in over


def can_view_subtree(user: AnyUser | None, organ_id: int) -> bool:
    """The figures of an organ together with every organ below it: administrators, and the holders
    of a post that oversees the organ's subtree (supervisor, leader, analyst of it or above it)."""
    if user is None or not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    _direct, over = visible_organ_scope(user)
    return organ_id in over


@dataclass(frozen=True)
class DrillRow:
    """A de-identified petition behind a figure: no petitioner data at all."""

    id: int
    tracking_code: str
    title: str
    state: str
    received_on: dt.date
    in_numerator: bool


@dataclass(frozen=True)
class Drill:
    indicator: str
    part: str
    total: int
    hidden: int  # items behind the figure the viewer may not see (counted, never listed)
    rows: list[DrillRow]


def drill_down(
    user: AnyUser | None, figure: F.Figure, *, part: str = "denominator", limit: int = 500
) -> Drill:
    """The petitions behind ``figure``'s numerator or denominator that ``user`` may see, de-identified.

    Accusations the user is on the accused side of, and anything outside his organs, are only
    counted in ``hidden``."""
    from minsheng.analytics.selectors import deidentify, known_names
    from minsheng.petitions.selectors import petitions_visible_to

    ids = [int(str(i)) for i in (figure.numerator_ids if part == "numerator" else figure.denominator_ids)]
    gone = shielded_ids(user, ids)
    ids = [i for i in ids if i not in gone]  # not even counted as hidden
    numerator = {int(str(i)) for i in figure.numerator_ids}
    visible = petitions_visible_to(user).filter(pk__in=ids)
    rows_data = list(
        visible.order_by("received_at", "pk").values_list(
            "pk", "tracking_code", "title", "state", "received_at"
        )
    )
    names = known_names([r[0] for r in rows_data[:limit]])
    rows = [
        DrillRow(
            id=pk,
            tracking_code=code,
            title=deidentify(title, names),
            state=state,
            received_on=_local(received),
            in_numerator=pk in numerator,
        )
        for pk, code, title, state, received in rows_data[:limit]
    ]
    return Drill(figure.indicator, part, len(ids), len(ids) - len(rows_data), rows)


# ---------------------------------------------------------------------------------------------
# Rankings and monthly trend


@dataclass(frozen=True)
class RankingRow:
    organ_id: int
    organ_name: str
    figure: F.Figure
    rank: int | None
    veto: str | None = None  # why the organ is ranked last (一票否决, only when the rule is on)


def ranking(
    organ_ids: Sequence[int],
    indicator: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
    viewer: AnyUser | None = None,
) -> list[RankingRow]:
    """Organs ranked on one indicator; those below the minimum sample are listed unranked."""
    names = dict(Organ.objects.filter(pk__in=organ_ids).values_list("pk", "name"))
    figures = {
        oid: indicators(oid, date_from, date_to, profile=profile, today=today, viewer=viewer).figure(
            indicator
        )
        for oid in organ_ids
    }
    higher = not D.lower_is_better(profile, indicator)
    from minsheng.accountability.veto import veto_reason, veto_rule, vetoes_for

    rule = veto_rule()
    vetoed = vetoes_for(figures, date_from, date_to) if rule.enabled else {}
    ranked = F.rank([(oid, f) for oid, f in figures.items() if oid not in vetoed], higher_is_better=higher)
    by_key = {id(f): oid for oid, f in figures.items()}
    rows = [
        RankingRow(by_key[id(r.figure)], names.get(by_key[id(r.figure)], ""), r.figure, r.rank)
        for r in ranked
    ]
    if vetoed:
        # 一票否决: the organ takes the last place whatever its figure, and the row says why;
        # the figure itself is left as computed.
        last = sum(1 for r in rows if r.rank is not None) + 1
        ranked_rows = [r for r in rows if r.rank is not None]
        unranked_rows = [r for r in rows if r.rank is None]
        veto_rows = [
            RankingRow(oid, names.get(oid, ""), figures[oid], last, veto_reason(vetoed[oid], rule))
            for oid in figures
            if oid in vetoed
        ]
        rows = ranked_rows + veto_rows + unranked_rows
    return rows


def monthly_trend(
    organ_id: int | None,
    indicator: str,
    date_from: dt.date,
    date_to: dt.date,
    *,
    profile: str = "xinfang",
    today: dt.date | None = None,
    viewer: AnyUser | None = None,
) -> list[tuple[dt.date, dt.date, F.Figure]]:
    out = []
    for start, end in F.month_periods(date_from, date_to):
        s = compute_indicators(organ_id, start, end, profile=profile, today=today)
        if viewer is not None:
            s = for_viewer(s, viewer)
        out.append((start, end, s.figure(indicator)))
    return out
