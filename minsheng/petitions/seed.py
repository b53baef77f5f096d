"""A realistic petition history in bulk (`minsheng bench seed --n N`), for figures at 1 M and 10 M.

This is a *history generator*, not intake: petitions are not registered one by one through
``petition_register`` (that costs tens of milliseconds each). Instead a few stories per lifecycle
state are told once through the real services (``DemoBuilder.one``: registration, transitions,
deadlines, the deadline sweep), and those *templates* are replayed at other moments with
``bulk_create`` in batches: the petition row and its timeline events, deadlines (clocks),
assignments, decisions, appeals, extensions, ratings, hearings and supervision orders, every
time shifted by the same amount (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere), so each seeded petition has the events and clocks the services
would have given it. Opinions, deliveries and representatives are not replayed.

What is drawn per petition:

* the moment of receipt, from a seasonal profile (fewer in February and early October, most on
  Monday, few at weekends, office hours for visits and calls) over ``years`` back from now;
* the channel (online, letter, phone, visit, fax; e-mail only before 2022);
* the text: one of the vendored real messages (``demo.read_messages``), with its category;
* the story (the state it has reached): among the templates that fit in the time since receipt;
  old petitions have reached an end, recent ones are in progress;
* the petitioner: about a fifth of petitions come from repeat petitioners (the same person, so
  the same blind indexes, several times, on the same matter: the same text and place,
  ``is_first_time`` false, ``first_item`` the first), 6 % are anonymous; a repeat's date is drawn
  like any other, so it may lie before the person's first petition;
* a few collective incidents (bursts): many petitions on one message's matter, one district and
  one place within a few days, many of them collective visits.

Personal data is never written in plaintext: every person's phone number is encrypted with the
project's key (``minsheng.core.crypto.encrypt``, one Fernet token per person) and indexed with the
keyed blind index; names and addresses are drawn from a pool of pre-encrypted values (encrypting
every name separately would cost ~20 µs each, and the pool keeps the rows realistic in size).

Dates are shifted in whole days, so a seeded due date keeps the template's length in calendar
days: a holiday of the shifted period is not re-applied. Refused in production mode.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
import resource
import sys
import time
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Max, Value
from django.utils import timezone

from minsheng.core.crypto import blind_index, encrypt
from minsheng.core.errors import ApplicationError
from minsheng.orgs.demo import DemoWorld
from minsheng.orgs.models import Category, Organ, Region, Role
from minsheng.petitions.demo import GIVEN, PLAN, SURNAMES, DemoBuilder, Message, read_messages, split_text
from minsheng.petitions.models import Petition, Petitioner, State
from minsheng.workflow import models as wf

#: Rows replayed with each template (every one has a ``petition`` foreign key and nothing else
#: pointing at other replayed rows).
CHILD_MODELS: tuple[type[models.Model], ...] = (
    wf.PetitionEvent,
    wf.Deadline,
    wf.Assignment,
    wf.Decision,
    wf.Appeal,
    wf.Extension,
    wf.Rating,
    wf.Hearing,
    wf.SupervisionOrder,
)

#: Stories that have come to an end: the only ones an old petition can have.
FINISHED = {
    "not_accepted",
    "suggestion_replied",
    "routed_discipline",
    "routed_political_legal",
    "redirected_statutory",
    "closed_no_review",
    "final",
}
#: A story in progress is replayed only this much earlier than it was told (its clocks run on).
IN_PROGRESS_SLACK = dt.timedelta(days=30)

CHANNEL_WEIGHTS = {"online": 45, "letter": 18, "phone": 17, "visit": 15, "fax": 5}
EMAIL_UNTIL = dt.date(2022, 1, 1)
MONTH_WEIGHT = (0.95, 0.6, 1.1, 1.05, 1.0, 1.05, 1.1, 1.05, 1.0, 0.8, 1.0, 1.05)
WEEKDAY_WEIGHT = (1.35, 1.2, 1.15, 1.1, 1.0, 0.4, 0.3)
REPEAT_SHARE = 0.2
ANONYMOUS_SHARE = 0.06


@dataclasses.dataclass
class Template:
    """One story told by the services; datetimes are offsets from its receipt."""

    target: str
    organ_id: int
    received_at: dt.datetime
    span: dt.timedelta
    petition: dict[str, Any]
    children: list[tuple[type[models.Model], dict[str, Any]]]


@dataclasses.dataclass
class SeedResult:
    rows: dict[str, int]
    seconds: float
    template_seconds: float
    states: dict[str, int]
    channels: dict[str, int]
    bursts: int
    repeat_petitioners: int

    def as_json(self) -> dict[str, Any]:
        total = sum(self.rows.values())
        return {
            "rows": self.rows,
            "rows_total": total,
            "seconds": round(self.seconds, 2),
            "template_seconds": round(self.template_seconds, 2),
            "rows_per_second": round(total / self.seconds, 1) if self.seconds else None,
            "petitions_per_second": round(self.rows.get("petitions_petition", 0) / self.seconds, 1)
            if self.seconds
            else None,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "states": self.states,
            "channels": self.channels,
            "bursts": self.bursts,
            "repeat_petitioners": self.repeat_petitioners,
        }


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _row(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in _fields(type(obj))}


def _offsets(row: dict[str, Any], ref: dt.datetime) -> dict[str, Any]:
    """Datetimes become timedeltas from ``ref``, dates become day counts from ``ref``'s date."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            out[key] = value - ref
        elif isinstance(value, dt.date):
            out[key] = ("days", (value - timezone.localdate(ref)).days)
        else:
            out[key] = value
    return out


def _shift(row: dict[str, Any], at: dt.datetime, day: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.timedelta):
            out[key] = at + value
        elif isinstance(value, tuple) and len(value) == 2 and value[0] == "days":
            out[key] = day + dt.timedelta(days=value[1])
        else:
            out[key] = value
    return out


def _latest(row: dict[str, Any]) -> dt.timedelta:
    return max((v for v in row.values() if isinstance(v, dt.timedelta)), default=dt.timedelta(0))


def _bulk_create(model: type[models.Model], objs: list[Any]) -> None:
    model._default_manager.bulk_create(objs, batch_size=2000)  # type: ignore[misc]


def _copy(model: type[models.Model], objs: list[Any]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN``: the values as the rows hold them (JSON serialised with the
    field's encoder, pre-encrypted personal data written as it is; a primary key only if set)."""
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    qn = connection.ops.quote_name

    def value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
        raw = getattr(obj, field.attname)
        if isinstance(raw, Value):
            return raw.value
        if isinstance(field, models.JSONField):
            return json.dumps(raw, cls=field.encoder or DjangoJSONEncoder, ensure_ascii=False)
        return raw

    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw_cursor: Any = cursor.cursor
        with raw_cursor.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([value(obj, f) for f in fields])


class HistorySeeder:
    """Build the templates once, then write ``n`` petitions in batches of ``batch``."""

    def __init__(
        self,
        world: DemoWorld,
        *,
        seed: int = 14,
        years: float = 5.0,
        now: dt.datetime | None = None,
        progress: Callable[[str], None] | None = None,
        per_target: int = 2,
    ) -> None:
        self.world = world
        self.per_target = per_target
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now or timezone.now()
        self.years = years
        self.progress = progress or (lambda line: None)
        self.builder = DemoBuilder(world, seed=seed, now=self.now)
        self.templates: list[Template] = []
        self.rows: Counter[str] = Counter()
        self.states: Counter[str] = Counter()
        self.channels: Counter[str] = Counter()

    # -- templates --------------------------------------------------------------------------
    def build_templates(self, per_target: int = 2) -> None:
        """Tell ``per_target`` stories per lifecycle state through the services (they stay: they
        are real petitions of the history), then run the sweep over them so their clocks are
        marked as the live system would have marked them."""
        messages = [m for m in read_messages() if m.category and len(m.body) > 40]
        self.rng.shuffle(messages)
        made: list[tuple[str, int, int]] = []
        for index, (target, _weight) in enumerate(PLAN * per_target):
            message = messages[index % len(messages)]
            category = self.builder.categories.get(message.category)
            organ = self.builder.competent(category, self.builder.region_of(message.title + message.body))
            try:
                with transaction.atomic():
                    petition = self.builder.one(message, target, index)
            except ApplicationError as exc:  # a story the rules refuse: another message will tell it
                self.progress(f"seed: template {target} skipped ({type(exc).__name__}: {exc})")
                continue
            made.append((target, petition.pk, organ.pk))
        from minsheng.notifications.services import notifications_suppressed
        from minsheng.workflow.sweeps import deadlines_sweep

        with notifications_suppressed():
            deadlines_sweep(self.now, petition_ids=[pk for _, pk, _ in made])
        for target, pk, organ_id in made:
            petition = Petition.objects.get(pk=pk)
            ref = petition.received_at
            row = _offsets(_row(petition), ref)
            children = [
                (model, _offsets(_row(obj), ref))
                for model in CHILD_MODELS
                for obj in model._default_manager.filter(petition_id=pk).order_by("pk")  # type: ignore[misc]
            ]
            span = max([_latest(row), *(_latest(c) for _, c in children)])
            self.templates.append(Template(target, organ_id, ref, span, row, children))
            self.rows["petitions_petition"] += 1
            self.states[petition.state] += 1
            self.channels[petition.channel] += 1

    # -- drawing ----------------------------------------------------------------------------
    def _days(self) -> tuple[list[dt.date], list[float]]:
        end = timezone.localdate(self.now)
        start = end - dt.timedelta(days=round(365.25 * self.years))
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        weights = [MONTH_WEIGHT[d.month - 1] * WEEKDAY_WEIGHT[d.weekday()] for d in days]
        return days, list(accumulate(weights))

    def _moment(self, day: dt.date, channel: str) -> dt.datetime:
        rng = self.rng
        if channel in ("visit", "phone"):
            minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
        elif channel == "online":
            minutes = rng.choice([rng.randint(0, 24 * 60 - 1), rng.randint(8 * 60, 23 * 60)])
        else:
            minutes = rng.randint(8 * 60, 17 * 60)
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes))
        return min(moment, self.now - dt.timedelta(minutes=5))

    def _template_for(self, at: dt.datetime) -> Template | None:
        age = self.now - at
        fitting = [
            t
            for t in self.templates
            if t.span <= age and (t.target in FINISHED or age <= t.span + IN_PROGRESS_SLACK)
        ]
        return self.rng.choice(fitting) if fitting else None

    # -- people -----------------------------------------------------------------------------
    def _token_pool(self, make: Callable[[], str], size: int) -> list[str]:
        return [encrypt(make()) for _ in range(size)]

    def _people(self) -> None:
        rng = self.rng
        districts = list(Region.objects.filter(level=3).values_list("name", flat=True)) or ["A1区"]
        self.name_tokens = self._token_pool(
            lambda: rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))), 500
        )
        self.address_tokens = self._token_pool(
            lambda: f"A市{rng.choice(districts)}{rng.randrange(1, 300)}号{rng.randrange(1, 30)}栋", 500
        )
        self.repeaters: list[int] = []
        # a repeat petitioner's matter: its first item and its text and place
        self.matters: dict[int, tuple[int, Message, str, str, str, int | None]] = {}

    def _new_person(self, pk: int) -> Petitioner:
        phone = f"1{self.rng.choice('3589')}{self.seed % 10}{pk:08d}"[-11:]
        person = Petitioner(
            pk=pk,
            name=Value(self.rng.choice(self.name_tokens), output_field=models.TextField()),
            phone=Value(encrypt(phone), output_field=models.TextField()),
            phone_index=blind_index(phone),
            address=Value(self.rng.choice(self.address_tokens), output_field=models.TextField()),
            id_number="",
            email="",
            created_at=self.now,
        )
        return person

    # -- the run ----------------------------------------------------------------------------
    def run(self, n: int, batch: int = 5000) -> SeedResult:
        started = time.perf_counter()
        self.progress(f"seed: telling template stories through the services ({len(PLAN)} states)")
        self.build_templates(self.per_target)
        template_s = time.perf_counter() - started
        self.progress(f"seed: {len(self.templates)} templates in {template_s:.1f}s")
        self._people()
        messages = [m for m in read_messages() if len(m.body) > 20]
        texts = [(m, *split_text(m.body)) for m in messages]
        categories = {c.name: c.pk for c in Category.objects.filter(level=1)}
        district_ids = list(Region.objects.filter(level=3).values_list("pk", flat=True))
        competent: dict[tuple[int | None, int | None], int] = {}

        def organ_for(category_id: int | None, region_id: int | None) -> int:
            key = (category_id, region_id)
            if key not in competent:
                category = Category.objects.filter(pk=category_id).first() if category_id else None
                region = Region.objects.filter(pk=region_id).first() if region_id else None
                competent[key] = self.builder.competent(category, region).pk
            return competent[key]

        days, cum = self._days()
        channel_names = list(CHANNEL_WEIGHTS)
        channel_cum = list(accumulate(CHANNEL_WEIGHTS.values()))
        remaining = max(0, n - len(self.templates))
        bursts = self._plan_bursts(remaining, days, texts, district_ids)
        staff: dict[tuple[int, str], int] = {}

        def actor(organ_id: int, role: str) -> int:
            if (organ_id, role) not in staff:
                staff[(organ_id, role)] = self.builder.user_for(Organ.objects.get(pk=organ_id), role).pk
            return staff[(organ_id, role)]

        next_petition = (Petition.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        next_person = (Petitioner.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        done = 0
        burst_iter = iter(bursts)
        burst_left: list[tuple[int, dt.date, tuple[Message, str, str, str], int]] = []
        while done < remaining:
            size = min(batch, remaining - done)
            petitions: list[Petition] = []
            people: list[Petitioner] = []
            children: dict[type[models.Model], list[models.Model]] = {m: [] for m in CHILD_MODELS}
            for _ in range(size):
                burst = None
                if not burst_left:
                    burst_left = [b for b in (next(burst_iter, None),) if b is not None]
                if burst_left and self.rng.random() < 0.05:
                    burst = burst_left[0]
                    count = burst[3] - 1
                    burst_left = [] if count <= 0 else [(burst[0], burst[1], burst[2], count)]
                if burst is not None:
                    day = burst[1] + dt.timedelta(days=self.rng.randint(0, 4))
                    channel = self.rng.choice(["visit", "visit", "online", "phone", "letter"])
                    message, request, facts, reasons = burst[2]
                    region_id: int | None = burst[0]
                else:
                    day = days[min(bisect(cum, self.rng.random() * cum[-1]), len(days) - 1)]
                    channel = channel_names[bisect(channel_cum, self.rng.random() * channel_cum[-1])]
                    if day < EMAIL_UNTIL and self.rng.random() < 0.1:
                        channel = "email"
                    message, request, facts, reasons = self.rng.choice(texts)
                    region_id = self.rng.choice(district_ids) if district_ids else None
                at = self._moment(min(day, timezone.localdate(self.now)), channel)
                template = self._template_for(at)
                if template is None:
                    at = self.now - self.rng.choice(self.templates).span - dt.timedelta(hours=1)
                    template = self._template_for(at)
                assert template is not None
                pk = next_petition
                next_petition += 1
                # A repeat petitioner (the same blind indexes again, on the same matter: R-050,
                # I-REPEAT) or a new person.
                roll = self.rng.random()
                first_item_id: int | None = None
                if roll < ANONYMOUS_SHARE:
                    person_id = None
                elif self.repeaters and roll < ANONYMOUS_SHARE + REPEAT_SHARE:
                    person_id = self.rng.choice(self.repeaters)
                    if burst is None:  # in a burst he joins the crowd's matter: another one
                        first_item_id, message, request, facts, reasons, region_id = self.matters[person_id]
                else:
                    person_id = next_person
                    next_person += 1
                    people.append(self._new_person(person_id))
                    if self.rng.random() < 0.08:
                        self.repeaters.append(person_id)
                        self.matters[person_id] = (pk, message, request, facts, reasons, region_id)
                category_id = categories.get(message.category)
                organ_id = organ_for(category_id, region_id)
                shift_day = timezone.localdate(at)
                row = _shift(template.petition, at, shift_day)
                for key in ("current_organ_id", "handling_organ_id"):
                    if row.get(key) == template.organ_id:
                        row[key] = organ_id
                oral = row["is_oral"] and channel in ("phone", "visit")
                collective = burst is not None and channel == "visit" and self.rng.random() < 0.6
                row.update(
                    tracking_code=f"SD{pk:012d}",
                    query_password_hash="",
                    channel=channel,
                    received_at=at,
                    entered_at=max(row["entered_at"], at),
                    petitioner_id=person_id,
                    title=message.title[:200] or facts[:60],
                    request=request or facts[:200],
                    facts=facts,
                    reasons=reasons,
                    category_id=category_id,
                    region_id=region_id,
                    place_text=burst[2][0].title[:40] if burst is not None else "",
                    is_oral=oral,
                    is_collective=collective,
                    persons_involved=self.rng.randint(6, 80) if collective else 1,
                    is_first_time=first_item_id is None,
                    first_item_id=first_item_id,
                    suggestions={"seed": self.seed, **({"burst": burst[0]} if burst is not None else {})},
                )
                petitions.append(Petition(pk=pk, **row))
                for model, child in template.children:
                    values = _shift(child, at, shift_day)
                    values["petition_id"] = pk
                    for key in ("organ_id", "actor_organ_id", "target_organ_id"):
                        if values.get(key) == template.organ_id:
                            values[key] = organ_id
                    if (
                        model is wf.PetitionEvent
                        and values.get("actor_organ_id") == organ_id
                        and values.get("actor_role") in Role.values
                    ):
                        values["actor_id"] = actor(organ_id, values["actor_role"])
                    children[model].append(model(**values))
                self.states[row["state"]] += 1
                self.channels[channel] += 1
            with transaction.atomic():
                write: Callable[[type[models.Model], list[Any]], None] = (
                    _copy if connection.vendor == "postgresql" else _bulk_create
                )
                write(Petitioner, people)
                write(Petition, petitions)
                for model, objs in children.items():
                    if objs:
                        write(model, objs)
            self.rows["petitions_petitioner"] += len(people)
            self.rows["petitions_petition"] += len(petitions)
            for model, objs in children.items():
                self.rows[model._meta.db_table] += len(objs)
            done += size
            elapsed = time.perf_counter() - started
            self.progress(
                f"seed: {done + len(self.templates)}/{n} petitions, {sum(self.rows.values())} rows,"
                f" {elapsed:.1f}s"
            )
        self._reset_sequences()
        return SeedResult(
            rows=dict(self.rows),
            seconds=time.perf_counter() - started,
            template_seconds=template_s,
            states=dict(self.states.most_common()),
            channels=dict(self.channels.most_common()),
            bursts=len(bursts),
            repeat_petitioners=len(self.repeaters),
        )

    def _plan_bursts(
        self,
        n: int,
        days: list[dt.date],
        texts: list[tuple[Message, str, str, str]],
        district_ids: list[int],
    ) -> list[tuple[int, dt.date, tuple[Message, str, str, str], int]]:
        """(district, first day, text, petitions): about 3 % of all petitions, at least 3 incidents."""
        if n < 50 or not district_ids:
            return []
        count = max(3, n // 20000)
        size = max(10, int(n * 0.03) // count)
        wage = [t for t in texts if re.search(r"工资|拆迁|征地|学位|业主", t[0].title)] or texts
        recent = [d for d in days if (days[-1] - d).days > 7]
        return [
            (self.rng.choice(district_ids), self.rng.choice(recent), self.rng.choice(wage), size)
            for _ in range(count)
        ]

    def _reset_sequences(self) -> None:
        from django.core.management.color import no_style

        sql = connection.ops.sequence_reset_sql(no_style(), [Petition, Petitioner])
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def seed_history(
    world: DemoWorld,
    n: int,
    *,
    seed: int = 14,
    batch: int = 5000,
    years: float = 5.0,
    per_target: int = 2,
    progress: Callable[[str], None] | None = None,
) -> SeedResult:
    """Write a petition history of ``n`` petitions (see the module docstring); on PostgreSQL with
    ``COPY`` per table and batch, elsewhere with ``bulk_create``."""
    from minsheng.notifications.services import notifications_suppressed

    seeder = HistorySeeder(world, seed=seed, years=years, progress=progress, per_target=per_target)
    with notifications_suppressed():
        return seeder.run(n, batch=batch)


def stderr_progress(line: str) -> None:
    """Progress lines on stderr, flushed: also when the output is a file or a pipe."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


__all__ = ["FINISHED", "HistorySeeder", "SeedResult", "State", "seed_history", "stderr_progress"]
