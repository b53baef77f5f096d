"""The analyst dashboard in English: the scope label, channel names and the generated suggestions
follow the viewer's language (whichever language built the cached figures), while the downloaded
situation report, a Chinese document, stays Chinese."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from minsheng.analytics.reports import CategoryRow, SpikeRow, build_report, suggestions
from minsheng.analytics.selectors import UNKNOWN_REGION, OnTime, Satisfaction, Scope
from minsheng.analytics.tests.test_db_selectors import build_fixture
from minsheng.orgs.models import Category, Region

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def period() -> str:
    today = timezone.localdate()
    return f"from={(today - dt.timedelta(days=13)).isoformat()}&to={today.isoformat()}"


def client_in(user: Any, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def suggestion_items(html: str) -> list[str]:
    block = html.split('<ol class="an-suggestions">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", block, flags=re.S)


def channel_names(html: str) -> list[str]:
    data = html.split('<script id="an-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    return [c["name"] for c in json.loads(data)["by_channel"]]


def without_data(text: str) -> str:
    """The text without what comes from the data: quoted titles, category and region names."""
    text = re.sub(r"“[^”]*”", "", text)
    names = [*Category.objects.values_list("name", flat=True), *Region.objects.values_list("name", flat=True)]
    for name in sorted(set(names), key=len, reverse=True):
        text = text.replace(name, "")
    return text


def subtitle(html: str) -> str:
    return html.split('<p class="muted">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("chinese_first", [True, False])
def test_english_dashboard_has_no_chinese_labels(register, act, organs, users, chinese_first):
    build_fixture(register, act, organs)
    url = reverse("workbench:analytics") + "?" + period()
    if chinese_first:  # the figures are then cached from a Chinese page
        chinese = client_in(users["analyst"], "zh-hans").get(url).content.decode()
        assert "全部" in subtitle(chinese) and channel_names(chinese) == ["来信"]
        assert all(CJK.search(s) for s in suggestion_items(chinese))
    html = client_in(users["analyst"], "en").get(url).content.decode()
    assert "All" in subtitle(html) and "全部" not in subtitle(html)
    assert channel_names(html) == ["Letter"]
    items = suggestion_items(html)
    assert items
    for item in items:
        # only data (the hot issue's title) may be Chinese: no sentence of the generator
        assert not CJK.search(without_data(item)), item
    assert any(item.startswith("Hot issue “") for item in items)


def test_download_stays_chinese_after_an_english_page(register, act, organs, users):
    from docx import Document

    build_fixture(register, act, organs)
    client = client_in(users["leader"], "en")
    client.get(reverse("workbench:analytics") + "?" + period())
    response = client.get(reverse("workbench:analytics_report", args=["docx"]) + "?" + period())
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "（全部）" in text and "Hot issue" not in text and "Letter" not in text
    assert "热点问题“" in text


def test_every_suggestion_sentence_is_translated(register, act, organs):
    """Each template of the generator (every branch) has an English entry."""
    build_fixture(register, act, organs)
    today = timezone.localdate()
    base = build_report(Scope(today - dt.timedelta(days=13), today))
    week = today - dt.timedelta(days=today.weekday() + 7)
    rich = dataclasses.replace(
        base,
        by_category=[
            CategoryRow("城乡建设", 10, 5, "A3区", 6),  # rising, concentrated
            CategoryRow("交通运输", 12, 8, "A5区", 3),  # rising, spread out
            CategoryRow("未分类", 9, 0, "", 0),  # new
        ],
        spikes=[
            SpikeRow(week, "城乡建设", "A3区", 8, 1.0, 8.0, 0.001, 0.01),
            SpikeRow(week, "交通运输", UNKNOWN_REGION, 6, 0.0, None, 0.001, 0.01),
        ],
        hot=[{"title": "幸福小区工地夜间施工", "size": 3, "petitioners": 3, "start": "a", "end": "b"}],
        on_time=[OnTime("D-HANDLE-60", 10, 5, 0), OnTime("D-NOTICE-15", 10, 5, 0), OnTime("X", 10, 5, 0)],
        satisfaction=Satisfaction(2, 0, 5, True),
    )
    quiet = dataclasses.replace(
        base, by_category=[], spikes=[], hot=[], on_time=[], satisfaction=Satisfaction(0, 0, 0, True)
    )
    for data, n in ((rich, 10), (quiet, 1)):
        with translation.override("zh-hans"):
            chinese = suggestions(data)
        with translation.override("en"):
            english = suggestions(data)
        assert len(chinese) == len(english) == n
        for text in english:
            assert not CJK.search(without_data(text)), text
    assert chinese == ["本期各类信访量总体平稳，未发现明显异常增长，建议保持现有工作机制，持续做好源头预防。"]


def test_the_unclassified_and_unknown_buckets_are_translated(register, act, organs, users):
    build_fixture(register, act, organs)
    register(title="反映的问题未写明地点", category=None, region=None)  # no category, no district
    url = reverse("workbench:analytics") + "?" + period()
    for language, unclassified, unknown in (
        ("zh-hans", "未分类", "未知地区"),
        ("en", "Unclassified", "Unknown district"),
    ):
        html = client_in(users["analyst"], language).get(url).content.decode()
        data = json.loads(
            html.split('<script id="an-data" type="application/json">', 1)[1].split("</script>", 1)[0]
        )
        names = [c["name"] for c in data["by_category"]]
        assert unclassified in names and all(
            n not in names for n in ("未分类", "Unclassified") if n != unclassified
        )
        # the drill-down keeps the bucket's own key whatever the label
        (bucket,) = [c for c in data["by_category"] if c["name"] == unclassified]
        assert "category_name=%E6%9C%AA%E5%88%86%E7%B1%BB" in bucket["url"]
        tables = html.split('<details class="card">', 1)[1].split("</details>", 1)[0]
        assert f"<td>{unclassified}</td>" in tables and f"<td>{unknown}</td>" in tables
        if language == "en":
            assert "未分类" not in tables and "未知地区" not in tables
        # the drill-down behind the bucket: its heading and its rows say the same
        drill = client_in(users["analyst"], language).get(reverse("workbench:analytics") + bucket["url"])
        page = drill.content.decode()
        assert drill.status_code == 200 and f" · {unclassified}" in page
        assert f"<td>{unclassified} · {unknown}</td>" in page
