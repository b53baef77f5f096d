"""The organ suggestion and legal-channel guidance of the submission's last step."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.intelligence import services as intelligence_services
from minsheng.intelligence.nlp.classify import Prediction
from minsheng.intelligence.routing import routing_world_clear
from minsheng.portal import queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_routing_world() -> None:
    routing_world_clear()


class _Unsure:
    def predict(self, title: str, body: str = "") -> Prediction:
        return Prediction("卫生计生", 0.2, [("卫生计生", 0.2)], [])


def test_keyword_fallback_and_competence(organs: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(intelligence_services, "classifier", lambda: _Unsure())
    a3 = organs["a3-gov"].region
    guess = queries.suggest_handling("小区物业乱收费", "物业公司乱收停车费", a3, "grievance")
    assert guess.source == "keywords" and guess.category is not None and guess.category.name == "城乡建设"
    # The same routing as for a registered petition: the city department is the more specific
    # competence (priority 100) than the district government (150), which is still in scope.
    assert guess.organ == organs["a-housing"]
    assert any("地点：A3区" in r for r in guess.reasons)
    city_wide = queries.suggest_handling("小区物业乱收费", "物业公司乱收停车费", None, "grievance")
    assert city_wide.organ == organs["a-housing"]
    nothing = queries.suggest_handling("你好", "谢谢", None, "grievance")
    assert nothing.organ is None and nothing.source == "none"


def test_classifier_result_is_used_when_available(organs: Any, monkeypatch: Any) -> None:
    class Model:
        def predict(self, title: str, body: str = "") -> Prediction:
            return Prediction("劳动和社会保障", 0.91, [("劳动和社会保障", 0.91)], [])

    monkeypatch.setattr(intelligence_services, "classifier", Model)
    guess = queries.suggest_handling("某事", "某事", None, "grievance")
    assert guess.source == "classifier" and guess.confidence == 0.91
    assert guess.organ == organs["a-hrss"]


def test_broken_classifier_falls_back(organs: Any, monkeypatch: Any) -> None:
    def broken() -> Any:
        raise FileNotFoundError("no model")

    monkeypatch.setattr(intelligence_services, "classifier", broken)
    guess = queries.suggest_handling("学校乱收费", "学校收取补课费", None, "grievance")
    assert guess.source == "keywords" and guess.organ == organs["a-edu"]


def test_shipped_classifier_and_place_text(organs: Any) -> None:
    guess = queries.suggest_handling(
        "工地夜间施工噪音扰民", "小区旁工地每天半夜施工", None, "grievance", place_text="A3区洋湖街道"
    )
    # Whatever category the shipped model picks, the organ is the one responsible for it.
    assert guess.source == "classifier" and guess.category is not None and guess.organ is not None
    assert guess.organ.responsibilities.filter(category=guess.category).exists()
    assert any("地点：A3区洋湖街道" in r for r in guess.reasons)


def test_accusations_go_to_discipline(organs: Any) -> None:
    guess = queries.suggest_handling("局长受贿", "某局长收受贿赂", None, "accusation")
    assert guess.organ == organs["a-discipline"]


def test_accused_organ_is_never_the_guess(organs: Any) -> None:
    guess = queries.suggest_handling(
        "举报A市住建局违规审批",
        "住建局为开发商违规审批小区规划",
        None,
        "accusation",
        accused_organ=organs["a-housing"],
    )
    assert guess.organ is not None and guess.organ != organs["a-housing"]


def test_legal_channel_hints() -> None:
    keys = {h.key for h in queries.legal_channel_hints("公司拖欠工资，还把我辞退了")}
    assert keys == {"labour_arbitration"}
    keys = {h.key for h in queries.legal_channel_hints("交警罚款决定不合理")}
    assert {"admin_review", "admin_litigation"} <= keys
    assert queries.legal_channel_hints("路灯坏了") == []
