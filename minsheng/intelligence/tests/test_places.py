"""Place recognition (pure)."""

from __future__ import annotations

from minsheng.intelligence.nlp.places import Gazetteer, best_region, find_landmarks, find_places, fold

ROWS = [
    (1, "西地省", ["西地"], 1, None),
    (2, "A市", ["A市区"], 2, 1),
    (3, "A3区", ["A3"], 3, 2),
    (4, "洋湖街道", ["洋湖"], 4, 3),
    (5, "A2区", ["A2"], 3, 2),
    (6, "五里牌街道", ["五里牌"], 4, 5),
    (7, "A1区", ["A1"], 3, 2),
]
GAZ = Gazetteer.build(ROWS)


def names(text: str, address: str = "") -> list[str]:
    return [c.name for c in find_places(text, GAZ, address=address)]


def test_street_is_most_specific_and_confirmed_by_district() -> None:
    cands = find_places("A市A3区洋湖街道幸福小区3栋旁工地噪音", GAZ)
    assert best_region(cands, GAZ)[0] == 4
    street = next(c for c in cands if c.region_id == 4)
    district = next(c for c in cands if c.region_id == 3)
    assert street.confidence > 0.8 and district.confidence > 0.8
    assert "幸福小区" in [c.name for c in cands if c.kind == "landmark"]


def test_spans_index_the_original_text_even_with_full_width() -> None:
    text = "我住在ａ３区洋湖"
    cands = find_places(text, GAZ)
    region = next(c for c in cands if c.region_id == 3)
    assert text[region.start : region.end] == "ａ３区"
    assert fold(text)[region.start : region.end] == "a3区"


def test_alias_matches_with_lower_confidence_than_official_name() -> None:
    official = next(c for c in find_places("A3区的问题", GAZ) if c.region_id == 3)
    alias = next(c for c in find_places("A3的问题", GAZ) if c.region_id == 3)
    assert alias.confidence < official.confidence


def test_latin_alias_does_not_match_inside_longer_code() -> None:
    assert 7 not in {c.region_id for c in find_places("A10区的道路", GAZ)}


def test_longest_match_wins() -> None:
    cands = [c for c in find_places("五里牌街道的路灯", GAZ) if c.kind == "region"]
    assert [c.matched for c in cands] == ["五里牌街道"]


def test_address_counts_more_than_text() -> None:
    cands = find_places("A2区有人说", GAZ, address="A3区洋湖街道")
    region, conf = best_region(cands, GAZ)
    assert region == 4 and conf > 0.5


def test_conflicting_districts_lower_confidence() -> None:
    alone = best_region(find_places("A3区的问题", GAZ), GAZ)
    both = best_region(find_places("A3区和A2区的问题", GAZ), GAZ)
    assert both[1] < alone[1]


def test_unresolved_street_is_reported_without_region() -> None:
    cands = find_places("位于A市A2区桂花坪街道的小区", GAZ)
    street = [c for c in cands if c.kind == "street"]
    assert street and street[0].name == "桂花坪街道" and street[0].region_id is None


def test_landmarks_trim_function_words_and_regions() -> None:
    found = [
        c.name
        for c in find_landmarks(
            fold("在A3区洋湖街道幸福小区门口和湘雅医院、我们小区、请求责令工地停工"), gaz=GAZ
        )
    ]
    assert "幸福小区" in found and "湘雅医院" in found
    assert not any(name.startswith(("我们", "请求", "求")) for name in found)


def test_nothing_found_in_empty_text() -> None:
    assert find_places("", GAZ) == []
    assert best_region([], GAZ) == (None, 0.0)


def test_coded_sub_city_unit_resolves_to_its_city() -> None:
    gaz = Gazetteer.build([*ROWS, (8, "K市", [], 2, 1)])
    region, conf = best_region(find_places("K8县杉木桥纸厂噪音", gaz), gaz)
    assert region == 8 and 0.4 < conf < 0.8
    assert best_region(find_places("A3区的问题", gaz), gaz)[0] == 3  # a known unit stays itself
