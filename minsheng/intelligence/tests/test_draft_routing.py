"""Routing a portal draft (no Petition yet) through the same rules as routing_suggest."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.intelligence import services
from minsheng.intelligence.nlp.classify import Prediction
from minsheng.intelligence.nlp.keywords import keyword_category
from minsheng.intelligence.routing import routing_suggest, routing_world_clear
from minsheng.orgs.models import Category, Region, Responsibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_world() -> None:
    routing_world_clear()


class _Model:
    def __init__(self, label: str, confidence: float) -> None:
        self.prediction = Prediction(label, confidence, [(label, confidence)], [])

    def predict(self, title: str, body: str = "") -> Prediction:
        return self.prediction


class _Broken:
    def predict(self, title: str, body: str = "") -> Prediction:
        raise FileNotFoundError("no model")


def test_keyword_category_is_pure() -> None:
    names = ["城乡建设", "劳动和社会保障", "教育文体"]
    assert keyword_category("小区物业乱收费", names) == "城乡建设"
    assert keyword_category("社会保障卡办不下来", names) == "劳动和社会保障"  # a fragment of the name
    assert keyword_category("你好，谢谢", names) is None


def test_shipped_classifier_routes_a_draft(organs: Any) -> None:
    routed = services.route_draft("小区物业乱收费", "物业公司乱收停车费", None, "grievance")
    assert routed.category_source == "classifier" and routed.category is not None
    assert routed.confidence is not None and routed.confidence >= services.DRAFT_MIN_CONFIDENCE
    assert routed.category_id == Category.objects.get(level=1, name=routed.category).pk
    best = routed.suggestions[0]
    assert Responsibility.objects.filter(organ_id=best.organ_id, category_id=routed.category_id).exists()
    assert best.reasons[0].startswith(f"分类：{routed.category}")
    assert routed.region_id is None and routed.region_source == "none"


def test_region_is_recognised_from_the_place_text_when_none_was_chosen(organs: Any) -> None:
    street = Region.objects.get(name="洋湖街道")
    routed = services.route_draft(
        "小区旁工地夜间施工", "工地天天半夜施工", None, "grievance", place_text="A3区洋湖街道幸福小区"
    )
    assert routed.region_id == street.pk and routed.region_source == "recognised"
    assert any("地点：A3区洋湖街道" in r for r in routed.suggestions[0].reasons)
    chosen = services.route_draft("小区旁工地夜间施工", "工地天天半夜施工", street.parent_id, "grievance")
    assert chosen.region_id == street.parent_id and chosen.region_source == "chosen"


def test_unsure_classifier_falls_back_to_keywords(organs: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "classifier", lambda: _Model("卫生计生", 0.2))
    routed = services.route_draft("学校乱收费", "学校收取补课费", None, "grievance")
    assert routed.category == "教育文体" and routed.category_source == "keywords"
    assert routed.confidence is None
    assert routed.suggestions[0].organ_id == organs["a-edu"].pk


def test_broken_classifier_falls_back_to_keywords(organs: Any, monkeypatch: Any) -> None:
    def broken() -> Any:
        raise FileNotFoundError("no model")

    monkeypatch.setattr(services, "classifier", broken)
    routed = services.route_draft("学校乱收费", "学校收取补课费", None, "grievance")
    assert routed.category_source == "keywords" and routed.suggestions[0].organ_id == organs["a-edu"].pk
    monkeypatch.setattr(services, "classifier", lambda: _Broken())
    assert services.route_draft("学校乱收费", "学校收取补课费", None, "grievance").category == "教育文体"


def test_nothing_known_gives_no_guess(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "classifier", lambda: _Model("卫生计生", 0.2))
    routed = services.route_draft("你好", "谢谢", None, "grievance")
    assert routed.category is None and routed.category_source == "none"
    assert routed.suggestions == []  # no bare 属地管理 guess from nothing


def test_accusation_about_officials_goes_to_discipline(organs: Any) -> None:
    routed = services.route_draft("局长受贿", "某局长收受贿赂", None, "accusation")
    assert routed.suggestions[0].organ_id == organs["a-discipline"].pk


def test_accused_organ_and_its_subtree_are_never_suggested(organs: Any) -> None:
    routed = services.route_draft(
        "举报A市住建局违规审批",
        "住建局为开发商违规审批小区规划",
        None,
        "accusation",
        accused_organ_id=organs["a-housing"].pk,
    )
    ids = [s.organ_id for s in routed.suggestions]
    assert ids and organs["a-housing"].pk not in ids
    assert organs["a-gov"].pk in ids  # its superior is offered instead


def test_draft_and_registered_petition_get_the_same_route(register: Any, organs: Any) -> None:
    fields = {
        "title": "A3区洋湖街道小区违章建筑",
        "request": "请求住建局拆除小区内违章建筑",
        "facts": "小区内有人私搭乱建。",
    }
    petition = register(**fields)
    expected = routing_suggest(petition, top=3)
    routed = services.route_draft(
        fields["title"], f"{fields['request']}\n{fields['facts']}", None, "grievance", top=3
    )
    assert [s.organ_id for s in routed.suggestions] == [s.organ_id for s in expected]
