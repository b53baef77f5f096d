"""The transition table against the law as data (ADR 0007): every from→to pair of the vendored
rules.yaml `transitions` is a move of some row of TRANSITIONS and every state-changing row is a
pair of rules.yaml, except for the differences listed (with their reasons) in ALLOWED_*; every
row names the article it implements; the vendored rules.yaml is the reviewed one (its digest)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
import yaml

from minsheng.core.rules import RULES_PATH, RULES_SHA256, rules_digest
from minsheng.petitions.models import State
from minsheng.workflow.services import TRANSITIONS
from minsheng.workflow.services.context import Transition

Pair = tuple[str, str]

# rules.yaml pairs the table does not implement as an action, each with its reason.
ALLOWED_ONLY_IN_RULES: dict[Pair, str] = {
    # Art.36(3): conclude_recheck delivers the 复核 opinion and passes through recheck_concluded to
    # final in the same transaction (an extra 'finalise' event by the system).
    ("recheck_concluded", "final"): "conclude_recheck passes through recheck_concluded to final",
}

# Moves of the table that rules.yaml does not have, each with its reason.
ALLOWED_ONLY_IN_TABLE: dict[Pair, str] = {
    # ADR 0005: historical cases imported with the reply they already had (import-petitions
    # --historical); not a step of the procedure, the law's reply happened outside the system.
    ("registered", "duty_performed"): "import_reply: historical import (ADR 0005)",
    # R-CNT-6 (Arts. 35, 36(1)): a request received or postmarked in time but entered after the
    # sweep closed the matter re-opens it; rules.yaml models the window, not late entry.
    ("closed_no_review", "review_requested"): "request_review made in time, entered after closing",
    ("closed_no_review", "recheck_requested"): "request_recheck made in time, entered after closing",
    # The same, once the closed matter was archived: archiving is records management (no article)
    # and takes no right away from a petitioner whose request was made in time.
    ("archived", "review_requested"): "request_review made in time, entered after closing and archiving",
    ("archived", "recheck_requested"): "request_recheck made in time, entered after closing and archiving",
    # Art. 22(1), 分级转送交办: a 信访部门 that received an item from a higher 信访部门 forwards or
    # assigns it on within its own 15 days (D-BUREAU-15 from its receipt); rules.yaml routes items
    # from the registering bureau only. Competent organs may not (context.bureau_routing_available).
    ("organ_received", "forwarded"): "a lower 信访部门 forwards an item received from a higher one",
    ("organ_received", "assigned"): "a lower 信访部门 assigns an item received from a higher one",
}

ARTICLE_FORMAT = re.compile(r"^(Art\.\d+|\[P\] |\S+20\d\d)")


@cache
def _rules() -> dict[str, Any]:
    with open(RULES_PATH, encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def rules_pairs() -> dict[Pair, dict[str, Any]]:
    """Each from→to pair of rules.yaml `transitions` with its row."""
    pairs: dict[Pair, dict[str, Any]] = {}
    for row in _rules()["transitions"]:
        sources = row["from"] if isinstance(row["from"], list) else [row["from"]]
        for source in sources:
            pairs[(source, row["to"])] = row
    return pairs


def row_moves(transition: Transition) -> set[Pair]:
    """The state changes a row can make: sources × target, or the moves its handler may choose."""
    if transition.target is not None:
        return {(str(s), str(transition.target)) for s in transition.sources}
    return {(str(a), str(b)) for a, b in transition.targets}


def table_moves() -> dict[Pair, list[str]]:
    moves: dict[Pair, list[str]] = {}
    for transition in TRANSITIONS.values():
        for pair in row_moves(transition):
            moves.setdefault(pair, []).append(transition.action)
    return moves


def _implemented(pair: Pair, moves: dict[Pair, list[str]]) -> bool:
    source, target = pair
    if pair in moves:
        return True
    # A rules.yaml self-loop (extended → extended) is a row that runs there and keeps the state.
    return source == target and any(
        t.target is None and source in t.sources and source not in dict(t.targets)
        for t in TRANSITIONS.values()
    )


def test_every_rules_yaml_pair_is_in_the_table() -> None:
    moves = table_moves()
    missing = sorted(
        p for p in rules_pairs() if not _implemented(p, moves) and p not in ALLOWED_ONLY_IN_RULES
    )
    assert missing == [], f"rules.yaml transitions with no row in TRANSITIONS: {missing}"


def test_every_state_change_of_the_table_is_in_rules_yaml() -> None:
    rules = rules_pairs()
    extra = sorted(
        (p, a) for p, a in table_moves().items() if p not in rules and p not in ALLOWED_ONLY_IN_TABLE
    )
    assert extra == [], f"TRANSITIONS moves that rules.yaml does not have: {extra}"


def test_the_allow_lists_are_still_needed() -> None:
    moves, rules = table_moves(), rules_pairs()
    stale_rules = [p for p in ALLOWED_ONLY_IN_RULES if p not in rules or _implemented(p, moves)]
    stale_table = [p for p in ALLOWED_ONLY_IN_TABLE if p not in moves or p in rules]
    assert stale_rules == [] and stale_table == []


def test_targets_are_states_and_sources_of_their_row() -> None:
    states = {s.value for s in State}
    for transition in TRANSITIONS.values():
        assert transition.sources <= states, transition.action
        assert transition.target is None or transition.target in states, transition.action
        for source, target in transition.targets:
            assert transition.target is None, f"{transition.action}: targets only for rows without a target"
            assert source in transition.sources and target in states, transition.action


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_row_names_its_article(action: str) -> None:
    article = TRANSITIONS[action].article
    assert article and ARTICLE_FORMAT.match(article), f"{action}: article {article!r} (ADR 0007 format)"


def _articles(text: str) -> set[str]:
    return set(re.findall(r"Art\.(\d+)", text))


def test_a_row_names_the_article_of_the_rules_yaml_rows_it_implements() -> None:
    """Where rules.yaml names an article of the 条例 for a pair, the row implementing it names it too."""
    rules = rules_pairs()
    wrong = []
    for transition in TRANSITIONS.values():
        for pair in row_moves(transition):
            row = rules.get(pair)
            expected = _articles(str(row.get("article", ""))) if row else set()
            if expected and not expected & _articles(transition.article):
                wrong.append((transition.action, pair, row.get("article") if row else None))
    assert wrong == []


def test_the_vendored_rules_yaml_is_the_reviewed_one() -> None:
    """A change to the law data changes this digest in the same commit (core/rules.py RULES_SHA256)."""
    assert rules_digest() == RULES_SHA256, (
        "minsheng/core/data/rules.yaml changed: review it, then set RULES_SHA256 to " + rules_digest()
    )
