"""The deadline sweep as it was before issue 14: item by item in Python (10–17 queries each).

Kept only as the reference that the set-based sweep (minsheng.workflow.sweeps) is compared with
on the same generated data (test_sweep_equivalence.py). Its per-sweep cap is lifted.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.notifications.services import outbox_notify_organ
from minsheng.workflow import deadlines as dl
from minsheng.workflow.labels import auto_suggestion_zh
from minsheng.workflow.models import Deadline, PetitionEvent, SupervisionOrder
from minsheng.workflow.services.oversight import supervision_feedback_due
from minsheng.workflow.sweeps import AUTO_SUPERVISION, CLOSING_WINDOWS, SweepResult

logger = logging.getLogger(__name__)


def naive_deadlines_sweep(
    now: dt.datetime | None = None, *, batch: int = 10**9, petition_ids: list[int] | None = None
) -> SweepResult:
    """Mark due-soon (at nominal_due − N days), breached (after statutory_due) and expired windows.

    Petitions imported with ``import-petitions --historical`` are skipped (``Petition.is_historical``).
    ``petition_ids`` limits the sweep to those petitions (a back-dated act catching up at once).
    """
    moment = now or timezone.now()
    today = dl.local_date(moment)
    result = SweepResult()
    scope = (
        Deadline.objects.all()
        if petition_ids is None
        else Deadline.objects.filter(petition_id__in=petition_ids)
    )

    # Historical imports: their clocks ran out before this system held them (no alarms).
    soon_ids = list(
        scope.filter(
            status=Deadline.Status.OPEN, due_soon_at=None, nominal_due__lte=dl.due_soon_cutoff(today)
        )
        .exclude(rule__in=dl.PETITIONER_WINDOWS)
        .exclude(petition__is_historical=True)
        .values_list("pk", flat=True)[:batch]
    )
    touched: set[int] = set()
    for deadline_id in soon_ids:
        if not dl.deadline_claim_due_soon(deadline_id, moment):
            continue  # another worker got there first
        deadline = Deadline.objects.select_related("petition").get(pk=deadline_id)
        touched.add(deadline.petition_id)
        result.due_soon += 1
        if deadline.organ_id:
            transaction.on_commit(
                lambda d=deadline: outbox_notify_organ(  # type: ignore[misc]
                    d.petition_id, d.organ_id, "due_soon", rule=d.rule, due=d.nominal_due.isoformat()
                )
            )

    # A breach is recorded only after statutory_due (R-CNT-3).
    overdue_ids = list(
        scope.filter(status=Deadline.Status.OPEN, statutory_due__lt=today, is_provisional=False)
        .exclude(petition__is_historical=True)
        .exclude(rule="D-RECHECK-30", petition__state="recheck_hearing")  # Art. 36(2)
        .values_list("pk", flat=True)[:batch]
    )
    for deadline_id in overdue_ids:
        deadline = Deadline.objects.select_related("petition", "petition__current_organ").get(pk=deadline_id)
        window = deadline.rule in dl.PETITIONER_WINDOWS
        with transaction.atomic():
            if not dl.deadline_claim_breach(deadline_id, moment, expired=window):
                continue
            touched.add(deadline.petition_id)
            if window:
                result.expired += 1
            else:
                result.breached += 1
                event = PetitionEvent.objects.create(
                    petition_id=deadline.petition_id,
                    action="deadline_breached",
                    occurred_at=moment,
                    actor_role="system",
                    from_state=deadline.petition.state,
                    to_state=deadline.petition.state,
                    is_public=False,
                    data={"rule": deadline.rule, "statutory_due": deadline.statutory_due.isoformat()},
                )
                trigger = AUTO_SUPERVISION.get(deadline.rule)
                if trigger and deadline.organ_id:
                    feedback_due = supervision_feedback_due(today)
                    try:
                        with transaction.atomic():
                            order = SupervisionOrder.objects.create(
                                petition_id=deadline.petition_id,
                                kind=SupervisionOrder.Kind.ORDINARY,
                                trigger=trigger,
                                deadline_rule=deadline.rule,
                                target_organ_id=deadline.organ_id,
                                issued_at=moment,
                                suggestion=auto_suggestion_zh(deadline.rule, deadline.statutory_due),
                                feedback_due=feedback_due,
                            )
                        result.supervision_orders += 1
                        # The automatic order is audited on the breach event that raised it.
                        event.data.update({"order_id": order.pk, "feedback_due": feedback_due.isoformat()})
                        event.save(update_fields=["data"])
                    except IntegrityError:
                        pass  # already raised for this deadline
                    transaction.on_commit(
                        lambda d=deadline: outbox_notify_organ(  # type: ignore[misc]
                            d.petition_id, d.organ_id, "overdue", rule=d.rule, due=d.statutory_due.isoformat()
                        )
                    )
        if window and CLOSING_WINDOWS.get(deadline.rule) == deadline.petition.state:
            from minsheng.core.errors import ApplicationError
            from minsheng.workflow.services import petition_transition

            try:
                petition_transition(
                    deadline.petition_id, "close_no_review", actor=None, as_system=True, now=moment
                )
                result.closed += 1
            except ApplicationError as exc:
                logger.info("petition %s not closed: %s", deadline.petition_id, exc)
    return result
