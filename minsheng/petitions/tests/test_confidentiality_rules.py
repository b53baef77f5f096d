"""R-150 (《信访工作条例》 Art. 30(3)): unit tests of the confidentiality rule functions, pinning the
law to exact organs, roles and relation kinds. They kill the mutants that ``make mutation``
(scripts/mutation.py) found surviving the behaviour tests.

The organs are the demo tree: 西地省政府 (xd-gov) > A市政府 (a-gov) > {A市住建局 (a-housing),
A1区政府 (a1-gov) > A1区信访局 (a1-bureau)}; A市纪委监委 (a-discipline) stands outside it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.test import override_settings

from minsheng.core.crypto import blind_index
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.orgs.selectors import organ_subtree_ids
from minsheng.petitions.confidentiality import (
    ACCUSATION,
    OVERSIGHT_ROLES,
    accused_organs_shielding,
    accused_side_user_ids,
    identity_keys,
    identity_q,
    is_accusation_against,
    is_accused_side,
    organ_ancestor_ids,
    shield_q,
    shielded_accused_organs,
)
from minsheng.petitions.models import Petition
from minsheng.petitions.relations import _distinct_people

pytestmark = pytest.mark.django_db

CODES = ("xd-gov", "a-gov", "a-housing", "a1-gov", "a1-bureau", "a-discipline")


@pytest.fixture
def tree(organs: Any) -> dict[str, int]:
    return {code: organs[code].pk for code in CODES}


def _ids(tree: dict[str, int], *codes: str) -> set[int]:
    return {tree[c] for c in codes}


def _user(username: str, *posts: tuple[Organ, str]) -> Any:
    user = get_user_model().objects.create_user(username, password="test-password-123")
    for organ, role in posts:
        StaffMembership.objects.create(user=user, organ=organ, role=role)
    return user


def _post(organ_id: int, role: str) -> StaffMembership:
    return StaffMembership(organ_id=organ_id, role=role)


# -- the organ tree -------------------------------------------------------------------------------


def test_ancestors_are_the_organs_and_every_organ_above(tree: dict[str, int]) -> None:
    assert organ_ancestor_ids([tree["a1-bureau"]]) == _ids(tree, "a1-bureau", "a1-gov", "a-gov", "xd-gov")
    assert organ_ancestor_ids([tree["a-housing"], tree["a-discipline"]]) == _ids(
        tree, "a-housing", "a-gov", "xd-gov", "a-discipline"
    )
    assert organ_ancestor_ids([tree["xd-gov"]]) == {tree["xd-gov"]}
    assert organ_ancestor_ids([]) == set()


def test_subtree_is_the_organs_and_every_organ_below(tree: dict[str, int], organs: Any) -> None:
    assert organ_subtree_ids([tree["a1-gov"]]) == _ids(tree, "a1-gov", "a1-bureau")
    assert organ_subtree_ids([tree["a1-bureau"]]) == {tree["a1-bureau"]}
    below_city = organ_subtree_ids([tree["a-gov"]])
    assert _ids(tree, "a-gov", "a-housing", "a1-gov", "a1-bureau") <= below_city
    assert tree["xd-gov"] not in below_city and tree["a-discipline"] not in below_city
    assert organ_subtree_ids([]) == set()


def test_tree_walks_cut_cycles(tree: dict[str, int]) -> None:
    """A misconfigured tree (A1区政府 under its own 信访局) must not hang a read."""
    Organ.objects.filter(pk=tree["a1-gov"]).update(parent_id=tree["a1-bureau"])
    assert organ_ancestor_ids([tree["a1-bureau"]]) == _ids(tree, "a1-bureau", "a1-gov")
    assert organ_subtree_ids([tree["a1-gov"]]) == _ids(tree, "a1-gov", "a1-bureau")


# -- which accused organs a post shields -----------------------------------------------------------


def test_any_post_shields_its_organ_and_those_above_only(tree: dict[str, int]) -> None:
    for role in (Role.REGISTRAR, Role.CASEWORKER, Role.ORGAN_HEAD, Role.ANALYST, Role.DISPATCHER):
        shielded = accused_organs_shielding([_post(tree["a1-gov"], role)])
        assert shielded == frozenset(_ids(tree, "a1-gov", "a-gov", "xd-gov")), role
        assert isinstance(shielded, frozenset)


@pytest.mark.parametrize("role", [Role.LEADER, Role.SUPERVISOR])
def test_an_oversight_post_also_shields_the_organs_below(tree: dict[str, int], role: str) -> None:
    assert accused_organs_shielding([_post(tree["a1-gov"], role)]) == frozenset(
        _ids(tree, "a1-gov", "a1-bureau", "a-gov", "xd-gov")
    )
    with override_settings(MINSHENG_SHIELD_OVERSIGHT=False):
        assert accused_organs_shielding([_post(tree["a1-gov"], role)]) == frozenset(
            _ids(tree, "a1-gov", "a-gov", "xd-gov")
        )


def test_oversight_roles_are_leader_and_supervisor() -> None:
    assert frozenset({Role.LEADER, Role.SUPERVISOR}) == OVERSIGHT_ROLES


def test_posts_combine(tree: dict[str, int]) -> None:
    """A caseworker in 住建局 who leads A1区政府: both posts count, the oversight only below A1."""
    posts = [_post(tree["a-housing"], Role.CASEWORKER), _post(tree["a1-gov"], Role.LEADER)]
    assert accused_organs_shielding(posts) == frozenset(
        _ids(tree, "a-housing", "a-gov", "xd-gov", "a1-gov", "a1-bureau")
    )
    assert accused_organs_shielding([]) == frozenset()


def test_shielded_accused_organs_of_a_user_is_cached(tree: dict[str, int], organs: Any) -> None:
    assert shielded_accused_organs(None) == frozenset()
    assert shielded_accused_organs(AnonymousUser()) == frozenset()
    user = _user("housing_cw", (organs["a-housing"], Role.CASEWORKER))
    assert shielded_accused_organs(user) == frozenset(_ids(tree, "a-housing", "a-gov", "xd-gov"))
    StaffMembership.objects.create(user=user, organ=organs["a-discipline"], role=Role.CASEWORKER)
    assert shielded_accused_organs(user) == frozenset(_ids(tree, "a-housing", "a-gov", "xd-gov"))
    fresh = get_user_model().objects.get(pk=user.pk)
    assert shielded_accused_organs(fresh) == frozenset(
        _ids(tree, "a-housing", "a-gov", "xd-gov", "a-discipline")
    )
    assert shielded_accused_organs(_user("nobody")) == frozenset()


def test_is_accusation_against() -> None:
    shielded = frozenset({7, 8})
    assert is_accusation_against(ACCUSATION, 7, shielded) is True
    assert is_accusation_against(ACCUSATION, 9, shielded) is False
    assert is_accusation_against("grievance", 7, shielded) is False
    assert is_accusation_against(ACCUSATION, None, frozenset({None})) is False  # type: ignore[arg-type]
    assert is_accusation_against(ACCUSATION, 7, frozenset()) is False


def test_is_accused_side(tree: dict[str, int], organs: Any) -> None:
    user = _user("housing_cw", (organs["a-housing"], Role.CASEWORKER))
    against = SimpleNamespace(nature=ACCUSATION, accused_organ_id=tree["a-housing"])
    assert is_accused_side(user, against) is True
    assert is_accused_side(user, SimpleNamespace(nature=ACCUSATION, accused_organ_id=tree["a1-gov"])) is False
    assert (
        is_accused_side(user, SimpleNamespace(nature="grievance", accused_organ_id=tree["a-housing"]))
        is False
    )
    assert is_accused_side(user, object()) is False
    assert is_accused_side(None, against) is False


# -- the queryset filter ----------------------------------------------------------------------------


def test_shield_q_is_exactly_the_accusations_against_the_shielded_organs(
    tree: dict[str, int], organs: Any
) -> None:
    user = _user("housing_cw", (organs["a-housing"], Role.CASEWORKER))
    ids = sorted(_ids(tree, "a-housing", "a-gov", "xd-gov"))
    assert shield_q(user) == ~Q(nature=ACCUSATION, accused_organ_id__in=ids)
    assert shield_q(user, "petition__") == ~Q(petition__nature=ACCUSATION, petition__accused_organ_id__in=ids)
    assert shield_q(_user("nobody")) == Q()
    assert shield_q(None) == Q()


def test_shield_q_keeps_accusations_without_accused_organ_and_other_natures(
    register: Any, organs: Any
) -> None:
    from minsheng.petitions.models import Petition

    user = _user("housing_cw", (organs["a-housing"], Role.CASEWORKER))
    against = register(nature="accusation", accused_organ=organs["a-housing"], title="举报住建局")
    against_none = register(nature="accusation", title="举报某人")
    against_other = register(nature="accusation", accused_organ=organs["a-edu"], title="举报教育局")
    grievance = register(title="路灯不亮")
    kept = set(Petition.objects.filter(shield_q(user)).values_list("pk", flat=True))
    assert {against_none.pk, against_other.pk, grievance.pk} <= kept
    assert against.pk not in kept


# -- who is told ----------------------------------------------------------------------------------


def test_accused_side_user_ids_are_every_post_below_and_oversight_above(
    tree: dict[str, int], organs: Any
) -> None:
    inside = _user("inside", (organs["a1-bureau"], Role.REGISTRAR))
    accused = _user("accused", (organs["a1-gov"], Role.CASEWORKER))
    leader = _user("city_leader", (organs["a-gov"], Role.LEADER))
    supervisor = _user("province_supervisor", (organs["xd-gov"], Role.SUPERVISOR))
    registrar_above = _user("city_registrar", (organs["a-gov"], Role.REGISTRAR))
    analyst_above = _user("city_analyst", (organs["a-gov"], Role.ANALYST))
    aside = _user("aside", (organs["a-housing"], Role.LEADER))
    outside = _user("outside", (organs["a-discipline"], Role.CASEWORKER))
    everybody = [
        u.pk for u in (inside, accused, leader, supervisor, registrar_above, analyst_above, aside, outside)
    ]
    assert accused_side_user_ids(tree["a1-gov"], everybody) == {
        inside.pk,
        accused.pk,
        leader.pk,
        supervisor.pk,
    }
    assert accused_side_user_ids(tree["a1-gov"], [inside.pk, outside.pk]) == {inside.pk}
    assert accused_side_user_ids(tree["a1-gov"], []) == set()
    all_of_them = accused_side_user_ids(tree["a1-gov"])
    assert {inside.pk, accused.pk, leader.pk, supervisor.pk} <= all_of_them
    assert not {registrar_above.pk, analyst_above.pk, aside.pk, outside.pk} & all_of_them
    with override_settings(MINSHENG_SHIELD_OVERSIGHT=False):
        assert accused_side_user_ids(tree["a1-gov"], everybody) == {inside.pk, accused.pk}


# -- identity -------------------------------------------------------------------------------------


def test_identity_keys_are_tagged_blind_indexes() -> None:
    assert identity_keys("ph", "id") == frozenset({"p:ph", "i:id"})
    assert identity_keys("ph", "") == frozenset({"p:ph"})
    assert identity_keys(None, "id") == frozenset({"i:id"})
    assert identity_keys("", None) == frozenset()
    assert isinstance(identity_keys("ph", "id"), frozenset)


def test_identity_q() -> None:
    assert identity_q([]) == Q(pk__in=[])
    assert identity_q(["p:ph"]) == Q(pk__in=[]) | Q(petitioner__phone_index="ph")
    assert identity_q(["i:id"], prefix="") == Q(pk__in=[]) | Q(id_number_index="id")
    assert identity_q(["x:zz", "nocolon"]) == Q(pk__in=[])
    assert identity_q(["p:a:b"]) == Q(pk__in=[]) | Q(petitioner__phone_index="a:b")


def test_identity_q_matches_nothing_for_no_keys(register: Any) -> None:
    from minsheng.petitions.models import Petition

    register()
    assert not Petition.objects.filter(identity_q([])).exists()


def test_distinct_people_merges_records_sharing_a_key() -> None:
    assert _distinct_people([]) == 0
    assert _distinct_people([frozenset({"p:1"}), frozenset({"p:2"})]) == 2
    assert _distinct_people([frozenset({"p:1"}), frozenset({"p:1", "i:9"}), frozenset({"i:9"})]) == 1
    # a later record joins two earlier groups into one person
    assert _distinct_people([frozenset({"p:1"}), frozenset({"i:9"}), frozenset({"p:1", "i:9"})]) == 1
    assert (
        _distinct_people([frozenset({"p:1"}), frozenset({"i:9"}), frozenset({"p:1"}), frozenset({"p:3"})])
        == 3
    )


# -- where an accusation may go (workflow) ----------------------------------------------------------


def _case(organs: Any, at: str, nature: str = ACCUSATION, accused: str | None = None) -> Any:
    return SimpleNamespace(
        current_organ=organs[at], nature=nature, accused_organ_id=organs[accused].pk if accused else None
    )


def test_review_organ_climbs_out_of_the_accused_subtree(organs: Any) -> None:
    from minsheng.workflow.services.context import _review_organ

    # the configured upper organ when nothing is accused, or the accused unit is elsewhere
    assert _review_organ(_case(organs, "a1-bureau", nature="grievance", accused="a1-gov")) == organs["a1-gov"]
    assert _review_organ(_case(organs, "a1-bureau")) == organs["a1-gov"]
    assert _review_organ(_case(organs, "a1-bureau", accused="a-housing")) == organs["a1-gov"]
    # the upper organ is the accused unit: one level further up
    assert _review_organ(_case(organs, "a1-bureau", accused="a1-gov")) == organs["a-gov"]
    # the whole chain up to A市政府 is accused: its configured review organ, the province
    assert _review_organ(_case(organs, "a1-bureau", accused="a-gov")) == organs["xd-gov"]
    # nobody above outside the accused subtree
    assert _review_organ(_case(organs, "a-gov", accused="xd-gov")) is None


def test_review_organ_never_returns_an_accused_organ_on_a_review_cycle(organs: Any) -> None:
    """A misconfigured review chain (A1区政府 reviewed by its own 信访局) must neither hang nor
    send the appeal back into the accused subtree."""
    from minsheng.workflow.services.context import _review_organ

    Organ.objects.filter(pk=organs["a1-gov"].pk).update(review_organ=organs["a1-bureau"])
    case = _case(organs, "a1-bureau", accused="a1-gov")
    case.current_organ = Organ.objects.get(pk=organs["a1-bureau"].pk)
    assert _review_organ(case) is None


def test_discipline_body_outside_the_accused_subtree(organs: Any, world: Any) -> None:
    from minsheng.orgs.models import Region
    from minsheng.workflow.services.intake import discipline_body_outside

    a1 = organs["a1-gov"].region
    # none in A1区: the city's body, found one region up
    assert discipline_body_outside(organs["a1-bureau"], set()) == organs["a-discipline"]
    assert discipline_body_outside(organs["a1-bureau"], {organs["a-discipline"].pk}) is None
    # a body of A1区 itself comes first; inactive bodies and other kinds never count
    inactive = Organ.objects.create(
        code="a1-discipline-old",
        name="A1区纪委（撤销）",
        kind=Organ.Kind.DISCIPLINE,
        level=3,
        region=a1,
        is_active=False,
    )
    Organ.objects.create(code="a1-housing", name="A1区住建局", kind=Organ.Kind.DEPARTMENT, level=3, region=a1)
    assert discipline_body_outside(organs["a1-bureau"], set()) == organs["a-discipline"]
    body = Organ.objects.create(
        code="a1-discipline", name="A1区纪委监委", kind=Organ.Kind.DISCIPLINE, level=3, region=a1
    )
    assert discipline_body_outside(organs["a1-bureau"], set()) == body
    assert discipline_body_outside(organs["a1-bureau"], {body.pk}) == organs["a-discipline"]
    assert discipline_body_outside(organs["a1-bureau"], {body.pk, organs["a-discipline"].pk}) is None
    # of two bodies in one region, the one of the lower level number, then the older
    assert isinstance(inactive, Organ) and isinstance(a1, Region)
    higher = Organ.objects.create(
        code="a1-discipline-2", name="A1区纪委第二", kind=Organ.Kind.DISCIPLINE, level=2, region=a1
    )
    assert discipline_body_outside(organs["a1-bureau"], set()) == higher
    second = Organ.objects.create(
        code="a1-discipline-3", name="A1区纪委第三", kind=Organ.Kind.DISCIPLINE, level=2, region=a1
    )
    assert discipline_body_outside(organs["a1-bureau"], {higher.pk}) == second


# -- reads (selectors) ----------------------------------------------------------------------------


@pytest.fixture
def against_housing(register: Any, act: Any, organs: Any) -> Any:
    """An accusation against 住建局, forwarded to A市政府 (as in test_confidentiality)."""
    from minsheng.petitions.models import Petition

    petition = register(nature="accusation", accused_organ=organs["a-housing"], title="举报住建局某科长")
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    return Petition.objects.get(pk=petition.pk)


def _visible(user: Any) -> set[int]:
    from minsheng.petitions.selectors import petitions_visible_to

    return set(petitions_visible_to(user).values_list("pk", flat=True))


def test_petitions_visible_to(against_housing: Any, register: Any, users: Any, organs: Any) -> None:
    grievance = register(title="路灯不亮")
    assert _visible(None) == set() and _visible(AnonymousUser()) == set()
    assert _visible(_user("nobody")) == set()
    assert {against_housing.pk, grievance.pk} <= _visible(users["admin"])
    assert {against_housing.pk, grievance.pk} <= _visible(users["registrar"])  # direct posts
    # a leader of the province: his subtree, minus the accusation against a unit below him
    province_leader = _user("prov_lead", (organs["xd-gov"], Role.LEADER))
    assert grievance.pk in _visible(province_leader) and against_housing.pk not in _visible(province_leader)
    assert against_housing.pk in _visible(
        _user("prov_analyst", (organs["xd-gov"], Role.ANALYST))
    )  # not oversight
    # an administrator who also sits in the accused unit is on the accused side
    admin_inside = _user("admin_inside", (organs["a-housing"], Role.ADMIN))
    assert against_housing.pk not in _visible(admin_inside)
    admin_inside.is_superuser = True
    admin_inside.save()
    assert against_housing.pk not in _visible(get_user_model().objects.get(pk=admin_inside.pk))
    assert against_housing.pk not in _visible(users["caseworker"])  # a-gov and a-housing: accused side
    assert _visible(users["caseworker"]) == set()  # nothing was forwarded to his organs


def test_can_see_identity_and_masked_identity(
    against_housing: Any, register: Any, users: Any, organs: Any
) -> None:
    from minsheng.petitions.selectors import can_see_identity, can_see_masked_identity, in_accused_organ

    grievance = register(title="路灯不亮")
    assert can_see_identity(None, grievance) is False
    assert can_see_identity(AnonymousUser(), grievance) is False
    assert can_see_identity(users["admin"], grievance) is False  # configuration is not case work
    for role in (Role.REGISTRAR, Role.DISPATCHER, Role.CASEWORKER, Role.ORGAN_HEAD, Role.LEADER):
        assert can_see_identity(_user(f"id_{role}", (organs["a-bureau"], role)), grievance) is True, role
    for role in (Role.SUPERVISOR, Role.ANALYST):
        assert can_see_identity(_user(f"id_{role}", (organs["a-bureau"], role)), grievance) is False, role
    admin_with_post = _user(
        "admin_post", (organs["a-bureau"], Role.ADMIN), (organs["a-bureau"], Role.REGISTRAR)
    )
    assert can_see_identity(admin_with_post, grievance) is True
    assert can_see_identity(users["registrar"], against_housing) is True
    assert can_see_identity(users["caseworker"], against_housing) is False
    assert in_accused_organ(users["caseworker"], against_housing) is True
    assert in_accused_organ(users["caseworker"], grievance) is False
    assert in_accused_organ(users["registrar"], against_housing) is False

    analyst = _user("only_analyst", (organs["a-gov"], Role.ANALYST))
    assert can_see_masked_identity(analyst, grievance) is False
    both = _user("analyst_and_cw", (organs["a-gov"], Role.ANALYST), (organs["a-edu"], Role.CASEWORKER))
    assert can_see_masked_identity(both, grievance) is True
    assert can_see_masked_identity(users["registrar"], against_housing) is True
    assert can_see_masked_identity(users["caseworker"], against_housing) is False
    assert can_see_masked_identity(users["caseworker"], grievance) is True


def test_identity_covered_ids_for_a_page_is_can_see_identity_row_by_row(
    against_housing: Any, register: Any, act: Any, users: Any, organs: Any
) -> None:
    """The list form of the identity right answers for the rows given, each as can_see_identity
    would: a grievance the housing bureau assists on (covered through its assignment, asked of the
    database) and the accusation against it (in his organs' scope, but he is on its accused side)."""
    from minsheng.petitions.selectors import can_see_identity, identity_covered_ids

    assisted = register(title="路灯不亮")
    act(
        assisted,
        "forward",
        "dispatcher",
        organ_id=organs["a-env"].pk,
        assisting_organ_ids=[organs["a-housing"].pk],
    )
    unrelated = register(title="公交站台破损")
    rows = [against_housing, assisted, unrelated]
    caseworker = users["caseworker"]
    assert identity_covered_ids(caseworker, rows) == {assisted.pk}
    assert [can_see_identity(caseworker, p) for p in rows] == [False, True, False]
    assert identity_covered_ids(users["registrar"], rows) == {p.pk for p in rows}
    assert (
        identity_covered_ids(_user("id_supervisor_page", (organs["a-bureau"], Role.SUPERVISOR)), rows)
        == set()
    )


def test_same_person_petitions_by_record_and_by_blind_index(register: Any, users: Any) -> None:
    from minsheng.petitions.selectors import same_person_petitions
    from minsheng.petitions.services import PetitionerInput

    first = register(title="路灯不亮")
    second = register(title="下水道堵塞")  # same phone and ID number: the same record or one found by index
    by_phone = register(
        title="噪音扰民", petitioner=PetitionerInput(name="李四", phone="13800138000", address="别处1号")
    )
    by_id = register(
        title="违章建筑",
        petitioner=PetitionerInput(
            name="李四", phone="13911110000", address="别处2号", id_number="110101199003074514"
        ),
    )
    stranger = register(
        title="垃圾清运", petitioner=PetitionerInput(name="王五", phone="13922223333", address="别处3号")
    )
    found = {p.pk for p in same_person_petitions(users["registrar"], first)}
    assert found == {second.pk, by_phone.pk, by_id.pk}
    assert {p.pk for p in same_person_petitions(users["registrar"], first, limit=1)} <= found
    assert len(same_person_petitions(users["registrar"], first, limit=1)) == 1
    assert same_person_petitions(users["registrar"], stranger) == []
    assert same_person_petitions(users["registrar"], SimpleNamespace(petitioner_id=None)) == []  # type: ignore[arg-type]
    assert same_person_petitions(_user("only_analyst"), first) == []


def test_timeline_data_for_blanks_only_references_the_viewer_may_not_open(
    against_housing: Any, register: Any, users: Any
) -> None:
    from minsheng.petitions.selectors import timeline_data_for

    grievance = register(title="路灯不亮")
    hidden = {"related_petition_id": against_housing.pk, "reason": "duplicate"}
    assert timeline_data_for(users["caseworker"], hidden) == {
        "related_petition_id": None,
        "reason": "duplicate",
    }
    assert timeline_data_for(users["registrar"], hidden) == hidden
    shown = {"related_petition_id": grievance.pk}
    assert timeline_data_for(users["registrar"], shown) == shown
    assert timeline_data_for(users["caseworker"], shown) == {"related_petition_id": None}  # not his organ's
    assert timeline_data_for(users["caseworker"], {"related_petition_id": str(against_housing.pk)}) == {
        "related_petition_id": str(against_housing.pk)
    }
    assert timeline_data_for(users["caseworker"], {"x": 1}) == {"x": 1}


# -- relations ------------------------------------------------------------------------------------


def test_subject_of_petition(against_housing: Any, register: Any, users: Any, organs: Any) -> None:
    from minsheng.petitions.relations import SYSTEM, Subject, subject_of_petition

    petitioner = against_housing.petitioner
    keys = identity_keys(petitioner.phone_index, petitioner.id_number_index)
    assert len(keys) == 2
    expected = Subject(
        keys=keys, organ_id=organs["a-gov"].pk, identity_visible=True, exclude_id=against_housing.pk
    )
    assert subject_of_petition(users["registrar"], against_housing) == expected
    assert subject_of_petition(SYSTEM, against_housing) == expected
    hidden = Subject(
        keys=keys, organ_id=organs["a-gov"].pk, identity_visible=False, exclude_id=against_housing.pk
    )
    assert subject_of_petition(users["caseworker"], against_housing) == hidden
    assert (
        subject_of_petition(_user("only_analyst", (organs["a-gov"], Role.ANALYST)), against_housing) == hidden
    )
    nobody = SimpleNamespace(
        petitioner_id=None, petitioner=None, current_organ_id=7, pk=9, nature="grievance"
    )
    assert subject_of_petition(SYSTEM, nobody) == Subject(  # type: ignore[arg-type]
        keys=frozenset(), organ_id=7, identity_visible=True, exclude_id=9
    )


def test_openable_ids(against_housing: Any, register: Any, users: Any, organs: Any) -> None:
    from minsheng.petitions.relations import SYSTEM, _openable_ids

    grievance = register(title="路灯不亮")
    ids = [against_housing.pk, grievance.pk, 999999]
    assert _openable_ids(SYSTEM, ids) == set(ids)
    assert _openable_ids(users["registrar"], ids) == {against_housing.pk, grievance.pk}
    assert _openable_ids(users["leader"], ids) == {grievance.pk}  # oversight above the accused unit
    assert _openable_ids(_user("only_analyst", (organs["a-gov"], Role.ANALYST)), ids) == set()


def test_similar_view_exact_relations(against_housing: Any, register: Any, users: Any, organs: Any) -> None:
    """The accusation (90), another person's petition (70) and the accuser's own grievance (50),
    seen from the bureau (the subject's organ) by its registrar and by the accused unit's caseworker."""
    from minsheng.petitions.relations import Subject, similar_view
    from minsheng.petitions.services import PetitionerInput

    own = register(title="路灯不亮")
    other = register(
        title="垃圾清运", petitioner=PetitionerInput(name="王五", phone="13922223333", address="别处3号")
    )
    keys = identity_keys(own.petitioner.phone_index, own.petitioner.id_number_index)
    hits = [(against_housing.pk, 0.9), (other.pk, 0.7), (own.pk, 0.5)]
    bureau = organs["a-bureau"]
    repeat = ("same_petitioner_repeat", "同一信访人此前提出过相似事项，请核对是否为重复信访")
    collective = ("possible_collective_issue", "至少3位不同信访人反映几乎相同的内容，可能是群体性诉求")
    elsewhere = (
        "same_matter_in_progress_elsewhere",
        "相同事项正由A市人民政府在法定期限内办理（条例第十九条第三款：期限内不得向上级机关再提出同一事项）",
    )
    similar = ("similar", "内容相似")

    def row(
        p: Any, score: float, relation: tuple[str, str], seen: bool, state: str, organ: str
    ) -> dict[str, Any]:
        return {
            "id": p.pk if seen else None,
            "tracking_code": p.tracking_code,
            "score": score,
            "relation": relation[0],
            "explanation": relation[1],
            "final": False,
            "state": state if seen else None,
            "organ": organ,
            "visible": seen,
        }

    def view(who: str, visible: bool, **subject: Any) -> list[dict[str, Any]]:
        return similar_view(
            users[who], hits, Subject(keys=keys, organ_id=bureau.pk, identity_visible=visible, **subject)
        )

    assert view("registrar", True) == [
        row(against_housing, 0.9, repeat, True, "forwarded", "A市人民政府"),
        row(other, 0.7, collective, True, "registered", "A市信访局"),
        row(own, 0.5, repeat, True, "registered", "A市信访局"),
    ]
    # without the right to the subject's identity: the identity-free relations
    assert view("registrar", False) == [
        row(against_housing, 0.9, elsewhere, True, "forwarded", "A市人民政府"),
        row(other, 0.7, collective, True, "registered", "A市信访局"),
        row(own, 0.5, similar, True, "registered", "A市信访局"),
    ]
    # the accused side: the accusation does not exist, and does not count towards the collective
    for visible in (True, False):
        assert view("caseworker", visible) == [
            row(other, 0.7, similar, False, "registered", "A市信访局"),
            row(own, 0.5, similar, False, "registered", "A市信访局"),
        ]
    assert view("registrar", True, exclude_id=own.pk)[-1]["tracking_code"] == other.tracking_code
    assert (
        similar_view(users["registrar"], [], Subject(keys=keys, organ_id=bureau.pk, identity_visible=True))
        == []
    )


def test_a_typed_identity_links_only_petitioners_the_viewer_may_unmask(
    against_housing: Any, register: Any, users: Any, organs: Any
) -> None:
    """The 预检 of a draft: the viewer types a phone. The bureau's registrar, who may unmask both
    hits, gets the repeat for the accuser's phone and not for a guessed one; a supervisor above,
    who may open the grievance but not unmask its petitioner, gets the same answer whatever phone
    he types (no oracle), though a registered petition's own identity would link it for him."""
    from minsheng.petitions.relations import SYSTEM, Subject, similar_view

    own = register(title="路灯不亮")
    accuser = identity_keys(own.petitioner.phone_index, own.petitioner.id_number_index)
    assert accuser == identity_keys(
        against_housing.petitioner.phone_index, against_housing.petitioner.id_number_index
    )
    guessed = identity_keys(blind_index("13900000000"), "")
    hits = [(against_housing.pk, 0.9), (own.pk, 0.5)]

    def relations(
        keys: frozenset[str], viewer: Any, supplied: bool = True, visible: bool = True
    ) -> dict[str, str]:
        subject = Subject(
            keys=keys, organ_id=organs["a-bureau"].pk, identity_visible=visible, supplied=supplied
        )
        return {r["tracking_code"]: r["relation"] for r in similar_view(viewer, hits, subject)}

    registrar = users["registrar"]
    assert relations(accuser, registrar) == {
        against_housing.tracking_code: "same_petitioner_repeat",
        own.tracking_code: "same_petitioner_repeat",
    }
    assert relations(guessed, registrar) == {
        against_housing.tracking_code: "same_matter_in_progress_elsewhere",
        own.tracking_code: "similar",
    }
    # Background work (SYSTEM, as `draft_analyse` is called by commands and tests) unmasks all.
    assert relations(accuser, SYSTEM) == relations(accuser, registrar)
    # Typed, but the subject's identity is not his to see: nothing is linked either.
    assert relations(accuser, registrar, visible=False)[own.tracking_code] == "similar"
    supervisor = _user("province_supervisor", (organs["xd-gov"], Role.SUPERVISOR))
    typed = relations(accuser, supervisor)
    assert typed[own.tracking_code] == "similar"
    assert typed == relations(guessed, supervisor)
    assert relations(accuser, supervisor, supplied=False)[own.tracking_code] == "same_petitioner_repeat"


def test_similar_view_in_progress_elsewhere_only_within_the_time_limit(
    against_housing: Any, users: Any, organs: Any
) -> None:
    """条例 Art. 19(3) holds only while the other organ is within its time limit: an overdue flag,
    a breached deadline or an open one already past due turns the relation into plain ``similar``."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.petitions.models import Petition
    from minsheng.petitions.relations import Subject, similar_view
    from minsheng.workflow.models import Deadline

    def relation() -> str:
        subject = Subject(keys=frozenset(), organ_id=organs["a-bureau"].pk, identity_visible=False)
        return similar_view(users["registrar"], [(against_housing.pk, 0.4)], subject)[0]["relation"]

    assert relation() == "same_matter_in_progress_elsewhere"
    # the subject's own organ has it: not elsewhere
    here = Subject(keys=frozenset(), organ_id=organs["a-gov"].pk, identity_visible=False)
    assert similar_view(users["registrar"], [(against_housing.pk, 0.4)], here)[0]["relation"] == "similar"
    today = timezone.localdate()
    deadline = Deadline.objects.create(
        petition=against_housing,
        rule="D-TEST",
        start=today - dt.timedelta(days=20),
        nominal_due=today - dt.timedelta(days=10),
        statutory_due=today + dt.timedelta(days=5),
    )
    assert relation() == "same_matter_in_progress_elsewhere"  # open and not yet due
    Deadline.objects.filter(pk=deadline.pk).update(
        nominal_due=today - dt.timedelta(days=9), statutory_due=today, is_provisional=False
    )
    assert relation() == "same_matter_in_progress_elsewhere"  # due today is still in time
    Deadline.objects.filter(pk=deadline.pk).update(
        statutory_due=today - dt.timedelta(days=1), is_provisional=False
    )
    assert relation() == "similar"
    Deadline.objects.filter(pk=deadline.pk).update(status=Deadline.Status.MET)
    assert relation() == "same_matter_in_progress_elsewhere"
    # a limit breached and then completed late: the organ has been out of time on this matter,
    # although the overdue flag (unmet breaches only) no longer shows it
    Deadline.objects.filter(pk=deadline.pk).update(status=Deadline.Status.BREACHED, met_at=timezone.now())
    assert relation() == "similar"
    Deadline.objects.filter(pk=deadline.pk).delete()
    breached = Deadline.objects.create(
        petition=against_housing,
        rule="D-HANDLE-60",
        start=today - dt.timedelta(days=70),
        length=60,
        nominal_due=today - dt.timedelta(days=10),
        statutory_due=today - dt.timedelta(days=10),
        status=Deadline.Status.BREACHED,
    )
    assert relation() == "similar"  # an unmet breach: the petition is overdue
    breached.delete()
    Petition.objects.filter(pk=against_housing.pk).update(state="archived")
    assert relation() == "similar"  # no longer open


def test_ensure_not_accused_refuses_exactly_the_accused_subtree(organs: Any) -> None:
    from minsheng.core.errors import InvalidInput
    from minsheng.workflow.services.context import _ensure_not_accused

    def ctx(nature: str, accused: str | None) -> Any:
        return SimpleNamespace(petition=_case(organs, "a-bureau", nature=nature, accused=accused))

    for code in ("a1-gov", "a1-bureau"):
        with pytest.raises(InvalidInput) as refused:
            _ensure_not_accused(ctx(ACCUSATION, "a1-gov"), organs[code], "organ_id")
        assert refused.value.field == "organ_id"
    for code in ("a-gov", "xd-gov", "a-discipline", "a-housing"):
        _ensure_not_accused(ctx(ACCUSATION, "a1-gov"), organs[code], "organ_id")
    _ensure_not_accused(ctx("grievance", "a1-gov"), organs["a1-gov"], "organ_id")
    _ensure_not_accused(ctx(ACCUSATION, None), organs["a1-gov"], "organ_id")


def test_the_shield_is_computed_once_per_user_object(organs: Any, django_assert_num_queries: Any) -> None:
    """The module's promise: the per-viewer answer is cached on the user object for the request."""
    user = _user("housing_cw", (organs["a-housing"], Role.CASEWORKER))
    first = shielded_accused_organs(user)
    with django_assert_num_queries(0):
        assert shielded_accused_organs(user) is first


def test_similar_view_counts_people_by_identity_not_by_record(register: Any, users: Any, organs: Any) -> None:
    """Two petitioner records with one phone number are one person: with the subject that makes two
    people, not the three a collective issue needs."""
    from minsheng.petitions.relations import Subject, similar_view
    from minsheng.petitions.services import PetitionerInput

    first = register(
        title="垃圾清运", petitioner=PetitionerInput(name="王五", phone="13922223333", address="一号")
    )
    second = register(
        title="垃圾清运", petitioner=PetitionerInput(name="王五", phone="13922223333", address="二号")
    )
    assert first.petitioner_id != second.petitioner_id
    subject = Subject(keys=frozenset(), organ_id=organs["a-bureau"].pk, identity_visible=False)
    hits = [(first.pk, 0.9), (second.pk, 0.8)]
    assert [r["relation"] for r in similar_view(users["registrar"], hits, subject)] == ["similar", "similar"]
    third = register(
        title="垃圾清运", petitioner=PetitionerInput(name="赵六", phone="13933334444", address="三号")
    )
    hits.append((third.pk, 0.7))
    assert {r["relation"] for r in similar_view(users["registrar"], hits, subject)} == {
        "possible_collective_issue"
    }


def test_similar_view_counts_people_without_numbers_by_record_and_anonymous_ones_apart(
    register: Any, users: Any, organs: Any
) -> None:
    """Petitioners without phone or ID number are told apart by their record; anonymous petitions
    each count as one person: two of them and the subject make the three of a collective issue."""
    from minsheng.petitions.relations import Subject, similar_view
    from minsheng.petitions.services import PetitionerInput

    subject = Subject(keys=frozenset(), organ_id=organs["a-bureau"].pk, identity_visible=False)
    anonymous = [register(title="夜市噪音", petitioner=PetitionerInput()) for _ in range(2)]
    assert all(p.petitioner_id is None for p in anonymous)
    hits = [(p.pk, 0.9) for p in anonymous]
    assert {r["relation"] for r in similar_view(users["registrar"], hits, subject)} == {
        "possible_collective_issue"
    }
    named = [
        register(title="夜市噪音", petitioner=PetitionerInput(name=f"居民{i}", address="某路"))
        for i in range(2)
    ]
    hits = [(p.pk, 0.9) for p in named]
    assert {r["relation"] for r in similar_view(users["registrar"], hits, subject)} == {
        "possible_collective_issue"
    }


def test_similar_view_skips_hits_that_no_longer_exist(register: Any, users: Any, organs: Any) -> None:
    from minsheng.petitions.relations import Subject, similar_view

    real = register(title="夜市噪音")
    subject = Subject(keys=frozenset(), organ_id=organs["a-bureau"].pk, identity_visible=True)
    shown = similar_view(users["registrar"], [(10**9, 0.95), (real.pk, 0.8)], subject)
    assert [r["id"] for r in shown] == [real.pk]


def test_similar_view_near_identical_starts_at_the_threshold(register: Any, users: Any, organs: Any) -> None:
    """A score of exactly COLLECTIVE_MIN_SCORE is near-identical (the bound is inclusive)."""
    from minsheng.petitions.relations import COLLECTIVE_MIN_SCORE, Subject, similar_view
    from minsheng.petitions.services import PetitionerInput

    others = [
        register(title="夜市噪音", petitioner=PetitionerInput(name=f"居民{i}", phone=f"1391111000{i}"))
        for i in range(2)
    ]
    subject = Subject(keys=frozenset(), organ_id=organs["a-bureau"].pk, identity_visible=False)
    at = [(p.pk, COLLECTIVE_MIN_SCORE) for p in others]
    assert {r["relation"] for r in similar_view(users["registrar"], at, subject)} == {
        "possible_collective_issue"
    }
    below = [(p.pk, COLLECTIVE_MIN_SCORE - 0.001) for p in others]
    assert {r["relation"] for r in similar_view(users["registrar"], below, subject)} == {"similar"}


def test_distinct_people_merges_through_a_shared_key_in_any_order() -> None:
    """{a,b}, {b}, {a}: the second shares b with the first, the third shares a — one person."""
    from minsheng.petitions.relations import _distinct_people

    assert _distinct_people([frozenset({"a", "b"}), frozenset({"b"}), frozenset({"a"})]) == 1
    assert _distinct_people([frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"})]) == 1
    assert _distinct_people([frozenset({"a"}), frozenset({"b"})]) == 2


def test_similar_view_one_numberless_record_is_one_person(register: Any, users: Any, organs: Any) -> None:
    """Two petitions of one petitioner record without phone or ID number are one person: with the
    subject that makes two, not a collective issue; a score is shown to three decimals."""
    from minsheng.petitions.relations import Subject, similar_view
    from minsheng.petitions.services import PetitionerInput

    first = register(title="夜市噪音", petitioner=PetitionerInput(name="钱七", address="某路1号"))
    again = register(title="夜市噪音", petitioner=PetitionerInput(name="钱七", address="某路1号"))
    Petition.objects.filter(pk=again.pk).update(petitioner_id=first.petitioner_id)  # e.g. linked by staff
    subject = Subject(keys=frozenset(), organ_id=organs["a-bureau"].pk, identity_visible=False)
    shown = similar_view(users["registrar"], [(first.pk, 0.91234), (again.pk, 0.9)], subject)
    assert [r["relation"] for r in shown] == ["similar", "similar"]
    assert shown[0]["score"] == 0.912


def test_nobody_signed_in_sees_nothing(register: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    from minsheng.petitions.selectors import petitions_visible_to

    register()
    assert list(petitions_visible_to(None)) == []
    assert list(petitions_visible_to(AnonymousUser())) == []


def test_a_superuser_without_posts_sees_masked_identities_only(against_housing: Any, register: Any) -> None:
    from django.contrib.auth import get_user_model

    from minsheng.petitions.selectors import can_see_identity, can_see_masked_identity

    root = get_user_model().objects.create_superuser("root_no_posts", password="test-password-123")
    petition = register()
    assert can_see_masked_identity(root, petition) is True
    assert can_see_identity(root, petition) is False
    assert can_see_identity(None, petition) is False


def test_same_person_petitions_needs_the_right_to_the_identity(
    register: Any, users: Any, organs: Any
) -> None:
    """An analyst over the city sees the petitions (for aggregates) but may not link a person's."""
    from minsheng.petitions.selectors import petitions_visible_to, same_person_petitions

    first = register(title="路灯不亮")
    second = register(title="下水道堵塞")
    analyst = _user("city_analyst", (organs["a-gov"], Role.ANALYST))
    assert {first.pk, second.pk} <= set(petitions_visible_to(analyst).values_list("pk", flat=True))
    assert same_person_petitions(analyst, first) == []
    assert [p.pk for p in same_person_petitions(users["registrar"], first)] == [second.pk]


def test_same_person_petitions_of_a_numberless_record(register: Any, users: Any) -> None:
    from minsheng.petitions.selectors import same_person_petitions
    from minsheng.petitions.services import PetitionerInput

    first = register(title="夜市噪音", petitioner=PetitionerInput(name="钱七", address="某路1号"))
    again = register(title="夜市噪音", petitioner=PetitionerInput(name="钱七", address="某路1号"))
    Petition.objects.filter(pk=again.pk).update(petitioner_id=first.petitioner_id)
    assert [p.pk for p in same_person_petitions(users["registrar"], first)] == [again.pk]


def test_similar_search_draws_only_on_what_the_caller_may_open(register: Any, organs: Any) -> None:
    """The candidates are restricted to what the caller may open before they are ranked and cut:
    three better ones he may not open take no place, his own is the answer even for ``top=1``
    (it was cut away before, and an empty answer told him better ones exist — R-150)."""
    from minsheng.petitions.selectors import similar_search

    text = {
        "title": "某某化工厂夜间偷排刺鼻废气",
        "request": "请求环保部门查处某某化工厂夜间偷排废气的问题，还居民清新空气。",
        "facts": "该厂每晚十点以后排放刺鼻气体，附近居民无法开窗睡觉，已经持续三个月。",
    }
    for _ in range(3):
        register(**text)  # at the city bureau: the county registrar may not open them
    county = _user("county_registrar", (organs["a5-gov"], Role.REGISTRAR))
    mine = register(
        actor=county,
        receiving_organ=organs["a5-gov"],
        **{**text, "facts": text["facts"] + "另外还有噪音。"},
    )
    query = "\n".join(text.values())
    assert [p.pk for p, _score in similar_search(county, query, top=1)] == [mine.pk]
    assert [p.pk for p, _score in similar_search(county, query, top=2)] == [mine.pk]


def test_timeline_reference_blanked_for_a_viewer_who_opens_other_petitions(
    register: Any, act: Any, organs: Any
) -> None:
    """The check is about the referenced petition, not about whether the viewer sees anything."""
    from minsheng.petitions.selectors import timeline_data_for

    elsewhere = register(title="市里的事项")
    county = _user("county_caseworker_t", (organs["a5-gov"], Role.CASEWORKER))
    clerk = _user("county_registrar_t", (organs["a5-gov"], Role.REGISTRAR))
    own = register(title="区里的事项", actor=clerk, receiving_organ=organs["a5-gov"])
    data = {"related_petition_id": elsewhere.pk, "reason": "duplicate_in_progress"}
    assert timeline_data_for(county, data) == {"related_petition_id": None, "reason": "duplicate_in_progress"}
    assert timeline_data_for(county, {"related_petition_id": own.pk}) == {"related_petition_id": own.pk}


def test_accusation_inside_the_accused_subtree_waits_when_no_discipline_body_is_configured(
    register: Any, organs: Any
) -> None:
    from minsheng.workflow.services import accusation_leave_accused_side

    Organ.objects.filter(kind=Organ.Kind.DISCIPLINE).update(is_active=False)
    petition = register(
        nature="accusation", accused_organ=organs["a-gov"], title="举报市政府", request="请求查处"
    )
    petition.refresh_from_db()
    assert petition.state == "registered" and petition.current_organ == organs["a-bureau"]
    assert accusation_leave_accused_side(petition.pk) is None
    grievance = register(title="路灯不亮")
    assert accusation_leave_accused_side(grievance.pk) is None
    assert Petition.objects.get(pk=grievance.pk).state == "registered"


def test_available_actions_none_for_the_accused_side_some_for_the_holder(
    against_housing: Any, organs: Any, users: Any
) -> None:
    from minsheng.workflow.services import available_actions

    assert available_actions(against_housing, users["caseworker"]) == []  # also in 住建局
    holder = _user("gov_only_cw", (organs["a-gov"], Role.CASEWORKER))
    assert "receive" in [t.action for t in available_actions(against_housing, holder)]
