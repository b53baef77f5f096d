"""access_petition reads a case file with every relation it names loaded: reading them afterwards
costs no statement, set or empty, and they are the rows the petition's keys point to."""

from __future__ import annotations

from typing import Any

from minsheng.petitions.models import Petition
from minsheng.petitions.selectors import (
    CASE_FILE_JOINED,
    CASE_FILE_ORGANS,
    CASE_FILE_STAFF,
    access_petition,
)

RELATIONS = CASE_FILE_JOINED + CASE_FILE_ORGANS + CASE_FILE_STAFF


def test_the_case_file_names_every_relation_without_a_further_statement(
    register: Any, act: Any, organs: Any, users: Any, django_assert_num_queries: Any
) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)

    read = access_petition(users["caseworker"], petition.pk)
    expected = Petition.objects.get(pk=petition.pk)
    with django_assert_num_queries(0):
        loaded = {name: getattr(read, name) for name in RELATIONS}
    for name in RELATIONS:
        key = getattr(expected, f"{name}_id")
        assert (loaded[name].pk if loaded[name] is not None else None) == key, name
    # The walk above set most of them; these are set and distinct, so a mix-up would show.
    assert loaded["receiving_organ"] != loaded["current_organ"]
    assert loaded["current_organ"] == organs["a-housing"] and loaded["caseworker"] == users["caseworker"]
    assert loaded["accused_organ"] is None and loaded["leader_in_charge"] is None


def test_a_fresh_registration_reads_in_few_statements(
    register: Any, users: Any, django_assert_max_num_queries: Any, django_assert_num_queries: Any
) -> None:
    petition = register()
    # Scope of the user, the petition with its flags and three joined relations, its organs.
    with django_assert_max_num_queries(8):
        read = access_petition(users["registrar"], petition.pk)
    with django_assert_num_queries(0):
        assert read.receiving_organ.pk == petition.receiving_organ_id
        assert read.caseworker is None and read.handling_organ is None
