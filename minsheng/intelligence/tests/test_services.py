"""The suggestion service: petition_enrich and suggestion_feedback."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.intelligence import services
from minsheng.petitions.relations import SYSTEM
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db


def test_enrich_stores_all_suggestions_and_keeps_other_keys(register: Any) -> None:
    petition = register(suggestions={"demo_source": "x"})
    result = services.petition_enrich(petition)
    for key in ("category", "nature", "places", "routing", "urgency", "similar", "generated_at"):
        assert key in result, key
    assert "errors" not in result
    petition.refresh_from_db()
    assert petition.suggestions["demo_source"] == "x"
    assert petition.suggestions["category"]["label"] == result["category"]["label"]
    assert set(result["category"]) >= {"label", "confidence", "top", "explanation", "category_id"}
    assert result["category"]["category_id"] is not None
    assert result["routing"] and set(result["routing"][0]) == {"organ_id", "organ", "score", "reasons"}
    assert set(result["urgency"]) >= {"level", "cues", "reasons"}
    assert any(p["name"] == "A3区" for p in result["places"])


def test_enrich_never_raises_and_reports_failed_steps(register: Any, monkeypatch: Any) -> None:
    petition = register()

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("model missing")

    monkeypatch.setattr(services, "classifier", boom)
    monkeypatch.setattr(services, "detect_urgency", boom)
    result = services.petition_enrich(petition)
    assert "urgency" in result["errors"]
    assert "category" not in result and "routing" in result and "places" in result


def test_similar_relations(register: Any) -> None:
    text = {
        "title": "某某路段工厂每天夜里排放刺鼻废气",
        "request": "请求环保部门查处某某化工厂夜间偷排废气的问题，还居民清新空气。",
        "facts": "该厂每晚十点以后排放刺鼻气体，附近居民无法开窗睡觉，已经持续三个月。",
    }
    people = [
        PetitionerInput(name=f"居民{i}", phone=f"1380013800{i}", address="A3区某小区") for i in range(4)
    ]
    earlier = register(petitioner=people[0], **text)
    services.petition_enrich(earlier)
    others = [register(petitioner=p, **text) for p in people[1:3]]
    for other in others:
        services.petition_enrich(other)
    again = register(petitioner=people[0], **text)
    result = services.petition_enrich(again)
    # Stored identity-free (id, code, score); relations are computed for a viewer.
    assert all(set(item) == {"id", "tracking_code", "score"} for item in result["similar"])
    shown = services.similar_relations(
        again, [(i["id"], i["score"]) for i in result["similar"]], viewer=SYSTEM
    )
    result = {"similar": shown}
    relations = {item["id"]: item["relation"] for item in result["similar"]}
    assert relations[earlier.pk] == "same_petitioner_repeat"
    assert relations[others[0].pk] == "possible_collective_issue"
    repeat = next(i for i in result["similar"] if i["id"] == earlier.pk)
    assert repeat["final"] is False and repeat["tracking_code"] == earlier.tracking_code


def test_in_progress_elsewhere(register: Any, act: Any, organs: Any) -> None:
    text = {
        "title": "小区门口道路破损严重多次反映无人修",
        "request": "请求尽快修复某某小区门口破损道路，坑洼积水严重影响出行。",
        "facts": "道路破损已经半年，多次反映无人处理。",
    }
    first = register(**text)
    act(first, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    second = register(petitioner=PetitionerInput(name="王五", phone="13900139000"), **text)
    services.petition_enrich(first)
    stored = services.petition_enrich(second)["similar"]
    shown = services.similar_relations(second, [(i["id"], i["score"]) for i in stored], viewer=SYSTEM)
    hit = next(i for i in shown if i["id"] == first.pk)
    assert hit["relation"] == "same_matter_in_progress_elsewhere"
    assert "第十九条" in hit["explanation"]


def test_suggestion_feedback_is_a_private_audit_event(register: Any, users: Any, organs: Any) -> None:
    petition = register()
    services.petition_enrich(petition)
    petition.refresh_from_db()
    top = petition.suggestions["routing"][0]
    state = petition.state
    event = services.suggestion_feedback(
        petition,
        kind="routing",
        suggested=top,
        chosen={"organ_id": top["organ_id"]},
        actor=users["dispatcher"],
    )
    assert event.action == "suggestion_feedback" and event.is_public is False
    assert event.data["accepted"] is True and event.from_state == event.to_state == state
    override = services.suggestion_feedback(
        petition,
        kind="routing",
        suggested=top,
        chosen={"organ_id": organs["a-edu"].pk},
        actor=users["dispatcher"],
    )
    assert override.data["accepted"] is False
    petition.refresh_from_db()
    assert petition.state == state


def test_suggestion_feedback_rejects_unknown_kind(register: Any) -> None:
    from minsheng.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.suggestion_feedback(register(), kind="colour", suggested=1, chosen=2, actor=None)


def test_enrich_learns_the_district_of_a_small_place(register: Any, world: Any) -> None:
    """Two petitions registered for A7县 name 恒大翡翠华庭; a third names only the estate (without
    the brand): its district is suggested from them, with the learned-place confidence."""
    from minsheng.intelligence.routing import routing_world_clear
    from minsheng.orgs.models import Region

    a7 = Region.objects.get(name="A7县")
    for title in ("恒大翡翠华庭房屋质量问题多", "恒大翡翠华庭小区幼儿园何时开学"):
        register(title=title, facts="业主反映小区问题。", region=a7)
    petition = register(
        title="翡翠华庭二期物业乱收费", facts="物业公司乱收费。", petitioner=PetitionerInput()
    )
    assert petition.region_id is None
    routing_world_clear()
    result = services.petition_enrich(petition)
    assert result["region"]["region_id"] == a7.pk
    assert result["region"]["confidence"] == services.LEARNED_PLACE_CONFIDENCE
    # A place named for two districts equally often decides nothing.
    register(title="翡翠华庭停车难", facts="停车难。", region=Region.objects.get(name="A3区"))
    register(title="翡翠华庭噪音", facts="噪音。", region=Region.objects.get(name="A3区"))
    routing_world_clear()
    assert "region" not in services.petition_enrich(petition)


def test_a_coded_city_in_the_text_narrows_to_the_learned_district_inside_it(
    register: Any, world: Any
) -> None:
    """「A市翡翠华庭…」 names the city (above district level) and an estate the petitions registered
    before place in A7县, which lies in A市: the district is suggested. The same estate with
    another city (K市) is not placed in A7县."""
    from minsheng.intelligence.routing import routing_world_clear
    from minsheng.orgs.models import Region

    a7 = Region.objects.get(name="A7县")
    for title in ("恒大翡翠华庭房屋质量问题多", "恒大翡翠华庭小区幼儿园何时开学"):
        register(title=title, facts="业主反映小区问题。", region=a7)
    in_city = register(
        title="A市翡翠华庭二期物业乱收费", facts="物业公司乱收费。", petitioner=PetitionerInput()
    )
    routing_world_clear()
    result = services.petition_enrich(in_city)
    assert result["region"]["region_id"] == a7.pk
    assert result["region"]["confidence"] == services.LEARNED_PLACE_CONFIDENCE
    elsewhere = Region.objects.filter(level=2).exclude(pk=a7.parent_id).order_by("pk").first()
    assert elsewhere is not None
    other = register(
        title=f"{elsewhere.name}翡翠华庭二期物业乱收费",
        facts="物业公司乱收费。",
        petitioner=PetitionerInput(),
    )
    routing_world_clear()
    region = services.petition_enrich(other).get("region")
    assert region is None or region["region_id"] != a7.pk
