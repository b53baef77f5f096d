"""Registration (Arts. 22(1), 23(1), 43, 44(1)): every item received is registered, on every
channel. It is the ``register`` row of the transition table (received → registered): the petition
is created in the pseudo-state ``received`` and the engine runs the row, so its event is written
by the one event writer (``engine._write_event``). ADR 0007."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from minsheng.intelligence.similarity import petition_match_text
from minsheng.notifications.services import outbox_notify_petitioner
from minsheng.petitions.models import Channel, Nature, Petition, Representative, State
from minsheng.petitions.services import (
    RegistrationInput,
    earlier_same_matter,
    find_or_create_petitioner,
    new_query_password,
    new_tracking_code,
    query_password_hash,
    validate_registration,
)
from minsheng.workflow import deadlines as dl
from minsheng.workflow.services.context import PETITIONER, Ctx, R, notice_waiver

logger = logging.getLogger(__name__)

REGISTRATION_INPUT = "registration"  # the key of Ctx.data holding the RegistrationInput


def h_register(ctx: Ctx) -> None:
    """The ``register`` row: representatives, the intake clock (D-BUREAU-15 at a bureau; at an
    organ receiving directly D-NOTICE-15, waived for an anonymous item) and the event's record."""
    data: RegistrationInput = ctx.data[REGISTRATION_INPUT]
    petition = ctx.petition
    received_at = petition.received_at
    for position, rep in enumerate(data.representatives, start=1):
        Representative.objects.create(
            petition=petition,
            position=position,
            name=rep["name"].strip(),
            phone=(rep.get("phone") or "").strip(),
        )
    start = dl.local_date(received_at)
    event_deadlines = []
    notice_waived: str | None = None
    organ = data.receiving_organ
    if organ.is_bureau:
        event_deadlines.append(dl.deadline_open(petition.pk, "D-BUREAU-15", start, organ_id=organ.pk))
    else:
        # Received directly by an organ (Art. 23(1)(2)): notice within 15 days unless waived.
        petition.organ_received_at = received_at
        waiver = notice_waiver(petition, organ)
        if waiver is None:
            event_deadlines.append(dl.deadline_open(petition.pk, "D-NOTICE-15", start, organ_id=organ.pk))
        else:
            dl.deadline_waive(petition.pk, "D-NOTICE-15", start, organ_id=organ.pk, reason=waiver[1])
            notice_waived = waiver[0]
    ctx.event_data.update(
        {
            "channel": data.channel,
            "received_at": received_at.isoformat(),
            "entered_at": ctx.now.isoformat(),
            "late_entry": (ctx.now - received_at) > dt.timedelta(hours=24),
            "oral": petition.is_oral,
            "collective": data.is_collective,
            "representatives": len(data.representatives),
            "yueji": petition.is_yueji,
            **({"notice_waived": notice_waived} if notice_waived else {}),
            "deadlines": [
                {
                    "rule": d.rule,
                    "start": d.start.isoformat(),
                    "nominal_due": d.nominal_due.isoformat(),
                    "statutory_due": d.statutory_due.isoformat(),
                    "provisional": d.is_provisional,
                }
                for d in event_deadlines
            ],
        }
    )
    petition_id = petition.pk
    sms = not data.credentials_by_sms
    ctx.after_commit.append(lambda: outbox_notify_petitioner(petition_id, "registered", sms=sms))


def petition_register(
    data: RegistrationInput, *, actor: AbstractBaseUser | None, now: dt.datetime | None = None
) -> tuple[Petition, str]:
    """Register a petition received on any channel (Art. 22(1): every item received is registered).

    ``received_at`` may lie in the past (a letter's receipt date); the entry time is recorded too
    and the timeline notes a late entry. Returns the petition and its one-time query password.
    Raises InvalidInput naming the field; nothing is written then.
    """
    from minsheng.workflow.services.engine import petition_transition, register_row
    from minsheng.workflow.services.intake import accusation_leave_accused_side

    moment = now or timezone.now()
    validate_registration(data, moment)
    received_at = data.received_at or moment
    is_oral = data.is_oral if data.is_oral is not None else data.channel in (Channel.PHONE, Channel.VISIT)
    password = new_query_password()
    with transaction.atomic():
        petitioner = data.existing_petitioner or find_or_create_petitioner(data.petitioner, data.portal_user)
        name = petitioner.name if petitioner else ""
        address = petitioner.address if petitioner else ""
        first_item = earlier_same_matter(
            petitioner,
            data.nature,
            petition_match_text(data),
            before=received_at,
        )
        yueji = data.channel == Channel.VISIT and (data.visited_organ_level_gap or 0) > 1
        code = new_tracking_code(moment)
        while Petition.objects.filter(tracking_code=code).exists():
            code = new_tracking_code(moment)
        petition = Petition.objects.create(
            tracking_code=code,
            query_password_hash=query_password_hash(code, password),
            channel=data.channel,
            received_at=received_at,
            entered_at=moment,
            entered_by=actor,
            receiving_organ=data.receiving_organ,
            current_organ=data.receiving_organ,
            petitioner=petitioner,
            nature=data.nature,
            category=data.category,
            region=data.region,
            place_text=data.place_text.strip()[:200],
            title=data.title.strip(),
            request=data.request.strip(),
            facts=data.facts.strip(),
            reasons=data.reasons.strip(),
            is_oral=is_oral,
            is_collective=data.is_collective,
            is_historical=data.is_historical,
            persons_involved=max(data.persons_involved, len(data.representatives) or 1),
            is_urgent=data.is_urgent,
            is_anonymous=not (name.strip() and address.strip()),
            is_yueji=yueji,
            is_first_time=first_item is None,
            first_item=first_item,
            accused_organ=data.accused_organ,
            accused_person=data.accused_person.strip()[:100],
            # The pseudo-state before registration; the `register` row moves it on at once.
            state=State.RECEIVED,
            state_changed_at=moment,
            paper_requested=data.paper_requested,
            suggestions=data.suggestions,
        )
        register_row(
            petition,
            actor=actor,
            role=PETITIONER if actor is None else R.REGISTRAR,
            organ=data.receiving_organ,
            data={REGISTRATION_INPUT: data},
            now=moment,
        )
        _index(petition)
        _enrich(petition)
        if data.is_urgent:
            # Art. 25: report at once, in the same transaction, through the one transition path.
            petition_transition(
                petition.pk,
                "report_urgent",
                actor=None,
                as_system=True,
                data={"note": "登记时标记重大紧急"},
                now=moment,
            )
        if petition.nature == Nature.ACCUSATION and petition.accused_organ_id:
            # received inside the accused subtree — the system passes it on at once.
            accusation_leave_accused_side(petition.pk, now=moment)
    _refresh_keeping_related(petition)
    return petition, password


def _refresh_keeping_related(petition: Petition) -> None:
    """Re-read the petition (the engine changed it through other instances) but keep the related
    rows it was created with (organ, petitioner, category, region) where the key is unchanged:
    ``refresh_from_db`` forgets them, and every caller would read each back one by one."""
    from django.db.models import ForeignKey

    related = [
        (field, field.get_cached_value(petition))
        for field in Petition._meta.concrete_fields
        if isinstance(field, ForeignKey) and field.is_cached(petition)
    ]
    petition.refresh_from_db()
    for field, obj in related:
        if obj is not None and getattr(petition, field.attname) == obj.pk:
            field.set_cached_value(petition, obj)


def _index(petition: Petition) -> None:
    """Full-text index row, in the registration transaction (a rolled-back registration leaves
    none behind). The indexed text (tracking code, title, request, facts, reasons, place,
    accused person) is only written here: no later service changes it. A failure is logged
    and never fails the registration; ``minsheng search_reindex`` repairs the index."""
    from minsheng.search import services as search

    try:
        with transaction.atomic():
            search.search_index_petition(petition)
    except Exception:
        logger.exception("search indexing failed for petition %s", petition.pk)


def _enrich(petition: Petition) -> None:
    """Classification, places, routing, urgency and similar petitions; a failure is logged and
    never fails the registration.

    ``MINSHENG_ENRICH=inline`` (the default): in the registration transaction (ARCHITECTURE.md
    "data flow"). ``task`` (what ``minsheng serve`` uses): a task row is written in the same
    transaction (django-tasks-db: committed with the petition or not at all) and ``minsheng
    worker`` fills the suggestions a moment after the commit (docs/operations.md).
    """
    try:
        from minsheng.intelligence.services import petition_enrich
        from minsheng.intelligence.tasks import petition_enrich_task
    except ImportError:
        return
    if getattr(settings, "MINSHENG_ENRICH", "inline") == "task":
        petition_enrich_task.enqueue(petition_id=petition.pk)
        return
    try:
        with transaction.atomic():
            petition_enrich(petition)
    except Exception:
        logger.exception("enrichment failed for petition %s", petition.pk)
