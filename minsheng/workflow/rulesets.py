"""One definition of each rule set that several places use (ADR 0007).

- states: TERMINAL, OPEN_STATES, HANDLING_STATES, RATEABLE (the transition table, the workbench
  inboxes and dashboard, related-case flags);
- on time: which deadlines the indicators count and when a deadline counts as due and as met on
  time (the situation report, the workbench analytics, the portal's public figures);
- periods the law leaves to configuration: supervision feedback, rating window, the bureau's
  default assignment period (settings, read here only);
- external limitation periods (R-073), from the vendored rules.yaml;
- document numbers: one counter per document type per organ per year.

Everything here is pure except ``configured_length`` and ``satisfied_values`` (settings) and
``next_document_number`` (reads the issued numbers).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from minsheng.assessment import formulas
from minsheng.core.rules import RULES_PATH
from minsheng.petitions.models import State

S = State

# ---------------------------------------------------------------------------------------------
# States

#: States in which the procedure has ended for the organ holding the petition (only archiving
#: follows; `returned` is re-routed by the bureau, which forwards or assigns it again).
TERMINAL: frozenset[str] = frozenset(
    {
        S.FINAL,
        S.CLOSED_NO_REVIEW,
        S.SETTLED,
        S.SUGGESTION_REPLIED,
        S.DUTY_PERFORMED,
        S.REDIRECTED_STATUTORY,
        S.RETURNED,
        S.REFERRED_ELSEWHERE,
        S.ROUTED_POLITICAL_LEGAL,
        S.ROUTED_DISCIPLINE,
        S.NOT_ACCEPTED,
    }
)
#: Open: registered and not yet terminal or archived. `received` is never stored (registration
#: writes received → registered at once), so it is not open either.
OPEN_STATES: frozenset[str] = frozenset(s.value for s in State) - TERMINAL - {S.ARCHIVED, S.RECEIVED}
#: Art.31(6) handling in progress (extension, draft opinion and conclusion apply).
HANDLING_STATES: frozenset[str] = frozenset({S.IN_HANDLING, S.EXTENDED, S.HEARING, S.MEDIATION})
#: States in which the petitioner may rate the answer they received.
RATEABLE: frozenset[str] = frozenset(
    {S.DELIVERED, S.REVIEW_CONCLUDED, S.FINAL, S.SUGGESTION_REPLIED, S.DUTY_PERFORMED, S.CLOSED_NO_REVIEW}
)

# ---------------------------------------------------------------------------------------------
# On time (rules.yaml `indicators`: timely_acceptance_rate, on_time_conclusion_rate)

#: Deadlines of acceptance / notice (及时受理率).
ACCEPTANCE_RULES: tuple[str, ...] = ("D-BUREAU-15", "D-NOTICE-15", "D-SIMPLE-ACCEPT-3WD")
#: Deadlines of conclusion, extensions included (按期办结率).
CONCLUSION_RULES: tuple[str, ...] = ("D-HANDLE-60", "D-SIMPLE-HANDLE-10WD")
#: Every deadline an on-time figure counts (the portal's public rate).
ON_TIME_RULES: tuple[str, ...] = ACCEPTANCE_RULES + CONCLUSION_RULES
#: The two rules the situation report shows one by one (受理告知 15 days, 办理 60 days).
REPORT_ON_TIME_RULES: tuple[str, ...] = ("D-NOTICE-15", "D-HANDLE-60")
#: Deadline statuses no on-time figure counts: waived by law, cancelled by another route, or a
#: petitioner's window that ran out (not an organ's deadline).
NOT_COUNTED_STATUSES: tuple[str, ...] = tuple(sorted(formulas.NOT_COUNTED_STATUSES))


def deadline_is_due(status: str, statutory_due: dt.date, today: dt.date) -> bool:
    """A counted deadline is due once decided (met or breached) or open past its statutory due.
    The definition is minsheng.assessment.formulas (A-020/A-022), the one the indicators use."""
    return formulas.is_due(formulas.DeadlineFact(None, status, statutory_due), today)


def deadline_on_time(status: str, met_late: bool, met_on: dt.date | None, statutory_due: dt.date) -> bool:
    """Met, not late, and (when the date is known) no later than the statutory due date."""
    fact = formulas.DeadlineFact(None, status, statutory_due, met_on, done_late=met_late)
    return status == "met" and formulas.is_on_time(fact, statutory_due)


def satisfied_values() -> tuple[str, ...]:
    """Rating values that count as satisfied (基本满意 when MINSHENG_BASIC_SATISFIED_COUNTS)."""
    from django.conf import settings

    if getattr(settings, "MINSHENG_BASIC_SATISFIED_COUNTS", True):
        return ("satisfied", "basically_satisfied")
    return ("satisfied",)


# ---------------------------------------------------------------------------------------------
# Periods the law leaves open: rule id -> setting (rules.yaml `configurable: true` or no length)

CONFIGURED_PERIODS: dict[str, str] = {
    # 2022 Art.40(4) requires written feedback and sets no period; 2005 Art.36(2): 30 days.
    "D-SUPERVISION-FEEDBACK": "MINSHENG_SUPERVISION_FEEDBACK_DAYS",
    # 国信发〔2022〕11号 not obtained: no statutory window. Shown as the rule's period only; a
    # rating is NOT refused after it (a project-invented window must not silence the petitioner).
    "D-SATISFACTION-WINDOW": "MINSHENG_RATING_WINDOW_DAYS",
    # Art.22(1)(3): the bureau sets the period; this is the default when it sets none.
    "D-ASSIGNED": "MINSHENG_ASSIGNED_DEFAULT_DAYS",
}
SUPERVISION_FEEDBACK_RULE = "D-SUPERVISION-FEEDBACK"
#: The duty the handling organ owes the organ that assigned (交办) the matter: its 办结报告
#: (Art. 22(1)(3)). The petitioner's 复查/复核 and the finality of the matter do not end it.
COMPLETION_REPORT_RULE = "D-ASSIGNED"
RATING_WINDOW_RULE = "D-SATISFACTION-WINDOW"

#: Art. 32(2) (R-075; rules.yaml opinion_outcomes): an opinion that supports a request — in full
#: or in part, or a 复查/复核 opinion that changes the answer — obliges its organ to supervise
#: execution (督促执行); one that does not support it, to do guidance and education (疏导教育).
OPINION_FOLLOW_UP: dict[str, str] = {
    "support": "execution",
    "partial_support": "execution",
    "changed": "execution",
    "not_support": "guidance",
}
#: A 复查/复核 opinion with one of these outcomes replaces the earlier opinion: what was owed
#: under it is no longer owed (its tasks are superseded). 维持 leaves it standing.
SUPERSEDING_OUTCOMES: frozenset[str] = frozenset({"changed", "revoked"})


def execution_overdue(created: dt.date, today: dt.date, check_days: int) -> bool:
    """Whether an execution still unrecorded is due for a check (Art. 42(4): refusing to execute a
    supporting opinion is a violation). The law sets no period: ``check_days`` is the local one
    (MINSHENG_EXECUTION_CHECK_DAYS), counted in calendar days after the opinion was signed."""
    return (today - created).days > check_days


def configured_length(rule_id: str) -> int | None:
    """The configured length in days of a rule the law leaves open, or None for other rules."""
    from django.conf import settings

    name = CONFIGURED_PERIODS.get(rule_id)
    return int(getattr(settings, name)) if name else None


# ---------------------------------------------------------------------------------------------
# External limitation periods (R-073; rules.yaml `external_limitation_periods`)


@dataclass(frozen=True)
class Limitation:
    key: str
    length: int
    unit: str  # "days" | "months" | "years"
    label: str  # the law and the period, in words (shown to staff, stored on the event)


# The words for each period; the numbers come from rules.yaml (checked by a test against them).
_LIMITATION_LABELS: dict[str, str] = {
    "admin_review": "行政复议法(2023)第二十条：60日",
    "admin_litigation": "行政诉讼法第四十六条：6个月",
    "labour_arbitration": "劳动争议调解仲裁法第二十七条：1年",
    "civil_claim": "民法典第一百八十八条：3年",
}
_UNITS = {"calendar": "days", "days": "days", "months": "months", "years": "years"}


@cache
def limitations() -> dict[str, Limitation]:
    with open(RULES_PATH, encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return {
        key: Limitation(key, int(row["length"]), _UNITS[str(row["unit"])], _LIMITATION_LABELS[key])
        for key, row in data["external_limitation_periods"].items()
    }


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for dd in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, dd)
        except ValueError:
            continue
    raise ValueError("unreachable")


def external_limitation_due(kind: str, known: dt.date) -> dt.date:
    """The last day of an external limitation period counted from the day the petitioner knew."""
    period = limitations()[kind]
    if period.unit == "days":
        return known + dt.timedelta(days=period.length)
    if period.unit == "months":
        return _add_months(known, period.length)
    return _add_months(known, 12 * period.length)


#: What can lengthen (or stop, interrupt) each period: the guidance names these conditions
#: instead of asserting one date (R-073). The computed end is the earliest possible one.
LIMITATION_CONDITIONS: dict[str, tuple[str, ...]] = {
    "admin_review": (
        "行政复议法第二十条第一款：法律规定的申请期限超过六十日的除外",
        "行政复议法第二十条第二款：因不可抗力或者其他正当理由耽误的，自障碍消除之日起继续计算",
        "行政复议法第二十条第三款：行政机关未告知申请行政复议的权利、复议机关和申请期限的，"
        "自知道或者应当知道之日起计算，但最长不超过一年",
    ),
    "admin_litigation": (
        "行政诉讼法第四十六条：法律另有规定的除外",
        "行政诉讼法第四十八条：因不可抗力或者其他不属于其自身的原因耽误的时间不计算在内",
        "行诉法解释(2018)第六十四条：行政机关未告知起诉期限的，从知道或者应当知道起诉期限之日起计算，"
        "但最长不超过一年",
    ),
    "labour_arbitration": (
        "劳动争议调解仲裁法第二十七条第二款：向对方主张权利、向有关部门请求权利救济或者对方同意履行的，时效中断",
        "劳动争议调解仲裁法第二十七条第三款：不可抗力或者其他正当理由的，时效中止",
        "劳动争议调解仲裁法第二十七条第四款：劳动关系存续期间因拖欠劳动报酬发生争议的，不受一年限制；"
        "劳动关系终止的，自终止之日起一年内提出",
    ),
    "civil_claim": (
        "民法典第一百九十四条：最后六个月内因不可抗力等障碍不能行使请求权的，时效中止",
        "民法典第一百九十五条：权利人向义务人提出履行请求、义务人同意履行、提起诉讼或者申请仲裁等，时效中断",
        "民法典第一百八十八条第二款：自权利受到损害之日起超过二十年的，不予保护",
    ),
}


@dataclass(frozen=True)
class LimitationStatus:
    kind: str
    label: str
    known_date: dt.date
    earliest_end: dt.date  # the period counted plainly from known_date; conditions may lengthen it
    days_left: int
    bureau_due: dt.date | None  # the bureau's own D-BUREAU-15 statutory due date, if open
    closing: bool  # the external period may end before the bureau's own due date
    conditions: tuple[str, ...]


#: With no intake clock of ours running, a window ending within this many days is closing (R-073:
#: "do not use the full 15 days if the external window is closing").
LIMITATION_HORIZON_DAYS = 15
#: The intake clocks the external window is compared with: the bureau's, else the organ's notice.
INTAKE_CLOCKS = ("D-BUREAU-15", "D-NOTICE-15")


def limitation_status(
    kind: str, known: dt.date, today: dt.date, bureau_due: dt.date | None
) -> LimitationStatus:
    """R-073 at intake: how long the external procedure's window stays open, and whether it may
    close before our own intake clock runs out — the bureau's 15 days, else the organ's written
    notice (``bureau_due``), else the next LIMITATION_HORIZON_DAYS — then the petitioner must be
    told now."""
    reference = bureau_due or today + dt.timedelta(days=LIMITATION_HORIZON_DAYS)
    end = external_limitation_due(kind, known)
    return LimitationStatus(
        kind=kind,
        label=limitations()[kind].label,
        known_date=known,
        earliest_end=end,
        days_left=(end - today).days,
        bureau_due=bureau_due,
        closing=end < reference,
        conditions=LIMITATION_CONDITIONS[kind],
    )


# ---------------------------------------------------------------------------------------------
# Document numbers: <organ>〔<year>〕<prefix><n>号, one counter per type per organ per year

DOCUMENT_PREFIXES: dict[str, str] = {
    "accept_notice": "受字第",
    "not_accept_notice": "不受字第",
    "no_reaccept_notice": "不再受字第",
    "extension_notice": "延字第",
    "handling_opinion": "意字第",
    "suggestion_reply": "复字第",
    "review_opinion": "复查字第",
    "recheck_opinion": "复核字第",
}


#: An accusation's documents are numbered in a series of their own (检受字, 检意字 …): in the
#: common series the gaps would show the accused side, who sees every other document of the
#: organ, where an accusation it may not see was handled, and when (R-150).
ACCUSATION_SERIES = ".acc"


def series_kind(kind: str, *, accusation: bool) -> str:
    """The counter key of a document type for a petition: its own series for an accusation."""
    return f"{kind}{ACCUSATION_SERIES}" if accusation else kind


def document_number_stem(organ_label: str, year: int, kind: str) -> str:
    base = kind.removesuffix(ACCUSATION_SERIES)
    prefix = ("检" if base != kind else "") + DOCUMENT_PREFIXES[base]
    return f"{organ_label}〔{year}〕{prefix}"


def document_number(organ_label: str, year: int, kind: str, sequence: int) -> str:
    return f"{document_number_stem(organ_label, year, kind)}{sequence}号"


_SEQUENCE = re.compile(r"(\d+)号$")


def next_sequence(stem: str, numbers: list[str]) -> int:
    """One more than the highest sequence among the numbers that start with ``stem``."""
    used = [
        int(m.group(1)) for n in numbers if n.startswith(stem) and (m := _SEQUENCE.search(n[len(stem) :]))
    ]
    return max(used, default=0) + 1


def next_document_number(organ_label: str, year: int, kind: str) -> str:
    """Take the next number of its type for the organ and year (one counter per type per organ
    per year, race-safe: minsheng.documents.numbering). Each call uses up a number."""
    from minsheng.documents.numbering import allocate_sequence

    stem = document_number_stem(organ_label, year, kind)
    return document_number(organ_label, year, kind, allocate_sequence(organ_label, year, kind, stem))
