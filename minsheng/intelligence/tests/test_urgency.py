"""Urgency and distress detection (pure), and its recall on the labelled sample."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from minsheng.intelligence.nlp.urgency import detect_urgency

DATA = Path(__file__).resolve().parents[2] / "core" / "data" / "tipdm"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "urgency_sample.csv"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("如果再不解决我就跳楼", "urgent"),
        ("我已经不想活了", "urgent"),
        ("他说要喝农药", "urgent"),
        ("农民工下周准备去市政府讨薪", "urgent"),
        ("上百名工人明天堵路", "urgent"),
        ("村民们决定节后集体上访", "urgent"),
        ("否则全体业主将到区政府门口静坐", "urgent"),
        ("业主去年曾拉横幅维权", "attention"),
        ("我实在走投无路了，房子被拆，一家人无家可归", "attention"),
        ("小区电梯存在安全隐患", "none"),
        ("我没有自杀的想法", "none"),
        ("我们不想拉横幅，只想依法解决", "none"),
        ("请求减轻生产成本", "none"),
        ("上下班高峰拥堵路段太多", "none"),
        ("", "none"),
    ],
)
def test_levels(text: str, level: str) -> None:
    assert detect_urgency(text).level == level


def test_negation_is_reported_as_a_reason() -> None:
    result = detect_urgency("我没有自杀的想法")
    assert result.cues == [] and any("已否定" in r for r in result.reasons)


def test_urgent_result_explains_itself() -> None:
    result = detect_urgency("投诉", "如果没人解决，我死也要死在交警队门口")
    assert result.level == "urgent"
    assert result.cues and result.reasons[0].startswith("可能属重大、紧急")
    assert set(result.to_dict()) == {"level", "score", "cues", "reasons"}


def _texts() -> dict[tuple[str, str], tuple[str, str]]:
    out = {}
    for name, key in (("messages_labeled", "labeled"), ("messages_with_replies", "replies")):
        with gzip.open(DATA / f"{name}.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                out[(key, row["留言编号"])] = (row["留言主题"], row["留言详情"])
    return out


def test_recall_on_the_self_labelled_sample() -> None:
    texts = _texts()
    rows = list(csv.DictReader(SAMPLE.open(encoding="utf-8")))
    assert len(rows) >= 150
    assert {r["label"] for r in rows} == {"none", "attention", "urgent"}
    tp = fn = fp = 0
    urgent_tp = urgent_fn = 0
    for row in rows:
        level = detect_urgency(*texts[(row["file"], row["message_id"])]).level
        gold, flagged = row["label"] != "none", level != "none"
        tp += gold and flagged
        fn += gold and not flagged
        fp += flagged and not gold
        if row["label"] == "urgent":
            urgent_tp += level != "none"
            urgent_fn += level == "none"
    recall = tp / (tp + fn)
    precision = tp / (tp + fp)
    assert recall >= 0.9, recall  # measured 0.945 (docs/intelligence.md)
    assert precision >= 0.5, precision  # measured 0.619
    assert urgent_fn == 0  # no urgent message goes unflagged
