"""Public information pages, statistics and the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from minsheng.portal.tests.helpers import (
    deliver,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/", "/guide/", "/legal/", "/faq/", "/privacy/", "/stats/", "/track/", "/submit/"]
)
def test_public_pages_render_in_both_languages(client: Client, world: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "简体中文" in body  # the switch back
    assert "Skip to main content" in body


def test_guide_lists_reception_hours_from_organs(client: Client, world: Any) -> None:
    body = client.get("/guide/").content.decode()
    assert "A市人民路88号市民之家二楼" in body
    assert "每月15日市领导接访日" in body


def test_stats_show_rates(client: Client, register: Any, act: Any, organs: Any) -> None:
    petition = deliver(register(), act, organs)
    act(petition, "rate", None, value="satisfied", comment="")
    body = client.get("/stats/").content.decode()
    assert "100.0%" in body  # one rating, satisfied
    assert "echarts.min.js" in body
    assert "<table" in body
    data = client.get("/stats.json").json()
    assert data["satisfaction_rate"] == 1.0


def test_language_switch_posts_to_setlang(client: Client, world: Any) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    assert response.status_code == 302
    assert "Track your petition" in client.get("/track/").content.decode()


def test_public_counts_leave_accusations_out(client: Client, register: Any, organs: Any) -> None:
    """A published count that moves with each accusation tells the accused unit it was accused that
    month (red-team review 2026-12-08); grievances and suggestions are counted."""

    def total() -> int:
        counts = client.get("/stats.json").json()["counts"]
        return sum(sum(values) for values in counts.values())

    register()
    before = total()
    assert before >= 1
    register(nature="accusation", accused_organ=organs["a-housing"], title="举报某科长", request="请求查处")
    assert total() == before
    register(title="路灯不亮", request="请求修复")
    assert total() == before + 1
