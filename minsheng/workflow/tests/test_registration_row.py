"""Registration is the ``register`` row of the transition table (ADR 0007): received → registered,
naming its articles, its event written by the engine's one event writer; no petition is stored in
the pseudo-state ``received`` and ``petition_transition`` never starts there."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from minsheng.core.errors import TransitionNotAllowed
from minsheng.petitions.models import Petition, State
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import TRANSITIONS, engine, petition_transition

pytestmark = pytest.mark.django_db


def test_the_register_row() -> None:
    row = TRANSITIONS["register"]
    assert row.sources == {State.RECEIVED} and row.target == State.REGISTERED
    assert row.article == "Art.22(1), Art.23(1), Art.43, Art.44(1)"
    assert str(row.label) == "登记"


def test_the_register_event_is_written_by_the_engine(register: Any, world: Any) -> None:
    received = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    with mock.patch.object(engine, "_write_event", wraps=engine._write_event) as writer:
        petition = register(received_at=received, actor=world.users["registrar"])
    assert [c.args[1] for c in writer.call_args_list][:1] == ["register"]
    assert petition.state == State.REGISTERED
    assert not Petition.objects.filter(state=State.RECEIVED).exists()
    event = PetitionEvent.objects.get(petition=petition, action="register")
    assert (event.from_state, event.to_state) == (State.RECEIVED, State.REGISTERED)
    assert event.actor_role == "registrar" and event.actor_organ == world.bureau
    assert event.data["received_at"] == received.isoformat() and event.data["late_entry"] is True
    # Art. 22(1): the bureau's 15-day decision clock opens from receipt (2026-03-02).
    assert [d["rule"] for d in event.data["deadlines"]] == ["D-BUREAU-15"]
    assert event.data["deadlines"][0]["start"] == "2026-03-02"


def test_a_portal_registration_is_recorded_as_the_petitioner(register: Any) -> None:
    petition = register(actor=None)
    event = PetitionEvent.objects.get(petition=petition, action="register")
    assert event.actor_role == "petitioner" and event.actor is None


def test_register_is_no_action_on_a_stored_petition(register: Any, world: Any) -> None:
    petition = register()
    before = PetitionEvent.objects.filter(petition=petition).count()
    with pytest.raises(TransitionNotAllowed) as refused:
        petition_transition(petition.pk, "register", actor=world.users["registrar"], data={})
    assert refused.value.code == "transition_not_allowed"
    assert PetitionEvent.objects.filter(petition=petition).count() == before
