"""The organ suggestion and legal-channel guidance of the submission's last step."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from minsheng.portal import queries

pytestmark = pytest.mark.django_db


def test_keyword_fallback_and_local_competence(organs: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(queries, "_classifier_guess", lambda title, body: (None, None))
    a3 = organs["a3-gov"].region
    guess = queries.suggest_handling("小区物业乱收费", "物业公司乱收停车费", a3, "grievance")
    assert guess.source == "keywords" and guess.category is not None and guess.category.name == "城乡建设"
    assert guess.organ == organs["a3-gov"]  # 属地管理: the district government for its district
    city_wide = queries.suggest_handling("小区物业乱收费", "物业公司乱收停车费", None, "grievance")
    assert city_wide.organ == organs["a-housing"]
    nothing = queries.suggest_handling("你好", "谢谢", None, "grievance")
    assert nothing.organ is None and nothing.source == "none"


def test_classifier_result_is_used_when_available(organs: Any, monkeypatch: Any) -> None:
    class Prediction:
        label = "劳动和社会保障"
        confidence = 0.91

    class Model:
        def predict(self, title: str, body: str) -> Prediction:
            return Prediction()

    fake = types.ModuleType("minsheng.intelligence.nlp.classify")
    fake.load_default = Model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "minsheng.intelligence.nlp.classify", fake)
    guess = queries.suggest_handling("某事", "某事", None, "grievance")
    assert guess.source == "classifier" and guess.confidence == 0.91
    assert guess.organ == organs["a-hrss"]


def test_broken_classifier_falls_back(organs: Any, monkeypatch: Any) -> None:
    class Model:
        def predict(self, title: str, body: str) -> Any:
            raise FileNotFoundError("no model")

    fake = types.ModuleType("minsheng.intelligence.nlp.classify")
    fake.load_default = Model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "minsheng.intelligence.nlp.classify", fake)
    guess = queries.suggest_handling("学校乱收费", "学校收取补课费", None, "grievance")
    assert guess.source == "keywords" and guess.organ == organs["a-edu"]


def test_accusations_go_to_discipline(organs: Any) -> None:
    guess = queries.suggest_handling("局长受贿", "某局长收受贿赂", None, "accusation")
    assert guess.organ == organs["a-discipline"]


def test_legal_channel_hints() -> None:
    keys = {h.key for h in queries.legal_channel_hints("公司拖欠工资，还把我辞退了")}
    assert keys == {"labour_arbitration"}
    keys = {h.key for h in queries.legal_channel_hints("交警罚款决定不合理")}
    assert {"admin_review", "admin_litigation"} <= keys
    assert queries.legal_channel_hints("路灯坏了") == []
