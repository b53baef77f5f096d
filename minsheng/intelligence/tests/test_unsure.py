"""The category suggestion is "unsure" below the calibrated threshold, so that a person decides."""

from __future__ import annotations

import numpy as np

from minsheng.intelligence.nlp.classify import UNSURE_BELOW, load_default
from minsheng.intelligence.nlp.classify_eval import selective
from minsheng.workbench.templatetags.workbench_tags import category_unsure


def test_shipped_model_is_sure_of_clear_text_and_unsure_of_vague_text():
    clf = load_default()
    clear = clf.predict("A市某小学乱收费", "学校要求每个学生交补课费")
    assert (clear.label, clear.unsure, clear.to_dict()["unsure"]) == ("教育文体", False, False)
    vague = clf.predict("你好", "谢谢")
    assert vague.confidence < UNSURE_BELOW and vague.unsure and vague.to_dict()["unsure"] is True
    # the bus/城乡建设 boundary of the labels (docs/intelligence-classification.md): unsure
    assert clf.predict("公交车站点设置不合理", "").unsure


def test_template_filter_reads_the_flag_or_the_confidence():
    assert category_unsure({"label": "城乡建设", "confidence": 0.95, "unsure": True}) is True
    assert category_unsure({"label": "城乡建设", "confidence": 0.55}) is True  # stored before the flag
    assert category_unsure({"label": "城乡建设", "confidence": 0.85}) is False
    assert category_unsure(None) is False


def test_selective_figures():
    gold = ["a", "a", "b", "b", "b"]
    pred = ["a", "b", "b", "b", "a"]
    conf = np.array([0.9, 0.4, 0.95, 0.85, 0.6])
    rows = {r["threshold"]: r for r in selective(gold, pred, conf, thresholds=(0.5, 0.8))}
    assert rows[0.8] == {
        "threshold": 0.8,
        "coverage": 0.6,
        "macro_f1_sure": 1.0,
        "accuracy_sure": 1.0,
        "accuracy_unsure": 0.0,
    }
    assert rows[0.5]["coverage"] == 0.8 and rows[0.5]["accuracy_unsure"] == 0.0
