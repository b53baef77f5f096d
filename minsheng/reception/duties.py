"""Leader reception duties (A-081, 接访意见2009) and their periods — pure: no Django.

接访意见2009 asks city-level Party committee and government leaders to receive visitors
「一般每季度安排一天」 (one day a quarter) and the county Party secretary and county head one day a
month; local rules vary (甘肃 2018: principal leaders of cities once a quarter, other leaders once a
month). A deployment states its own rules (setting ``MINSHENG_RECEPTION_DUTIES``, a JSON list of
objects with the fields of :class:`ReceptionDuty`); the compliance report counts, per leader
and per month or quarter, the reception days held against the rule's minimum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from minsheng.core.calendar import calendar_period

__all__ = [
    "DEFAULT_DUTIES",
    "PERIODS",
    "DutyError",
    "Period",
    "ReceptionDuty",
    "duties_from",
    "period_of",
    "periods_between",
    "verdict",
]

PERIODS = ("month", "quarter", "year")

# Organ levels and kinds as stored (minsheng.orgs.models.Organ.Level / OrganKind); plain values
# here so that this module needs no Django.
LEVEL_CITY = 2
LEVEL_COUNTY = 3
PARTY_AND_GOVERNMENT = ("party_committee", "government")


@dataclass(frozen=True)
class ReceptionDuty:
    """Leaders holding one of ``roles`` in an organ of ``organ_level`` and one of ``organ_kinds``
    receive visitors on at least ``min_days`` days every ``per``."""

    key: str
    label: str
    organ_level: int
    organ_kinds: tuple[str, ...]
    roles: tuple[str, ...]
    min_days: int
    per: str
    source: str = ""

    def applies(self, organ_level: int, organ_kind: str, role: str) -> bool:
        return organ_level == self.organ_level and organ_kind in self.organ_kinds and role in self.roles


DEFAULT_DUTIES: tuple[ReceptionDuty, ...] = (
    ReceptionDuty(
        key="city-leaders",
        label="市级党委、政府领导：一般每季度接访一天",
        organ_level=LEVEL_CITY,
        organ_kinds=PARTY_AND_GOVERNMENT,
        roles=("organ_head", "leader"),
        min_days=1,
        per="quarter",
        source="接访意见2009",
    ),
    ReceptionDuty(
        key="county-principals",
        label="县委书记、县长：每月接访一天",
        organ_level=LEVEL_COUNTY,
        organ_kinds=PARTY_AND_GOVERNMENT,
        roles=("organ_head",),
        min_days=1,
        per="month",
        source="接访意见2009",
    ),
)


class DutyError(ValueError):
    """A reception-duty rule that cannot be applied (names the rule and the field)."""


_FIELDS = {"key", "label", "organ_level", "organ_kinds", "roles", "min_days", "per", "source"}


def duties_from(raw: Iterable[Mapping[str, Any]] | None) -> tuple[ReceptionDuty, ...]:
    """Rules from settings (a list of mappings), checked: the defaults when ``raw`` is None."""
    if raw is None:
        return DEFAULT_DUTIES
    rules: list[ReceptionDuty] = []
    for index, item in enumerate(raw):
        where = f"MINSHENG_RECEPTION_DUTIES[{index}]"
        if not isinstance(item, Mapping):
            raise DutyError(f"{where}: an object is needed")
        unknown = set(item) - _FIELDS
        if unknown:
            raise DutyError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        try:
            rule = ReceptionDuty(
                key=str(item["key"]),
                label=str(item.get("label") or item["key"]),
                organ_level=int(item["organ_level"]),
                organ_kinds=tuple(str(k) for k in item["organ_kinds"]),
                roles=tuple(str(r) for r in item["roles"]),
                min_days=int(item["min_days"]),
                per=str(item["per"]),
                source=str(item.get("source", "")),
            )
        except KeyError as exc:
            raise DutyError(f"{where}: field {exc.args[0]} is required") from exc
        except (TypeError, ValueError) as exc:
            raise DutyError(f"{where}: {exc}") from exc
        if rule.per not in PERIODS:
            raise DutyError(f"{where}: per must be one of {', '.join(PERIODS)}")
        if rule.min_days < 1:
            raise DutyError(f"{where}: min_days must be at least 1")
        if not rule.organ_kinds or not rule.roles:
            raise DutyError(f"{where}: organ_kinds and roles must not be empty")
        if any(r.key == rule.key for r in rules):
            raise DutyError(f"{where}: key {rule.key!r} is used twice")
        rules.append(rule)
    return tuple(rules)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str


def period_of(day: dt.date, per: str) -> Period:
    """The calendar month, quarter or year holding ``day``."""
    if per not in PERIODS:
        raise DutyError(f"per must be one of {', '.join(PERIODS)}")
    start, end = calendar_period(day, per)
    if per == "month":
        label = f"{day.year}-{day.month:02d}"
    elif per == "quarter":
        label = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    else:
        label = str(day.year)
    return Period(start, end, label)


def periods_between(date_from: dt.date, date_to: dt.date, per: str) -> list[Period]:
    """Every whole calendar period that overlaps [date_from, date_to], in order."""
    if date_to < date_from:
        raise DutyError("date_to is before date_from")
    result = [period_of(date_from, per)]
    while result[-1].end < date_to:
        result.append(period_of(result[-1].end + dt.timedelta(days=1), per))
    return result


def verdict(
    held: int,
    scheduled_ahead: int,
    period: Period,
    min_days: int,
    today: dt.date,
    since: dt.date | None = None,
) -> str:
    """``met`` (enough days held), ``missed`` (the period is over without them), ``scheduled``
    (not over, and the days already published for the rest of it would meet the rule), ``open``
    (not over, and not enough days held or published yet) or ``absent`` (the whole period lies
    before ``since``, when the leader came to the post: nothing can be asked of him there)."""
    if since is not None and period.end < since and held == 0:
        return "absent"
    if held >= min_days:
        return "met"
    if period.end < today:
        return "missed"
    return "scheduled" if held + scheduled_ahead >= min_days else "open"
