"""Plain wording of analytics figures (minsheng.analytics.wording), on real titles of the vendored data."""

from __future__ import annotations

import pytest

from minsheng.analytics.wording import (
    category_phrase,
    change_phrase,
    clean_keywords,
    is_fragment,
    join_places,
    place_text,
)

NOISE = [
    "再次反映A5区花卉路井盖噪音扰民及路灯长期不亮的问题",
    "举报A市蓝光项目无证施工噪音扰民",
    "投诉A5区恒大绿洲小区周边交通噪音扰民",
    "A市中南汽车世界夜宵摊点乱摆乱放噪音扰民，投诉多次无果",
]
ARREARS = ["投诉K4县农村服务平台建设拖欠工程款", "D10县联兴神威拖欠工程款", "举报D9县建设局拖欠工程款和工资"]
HERITAGE = [
    "能不能为非物质文化遗产—土家织锦的抢救指条大路",
    "请求加强D市级非物质文化遗产D12市马灯戏的经费投入",
]


def test_category_phrase_never_doubles_the_suffix():
    assert category_phrase("城乡建设") == "城乡建设类"
    assert category_phrase("未分类") == "未分类"
    assert category_phrase("") == "未分类"
    assert "未分类类" not in f"{category_phrase('未分类')}信访本期新增120件"


@pytest.mark.parametrize(
    ("word", "texts", "fragment"),
    [
        ("音扰", NOISE, True),
        ("噪音", NOISE, False),
        ("扰民", NOISE, False),
        ("程款", ARREARS, True),
        ("工程款", ARREARS, False),
        ("拖欠", ARREARS, False),
        ("物质", HERITAGE, True),
        ("文化遗产", HERITAGE, False),
        ("来建", ["K7县人民反对拆除五一桥来建商业廊桥"], True),
        ("廊桥", ["K7县人民反对拆除五一桥来建商业廊桥"], False),
        ("渣土车", ["渣土车深夜运输扰民"], False),
        ("噪音", ["没有这个词"], True),
    ],
)
def test_keyword_fragments(word, texts, fragment):
    assert is_fragment(word, texts) is fragment


def test_clean_keywords_drops_fragments_repeats_and_the_place():
    got = clean_keywords(["音扰", "噪音", "扰民", "噪音", "施工", "花卉路"], NOISE, place="A5区 花卉路")
    assert got == ["噪音", "扰民", "施工"]


def test_places_are_named_once():
    assert join_places(["洋湖街道", "洋湖街道"]) == "洋湖街道"
    assert join_places(["A3区", "A3区洋湖街道", ""]) == "A3区洋湖街道"
    assert join_places(["市住建局", "A3区"]) == "市住建局、A3区"
    assert place_text("A3区 洋湖街道 洋湖街道") == "A3区 洋湖街道"
    assert place_text("A3区、洋湖街道、洋湖街道") == "A3区 洋湖街道"


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        (120, 0, "上期无记录，不计算环比"),
        (0, 0, "与上期均无记录"),
        (10, 10, "与上期持平"),
        (88, 13, "环比上升576.9%"),
        (9, 12, "环比下降25.0%"),
    ],
)
def test_change_phrase(current, previous, text):
    assert change_phrase(current, previous) == text
