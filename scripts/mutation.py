#!/usr/bin/env python
# ruff: noqa: T201 - a command-line tool: it reports on standard output
"""Mutation testing of the confidentiality rules (R-150, 《信访工作条例》 Art. 30(3)) and the deadline engine.

Usage: ``python scripts/mutation.py [--group NAME ...] [--jobs N] [--only SUBSTRING] [--json PATH] [--list]``
(``make mutation``). Exit status 0 when every mutant is killed, 1 when one survives, 2 on error.

Target groups (``GROUPS``), each with its own guarding tests, targets and equivalent mutants:
``confidentiality`` (the R-150 rule functions) and ``deadlines`` (every function of
``minsheng/core/calendar.py`` and ``minsheng/workflow/deadlines.py``: R-CNT-1…7). Without
``--group`` every group runs, one after the other, each in its own process (its own pytest
session); ``make mutation-confidentiality`` / ``make mutation-deadlines`` run one.

How it works (a small, pure-Python runner on the standard library's ``ast``; see
docs/mutation-testing.md for why not mutmut):

1. For each target function (``TARGETS``) the source of its module is parsed and mutants of that
   one function are generated (operators below). Each mutant is compiled to a code object with
   the module's file name and line numbers.
2. One pytest session collects the guarding tests (``TEST_FILES``, SQLite in memory) and runs
   them once, unmutated, in this process: every test must pass, and a trace records which tests
   call which target function (and how long each test takes).
3. For each mutant a child process is forked. The child swaps the mutant's code into the target
   function object (``function.__code__``: every caller, whatever module imported it, runs the
   mutant) and runs the tests that call that function, stopping at the first failure (``-x``):
   the tests that killed earlier mutants of the function first, then those that killed any
   mutant, then the fastest (``--order duration``: fastest first). A test that runs longer than its timeout counts as a failure (a mutant that
   loops forever is killed by timeout). The child exits; the parent never runs mutated code.

No file is written: sources are read, never changed, so the working tree is never touched and
there is nothing to restore after an interrupt (Ctrl-C kills the running children). The test
database is the in-memory SQLite one (``DATABASE_URL`` is ignored), which a fork copies.

Mutation operators: comparison swaps (== !=, in / not in, is / is not, < <=, > >=), ``and`` <->
``or``, one operand of ``and``/``or`` dropped, ``not`` removed, ``if``/``while``/conditional and
comprehension conditions negated or dropped, constants changed (True/False, numbers, strings),
set and Q operators swapped (``|`` ``&`` ``-``, one operand dropped), ``~`` removed, ``+``/``-``
swapped, statements removed (``pass``: early returns and raises included), the tree walks
narrowed to the organs themselves (``organ_ancestor_ids(x)`` / ``organ_subtree_ids(x)`` ->
``set(x)``), ``filter`` <-> ``exclude``, one argument of ``filter``/``exclude``/``Q`` dropped,
``Q()`` -> ``Q(pk__in=[])``.
"""

from __future__ import annotations
import __future__ as future_flags

import argparse
import ast
import contextlib
import copy
import difflib
import importlib
import inspect
import json
import os
import select
import signal
import subprocess
import sys
import time
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The guarding tests: the unit tests of the rules first, then the behaviour tests.
TEST_FILES = [
    "minsheng/petitions/tests/test_confidentiality_rules.py",
    "minsheng/petitions/tests/test_confidentiality.py",
    "minsheng/petitions/tests/test_no_oracle.py",
    "minsheng/workflow/tests/test_permissions.py",
    "minsheng/workbench/tests/test_security_review.py",
    "minsheng/api/tests/test_api_flow.py",
    "minsheng/petitions/tests/test_authorization_matrix.py",
    "minsheng/workflow/tests/test_split_accusation.py",
    "minsheng/api/tests/test_etag.py",
    "minsheng/petitions/tests/test_counts_without_accusations.py",
    "minsheng/petitions/tests/test_personal_data_review.py",
    "minsheng/petitions/tests/test_masked_texts_everywhere.py",
    "minsheng/workflow/tests/test_paths.py",
]


@dataclass(frozen=True)
class Target:
    module: str
    function: str
    # Mutate only the statements that call this function (the rest of a long function is not the rule).
    only_statements_calling: str | None = None


TARGETS = [
    *(
        Target("minsheng.petitions.confidentiality", name)
        for name in (
            "organ_ancestor_ids",
            "accused_organs_shielding",
            "shielded_accused_organs",
            "is_accusation_against",
            "is_accused_side",
            "shield_q",
            "accused_side_user_ids",
            "identity_keys",
            "identity_q",
        )
    ),
    *(
        Target("minsheng.petitions.relations", name)
        for name in (
            "similar_view",
            "subject_of_petition",
            "_openable_ids",
            "_unmaskable_ids",
            "_distinct_people",
        )
    ),
    *(
        Target("minsheng.petitions.selectors", name)
        for name in (
            "petitions_visible_to",
            "in_accused_organ",
            "can_see_identity",
            "identity_covered_ids",
            "listed_titles",
            "can_see_masked_identity",
            "same_person_petitions",
            "similar_search",
            "similar_scope",
            "timeline_data_for",
            "first_time_for",
        )
    ),
    Target("minsheng.analytics.selectors", "names_by_petition"),
    Target("minsheng.workflow.services.context", "_ensure_not_accused"),
    Target("minsheng.workflow.services.context", "_review_organ"),
    Target("minsheng.workflow.services.intake", "discipline_body_outside"),
    Target("minsheng.workflow.services.intake", "accusation_leave_accused_side"),
    Target(
        "minsheng.workflow.services.engine", "petition_transition", only_statements_calling="is_accused_side"
    ),
    Target(
        "minsheng.workflow.services.engine", "available_actions", only_statements_calling="is_accused_side"
    ),
    Target("minsheng.orgs.selectors", "organ_subtree_ids"),
    # A split letter (Art. 30): what the grievance's readers without the split link are not shown.
    *(
        Target("minsheng.workflow.selectors", name)
        for name in ("hidden_event_ids", "visible_events", "notes_for", "petition_version")
    ),
]

# Mutants that cannot change behaviour, by id (printed in the report), each with the reason.
EQUIVALENT: dict[str, str] = {
    "accused_side_user_ids: - -> | @ organ_ancestor_ids([accused_organ_id]) - {accused_organ_id}": (
        "the accused organ is in `below` (its own subtree), and the posts are `below` OR the oversight "
        "posts `above`: whether `above` also holds the accused organ changes no answer"
    ),
    "accused_side_user_ids: drop right operand of - @ organ_ancestor_ids([accused_organ_id]) - {accused_organ_id}": (
        "same as above: every post in the accused organ is already selected through `below`"
    ),
    "shielded_accused_organs: drop operand 2 of or @ user is None or not user.is_authenticated": (
        "memberships_of() answers [] for an unauthenticated user, so the shield is frozenset() either way "
        "(the check is defence in depth, not the rule)"
    ),
    "is_accused_side: '' -> 'XXXX' @ ''": (
        "the nature assumed for an object without one: any string but 'accusation' gives the same answer"
    ),
    "petitions_visible_to: remove statement @ if not organ_ids: return qs.none()": (
        "a shortcut: filtering by an empty set of organs (every `__in` of _scope_q empty) matches no row either"
    ),
    "available_actions: drop operand 2 of or @ is_accused_side(actor, petition) or is_recused(petition.pk, actor)": (
        "cost only: resolve_actor refuses a recused person for every action, so the loop finds none either way"
    ),
    "petitions_visible_to: remove statement @ return qs.none() #2": (
        "the body of the same shortcut: with no organs every `__in` of _scope_q is empty and matches no row"
    ),
    "similar_view: remove statement @ if not hits: return []": (
        "a shortcut: with no hits every later step works on empty lists and the answer is [] anyway"
    ),
    "similar_view: remove statement @ return []": "the same shortcut as above",
    "similar_view: drop operand 3 of and @ seen and subject.identity_visible and bool(subject.keys)": (
        "a shortcut: with no subject keys the intersection `subject.keys & identity_keys(...)` that follows "
        "is empty, so no link is made either way"
    ),
    "similar_view: drop pk__in= of filter @ Petition.objects.filter(pk__in=ids)": (
        "cost only: rows are looked up by the hit ids afterwards, so fetching every petition changes no answer"
    ),
    "similar_view: drop petition_id__in= of filter @ Deadline.objects.filter(petition_id__in=[pid for pid, _ in kept])": (
        "cost only: `late` is consulted for kept hits only, so a superset changes no answer"
    ),
    "_review_organ: drop operand 2 of or @ petition.nature != Nature.ACCUSATION or not petition.accused_organ_id": (
        "an accusation naming no accused organ: the subtree of None holds no organ, so the configured upper "
        "organ is returned either way"
    ),
    "discipline_body_outside: remove statement @ return None": (
        "the last statement: a Python function that falls off its end returns None as well"
    ),
    "_ensure_not_accused: drop operand 2 of and @ petition.nature == Nature.ACCUSATION and petition.accused_organ_id": (
        "an accusation naming no accused organ: the subtree of None holds no organ, so nothing is refused "
        "either way"
    ),
    "accusation_leave_accused_side: remove statement @ if petition.nature != Nature.ACCUSATION or not petition.accused_organ_": (
        "cost only: for anything but an accusation naming an accused organ the subtree below is of no organ, "
        "so the next check returns None as well (one query later)"
    ),
    "accusation_leave_accused_side: or -> and @ petition.nature != Nature.ACCUSATION or not petition.accused_organ_id": (
        "the same guard: an accusation naming no accused organ falls through to the subtree of no organ and "
        "returns None (a grievance never names one: registration refuses it)"
    ),
    "accusation_leave_accused_side: drop operand 1 of or @ petition.nature != Nature.ACCUSATION or not petition.accused_organ_id": (
        "only accusations name an accused organ (registration refuses one on anything else), so testing "
        "the organ alone gives the same answer"
    ),
    "accusation_leave_accused_side: drop operand 2 of or @ petition.nature != Nature.ACCUSATION or not petition.accused_organ_id": (
        "an accusation naming no accused organ falls through to the subtree of no organ and returns None"
    ),
    "accusation_leave_accused_side: remove statement @ return None": (
        "the body of the first guard: without it, the subtree of no accused organ holds no organ and the "
        "next check returns None as well"
    ),
    "similar_search: drop pk__in= of filter @ visible_qs.filter(pk__in=[h.id for h in hits])": (
        "cost only: the visible petitions are looked up by hit id afterwards, so a superset changes no answer"
    ),
    "identity_covered_ids: remove statement @ if not posts: return set()": (
        "cost only: without identity-role posts the organs are empty, no row's columns meet them and "
        "the scope query over no organs answers nothing"
    ),
    "identity_covered_ids: remove statement @ return set()": "the same shortcut as above (its body)",
    "identity_covered_ids: drop comprehension condition 1 @ (p, candidates, p.pk not in covered)": (
        "cost only: the rows covered by their own columns are asked of the database again, and the "
        "scope query (which holds those columns too, _scope_q) answers them covered again"
    ),
    "listed_titles: drop comprehension condition 1 @ (p, petitions, p.pk not in covered)": (
        "cost only: the names of the covered rows are read too, and their titles are not masked with them"
    ),
    "names_by_petition: negate condition @ if petitioner_field.is_cached(petition): if petition.petitioner is not": (
        "cost only: a petitioner not joined to the read is loaded by the attribute, one joined is "
        "read again by key — the same names either way"
    ),
    "names_by_petition: drop operand 2 of or @ name or ''": (
        "Representative.name is a non-null text column (at most empty): the `or ''` only guards None"
    ),
    "names_by_petition: '' -> 'XXXX' @ ''": "the same guard's value (never used: the name is never None)",
    "similar_scope: drop nature= of filter @ petitions_visible_to(user).filter(nature=Nature.ACCUSATION)": (
        "cost only: the petitions the viewer may open that are not accusations are in the scope through "
        "the first operand (~Q(nature=accusation)) anyway; the union is the same set"
    ),
    "similar_search: drop comprehension condition 1 @ (h, hits, h.id in visible)": (
        "the hits were drawn within the caller's visible petitions (similar_find within=visible_qs), so "
        "every hit is in the re-read; the test guards only a petition leaving his sight between the two "
        "statements, which no test can time"
    ),
    "_openable_ids: drop pk__in= of filter @ petitions_visible_to(viewer).filter(pk__in=ids)": (
        "cost only: the set is consulted for hit ids only, so every visible id changes no answer"
    ),
    "similar_view: 'row' -> 'XXrowXX' @ 'row'": (
        "a tag that keeps record keys apart from the 'p:'/'i:' identity keys; any other tag does too"
    ),
    "hidden_event_ids: remove statement @ if not AccusationSplit.objects.filter(grievance_id=petition_id).exists": (
        "a shortcut for the petitions never split: without it the events query finds no split event "
        "(last split 0) and hides nothing, the same answer one statement later"
    ),
    "hidden_event_ids: remove statement @ return frozenset()": (
        "the same shortcut's return (the second return, for the split link, is killed: the bureau "
        "sees the split event in test_split_accusation)"
    ),
    "hidden_event_ids: drop grievance_id= of filter @ AccusationSplit.objects.filter(grievance_id=petition_id)": (
        "the same shortcut taken less often: for a petition without a split event the events query "
        "hides nothing anyway"
    ),
    "hidden_event_ids: drop operand 2 of or @ events.filter(action__in=SPLIT_ACTIONS).aggregate(last=Max('pk'))['las": (
        "a grievance with an AccusationSplit row always has its split event (written in the same "
        "transition), so the maximum is never None"
    ),
    "hidden_event_ids: 0 -> 1 @ 0": ("the fallback of the line above, never reached for the same reason"),
    "petitions_visible_to: drop operand 2 of or @ user is None or not user.is_authenticated": (
        "defence in depth: an anonymous user has no posts and is no admin, so the organ scope is empty "
        "and the next shortcut answers none() anyway"
    ),
}

# The deadline engine (R-CNT-1…7): every function of the pure calendar arithmetic and of the
# deadline rows. The unit tests of the rules first (fast), then the behaviour tests.
DEADLINE_TEST_FILES = [
    "minsheng/core/tests/test_calendar_rules.py",
    "minsheng/core/tests/test_calendar.py",
    "minsheng/workflow/tests/test_deadlines_rules.py",
    "minsheng/workflow/tests/test_sweep_and_cli.py",
    "minsheng/workflow/tests/test_lifecycle.py",
    "minsheng/workflow/tests/test_paths.py",
    "minsheng/workflow/tests/test_backdated_api.py",
]

DEADLINE_TARGETS = [
    *(
        Target("minsheng.core.calendar", name)
        for name in (
            "CalendarNotCovered.__init__",
            "HolidayCalendar.covers",
            "HolidayCalendar.is_workday",
            "HolidayCalendar.is_rest_day",
            "HolidayCalendar.with_overrides",
            "chinese_calendar_data",
            "add_calendar_days",
            "add_working_days",
            "roll_forward",
            "compute_due",
            "provisional_due",
            "inclusive_days",
        )
    ),
    *(
        Target("minsheng.workflow.deadlines", name)
        for name in (
            "calendar_bump_version",
            "_fingerprint",
            "holiday_calendar",
            "local_date",
            "rule_length",
            "compute_rule_due",
            "deadline_open",
            "deadline_waive",
            "deadline_get_open",
            "deadline_meet",
            "_withdraw_breach",
            "deadline_cancel",
            "deadline_recompute",
            "deadlines_refresh_provisional",
            "_rejudge",
            "uncovered_years_in_use",
            "due_soon_cutoff",
            "deadline_claim_due_soon",
            "deadline_claim_breach",
        )
    ),
]

DEADLINE_EQUIVALENT: dict[str, str] = {
    "_rejudge: drop operand 2 of and @ deadline.status == Deadline.Status.MET and met_on is not None": (
        "a met row always has met_at (deadline_meet and the appeals' window set both together)"
    ),
    "_rejudge: and -> or @ deadline.status == Deadline.Status.BREACHED and deadline.breached_at i": (
        "a breached row always has breached_at (the sweep sets both in one UPDATE), and rows of other "
        "statuses reaching this branch (open, expired is a window and returned) have none"
    ),
    "_rejudge: drop operand 1 of and @ deadline.status == Deadline.Status.BREACHED and deadline.breached_at i": (
        "only breached rows carry breached_at here: met ones took the branch above, a met-in-time "
        "breach is stored with breached_at None, windows returned first"
    ),
    "_rejudge: drop operand 2 of and @ deadline.status == Deadline.Status.BREACHED and deadline.breached_at i": (
        "a breached row always has breached_at (set with the status by the sweep)"
    ),
    "_rejudge: remove statement @ return #2": (
        "without it the row is saved with the values it has: the same row"
    ),
    "compute_rule_due: drop operand 2 of or @ rule.unit or Unit.CALENDAR": (
        "only D-SATISFACTION-WINDOW has no unit (and a length); compute_due and provisional_due treat "
        "every unit but Unit.WORKING as calendar days and DueResult does not carry the unit, so a "
        "Period with unit None is counted exactly as Unit.CALENDAR"
    ),
    "deadline_meet: remove statement @ late.met_late = False": (
        "the row was selected with met_at=None, and met_late is only ever set together with met_at "
        "(here and in the open branch), so it is already False: the assignment states the rule"
    ),
}


# 复查 and 复核 (Arts. 35–36, R-CNT-6): the request windows, late requests with a good reason, the
# organ that decides, the independence of whoever decides, the hearing's days, the finality.
APPEAL_TEST_FILES = [
    "minsheng/workflow/tests/test_appeal_rules.py",
    "minsheng/workflow/tests/test_statute_scenarios_main.py",
    "minsheng/workflow/tests/test_statute_scenarios_oversight.py",
    "minsheng/workflow/tests/test_finality_and_clocks.py",
    "minsheng/workflow/tests/test_appeal_signoff.py",
    "minsheng/workflow/tests/test_statute_opinion_follow_up.py",
    "minsheng/workflow/tests/test_signoff_recusal.py",
    "minsheng/workflow/tests/test_lifecycle.py",
    "minsheng/workflow/tests/test_paths.py",
    "minsheng/workflow/tests/test_table_vs_rules.py",
    "minsheng/portal/tests/test_track.py",
    "minsheng/workflow/tests/test_every_action.py",
    "minsheng/workflow/tests/test_statute_duties_round2.py",
]

APPEAL_TARGETS = [
    Target("minsheng.workflow.services.appeals", name)
    for name in (
        "_expired_window",
        "reopening_request_available",
        "_request_window",
        "_window_met",
        "_appeal",
        "h_request_review",
        "h_request_recheck",
        "issue_appeal_opinion",
        "independent_reviewer",
        "ensure_independent_review",
        "_ensure_appeal_signer",
        "_review_delivered",
        "_recheck_delivered",
        "_conclude_directly",
        "h_conclude_review",
        "h_recheck_hearing_start",
        "h_recheck_hearing_end",
        "h_conclude_recheck",
        "h_close_no_review",
        "h_archive",
    )
] + [
    # Art. 22(1)(3): the 办结报告 of a 交办, owed through 复查/复核 and after finality
    Target("minsheng.workflow.services.handling", name)
    for name in ("_assignment", "completion_report_owed", "h_report_completion", "execution_follow_up")
]

APPEAL_EQUIVALENT: dict[str, str] = {
    "_appeal: remove statement @ assert received_on is not None": (
        "type narrowing: ctx.date() with a default never answers None (a missing or bad date is an "
        "InvalidInput raised inside ctx.date)"
    ),
    "_appeal: remove statement @ _ensure_not_accused(ctx, upper, 'organ')": (
        "_review_organ (context.py, under the confidentiality group) walks up past the accused unit's "
        "subtree and answers None on a cycle, so the organ it gives is never in that subtree; the "
        "check is kept as a second guard of R-150 at the point of the move"
    ),
    "_appeal: 'organ' -> 'XXorganXX' @ 'organ'": (
        "the field name of the second R-150 guard above, which cannot fire"
    ),
    "_appeal: drop operand 2 of or @ petition.handling_organ or petition.current_organ": (
        "every path to delivered / review_concluded / closed_no_review passes an acceptance "
        "(h_accept, the simplified procedure), which sets handling_organ; the `or` only guards a "
        "future path that does not"
    ),
    "_appeal: remove statement @ petition.handling_organ = petition.handling_organ or petition.current_": (
        "the same guard as above: handling_organ is already set (at acceptance) whenever a request "
        "is possible, so the statement leaves it unchanged"
    ),
    "issue_appeal_opinion: '' -> 'XXXX' @ ''": (
        "both callers check the signer first (_conclude_directly: _ensure_appeal_signer; h_sign_opinion: "
        "_pending_for_signer), so ctx.actor is never None here; the fallback only satisfies the type"
    ),
    "independent_reviewer: remove statement @ if petition.state not in APPEAL_STATES: return True": (
        "outside 复查/复核, REVIEWER_ACTIONS (draft_opinion, sign_opinion) are offered only in the "
        "handling states, and no Opinion exists on a matter then (an Opinion is issued by sign/conclude, "
        "which leave the handling states for good): the queries below answer True as well; the early "
        "return saves them on every case page"
    ),
    "independent_reviewer: remove statement @ return True": ("the same early return as above"),
    "independent_reviewer: drop operand 1 of or @ pk is None or not earlier.filter(Q(issued_by_id=pk) | Q(signed_by_id=p": (
        "available_actions asks only for actors resolve_actor accepted, and it refuses an actor "
        "without a post (None) for every REVIEWER_ACTION: pk is never None here"
    ),
    "h_recheck_hearing_start: remove statement @ assert start is not None": (
        "type narrowing: ctx.date() with a default never answers None"
    ),
    "h_recheck_hearing_end: remove statement @ assert end is not None and appeal.hearing_start is not None": (
        "type narrowing: ctx.date() with a default never answers None, and end_recheck_hearing is "
        "offered only in recheck_hearing, entered by start_recheck_hearing, which sets hearing_start"
    ),
    "h_recheck_hearing_end: and -> or @ end is not None and appeal.hearing_start is not None": (
        "the narrowing assert above: both operands always hold"
    ),
    "h_recheck_hearing_end: drop operand 1 of and @ end is not None and appeal.hearing_start is not None": (
        "the narrowing assert above"
    ),
    "h_recheck_hearing_end: drop operand 2 of and @ end is not None and appeal.hearing_start is not None": (
        "the narrowing assert above"
    ),
    "h_recheck_hearing_end: drop stage= of filter @ Hearing.objects.filter(petition=ctx.petition, stage='recheck', end=Non": (
        "a handling-stage hearing always has its end by then: the matter leaves `hearing` only by "
        "end_hearing, and 复核 comes after the handling opinion"
    ),
    "h_recheck_hearing_end: drop rule= of filter @ Deadline.objects.filter(petition=ctx.petition, rule='D-RECHECK-30', st": (
        "the newest running clock of a matter in 复核 is its D-RECHECK-30 (opened by the 复核 request; "
        "no act of the 复核 stage opens another), and the lookup takes the newest"
    ),
    "h_recheck_hearing_end: drop status__in= of filter @ Deadline.objects.filter(petition=ctx.petition, rule='D-RECHECK-30', st": (
        "a matter has one D-RECHECK-30 row, and while a 复核 hearing ends it is open or breached "
        "(it is met only by the 复核 answer, which ends the stage)"
    ),
    "h_recheck_hearing_end: drop met_at= of filter @ Deadline.objects.filter(petition=ctx.petition, rule='D-RECHECK-30', st": (
        "the same single D-RECHECK-30 row, never met before the 复核 answer"
    ),
}


# The accountability rules (accountability_rules.yaml): indicator formulas, the same-matter repeat
# periods of record, the veto's conditions.
ACCOUNTABILITY_TEST_FILES = [
    "minsheng/assessment/tests/test_formulas.py",
    "minsheng/assessment/tests/test_same_matter.py",
    "minsheng/assessment/tests/test_resolution_repeats.py",
    "minsheng/assessment/tests/test_db_indicators.py",
    "minsheng/accountability/tests/test_veto.py",
    "minsheng/accountability/tests/test_admin.py",
    "minsheng/core/tests/test_implausible_input.py",
    "minsheng/core/tests/test_calendar.py",
    "minsheng/workflow/tests/test_rulesets.py",
]
ACCOUNTABILITY_TARGETS = [
    *(
        Target("minsheng.assessment.formulas", name)
        for name in (
            "wilson_interval",
            "make_figure",
            "classify_deadline",
            "is_due",
            "is_on_time",
            "timeliness",
            "_registration_share",
            "repeat_rate",
            "channel_share",
            "resolution_rate",
        )
    ),
    Target("minsheng.petitions.services", "earlier_same_matter"),
    Target("minsheng.assessment.services", "period_matches_kind"),
    Target("minsheng.accountability.veto", "veto_check"),
    Target("minsheng.core.calendar", "calendar_period"),
]
ACCOUNTABILITY_EQUIVALENT: dict[str, str] = {
    "wilson_interval: 1.0 -> 2.0 @ 1.0": (
        "Wilson's upper bound is at most 1 for every 0 <= p <= 1; the clamp only removes a float "
        "rounding above 1 (about 1e-16) that no figure shows"
    ),
    "veto_check: drop operand 2 of or @ serious_consequence or ''": (
        "every caller passes a string (API schema default '', the admin form's `or ''`); the `or` only "
        "guards None"
    ),
    "veto_check: drop operand 2 of or @ evidence or ''": "the same for the evidence (required by both callers)",
    "veto_check: '' -> 'XXXX' @ '' #2": "the value of that guard, never used for the same reason",
    "earlier_same_matter: drop left operand of | @ Q(pk=petitioner.pk) | identity_q(identity_keys(petitioner.phone_index,": (
        "a petitioner record is reused only when a phone or ID number given agrees with it "
        "(find_or_create_petitioner), and then identity_q holds the record itself; a record without "
        "those keys is made anew for each petition and has no earlier one"
    ),
    "earlier_same_matter: drop pk= of Q @ Q(pk=petitioner.pk)": "the same operand: an empty Q() joined by | is the other operand alone",
}


@dataclass(frozen=True)
class Group:
    tests: list[str]
    targets: list[Target]
    equivalent: dict[str, str]


GROUPS = {
    "confidentiality": Group(TEST_FILES, TARGETS, EQUIVALENT),
    "deadlines": Group(DEADLINE_TEST_FILES, DEADLINE_TARGETS, DEADLINE_EQUIVALENT),
    "appeals": Group(APPEAL_TEST_FILES, APPEAL_TARGETS, APPEAL_EQUIVALENT),
    "accountability": Group(ACCOUNTABILITY_TEST_FILES, ACCOUNTABILITY_TARGETS, ACCOUNTABILITY_EQUIVALENT),
}

# Calls that widen a set of organs along the tree: the mutant keeps the organs themselves.
TREE_WALKS = {"organ_ancestor_ids", "organ_subtree_ids"}
QUERY_CALLS = {"filter", "exclude", "Q"}
PER_TEST_TIMEOUT_FACTOR = 10.0
PER_TEST_TIMEOUT_MIN = 10.0
HIT = "__mutation_hit__"  # the recorder the baseline puts in the target modules' globals


# -- mutant generation ----------------------------------------------------------------------------


@dataclass
class Mutant:
    target: Target
    ident: str
    description: str
    lineno: int
    source: str  # the mutated function, unparsed
    code: types.CodeType | None = None
    status: str = "pending"  # killed, timeout, survived, equivalent, no-tests, error
    killer: str = ""
    seconds: float = 0.0
    tests: tuple[str, ...] = ()  # the tests the child was given, in the order it ran them


CMP_SWAPS: dict[type, list[type]] = {
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
    ast.Lt: [ast.LtE, ast.GtE],
    ast.LtE: [ast.Lt, ast.Gt],
    ast.Gt: [ast.GtE, ast.LtE],
    ast.GtE: [ast.Gt, ast.Lt],
}
BIN_SWAPS: dict[type, list[type]] = {
    ast.BitOr: [ast.BitAnd],
    ast.BitAnd: [ast.BitOr],
    ast.Sub: [ast.BitOr],
    ast.Add: [ast.Sub],
}
SYMBOL = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.Sub: "-",
    ast.Add: "+",
    ast.And: "and",
    ast.Or: "or",
}

Edit = tuple[str, Callable[[ast.AST, dict[int, tuple[ast.AST, str, int | None]]], None]]


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    """id(child) -> (parent, field name, index in the field's list or None)."""
    out: dict[int, tuple[ast.AST, str, int | None]] = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        out[id(item)] = (parent, name, i)
            elif isinstance(value, ast.AST):
                out[id(value)] = (parent, name, None)
    return out


def _replace(node: ast.AST, new: ast.AST, parents: dict[int, tuple[ast.AST, str, int | None]]) -> None:
    parent, name, index = parents[id(node)]
    if index is None:
        setattr(parent, name, new)
    else:
        getattr(parent, name)[index] = new


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_docstring(node: ast.AST, parents: dict[int, tuple[ast.AST, str, int | None]]) -> bool:
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return False
    parent, name, index = parents[id(node)]
    return isinstance(parent, ast.FunctionDef) and name == "body" and index == 0


def _inside(
    node: ast.AST, kinds: tuple[type, ...], parents: dict[int, tuple[ast.AST, str, int | None]]
) -> bool:
    while id(node) in parents:
        node = parents[id(node)][0]
        if isinstance(node, kinds):
            return True
    return False


def _edits(node: ast.AST, parents: dict[int, tuple[ast.AST, str, int | None]]) -> Iterator[Edit]:
    """The mutations of one node: (label, apply(node_in_copy, parents_of_copy))."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in CMP_SWAPS.get(type(op), []):

                def swap(n: Any, p: Any, i: int = i, new: type = new) -> None:
                    n.ops[i] = new()

                yield f"{SYMBOL[type(op)]} -> {SYMBOL[new]}", swap
    if isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And

        def swap_bool(n: Any, p: Any, other: type = other) -> None:
            n.op = other()

        yield f"{SYMBOL[type(node.op)]} -> {SYMBOL[other]}", swap_bool
        for i in range(len(node.values)):

            def drop(n: Any, p: Any, i: int = i) -> None:
                rest = n.values[:i] + n.values[i + 1 :]
                if len(rest) == 1:
                    _replace(n, rest[0], p)
                else:
                    n.values = rest

            yield f"drop operand {i + 1} of {SYMBOL[type(node.op)]}", drop
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.Invert):
        label = "not" if isinstance(node.op, ast.Not) else "~"
        yield f"remove {label}", lambda n, p: _replace(n, n.operand, p)
    if isinstance(node, ast.If | ast.While | ast.IfExp) and not (
        isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
    ):
        yield "negate condition", lambda n, p: setattr(n, "test", ast.UnaryOp(op=ast.Not(), operand=n.test))
    if isinstance(node, ast.comprehension):
        for i in range(len(node.ifs)):

            def negate_if(n: Any, p: Any, i: int = i) -> None:
                n.ifs[i] = ast.UnaryOp(op=ast.Not(), operand=n.ifs[i])

            def drop_if(n: Any, p: Any, i: int = i) -> None:
                del n.ifs[i]

            yield f"negate comprehension condition {i + 1}", negate_if
            yield f"drop comprehension condition {i + 1}", drop_if
    if isinstance(node, ast.Constant) and not _inside(node, (ast.JoinedStr, ast.Raise), parents):
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", lambda n, p: setattr(n, "value", not n.value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield f"{value} -> {value + 1}", lambda n, p: setattr(n, "value", n.value + 1)
            if value != 0:
                yield f"{value} -> 0", lambda n, p: setattr(n, "value", type(n.value)(0))
        elif isinstance(value, str) and value.isascii() and not _is_docstring(parents[id(node)][0], parents):
            yield f"{value!r} -> 'XX{value}XX'", lambda n, p: setattr(n, "value", f"XX{n.value}XX")
    if isinstance(node, ast.BinOp) and type(node.op) in BIN_SWAPS:
        for new in BIN_SWAPS[type(node.op)]:

            def swap_bin(n: Any, p: Any, new: type = new) -> None:
                n.op = new()

            yield f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}", swap_bin
        yield f"drop right operand of {SYMBOL[type(node.op)]}", lambda n, p: _replace(n, n.left, p)
        if isinstance(node.op, ast.BitOr | ast.BitAnd):
            yield f"drop left operand of {SYMBOL[type(node.op)]}", lambda n, p: _replace(n, n.right, p)
    if isinstance(node, ast.AugAssign) and type(node.op) in BIN_SWAPS:
        for new in BIN_SWAPS[type(node.op)]:

            def swap_aug(n: Any, p: Any, new: type = new) -> None:
                n.op = new()

            yield f"{SYMBOL[type(node.op)]}= -> {SYMBOL[new]}=", swap_aug
    if isinstance(node, ast.Call):
        name = _call_name(node)
        if name in TREE_WALKS and len(node.args) == 1:
            yield (
                f"{name}(x) -> set(x)",
                lambda n, p: _replace(
                    n, ast.Call(func=ast.Name("set", ast.Load()), args=n.args, keywords=[]), p
                ),
            )
        if isinstance(node.func, ast.Attribute) and name in ("filter", "exclude"):
            other_name = "exclude" if name == "filter" else "filter"
            yield f"{name} -> {other_name}", lambda n, p, o=other_name: setattr(n.func, "attr", o)
        if name in QUERY_CALLS:
            if len(node.args) + len(node.keywords) > 0:
                for i in range(len(node.args)):
                    yield f"drop argument {i + 1} of {name}", lambda n, p, i=i: n.args.pop(i)
                for i, kw in enumerate(node.keywords):
                    yield f"drop {kw.arg}= of {name}", lambda n, p, i=i: n.keywords.pop(i)
            elif name == "Q":
                yield (
                    "Q() -> Q(pk__in=[])",
                    lambda n, p: n.keywords.append(ast.keyword("pk__in", ast.List([], ast.Load()))),
                )
    if isinstance(node, ast.stmt) and not isinstance(
        node, ast.Pass | ast.FunctionDef | ast.Import | ast.ImportFrom
    ):
        index = parents[id(node)][2]
        if index is not None and not _is_docstring(node, parents):
            yield "remove statement", lambda n, p: _replace(n, ast.Pass(), p)


def _region(func: ast.FunctionDef, calling: str | None) -> set[int]:
    """ids of the nodes that may be mutated."""
    annotations = {
        id(n)
        for a in ast.walk(func)
        if isinstance(a, ast.AnnAssign | ast.arg) and a.annotation is not None
        for n in ast.walk(a.annotation)
    }
    if calling is None:
        # The body only: annotations are not behaviour, and default values live on the function
        # object, not in its code.
        return {id(n) for stmt in func.body for n in ast.walk(stmt)} - annotations
    region: set[int] = set()
    for stmt in ast.walk(func):
        if not isinstance(stmt, ast.stmt) or stmt is func:
            continue
        inner = [s for s in ast.walk(stmt) if isinstance(s, ast.stmt) and s is not stmt]
        calls_here = any(isinstance(c, ast.Call) and _call_name(c) == calling for c in ast.walk(stmt))
        calls_inside = any(
            isinstance(c, ast.Call) and _call_name(c) == calling for s in inner for c in ast.walk(s)
        )
        if calls_here and not calls_inside:  # the innermost statement that calls it
            region |= {id(n) for n in ast.walk(stmt)}
    return region - annotations


def _compile(
    func: ast.FunctionDef, filename: str, owner: str | None = None, class_cell: bool = False
) -> types.CodeType:
    """The code object of ``func``; of a method when ``owner`` names its class (compiled inside a
    class of that name, so that ``super()`` gets its ``__class__`` cell like the original). With
    ``class_cell`` the cell is kept even when the mutant no longer calls ``super()`` (a code object
    swapped into a function must have the same free variables)."""
    func = copy.copy(func)
    func.decorator_list = []
    if class_cell:
        func.body = [ast.Expr(ast.Name("__class__", ast.Load())), *func.body]
    body: list[ast.stmt] = [func]
    if owner is not None:
        body = [
            ast.ClassDef(name=owner, bases=[], keywords=[], body=[func], decorator_list=[], type_params=[])
        ]
    module = ast.Module(body=body, type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, filename, "exec", flags=future_flags.annotations.compiler_flag, dont_inherit=True)
    if owner is not None:
        code = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == owner)
    return next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == func.name)


def _split(target: Target) -> tuple[str | None, str]:
    """(class name or None, function name) of ``Class.method`` or ``function``."""
    owner, _, name = target.function.rpartition(".")
    return owner or None, name


def _resolve(target: Target) -> Any:
    """The module attribute (for a method: the class attribute) that the target names."""
    obj: Any = importlib.import_module(target.module)
    for part in target.function.split("."):
        obj = inspect.getattr_static(obj, part) if isinstance(obj, type) else getattr(obj, part)
    return obj


def target_function(target: Target) -> types.FunctionType:
    function = inspect.unwrap(_resolve(target))
    owner, _ = _split(target)
    allowed = ("__class__",) if owner else ()
    if not isinstance(function, types.FunctionType) or set(function.__code__.co_freevars) - set(allowed):
        raise SystemExit(f"{target.module}.{target.function} is not a plain module-level function or method")
    return function


def _cache_clear(target: Target) -> None:
    """Empty an ``lru_cache`` around the target: a result cached by the unmutated run is stale."""
    clear = getattr(_resolve(target), "cache_clear", None)
    if callable(clear):
        clear()


def generate(target: Target, index: int) -> tuple[str, types.CodeType, list[Mutant]]:
    """(the original function unparsed, its recording variant, its mutants).

    The recording variant is the unmutated function that first calls ``HIT(index)``: the baseline
    run learns from it which tests call the function (far cheaper than ``sys.settrace``)."""
    module = importlib.import_module(target.module)
    filename = inspect.getsourcefile(module) or ""
    tree = ast.parse(Path(filename).read_text(encoding="utf-8"), filename)
    owner, name = _split(target)
    scope: list[ast.stmt] = tree.body
    if owner is not None:
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == owner]
        scope = classes[0].body if len(classes) == 1 else []
    funcs = [n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name]
    if len(funcs) != 1:
        raise SystemExit(f"{target.module}.{target.function}: not found once at module level")
    original = funcs[0]
    class_cell = "__class__" in target_function(target).__code__.co_freevars
    region = _region(original, target.only_statements_calling)
    if not region:
        raise SystemExit(
            f"{target.module}.{target.function}: no statement calls {target.only_statements_calling}"
        )
    plain = ast.unparse(original)
    nodes = list(ast.walk(original))
    parents = _parents(original)
    mutants: list[Mutant] = []
    seen: dict[str, int] = defaultdict(int)
    for position, node in enumerate(nodes):
        if id(node) not in region:
            continue
        for label, apply in _edits(node, parents):
            tree_copy = copy.deepcopy(original)
            node_copy = list(ast.walk(tree_copy))[position]
            apply(node_copy, _parents(tree_copy))
            source = ast.unparse(tree_copy)
            if source == plain:
                continue
            shown = (
                node
                if not isinstance(node, ast.comprehension)
                else ast.Tuple([node.target, node.iter, *node.ifs])
            )
            snippet = " ".join(ast.unparse(shown).split())[:70]
            key = f"{target.function}: {label} @ {snippet}"
            seen[key] += 1
            ident = key if seen[key] == 1 else f"{key} #{seen[key]}"
            mutant = Mutant(target, ident, label, getattr(node, "lineno", 0), source)
            try:
                mutant.code = _compile(tree_copy, filename, owner, class_cell)
            except (SyntaxError, ValueError) as exc:  # not a valid program: not a mutant
                print(f"skipped (does not compile: {exc}): {ident}", file=sys.stderr)
                continue
            mutants.append(mutant)
    recording = copy.deepcopy(original)
    first = 1 if _is_docstring(original.body[0], parents) else 0
    call = ast.Expr(ast.Call(ast.Name(HIT, ast.Load()), [ast.Constant(index)], []))
    recording.body.insert(first, ast.copy_location(call, original.body[first]))
    return plain, _compile(recording, filename, owner, class_cell), mutants


# -- running ------------------------------------------------------------------------------------


class _TestTimeout(BaseException):
    pass


_ALARM_FIRED = False


def _on_alarm(signum: int, frame: Any) -> None:
    global _ALARM_FIRED
    _ALARM_FIRED = True
    raise _TestTimeout("the test ran past its timeout (a mutant that does not terminate)")


def _on_term(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt("terminated")


class MutationPlugin:
    def __init__(
        self,
        mutants: list[Mutant],
        functions: dict[Target, types.FunctionType],
        recording: dict[Target, types.CodeType],
        jobs: int,
        order: str = "killers",
    ) -> None:
        self.order = order
        self.kills: dict[Target, dict[str, int]] = defaultdict(dict)
        self.kills_any: dict[str, int] = {}
        self.mutants = mutants
        self.functions = functions
        self.recording = recording
        self.jobs = jobs
        self.covering: dict[Target, list[str]] = defaultdict(list)
        self.durations: dict[str, float] = {}
        self.baseline_failed: list[str] = []
        self.collected = 0
        self.baseline_seconds = 0.0

    def pytest_configure(self, config: Any) -> None:
        try:
            from hypothesis import settings

            settings.register_profile("mutation", database=None, derandomize=True, deadline=None)
            settings.load_profile("mutation")
        except ImportError:
            pass

    def pytest_runtestloop(self, session: Any) -> bool:
        from _pytest.runner import runtestprotocol

        items = list(session.items)
        self.collected = len(items)
        by_id = {item.nodeid: item for item in items}
        current: list[str] = [""]
        called: dict[str, set[Target]] = defaultdict(set)
        originals = {target: fn.__code__ for target, fn in self.functions.items()}
        targets = list(self.functions)

        def hit(index: int) -> None:
            called[current[0]].add(targets[index])

        for target, fn in self.functions.items():
            fn.__globals__[HIT] = hit
            fn.__code__ = self.recording[target]  # the unmutated body, first telling which test calls it
        started = time.monotonic()
        print(f"baseline: {len(items)} tests, unmutated ...", flush=True)
        try:
            for i, item in enumerate(items):
                current[0] = item.nodeid
                nextitem = items[i + 1] if i + 1 < len(items) else items[0]  # keep the session fixtures
                t0 = time.monotonic()
                reports = runtestprotocol(item, nextitem=nextitem, log=True)  # pytest's summary counts these
                self.durations[item.nodeid] = time.monotonic() - t0
                if any(r.failed for r in reports):
                    self.baseline_failed.append(item.nodeid)
        finally:
            for target, fn in self.functions.items():
                fn.__code__ = originals[target]
                fn.__globals__.pop(HIT, None)
        self.baseline_seconds = time.monotonic() - started
        if self.baseline_failed:
            return True
        for nodeid, targets in called.items():
            for target in targets:
                self.covering[target].append(nodeid)
        for target in self.covering:
            self.covering[target].sort(key=lambda n: self.durations[n])
        print(f"baseline passed in {self.baseline_seconds:.0f} s; {len(self.mutants)} mutants", flush=True)
        self._run_mutants(session, by_id)
        return True

    def _run_mutants(self, session: Any, by_id: dict[str, Any]) -> None:
        running: dict[int, tuple[Mutant, int, float, float]] = {}  # pid -> (mutant, read fd, start, limit)
        queue = [m for m in self.mutants if m.status == "pending"]
        for mutant in queue:
            if not self.covering.get(mutant.target):
                mutant.status = "no-tests"
        queue = [m for m in queue if m.status == "pending"]
        total = len(queue)
        done = 0
        try:
            while queue or running:
                while queue and len(running) < self.jobs:
                    mutant = queue.pop(0)
                    tests = self._ordered(mutant.target)
                    mutant.tests = tuple(tests)
                    limit = 30.0 + sum(self._timeout(n) for n in tests)
                    read_fd, write_fd = os.pipe()
                    pid = os.fork()
                    if pid == 0:  # the child: never returns
                        os.close(read_fd)
                        self._child(session, mutant, [by_id[n] for n in tests], write_fd)
                    os.close(write_fd)
                    running[pid] = (mutant, read_fd, time.monotonic(), limit)
                for pid, (mutant, read_fd, start, limit) in list(running.items()):
                    waited, status = os.waitpid(pid, os.WNOHANG)
                    elapsed = time.monotonic() - start
                    if waited == 0 and elapsed > limit:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        self._finish(mutant, read_fd, elapsed, forced="timeout")
                    elif waited == pid:
                        code = os.waitstatus_to_exitcode(status)
                        self._finish(mutant, read_fd, elapsed, exit_code=code)
                    else:
                        continue
                    del running[pid]
                    self._learn(mutant)
                    done += 1
                    mark = {"killed": ".", "timeout": "t", "survived": "S"}.get(mutant.status, "E")
                    if mark in "SE":
                        print(f"\n{mark}: {mutant.ident} {mutant.killer}", flush=True)
                    print(mark, end="" if done % 60 else f" {done}/{total}\n", flush=True)
                if running:
                    select.select([fd for _, fd, _, _ in running.values()], [], [], 0.05)
        finally:
            for pid, (_, read_fd, _, _) in running.items():
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(read_fd)
        print(flush=True)

    def _ordered(self, target: Target) -> list[str]:
        """The covering tests of ``target`` in the order a mutant runs them: fastest first, or with
        ``--order killers`` the tests that killed earlier mutants first (most kills of this target,
        then most kills of any target, then fastest). The order only changes how soon a mutant is
        killed: a mutant that survives has run every covering test either way."""
        tests = self.covering[target]
        if self.order != "killers":
            return tests
        mine = self.kills[target]
        return sorted(tests, key=lambda n: (-mine.get(n, 0), -self.kills_any.get(n, 0), self.durations[n]))

    def _learn(self, mutant: Mutant) -> None:
        if mutant.status == "killed" and mutant.killer in self.durations:
            self.kills[mutant.target][mutant.killer] = self.kills[mutant.target].get(mutant.killer, 0) + 1
            self.kills_any[mutant.killer] = self.kills_any.get(mutant.killer, 0) + 1

    def _timeout(self, nodeid: str) -> float:
        return max(PER_TEST_TIMEOUT_MIN, PER_TEST_TIMEOUT_FACTOR * self.durations[nodeid])

    def _finish(
        self, mutant: Mutant, read_fd: int, elapsed: float, exit_code: int = 0, forced: str = ""
    ) -> None:
        chunks = []
        while True:
            chunk = os.read(read_fd, 65536) if select.select([read_fd], [], [], 0)[0] else b""
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_fd)
        message = b"".join(chunks).decode("utf-8", "replace")
        mutant.seconds = elapsed
        if forced:
            mutant.status, mutant.killer = "timeout", "(whole run past its limit)"
        elif exit_code == 0:
            mutant.status = "survived"
        elif exit_code == 1:
            mutant.status, mutant.killer = "killed", message
        elif exit_code == 4:
            mutant.status, mutant.killer = "timeout", message
        else:
            mutant.status, mutant.killer = "error", message or f"child exit {exit_code}"

    def _child(self, session: Any, mutant: Mutant, items: list[Any], write_fd: int) -> None:
        code = 3
        try:
            from _pytest.runner import runtestprotocol

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGALRM, _on_alarm)
            session._setupstate.teardown_exact(items[0])
            self.functions[mutant.target].__code__ = mutant.code  # type: ignore[assignment]
            _cache_clear(mutant.target)
            code = 0
            for i, item in enumerate(items):
                nextitem = items[i + 1] if i + 1 < len(items) else items[0]
                signal.setitimer(signal.ITIMER_REAL, self._timeout(item.nodeid))
                try:
                    reports = runtestprotocol(item, nextitem=nextitem, log=False)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                failed = [r for r in reports if r.failed]
                if failed:
                    text = str(getattr(failed[0], "longrepr", ""))
                    code = 4 if "_TestTimeout" in text else 1
                    os.write(write_fd, item.nodeid.encode())
                    break
        except BaseException as exc:  # reported to the parent, never swallowed silently
            # A test stopped by its timeout may break a plugin's teardown on the way out (hypothesis
            # does): the mutant still did not terminate in time, so it is killed by timeout.
            code = 4 if _ALARM_FIRED else 3
            with contextlib.suppress(OSError):
                os.write(write_fd, f"{'timeout' if _ALARM_FIRED else 'runner error'}: {exc!r}".encode())
        finally:
            os._exit(code)


# -- report -------------------------------------------------------------------------------------


def _diff(original: str, mutated: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            original.splitlines(), mutated.splitlines(), "original", "mutant", n=1, lineterm=""
        )
    )


def report(
    mutants: list[Mutant],
    originals: dict[Target, str],
    plugin: MutationPlugin,
    seconds: float,
    equivalent: dict[str, str],
) -> dict[str, Any]:
    per_function: dict[str, dict[str, Any]] = {}
    per_file: dict[str, dict[str, int]] = {}
    for target in originals:
        mine = [m for m in mutants if m.target == target]
        counts = defaultdict(int)
        for m in mine:
            counts[m.status] += 1
        name = f"{target.module}.{target.function}"
        per_function[name] = {
            "mutants": len(mine),
            "killed": counts["killed"] + counts["timeout"],
            "killed_by_timeout": counts["timeout"],
            "equivalent": counts["equivalent"],
            "survived": counts["survived"] + counts["no-tests"] + counts["error"],
            "tests": len(plugin.covering.get(target, [])),
        }
        path = target.module.replace(".", "/") + ".py"
        row = per_file.setdefault(path, {"mutants": 0, "killed": 0, "equivalent": 0, "survived": 0})
        for key in row:
            row[key] += per_function[name][key]
    survivors = [m for m in mutants if m.status in ("survived", "no-tests", "error")]
    totals = {
        "mutants": len(mutants),
        "killed": sum(1 for m in mutants if m.status in ("killed", "timeout")),
        "killed_by_timeout": sum(1 for m in mutants if m.status == "timeout"),
        "equivalent": sum(1 for m in mutants if m.status == "equivalent"),
        "survived": len(survivors),
        "tests": plugin.collected,
        "baseline_seconds": round(plugin.baseline_seconds, 1),
        "wall_seconds": round(seconds, 1),
    }
    return {
        "totals": totals,
        "files": per_file,
        "functions": per_function,
        "survivors": [
            {
                "id": m.ident,
                "status": m.status,
                "line": m.lineno,
                "detail": m.killer,
                "diff": _diff(originals[m.target], m.source),
            }
            for m in survivors
        ],
        "equivalent": [
            {"id": m.ident, "reason": equivalent[m.ident]} for m in mutants if m.status == "equivalent"
        ],
        "runs": [
            {
                "id": m.ident,
                "status": m.status,
                "seconds": round(m.seconds, 2),
                "tests_given": len(m.tests),
                "tests_run": m.tests.index(m.killer) + 1 if m.killer in m.tests else len(m.tests),
                "killer": m.killer if m.killer in m.tests else "",
            }
            for m in mutants
            if m.status != "equivalent"
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (forked children)")
    parser.add_argument(
        "--order",
        choices=("killers", "duration"),
        default="killers",
        help="the order of a mutant's tests: killers of earlier mutants first, or fastest first",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="only targets whose module.function contains this (repeat for several)",
    )
    parser.add_argument("--json", default="", help="also write the report as JSON to this path")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--tests", nargs="*", default=None, help="test files instead of the group's")
    parser.add_argument(
        "--group",
        action="append",
        choices=sorted(GROUPS),
        default=None,
        help="target group to run (repeatable; default: every group, each in its own process)",
    )
    args = parser.parse_args(argv)
    groups = args.group or list(GROUPS)
    if len(groups) > 1:
        return _run_groups(groups, sys.argv[1:] if argv is None else argv)
    group = GROUPS[groups[0]]

    started = time.monotonic()
    signal.signal(signal.SIGTERM, _on_term)  # so that the running children are killed too
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    if os.environ.pop("DATABASE_URL", None):
        print("mutation: DATABASE_URL ignored (the forked runs need the in-memory SQLite test database)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django
    import pytest  # before the settings: they read "pytest" in sys.modules as "testing" (fast hasher, …)

    django.setup()

    targets = [
        t
        for t in group.targets
        if not args.only or any(part in f"{t.module}.{t.function}" for part in args.only)
    ]
    originals: dict[Target, str] = {}
    mutants: list[Mutant] = []
    functions: dict[Target, types.FunctionType] = {}
    recording: dict[Target, types.CodeType] = {}
    for index, target in enumerate(targets):
        originals[target], recording[target], found = generate(target, index)
        functions[target] = target_function(target)
        mutants += found
    for m in mutants:
        if m.ident in group.equivalent:
            m.status = "equivalent"
    unused = set(group.equivalent) - {m.ident for m in mutants}
    if unused and not args.only:
        print(f"mutation: EQUIVALENT names mutants that no longer exist: {sorted(unused)}", file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            print(
                f"{m.target.module}:{m.lineno}: {m.ident}{' (equivalent)' if m.status == 'equivalent' else ''}"
            )
        print(f"{len(mutants)} mutants")
        return 0

    plugin = MutationPlugin(mutants, functions, recording, args.jobs, args.order)
    exit_code = pytest.main(
        ["-q", "-p", "no:randomly", "-p", "no:xdist", "-p", "no:cacheprovider", *(args.tests or group.tests)],
        plugins=[plugin],
    )
    if plugin.baseline_failed:
        print(f"mutation: the unmutated tests fail: {plugin.baseline_failed}", file=sys.stderr)
        return 2
    if exit_code not in (0, pytest.ExitCode.OK):
        print(f"mutation: pytest exited {exit_code}", file=sys.stderr)
        return 2
    result = report(mutants, originals, plugin, time.monotonic() - started, group.equivalent)
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    width = max(len(name) for name in result["functions"])
    print(f"{'function':<{width}}  mutants  killed  equiv.  survived  tests")
    for name, row in result["functions"].items():
        print(
            f"{name:<{width}}  {row['mutants']:>7}  {row['killed']:>6}  {row['equivalent']:>6}  {row['survived']:>8}  {row['tests']:>5}"
        )
    print()
    for path, row in result["files"].items():
        print(
            f"{path}: {row['mutants']} mutants, {row['killed']} killed, {row['equivalent']} equivalent, {row['survived']} survived"
        )
    t = result["totals"]
    print(
        f"\nTOTAL: {t['mutants']} mutants, {t['killed']} killed ({t['killed_by_timeout']} by timeout), "
        f"{t['equivalent']} equivalent, {t['survived']} survived; {t['tests']} tests, "
        f"baseline {t['baseline_seconds']} s, wall {t['wall_seconds']} s"
    )
    for s in result["survivors"]:
        print(f"\nSURVIVED ({s['status']}) line {s['line']}: {s['id']}\n{s['detail']}\n{s['diff']}")
    return 1 if result["survivors"] else 0


def _run_groups(groups: list[str], argv: list[str]) -> int:
    """Each group in its own process (a pytest session of its own), one after the other: the worst
    exit status (2 error > 1 a mutant survived > 0). ``--json PATH`` becomes PATH.<group>.json."""
    worst = 0
    for name in groups:
        args = list(argv)
        if "--json" in args:
            i = args.index("--json") + 1
            args[i] = f"{Path(args[i]).with_suffix('')}.{name}.json"
        print(f"\n==== mutation group {name} ====", flush=True)
        code = subprocess.call([sys.executable, str(Path(__file__).resolve()), "--group", name, *args])
        worst = max(worst, code if code in (0, 1) else 2)
    return worst


if __name__ == "__main__":
    sys.exit(main())
