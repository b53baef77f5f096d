"""workflow.rulesets pins the rule sets several places share (ADR 0007): open and terminal states,
the on-time definition, configured periods, external limitation periods, document numbers — and
the places that use them take them from there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from django.test import override_settings

from minsheng.core.rules import RULES_PATH
from minsheng.petitions.models import State
from minsheng.workflow import rulesets
from minsheng.workflow.models import Decision

S = State


def test_terminal_and_open_states_are_pinned() -> None:
    assert {
        "final",
        "closed_no_review",
        "settled",
        "suggestion_replied",
        "duty_performed",
        "redirected_statutory",
        "returned",
        "referred_elsewhere",
        "routed_political_legal",
        "routed_discipline",
        "not_accepted",
    } == rulesets.TERMINAL
    assert {s.value for s in State} - rulesets.TERMINAL - {"archived", "received"} == rulesets.OPEN_STATES
    assert "registered" in rulesets.OPEN_STATES and "extended" in rulesets.OPEN_STATES
    assert {"in_handling", "extended", "hearing", "mediation"} == rulesets.HANDLING_STATES
    assert rulesets.RATEABLE <= rulesets.TERMINAL | rulesets.OPEN_STATES


def test_every_user_of_open_states_takes_the_one_definition() -> None:
    from minsheng.workbench import queries
    from minsheng.workflow import services

    assert services.OPEN_STATES is rulesets.OPEN_STATES and services.TERMINAL is rulesets.TERMINAL
    assert services.RATEABLE is rulesets.RATEABLE
    assert sorted(rulesets.OPEN_STATES) == queries.OPEN_STATES
    assert services.TRANSITIONS["supervise"].sources == rulesets.OPEN_STATES
    assert services.TRANSITIONS["archive"].sources == rulesets.TERMINAL


def test_on_time_rules_and_predicates() -> None:
    from minsheng.analytics import selectors

    assert rulesets.ON_TIME_RULES == (
        "D-BUREAU-15",
        "D-NOTICE-15",
        "D-SIMPLE-ACCEPT-3WD",
        "D-HANDLE-60",
        "D-SIMPLE-HANDLE-10WD",
    )
    assert selectors.ON_TIME_RULES == rulesets.REPORT_ON_TIME_RULES == ("D-NOTICE-15", "D-HANDLE-60")
    today, due = dt.date(2025, 6, 10), dt.date(2025, 6, 9)
    assert rulesets.deadline_is_due("met", dt.date(2025, 7, 1), today)  # decided early: due
    assert rulesets.deadline_is_due("breached", due, today)
    assert rulesets.deadline_is_due("open", due, today)  # open past due, not yet swept: late
    assert not rulesets.deadline_is_due("open", today, today)  # still running
    for status in ("waived", "cancelled", "expired"):
        assert not rulesets.deadline_is_due(status, due, today)
    assert rulesets.deadline_on_time("met", False, due, due)
    assert rulesets.deadline_on_time("met", False, None, due)
    assert not rulesets.deadline_on_time("met", True, due, due)
    assert not rulesets.deadline_on_time("met", False, today, due)
    assert not rulesets.deadline_on_time("breached", False, None, due)
    assert not rulesets.deadline_on_time("open", False, None, due)


def test_satisfied_values_follow_the_setting() -> None:
    with override_settings(MINSHENG_BASIC_SATISFIED_COUNTS=True):
        assert rulesets.satisfied_values() == ("satisfied", "basically_satisfied")
    with override_settings(MINSHENG_BASIC_SATISFIED_COUNTS=False):
        assert rulesets.satisfied_values() == ("satisfied",)


def test_configured_periods() -> None:
    assert rulesets.configured_length("D-SUPERVISION-FEEDBACK") == 30
    assert rulesets.configured_length("D-SATISFACTION-WINDOW") == 30
    assert rulesets.configured_length("D-ASSIGNED") == 60
    assert rulesets.configured_length("D-HANDLE-60") is None
    with override_settings(MINSHENG_SUPERVISION_FEEDBACK_DAYS=15, MINSHENG_RATING_WINDOW_DAYS=7):
        assert rulesets.configured_length("D-SUPERVISION-FEEDBACK") == 15
        assert rulesets.configured_length("D-SATISFACTION-WINDOW") == 7
    # Every configured rule is one rules.yaml leaves open (configurable, or no fixed length).
    with open(RULES_PATH, encoding="utf-8") as handle:
        rules = {r["id"]: r for r in yaml.safe_load(handle)["deadlines"]}
    for rule_id in rulesets.CONFIGURED_PERIODS:
        assert rules[rule_id].get("configurable") or not isinstance(rules[rule_id]["length"], int)


def test_limitations_come_from_rules_yaml() -> None:
    from minsheng.workflow.services import LIMITATIONS

    periods = rulesets.limitations()
    assert {k: (p.length, p.unit) for k, p in periods.items()} == {
        "admin_review": (60, "days"),
        "admin_litigation": (6, "months"),
        "labour_arbitration": (1, "years"),
        "civil_claim": (3, "years"),
    }
    words = {"days": "日", "months": "个月", "years": "年"}
    for key, period in periods.items():
        assert f"{period.length}{words[period.unit]}" in period.label
        assert LIMITATIONS[key] == (period.length, period.unit, period.label)


def test_external_limitation_due() -> None:
    known = dt.date(2024, 1, 31)
    assert rulesets.external_limitation_due("admin_review", known) == dt.date(2024, 3, 31)
    assert rulesets.external_limitation_due("admin_litigation", known) == dt.date(2024, 7, 31)
    assert rulesets.external_limitation_due("admin_litigation", dt.date(2024, 8, 31)) == dt.date(2025, 2, 28)
    assert rulesets.external_limitation_due("labour_arbitration", dt.date(2024, 2, 29)) == dt.date(
        2025, 2, 28
    )
    assert rulesets.external_limitation_due("civil_claim", known) == dt.date(2027, 1, 31)


def test_portal_texts_state_the_same_periods() -> None:
    """The portal's sentences are whole translated strings; they must name the same periods."""
    from minsheng.portal.queries import LEGAL_TRIGGERS, limitation_texts

    texts = limitation_texts()
    words = {"days": "日", "months": "个月", "years": "年"}
    assert set(texts) == set(LEGAL_TRIGGERS) == set(rulesets.limitations())
    for key, period in rulesets.limitations().items():
        assert f"{period.length}{words[period.unit]}" in str(texts[key].limit), key


def test_document_number_format_and_sequence() -> None:
    assert rulesets.DOCUMENT_PREFIXES == {
        "accept_notice": "受字第",
        "not_accept_notice": "不受字第",
        "no_reaccept_notice": "不再受字第",
        "extension_notice": "延字第",
        "handling_opinion": "意字第",
        "suggestion_reply": "复字第",
        "review_opinion": "复查字第",
        "recheck_opinion": "复核字第",
    }
    assert rulesets.document_number("A市信访局", 2025, "accept_notice", 7) == "A市信访局〔2025〕受字第7号"
    stem = rulesets.document_number_stem("A局", 2025, "review_opinion")
    numbers = [
        "A局〔2025〕复查字第2号",
        "A局〔2025〕复查字第10号",
        "A局〔2025〕复字第30号",
        "A局〔2024〕复查字第40号",
    ]
    assert rulesets.next_sequence(stem, numbers) == 11
    assert rulesets.next_sequence(stem, []) == 1
    # 受字 and 不受字 are different counters.
    assert (
        rulesets.next_sequence(
            rulesets.document_number_stem("A局", 2025, "accept_notice"), ["A局〔2025〕不受字第5号"]
        )
        == 1
    )


@pytest.mark.django_db
def test_one_counter_per_type_per_organ_per_year(register: Any, act: Any, organs: Any) -> None:
    numbers = []
    for _i in range(2):
        petition = register()
        act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
        act(petition, "receive", "caseworker")
        act(petition, "accept", "caseworker")
        numbers.append(Decision.objects.get(petition=petition, kind=Decision.Kind.ACCEPT).notice_number)
    first, second = numbers
    assert first.endswith("受字第1号") and second.endswith("受字第2号")
    label, year = first.split("〔")[0], int(first.split("〔")[1][:4])
    # Other types of the same organ and year start their own count.
    assert rulesets.next_document_number(label, year, "not_accept_notice").endswith("不受字第1号")
    assert rulesets.next_document_number(label, year, "handling_opinion").endswith("意字第1号")
    assert rulesets.next_document_number(label, year, "accept_notice").endswith("受字第3号")
    assert rulesets.next_document_number(label, year + 1, "accept_notice").endswith("受字第1号")
