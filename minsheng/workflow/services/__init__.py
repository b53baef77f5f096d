"""The one path for a petition's state changes: ``petition_transition``.

It checks the explicit transition table (state, action, role, organ, guards), runs the action's
handler inside one transaction that also writes the PetitionEvent and recomputes deadlines, and
queues follow-ups (outbox messages, enrichment) after commit. Views, API endpoints, admin actions,
tasks and the demo loader all call it; none of them writes ``state`` itself.

The package:
- ``context``: the handler context (``Ctx``: input parsing, each error naming its field), the
  ``Transition`` record and guards shared by handlers (the accused subtree, clocks, numbers);
- ``intake``, ``handling``, ``appeals``, ``oversight``: the handlers, grouped by the articles
  they implement;
- ``registration``: ``petition_register``, the ``register`` row (received → registered);
- ``table``: the transition table ``TRANSITIONS``;
- ``engine``: ``petition_transition``, ``resolve_actor``, ``available_actions``.
"""

from minsheng.petitions.services import PetitionerInput, RegistrationInput
from minsheng.workflow.inputs import APPEAL_OUTCOMES
from minsheng.workflow.services.context import (
    AT_CHAIN,
    AT_CURRENT,
    AT_DISPUTE_RESOLVER,
    AT_FOLLOW_UP,
    AT_FORWARDER,
    AT_HANDLING,
    AT_UPPER,
    MAX_ID,
    PETITIONER,
    SYSTEM,
    Ctx,
    Transition,
    _review_organ,
)
from minsheng.workflow.services.engine import available_actions, petition_transition, resolve_actor
from minsheng.workflow.services.handling import HANDLING_OUTCOMES, LIMITATIONS, external_limitation_due
from minsheng.workflow.services.intake import accusation_leave_accused_side, discipline_body_outside
from minsheng.workflow.services.oversight import urgent_recipients
from minsheng.workflow.services.registration import petition_register
from minsheng.workflow.services.table import (
    BUREAU,
    HANDLING_STATES,
    OPEN_STATES,
    RATEABLE,
    STAFF_HANDLERS,
    TERMINAL,
    TRANSITIONS,
)

__all__ = [
    "APPEAL_OUTCOMES",
    "AT_CHAIN",
    "AT_CURRENT",
    "AT_DISPUTE_RESOLVER",
    "AT_FOLLOW_UP",
    "AT_FORWARDER",
    "AT_HANDLING",
    "AT_UPPER",
    "BUREAU",
    "HANDLING_OUTCOMES",
    "HANDLING_STATES",
    "LIMITATIONS",
    "MAX_ID",
    "OPEN_STATES",
    "PETITIONER",
    "RATEABLE",
    "STAFF_HANDLERS",
    "SYSTEM",
    "TERMINAL",
    "TRANSITIONS",
    "Ctx",
    "PetitionerInput",
    "RegistrationInput",
    "Transition",
    "_review_organ",
    "accusation_leave_accused_side",
    "available_actions",
    "discipline_body_outside",
    "external_limitation_due",
    "petition_register",
    "petition_transition",
    "resolve_actor",
    "urgent_recipients",
]
