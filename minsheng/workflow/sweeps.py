"""The periodic deadline sweep (the Healthchecks `sendalerts` pattern), set-based.

One statement per kind marks every deadline that is due and still open (due soon; breached or,
for a petitioner's window, expired) and copies what it marked into a scratch table; from there
the breach events, the automatic supervision orders (R-140), the in-app notifications and the
petitions' list flags are inserted or updated in bulk, in the same transaction. There is no cap
per sweep.

Exactly once: a deadline is marked only by the UPDATE that finds it still open (compare-and-set),
and everything else is derived from the rows that UPDATE returned; supervision orders are also
unique per petition, rule and trigger (``ON CONFLICT DO NOTHING``). On PostgreSQL a full sweep
first takes a transaction-level advisory lock: a second worker sweeping at the same time returns
at once with nothing marked instead of queueing behind the first (and two big UPDATEs never lock
rows in opposite orders). A sweep limited to some petitions (a back-dated act catching up) takes
no lock; its compare-and-set is enough.

Per item still, because they are rare and need the full rules: notifications about accusations
(R-150 keeps them from the accused side) and the closing of a petition whose review window
expired (a real transition, audited by the engine).
"""

from __future__ import annotations

import datetime as dt
import logging
import string
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from minsheng.core.crypto import encrypt
from minsheng.petitions.models import State
from minsheng.workflow import deadlines as dl
from minsheng.workflow.labels import auto_suggestion_zh, rule_name_zh
from minsheng.workflow.models import Opinion, SupervisionOrder
from minsheng.workflow.services.appeals import ANSWER_RULES
from minsheng.workflow.services.oversight import supervision_feedback_due

logger = logging.getLogger(__name__)

# automatic 督办 on missed notice, handling and assigned deadlines.
AUTO_SUPERVISION = {
    "D-NOTICE-15": SupervisionOrder.Trigger.NOTICE_OVERDUE,
    "D-HANDLE-60": SupervisionOrder.Trigger.HANDLING_OVERDUE,
    "D-SIMPLE-HANDLE-10WD": SupervisionOrder.Trigger.HANDLING_OVERDUE,
    "D-ASSIGNED": SupervisionOrder.Trigger.ASSIGNED_OVERDUE,
    "D-BUREAU-15": SupervisionOrder.Trigger.OTHER_OVERDUE,
    "D-REVIEW-30": SupervisionOrder.Trigger.OTHER_OVERDUE,
    "D-RECHECK-30": SupervisionOrder.Trigger.OTHER_OVERDUE,
}

# Petitioner windows whose expiry closes the matter.
#: The clock a running 复核 hearing suspends (Art. 36(2); appeals.h_recheck_hearing_end adds its days).
HEARING_CLOCK = ANSWER_RULES[Opinion.Stage.RECHECK]
CLOSING_WINDOWS = {"D-REVIEW-REQ-30": State.DELIVERED, "D-RECHECK-REQ-30": State.REVIEW_CONCLUDED}

# Any 64-bit number unique to this lock ("minsheng sweep").
SWEEP_LOCK_KEY = 0x6D696E7377656570

CLAIMED = "minsheng_sweep_claimed"
RULES = "minsheng_sweep_rules"
RECIPIENTS = "minsheng_sweep_recipients"
ORDERS = "minsheng_sweep_orders"

SOON, BREACH, EXPIRE = "soon", "breach", "expire"

# An accusation naming an accused organ: its messages go one by one, the accused side left out.
SENSITIVE = "(c.nature = 'accusation' AND c.accused_organ_id IS NOT NULL)"

# Set by `minsheng bench-sweep` to a list: each statement's first words and seconds are appended.
PROFILE: list[tuple[str, float]] | None = None


@dataclass
class SweepResult:
    due_soon: int = 0
    breached: int = 0
    expired: int = 0
    closed: int = 0
    supervision_orders: int = 0


def deadlines_sweep(
    now: dt.datetime | None = None, *, petition_ids: Sequence[int] | None = None
) -> SweepResult:
    """Mark due-soon (at nominal_due − N days), breached (after statutory_due) and expired windows.

    Petitions imported with ``import-petitions --historical`` are skipped (``Petition.is_historical``).
    ``petition_ids`` limits the sweep to those petitions (a back-dated act catching up at once).
    """
    moment = now or timezone.now()
    with transaction.atomic():
        if petition_ids is None and not _try_lock():
            logger.info("another worker is sweeping; nothing done")
            return SweepResult()
        sweep = _Sweep(moment, list(petition_ids) if petition_ids is not None else None)
        result = sweep.run()
        committing = time.perf_counter()
    if PROFILE is not None:
        PROFILE.append(("COMMIT", round(time.perf_counter() - committing, 3)))
    for petition_id in sweep.to_close:
        _close_no_review(petition_id, moment, result)
    return result


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite runs one writing transaction at a time
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _close_no_review(petition_id: int, moment: dt.datetime, result: SweepResult) -> None:
    from minsheng.core.errors import ApplicationError
    from minsheng.workflow.services import petition_transition

    try:
        petition_transition(petition_id, "close_no_review", actor=None, as_system=True, now=moment)
        result.closed += 1
    except ApplicationError as exc:
        logger.info("petition %s not closed: %s", petition_id, exc)


def _in(values: Iterable[str]) -> tuple[str, list[str]]:
    items = sorted(values)
    return ", ".join(["%s"] * len(items)), items


class _Sweep:
    """One sweep: the statements, in order, inside the caller's transaction."""

    def __init__(self, moment: dt.datetime, petition_ids: list[int] | None) -> None:
        self.moment = moment
        self.at = connection.ops.adapt_datetimefield_value(moment)
        self.today = dl.local_date(moment)
        self.petition_ids = petition_ids
        self.pg = connection.vendor == "postgresql"
        self.to_close: list[int] = []

    @cached_property
    def feedback_due(self) -> dt.date:
        return supervision_feedback_due(self.today)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def date(value: dt.date) -> Any:
        return connection.ops.adapt_datefield_value(value)

    def sql(self, statement: str, params: Sequence[Any] = ()) -> int:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, list(params))
            count = int(cursor.rowcount or 0)
        if PROFILE is not None:
            PROFILE.append((" ".join(statement.split()[:6]), round(time.perf_counter() - started, 3)))
        return count

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, list(params))
            rows = list(cursor.fetchall())
        if PROFILE is not None:
            PROFILE.append((" ".join(statement.split()[:6]), round(time.perf_counter() - started, 3)))
        return rows

    def scope(self, alias: str) -> tuple[str, list[Any]]:
        if self.petition_ids is None:
            return "", []
        if not self.petition_ids:
            return " AND 1 = 0", []
        marks = ", ".join(["%s"] * len(self.petition_ids))
        return f" AND {alias}.petition_id IN ({marks})", list(self.petition_ids)

    def text_sql(self, template: str, columns: dict[str, str]) -> tuple[str, list[str]]:
        """A stored text template ("信访事项 {code}：…") as an SQL concatenation of literals and columns."""
        parts: list[str] = []
        params: list[str] = []
        for literal, field, _spec, _conv in string.Formatter().parse(template):
            if literal:
                parts.append("CAST(%s AS TEXT)")
                params.append(literal)
            if field is not None:
                parts.append(f"CAST({columns[field]} AS TEXT)")
        return "(" + " || ".join(parts) + ")", params

    # -- the sweep -------------------------------------------------------------------------

    def run(self) -> SweepResult:
        self.prepare()
        result = SweepResult()
        self.claim_due_soon()
        self.claim_breaches()
        if self.pg:
            self.sql(f"ANALYZE {CLAIMED}")
        # What was marked: counts per kind, and the rules and organs met (a few rows).
        counts: dict[str, int] = {}
        rules: set[str] = set()
        self.organs: set[int] = set()
        # Messages per organ: "due soon" for each deadline marked due soon, "overdue" for each
        # breach that raises a 督办.
        self.messages: dict[tuple[int, str], int] = {}
        for kind, rule, organ_id, sensitive, n, soon in self.query(
            f"SELECT kind, rule, organ_id, {SENSITIVE}, COUNT(*), SUM(CASE WHEN was_soon THEN 1 ELSE 0 END)"
            f" FROM {CLAIMED} c GROUP BY kind, rule, organ_id, {SENSITIVE}"
        ):
            counts[kind] = counts.get(kind, 0) + int(n)
            result.due_soon += int(soon or 0) if kind == BREACH else 0
            rules.add(str(rule))
            if organ_id is not None:
                self.organs.add(int(organ_id))
            if organ_id is not None and not sensitive:  # accusations: always one by one
                soon_messages = int(n) if kind == SOON else int(soon or 0) if kind == BREACH else 0
                late_messages = int(n) if kind == BREACH and str(rule) in AUTO_SUPERVISION else 0
                for message, count in (("due_soon", soon_messages), ("overdue", late_messages)):
                    key = (int(organ_id), message)
                    self.messages[key] = self.messages.get(key, 0) + count
        result.due_soon += counts.get(SOON, 0)
        result.breached = counts.get(BREACH, 0)
        result.expired = counts.get(EXPIRE, 0)
        self.fill_rules(sorted(rules))
        if result.breached:
            result.supervision_orders = self.raise_orders()
            self.write_events()
        if counts:
            self.notify()
        if result.expired:
            self.collect_closing()
        self.empty()
        return result

    def empty(self) -> None:
        tables = (CLAIMED, RULES, RECIPIENTS, ORDERS)
        if self.pg:
            self.sql("TRUNCATE " + ", ".join(tables))
        else:
            for table in tables:
                self.sql(f"DELETE FROM {table}")

    def prepare(self) -> None:
        work_mem = getattr(settings, "MINSHENG_SWEEP_WORK_MEM", "")
        if self.pg and work_mem:
            # This transaction only (SET LOCAL); a bad value is refused by PostgreSQL at once.
            self.sql("SELECT set_config('work_mem', %s, true)", [work_mem])
        self.sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {CLAIMED} ("
            " id bigint, petition_id bigint, organ_id bigint, rule varchar(32),"
            " nominal_due date, statutory_due date, state varchar(32), tracking_code varchar(20),"
            " nature varchar(24), accused_organ_id bigint, kind varchar(8), was_soon boolean)"
        )
        self.sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {RULES} ("
            " rule varchar(32) PRIMARY KEY, name text, trigger varchar(20),"
            " suggestion_head text, suggestion_tail text)"
        )
        self.sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {RECIPIENTS} (organ_id bigint, recipient text)")
        self.sql(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {ORDERS} (id bigint, petition_id bigint, rule varchar(32))"
        )
        self.empty()

    def _claim(
        self,
        kinds: Sequence[str],
        set_sql: str,
        set_params: list[Any],
        where: str,
        where_params: list[Any],
        kind_sql: str,
        kind_params: list[Any],
        soon_sql: str,
        soon_params: list[Any],
    ) -> int:
        """Mark the deadlines matching ``where`` (alias d, joined petition p) and copy them to CLAIMED."""
        d, p = "workflow_deadline", "petitions_petition"
        scope, scope_params = self.scope("d")
        columns = (
            "id, petition_id, organ_id, rule, nominal_due, statutory_due, state, tracking_code,"
            " nature, accused_organ_id, kind, was_soon"
        )
        if self.pg:
            # One statement: the UPDATE marks, its RETURNING feeds the scratch table.
            return self.sql(
                f"WITH marked AS (UPDATE {d} d SET {set_sql} FROM {p} p"
                f" WHERE p.id = d.petition_id AND NOT p.is_historical AND d.status = 'open' AND {where}{scope}"
                " RETURNING d.id, d.petition_id, d.organ_id, d.rule, d.nominal_due, d.statutory_due,"
                f" p.state, p.tracking_code, p.nature, p.accused_organ_id, {kind_sql}, {soon_sql})"
                f" INSERT INTO {CLAIMED} ({columns}) SELECT * FROM marked",
                [*set_params, *where_params, *scope_params, *kind_params, *soon_params],
            )
        # SQLite (one writer at a time, serializable): select what is due, then mark exactly those.
        count = self.sql(
            f"INSERT INTO {CLAIMED} ({columns}) SELECT d.id, d.petition_id, d.organ_id, d.rule,"
            " d.nominal_due, d.statutory_due, p.state, p.tracking_code, p.nature, p.accused_organ_id,"
            f" {kind_sql}, {soon_sql} FROM {d} d JOIN {p} p ON p.id = d.petition_id"
            f" WHERE NOT p.is_historical AND d.status = 'open' AND {where}{scope}",
            [*kind_params, *soon_params, *where_params, *scope_params],
        )
        if count:
            self._sqlite_mark(set_sql, set_params, kinds)
        return count

    def _sqlite_mark(self, set_sql: str, set_params: list[Any], kinds: Sequence[str]) -> int:
        marks = ", ".join(["%s"] * len(kinds))
        return self.sql(
            f"UPDATE workflow_deadline AS d SET {set_sql} WHERE d.status = 'open' AND d.id IN"
            f" (SELECT id FROM {CLAIMED} WHERE kind IN ({marks}))",
            [*set_params, *kinds],
        )

    def claim_due_soon(self) -> int:
        """Open deadlines (not a petitioner's window) within N days of nominal_due, not yet marked.

        Those that are also breached in this sweep are left to claim_breaches (one UPDATE each)."""
        windows, window_params = _in(dl.PETITIONER_WINDOWS)
        return self._claim(
            [SOON],
            "due_soon_at = %s",
            [self.at],
            f"d.due_soon_at IS NULL AND d.nominal_due <= %s AND d.statutory_due >= %s"
            f" AND d.rule NOT IN ({windows})",
            [self.date(dl.due_soon_cutoff(self.today)), self.date(self.today), *window_params],
            "CAST(%s AS varchar(8))",
            [SOON],
            "CAST(%s AS boolean)",
            [True],
        )

    def claim_breaches(self) -> int:
        """Open deadlines past statutory_due (R-CNT-3): breached, or expired for a petitioner's
        window. A breached one not yet marked due-soon is marked due-soon too, as if by the
        due-soon pass (same moment, same notification)."""
        windows, window_params = _in(dl.PETITIONER_WINDOWS)
        is_window = f"d.rule IN ({windows})"
        return self._claim(
            [BREACH, EXPIRE],
            f"status = CASE WHEN {is_window} THEN %s ELSE %s END, breached_at = %s,"
            f" due_soon_at = CASE WHEN {is_window} THEN d.due_soon_at ELSE COALESCE(d.due_soon_at, %s) END",
            [*window_params, "expired", "breached", self.at, *window_params, self.at],
            # Art. 36(2): the days of a 复核 hearing do not count, so while it lasts the 复核 clock's
            # due date is not known yet (its days are added when it ends): no breach meanwhile.
            # R-CNT-5: a provisional due date (a year the calendar does not cover) is only a lower
            # bound — alerts come early, but nobody is shut out or found late on it: the row waits
            # for the year's calendar (deadlines_refresh_provisional; admins are warned).
            "d.statutory_due < %s AND NOT d.is_provisional AND NOT (d.rule = %s AND p.state = %s)",
            [self.date(self.today), HEARING_CLOCK, State.RECHECK_HEARING.value],
            f"CAST(CASE WHEN {is_window} THEN %s ELSE %s END AS varchar(8))",
            [*window_params, EXPIRE, BREACH],
            f"CASE WHEN {is_window} THEN CAST(%s AS boolean)"
            f" ELSE {'d.due_soon_at = %s' if self.pg else 'd.due_soon_at IS NULL'} END",
            [*window_params, False, *([self.at] if self.pg else [])],
        )

    def fill_rules(self, rules: list[str]) -> None:
        """The names, triggers and order texts of the rules met in this sweep (a few rows)."""
        rows = []
        for rule in rules:
            head, _, tail = auto_suggestion_zh(rule, "\x00").partition("\x00")
            trigger = AUTO_SUPERVISION.get(rule)
            rows.append([rule, rule_name_zh(rule), str(trigger) if trigger else None, head, tail])
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {RULES} VALUES (%s, %s, %s, %s, %s)", rows)

    def raise_orders(self) -> int:
        """R-140: one automatic 督办 per breached deadline of a supervised rule with an organ."""
        feedback_due = self.feedback_due
        insert = (
            "INSERT INTO workflow_supervisionorder (petition_id, kind, trigger, deadline_rule,"
            " target_organ_id, issued_by_id, issued_at, suggestion, feedback_due, feedback,"
            " feedback_at, feedback_by_id, feedback_late, leaders, delisted_at, delisted_by_id,"
            " delisting_evidence)"
            " SELECT c.petition_id, %s, r.trigger, c.rule, c.organ_id, NULL, %s,"
            " r.suggestion_head || CAST(c.statutory_due AS TEXT) || r.suggestion_tail, %s, '', NULL, NULL, %s,"
            f" {'CAST(%s AS jsonb)' if self.pg else '%s'}, NULL, NULL, ''"
            f" FROM {CLAIMED} c JOIN {RULES} r ON r.rule = c.rule"
            " WHERE c.kind = %s AND r.trigger IS NOT NULL AND c.organ_id IS NOT NULL"
            " ON CONFLICT DO NOTHING RETURNING id, petition_id, deadline_rule"
        )
        params = [SupervisionOrder.Kind.ORDINARY.value, self.at, self.date(feedback_due), False, "[]", BREACH]
        # The orders raised now (an existing one is not raised again) go to a scratch table, for
        # the breach events to name them.
        if self.pg:
            count = self.sql(f"WITH raised AS ({insert}) INSERT INTO {ORDERS} SELECT * FROM raised", params)
            self.sql(f"ANALYZE {ORDERS}")
            return count
        with connection.cursor() as cursor:
            cursor.execute(insert, params)
            rows = cursor.fetchall()
            cursor.executemany(f"INSERT INTO {ORDERS} VALUES (%s, %s, %s)", [list(r) for r in rows])
        return len(rows)

    def write_events(self) -> None:
        """The audit of each breach: a non-public timeline event, naming the order it raised."""
        order_join = f"LEFT JOIN {ORDERS} o ON o.petition_id = c.petition_id AND o.rule = c.rule"
        if self.pg:
            data = (
                "jsonb_build_object('rule', c.rule, 'statutory_due', CAST(c.statutory_due AS TEXT))"
                " || CASE WHEN o.id IS NULL THEN '{}'::jsonb"
                " ELSE jsonb_build_object('order_id', o.id, 'feedback_due', CAST(%s AS TEXT)) END"
            )
        else:
            data = (
                "CASE WHEN o.id IS NULL"
                " THEN json_object('rule', c.rule, 'statutory_due', c.statutory_due)"
                " ELSE json_object('rule', c.rule, 'statutory_due', c.statutory_due,"
                " 'order_id', o.id, 'feedback_due', CAST(%s AS TEXT)) END"
            )
        feedback_due = self.feedback_due
        from django.db.models import Max

        from minsheng.workflow.models import PetitionEvent
        from minsheng.workflow.signals import events_inserted

        after_pk = PetitionEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        self.sql(
            "INSERT INTO workflow_petitionevent (petition_id, action, occurred_at, actor_id,"
            " actor_role, actor_organ_id, from_state, to_state, data, is_public)"
            f" SELECT c.petition_id, %s, %s, NULL, %s, NULL, c.state, c.state, {data}, %s"
            f" FROM {CLAIMED} c {order_join} WHERE c.kind = %s",
            ["deadline_breached", self.at, "system", feedback_due.isoformat(), False, BREACH],
        )
        events_inserted.send(sender=PetitionEvent, action="deadline_breached", after_pk=after_pk)

    def notify(self) -> None:
        """In-app messages to every member of the responsible organ: "due soon" for each deadline
        marked due soon, "overdue" for each breach that raises a 督办 (as outbox_notify_organ)."""
        from minsheng.notifications.services import ORGAN_TEXTS, _suppressed, outbox_notify_organ
        from minsheng.orgs.models import StaffMembership

        if _suppressed.get():
            return
        # Above MINSHENG_SWEEP_DIGEST_OVER items of one organ and kind, its staff get one summary
        # each (a flood of per-petition messages is read by nobody; the lists show the petitions).
        over = settings.MINSHENG_SWEEP_DIGEST_OVER
        digests = {key: n for key, n in self.messages.items() if n > over}
        all_members = sorted(
            set(StaffMembership.objects.filter(organ_id__in=self.organs).values_list("organ_id", "user_id"))
        )
        self.send_digests(digests, all_members)
        digest_soon = sorted(organ for organ, kind in digests if kind == "due_soon")
        digest_late = sorted(organ for organ, kind in digests if kind == "overdue")
        members = all_members
        # One ciphertext per recipient and sweep, shared by that recipient's rows.
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {RECIPIENTS} VALUES (%s, %s)",
                [[organ_id, encrypt(f"user:{user_id}")] for organ_id, user_id in members],
            )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        # accusations naming an accused organ go item by item (the accused side is excluded).
        plain = f"NOT {SENSITIVE}"
        columns = {"code": "c.tracking_code", "rule": "r.name", "due": "c.nominal_due"}
        soon_body, soon_params = self.text_sql(ORGAN_TEXTS["due_soon"], columns)
        late_body, late_params = self.text_sql(ORGAN_TEXTS["overdue"], {**columns, "due": "c.statutory_due"})
        insert = (
            "INSERT INTO notifications_outboxmessage (petition_id, channel, recipient, kind, subject,"
            " body, secret_body, created_at, status, attempts, sent_at, last_error)"
        )
        tail = f" FROM {CLAIMED} c JOIN {RULES} r ON r.rule = c.rule JOIN {RECIPIENTS} m ON m.organ_id = c.organ_id"
        not_soon, not_soon_params = self.not_in("c.organ_id", digest_soon)
        not_late, not_late_params = self.not_in("c.organ_id", digest_late)
        if len(digest_soon) < len(self.organs):
            self.sql(
                f"{insert} SELECT c.petition_id, 'in_app', m.recipient, 'due_soon', '', {soon_body}, '',"
                f" %s, 'sent', 0, %s, ''{tail} WHERE (c.kind = %s OR c.kind = %s AND c.was_soon)"
                f" AND {plain}{not_soon}",
                [*soon_params, now, now, SOON, BREACH, *not_soon_params],
            )
        if len(digest_late) < len(self.organs):
            self.sql(
                f"{insert} SELECT c.petition_id, 'in_app', m.recipient, 'overdue', '', {late_body}, '',"
                f" %s, 'sent', 0, %s, ''{tail}"
                f" WHERE c.kind = %s AND r.trigger IS NOT NULL AND {plain}{not_late}",
                [*late_params, now, now, BREACH, *not_late_params],
            )
        rows = self.query(
            "SELECT c.petition_id, c.organ_id, c.rule, c.kind, c.was_soon, r.trigger,"
            f" c.nominal_due, c.statutory_due FROM {CLAIMED} c JOIN {RULES} r ON r.rule = c.rule"
            " WHERE c.organ_id IS NOT NULL AND c.nature = 'accusation'"
            " AND c.accused_organ_id IS NOT NULL ORDER BY c.id"
        )
        for petition_id, organ_id, rule, kind, was_soon, trigger, nominal, statutory in rows:
            if kind == SOON or (kind == BREACH and was_soon):
                outbox_notify_organ(petition_id, organ_id, "due_soon", rule=rule, due=_iso(nominal))
            if kind == BREACH and trigger:
                outbox_notify_organ(petition_id, organ_id, "overdue", rule=rule, due=_iso(statutory))

    @staticmethod
    def not_in(column: str, values: Sequence[int]) -> tuple[str, list[int]]:
        if not values:
            return "", []
        return f" AND {column} NOT IN ({', '.join(['%s'] * len(values))})", list(values)

    def send_digests(self, digests: dict[tuple[int, str], int], members: list[tuple[int, int]]) -> None:
        """One summary message per staff member of each organ over the threshold, and kind."""
        from minsheng.notifications.models import OutboxMessage
        from minsheng.notifications.services import ORGAN_TEXTS

        now = timezone.now()
        rows = [
            OutboxMessage(
                petition=None,
                channel=OutboxMessage.Channel.IN_APP,
                recipient=f"user:{user_id}",
                kind=f"{kind}_digest",
                body=ORGAN_TEXTS[f"{kind}_digest"].format(count=count, days=settings.MINSHENG_DUE_SOON_DAYS),
                status=OutboxMessage.Status.SENT,
                sent_at=now,
            )
            for (organ_id, kind), count in sorted(digests.items())
            for member_organ, user_id in members
            if member_organ == organ_id
        ]
        OutboxMessage.objects.bulk_create(rows)

    def collect_closing(self) -> None:
        """Petitions whose review window expired while they waited for it (closed afterwards)."""
        pairs = " OR ".join(["(rule = %s AND state = %s)"] * len(CLOSING_WINDOWS))
        params = [value for rule, state in CLOSING_WINDOWS.items() for value in (rule, str(state))]
        rows = self.query(
            f"SELECT petition_id FROM {CLAIMED} WHERE kind = %s AND ({pairs}) ORDER BY id", [EXPIRE, *params]
        )
        self.to_close.extend(int(row[0]) for row in rows)


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)
