"""Real places, place keys and the learned district gazetteer, on names from the vendored messages."""

from __future__ import annotations

import pytest

from minsheng.analytics.nlp.evaluate import load_tipdm_corpus
from minsheng.analytics.nlp.hotspots import find_hot_issues
from minsheng.analytics.nlp.places import (
    LearnedGazetteer,
    is_real_place,
    leave_one_out,
    place_key,
    real_places,
)


@pytest.mark.parametrize(
    "fragment", ["抢救指条大路", "借学校", "获批城", "学校", "小区", "要求开通公交站", "附近工地"]
)
def test_fragments_and_kinds_are_not_places(fragment: str) -> None:
    assert not is_real_place(fragment)
    assert place_key(fragment) == ""


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("A7县恒大翡翠华庭小区", "翡翠华庭"),
        ("恒大翡翠华庭", "翡翠华庭"),
        ("翡翠华庭二期", "翡翠华庭"),
        ("潇楚佳苑小区", "潇楚佳苑"),
        ("魅力之城小区", "魅力之城"),
        ("东方水岸明珠6期", "东方水岸明珠"),
        ("五一桥", "五一桥"),
        ("K2区河东富源小区", "河东富源"),
        ("泽龙建材有限公司", "泽龙建材有限公司"),
    ],
)
def test_place_key_one_key_per_place(name: str, key: str) -> None:
    assert place_key(name) == key


def test_real_places_of_real_titles() -> None:
    assert real_places("能不能为非物质文化遗产—土家织锦的抢救指条大路") == []
    assert real_places("举报K2区河东富源小区小餐馆乱排油烟！") == ["河东富源"]
    assert "五一桥" in real_places("反对K7县拆除五一桥来建商铺廊桥")


def test_learned_gazetteer_on_the_vendored_messages() -> None:
    texts = [f"{m.title} {m.text}" for m in load_tipdm_corpus()]
    gaz = LearnedGazetteer().learn(texts)
    # 恒大翡翠华庭 is named with A7县 in the messages: a text naming only the estate resolves there.
    assert gaz.district_of("翡翠华庭") == "A7县"
    assert gaz.resolve("希望恒大翡翠华庭幼儿园早日开学") == "A7县"
    # A city code that contradicts the learned district means another place of the same name.
    assert gaz.resolve("K市恒大翡翠华庭幼儿园") == ""
    scores = leave_one_out(texts, gaz)
    print(f"gazetteer leave-one-out: {scores}")
    assert (scores.naming_place, scores.resolved, scores.correct) == (1747, 319, 292)
    assert scores.accuracy >= 0.9


def test_hot_issue_places_are_places() -> None:
    """No reported place of the whole vendored corpus is a sentence fragment."""
    issues = find_hot_issues(load_tipdm_corpus(), top=60)
    for issue in issues:
        for part in issue.place.split():
            if part[-1] not in "市区县":
                assert is_real_place(part), issue.place
