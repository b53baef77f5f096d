"""Grouping on real-shaped matters: a 45-message parking-space estate named seven ways, the fumes
and the noise of one estate's restaurants, other problems at the same estates kept apart; and
the real vendored examples (河东富源小区's restaurant, 煲仔当道饭店, 恒大翡翠华庭)."""

from __future__ import annotations

from collections import Counter

import pytest

from minsheng.analytics.nlp.evaluate import load_tipdm_corpus
from minsheng.analytics.nlp.hotspots import causes, cluster_messages, find_hot_issues
from minsheng.analytics.nlp.records import Message
from minsheng.analytics.tests.matters import background_messages, parking_messages, shop_messages


@pytest.fixture(scope="module")
def corpus() -> list[Message]:
    """The 3,793 vendored messages plus the hand-written matters."""
    return load_tipdm_corpus() + parking_messages() + shop_messages() + background_messages()


def _labels(records: list[Message]) -> dict[str, int]:
    return {str(m.id): int(lab) for m, lab in zip(records, cluster_messages(records).labels, strict=True)}


def test_parking_space_estate_is_found_whole_and_first(corpus: list[Message]) -> None:
    labels = _labels(corpus)
    parking = Counter(labels[str(m.id)] for m in parking_messages())
    assert len({m.title for m in parking_messages()}) == 45  # no exact re-post to lean on
    assert list(parking.values()) == [45]
    top = find_hot_issues(corpus, top=3)[0]
    assert (top.size, top.place, top.start.isoformat(), top.end.isoformat()) == (
        45,
        "A7县 滨河苑",
        "2019-03-01",
        "2019-07-26",
    )
    assert top.title == "广铁滨河苑开发商捆绑销售车位"


def test_fumes_and_noise_of_one_estates_restaurants_are_one_matter(corpus: list[Message]) -> None:
    labels = _labels(corpus)
    shops = {labels[str(m.id)] for m in shop_messages()}
    assert len(shops) == 1
    # Same estate, other problem (its kindergarten), and other estates' messages stay apart.
    others = {labels[str(m.id)] for m in background_messages()}
    assert not shops & others
    issue = next(h for h in find_hot_issues(corpus, top=10) if h.size == 6)
    assert issue.place == "A5区 魅力之城"
    assert issue.title == "魅力之城小区临街门面油烟扰民"


def test_real_facets_and_real_other_problems() -> None:
    records = load_tipdm_corpus()
    labels = _labels(records)
    # 河东富源小区: a restaurant's fumes and its kitchen in the corridor (two messages, one matter).
    assert labels["replies:116323"] == labels["labeled:108880"]
    # 煲仔当道饭店: noise and fumes, posted twice.
    assert labels["replies:87916"] == labels["replies:92575"]
    # 五一桥: six letters, whole.
    assert len({labels[f"replies:{i}"] for i in (98413, 104077, 119178, 119151, 98095, 98070)}) == 1


def test_causes() -> None:
    assert causes("魅力之城小区楼下烧烤店深夜噪音扰民") == causes("魅力之城临街门面油烟")
    assert causes("魅力之城小区幼儿园学位不足") & causes("魅力之城临街门面油烟") == 0
    assert causes("咨询A市公积金贷款政策") == 0
