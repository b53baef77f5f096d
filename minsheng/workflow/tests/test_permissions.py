"""Per-role permission matrix: a role that may not act gets Forbidden and nothing changes;
a petition outside the user's scope is NotFound; personal data is masked or hidden."""

from __future__ import annotations

import pytest

from minsheng.core.errors import Forbidden, NotFound
from minsheng.petitions.models import PersonalDataAccess, Petition
from minsheng.petitions.selectors import access_petition, petition_list, petitioner_reveal, petitioner_view
from minsheng.workflow.models import Assignment, Deadline, PetitionEvent
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db

ROLES = ["registrar", "dispatcher", "caseworker", "organ_head", "supervisor", "leader", "analyst", "admin"]


def snapshot(petition: Petition) -> tuple:
    return (
        Petition.objects.filter(pk=petition.pk).values_list("state", "current_organ_id").get(),
        PetitionEvent.objects.filter(petition=petition).count(),
        Deadline.objects.filter(petition=petition).count(),
        Assignment.objects.filter(petition=petition).count(),
    )


@pytest.mark.parametrize("username", ROLES)
def test_forward_matrix(username, register, users, organs):
    petition = register()
    before = snapshot(petition)
    allowed = username == "dispatcher"
    try:
        petition_transition(
            petition.pk, "forward", actor=users[username], data={"organ_id": organs["a-housing"].pk}
        )
        assert allowed, f"{username} must not forward"
    except Forbidden:
        assert not allowed, f"{username} should be able to forward"
        assert snapshot(petition) == before


@pytest.mark.parametrize("username", ROLES)
def test_extend_matrix(username, register, act, users, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    before = snapshot(petition)
    allowed = username == "organ_head"  # Art. 34: only the organ head approves an extension
    try:
        petition_transition(petition.pk, "extend", actor=users[username], data={"days": 10, "reason": "复杂"})
        assert allowed
    except Forbidden:
        assert not allowed
        assert snapshot(petition) == before


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("registrar", True),
        ("dispatcher", True),
        ("caseworker", False),
        ("organ_head", False),
        ("supervisor", True),
        ("leader", True),
        ("analyst", False),
        ("admin", True),
        ("hrss_caseworker", False),
    ],
)
def test_visibility_before_forwarding(username, visible, register, users):
    petition = register()
    if visible:
        assert access_petition(users[username], petition.pk).pk == petition.pk
    else:
        with pytest.raises(NotFound):
            access_petition(users[username], petition.pk)
    assert petition_list(users[username]).filter(pk=petition.pk).exists() is visible


def test_forwarded_petition_visible_to_receiving_organ_only(register, act, users, organs):
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    assert access_petition(users["caseworker"], petition.pk)
    with pytest.raises(NotFound):
        access_petition(users["hrss_caseworker"], petition.pk)


def test_masking_and_logged_reveal(register, act, users, organs):
    petition = register()
    view = petitioner_view(users["dispatcher"], petition)
    assert view.masked and view.name == "李*" and view.phone == "138****8000"
    assert "110101199003074514" not in view.id_number
    assert petitioner_view(users["analyst"], petition).hidden  # analysts see de-identified data
    revealed = petitioner_reveal(users["dispatcher"], petition, reason="电话告知受理情况")
    assert revealed.phone == "13800138000"
    assert PersonalDataAccess.objects.filter(petition=petition, user=users["dispatcher"]).count() == 1
    with pytest.raises(NotFound):
        petitioner_reveal(users["analyst"], petition, reason="研判")


def test_accuser_identity_never_reaches_accused_organ(register, act, users, organs):
    petition = register(nature="accusation", accused_organ=organs["a-housing"], title="举报住建局某科长索贿")
    act(petition, "route_discipline", "dispatcher", organ_id=organs["a-discipline"].pk)
    # the accused organ's staff cannot see the petition at all, and even if it were shared, identity is hidden
    with pytest.raises(NotFound):
        access_petition(users["caseworker"], petition.pk)
    assert petitioner_view(users["caseworker"], petition).hidden
    with pytest.raises(NotFound):
        petitioner_reveal(users["organ_head"], petition, reason="核实")
    # the discipline body handling it can reveal, with a log
    assert not petitioner_view(users["discipline_caseworker"], petition).hidden


def test_personal_data_encrypted_at_rest(register):
    from django.db import connection

    petition = register()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone, id_number, address FROM petitions_petitioner WHERE id = %s",
            [petition.petitioner_id],
        )
        raw = cursor.fetchone()
    for value in raw:
        assert value.startswith("gAAAA")  # Fernet token, not plaintext
    assert "13800138000" not in "".join(raw)


def test_someone_elses_id_number_never_merges_into_their_record(register):
    from minsheng.petitions.services import PetitionerInput

    first = register()
    intruder = register(
        petitioner=PetitionerInput(
            name="冒名者", phone="13100000000", address="别处", id_number="110101199003074514"
        )
    )
    assert intruder.petitioner_id != first.petitioner_id
    first.petitioner.refresh_from_db()
    assert first.petitioner.address == "A市A3区洋湖街道幸福小区3栋"  # unchanged
    again = register()
    assert again.petitioner_id == first.petitioner_id and not again.is_first_time
