"""Presentation filters: suggestion reasons and natures follow the user's language."""

from __future__ import annotations

from django.utils import translation

from minsheng.workbench.templatetags.workbench_tags import nature_label, routing_reason


def test_routing_reasons_are_translated_but_names_kept() -> None:
    with translation.override("en"):
        assert routing_reason("分类：城乡建设（置信度0.62）") == "Category: 城乡建设 (confidence 0.62)"
        assert routing_reason("文中提及：住建局") == "Named in the text: 住建局"
        assert routing_reason("地点未识别") == "Place not recognised"
        assert routing_reason("something else") == "something else"
    with translation.override("zh-hans"):
        assert routing_reason("分类：城乡建设（置信度0.62）") == "分类：城乡建设（置信度0.62）"


def test_nature_label() -> None:
    with translation.override("en"):
        assert nature_label("grievance") == "Grievance"
        assert nature_label("unknown") == "unknown"
    with translation.override("zh-hans"):
        assert nature_label("accusation") == "检举控告类"
