"""No oracle (property tests): where an answer depends on identity, a viewer without the right to
that identity gets the same answer whatever identity is supplied.

The identities tried are drawn by hypothesis — arbitrary digit strings, valid-looking phone and
ID numbers, and the accuser's own numbers (the guess an attacker would test) — and compared with
the answer for no identity at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from minsheng.core.crypto import blind_index
from minsheng.intelligence.services import DraftPetition, draft_analyse
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.petitions.relations import Subject, similar_view
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

ACCUSER_PHONE = "13800138000"
ACCUSER_ID = "110101199003074514"
TEXT = {
    "title": "举报住建局某科长在保障房分配中索要好处费",
    "request": "请求查处住建局住房保障科某科长利用分配保障房之机索要好处费的问题",
    "facts": "本人申请公租房，住房保障科某科长暗示要交三万元好处费才能排上号，其他申请人也有类似遭遇。",
}

phones = st.one_of(
    st.just(ACCUSER_PHONE),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.text(alphabet="0123456789+ -", min_size=0, max_size=16),
)
id_numbers = st.one_of(
    st.just(ACCUSER_ID),
    st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True),
    st.text(alphabet="0123456789X", min_size=0, max_size=20),
)
RUNS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@pytest.fixture
def world_with_accusation(world: Any, register: Any, act: Any) -> dict[str, Any]:
    organs = world.organs
    accusation = register(nature="accusation", accused_organ=organs["a-housing"], **TEXT)
    act(accusation, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    # the accuser's own grievance, visible to the accused organ
    grievance = register(title="小区电梯长期停运无人维修", request="请求督促物业修复电梯")
    act(grievance, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    # decoys with the same text by other people, at a county the accused side cannot see either
    outsider = get_user_model().objects.create_user("decoy_registrar", password="test-password-123")
    StaffMembership.objects.create(user=outsider, organ=organs["a5-gov"], role=Role.REGISTRAR)
    for i in range(2):
        register(
            actor=outsider,
            receiving_organ=organs["a5-gov"],
            petitioner=PetitionerInput(name=f"诱饵{i}", phone=f"1370000000{i}", address="A5区某路"),
            **TEXT,
        )
    return {
        "accusation": accusation,
        "grievance": Petition.objects.get(pk=grievance.pk),
        "outsider": outsider,
    }


def _draft(phone: str, id_number: str, organ_id: int) -> DraftPetition:
    return DraftPetition(
        **TEXT, receiving_organ_id=organ_id, petitioner_phone=phone, petitioner_id_number=id_number
    )


@pytest.mark.parametrize("viewer_name", ["caseworker", "organ_head", "outsider"])
def test_precheck_answer_does_not_depend_on_the_identity_supplied(
    world: Any, world_with_accusation: dict[str, Any], viewer_name: str
) -> None:
    viewer = world_with_accusation["outsider"] if viewer_name == "outsider" else world.users[viewer_name]
    organ_id = StaffMembership.objects.filter(user=viewer).values_list("organ_id", flat=True).first()
    baseline = draft_analyse(_draft("", "", organ_id), viewer=viewer)["similar"]
    accusation = world_with_accusation["accusation"]
    assert accusation.tracking_code not in str(baseline)

    @RUNS
    @given(phone=phones, id_number=id_numbers)
    @example(phone=ACCUSER_PHONE, id_number="")
    @example(phone="", id_number=ACCUSER_ID)
    @example(phone="13700000001", id_number="")  # a decoy's own number: a link he may see
    def same_answer(phone: str, id_number: str) -> None:
        answer = draft_analyse(_draft(phone, id_number, organ_id), viewer=viewer)["similar"]
        assert len(answer) == len(baseline)
        for item, base in zip(answer, baseline, strict=True):
            if item == base:
                continue
            # Only a petition the viewer may open, and whose petitioner the typed numbers are,
            # may answer differently: that is the repeat he is allowed to see.
            assert item["visible"] and item["relation"] == "same_petitioner_repeat", item
            petitioner = Petition.objects.get(pk=item["id"]).petitioner
            assert petitioner is not None
            typed = {blind_index(phone), blind_index(id_number)} - {""}
            assert typed & {petitioner.phone_index, petitioner.id_number_index}

    same_answer()


@pytest.mark.parametrize("viewer_name", ["caseworker", "outsider"])
def test_relation_lookup_does_not_depend_on_the_identity_supplied(
    world: Any, world_with_accusation: dict[str, Any], viewer_name: str
) -> None:
    """The relation lookup itself (``similar_view``) with any identity keys for a subject whose
    identity the viewer may not see, against hits that include the accusation."""
    from minsheng.petitions.confidentiality import identity_keys

    viewer = world_with_accusation["outsider"] if viewer_name == "outsider" else world.users[viewer_name]
    hits = [(p.pk, 0.95) for p in Petition.objects.order_by("pk")]

    def view(keys: frozenset[str], visible: bool) -> list[dict[str, Any]]:
        return similar_view(viewer, hits, Subject(keys=keys, organ_id=None, identity_visible=visible))

    baseline = view(frozenset(), False)
    accusation = world_with_accusation["accusation"]
    assert accusation.tracking_code not in str(baseline)

    @RUNS
    @given(phone=phones, id_number=id_numbers, visible=st.booleans())
    @example(phone=ACCUSER_PHONE, id_number="", visible=True)
    @example(phone="", id_number=ACCUSER_ID, visible=True)
    def same_answer(phone: str, id_number: str, visible: bool) -> None:
        keys = identity_keys(
            blind_index(phone) if phone.strip() else "", blind_index(id_number) if id_number.strip() else ""
        )
        # hidden subject identity: never a difference; a typed identity may link only to what he may open
        assert view(keys, False) == baseline
        answer = view(keys, visible)
        assert accusation.tracking_code not in str(answer)
        for item, base in zip(answer, baseline, strict=True):
            if not item["visible"]:
                assert item == base

    same_answer()
