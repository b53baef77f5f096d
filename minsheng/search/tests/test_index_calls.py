"""The index is kept current by explicit calls from the services (no post_save signal)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import IntegrityError

from minsheng.petitions.models import Petition
from minsheng.search import services as search_services
from minsheng.search.models import SearchDocument
from minsheng.search.services import petition_search_text, search_filter, search_reindex
from minsheng.search.tokens import text_hash

pytestmark = pytest.mark.django_db


def current(petition: Petition) -> bool:
    """The petition's index row exists and holds its present text."""
    petition.refresh_from_db()
    doc = SearchDocument.objects.filter(pk=petition.pk).first()
    return doc is not None and doc.text_hash == text_hash(petition_search_text(petition))


def found(query: str) -> set[int]:
    return set(search_filter(Petition.objects.all(), query).values_list("pk", flat=True))


def test_registration_indexes_in_its_transaction(register: Any) -> None:
    petition = register(title="学区划分不合理", place_text="A3区洋湖街道", accused_person="")
    assert current(petition)
    assert found("学区划分") == {petition.pk}
    assert found(petition.tracking_code) == {petition.pk}


def test_urgent_registration_and_accusation_are_indexed(register: Any, organs: Any) -> None:
    urgent = register(title="讨薪工人准备集体上访", is_urgent=True)
    assert urgent.state != "registered" or urgent.urgent_reported_at is not None
    assert current(urgent) and found("集体上访") == {urgent.pk}
    accusation = register(
        title="举报某科长吃拿卡要",
        nature="accusation",
        accused_organ=organs["a-housing"],
        accused_person="王科长",
    )
    assert current(accusation) and found("王科长") == {accusation.pk}


def test_index_stays_current_through_the_workflow(register: Any, act: Any, organs: Any) -> None:
    """Transitions change state, organ, dates, never the indexed text: the row stays current
    (and is not rewritten)."""
    petition = register()
    indexed_at = SearchDocument.objects.get(pk=petition.pk).indexed_at
    petition = act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    petition = act(petition, "receive", "caseworker")
    petition = act(petition, "accept", "caseworker")
    assert petition.current_organ == organs["a-housing"]
    assert current(petition) and found("夜间施工") == {petition.pk}
    assert SearchDocument.objects.get(pk=petition.pk).indexed_at == indexed_at


def test_a_model_save_outside_the_services_is_not_indexed(register: Any) -> None:
    """No signal: text is only written by the services; a raw edit (data repair) is picked up
    by ``search_reindex``."""
    petition = register(title="学区划分不合理")
    petition.title = "幼儿园收费过高"
    petition.save()
    assert found("幼儿园") == set() and not current(petition)
    assert search_reindex() == 1
    assert found("幼儿园") == {petition.pk} and current(petition)


def test_a_failing_index_does_not_fail_the_registration(register: Any, monkeypatch: Any, caplog: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("index is broken")

    monkeypatch.setattr(SearchDocument.objects, "update_or_create", broken)
    monkeypatch.setattr(SearchDocument.objects, "create", broken)
    with caplog.at_level(logging.ERROR):
        petition = register(title="学区划分不合理")
    assert Petition.objects.filter(pk=petition.pk).exists()
    assert petition.events.filter(action="register").exists()
    assert petition.deadlines.exists()
    assert not SearchDocument.objects.filter(pk=petition.pk).exists()
    assert any("search indexing failed" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    assert search_reindex() >= 1 and current(petition)


def test_index_helper_is_called_by_registration(register: Any, monkeypatch: Any) -> None:
    calls: list[int] = []
    real = search_services.search_index_petition

    def spy(petition: Petition) -> bool:
        calls.append(petition.pk)
        return real(petition)

    monkeypatch.setattr(search_services, "search_index_petition", spy)
    petition = register()
    assert calls.count(petition.pk) == 1


def test_demo_loader_produces_indexed_petitions(world: Any) -> None:
    from minsheng.petitions.demo import DemoBuilder

    created = DemoBuilder(world).build(4)
    assert created >= 1
    petitions = list(Petition.objects.all())
    assert petitions and all(current(p) for p in petitions)


def test_import_command_produces_indexed_petitions(world: Any, tmp_path: Any) -> None:
    import io

    from django.core.management import call_command

    path = tmp_path / "messages.csv"
    path.write_text(
        "留言编号,留言用户,留言主题,留言时间_iso,留言详情\n"
        "7,U7,小区电梯经常停运,2020-03-02 10:00:00,电梯一个月坏了五次。\n",
        encoding="utf-8",
    )
    call_command("import-petitions", str(path), "--no-progress", stdout=io.StringIO())
    petition = Petition.objects.get()
    assert current(petition) and found("电梯") == {petition.pk}
