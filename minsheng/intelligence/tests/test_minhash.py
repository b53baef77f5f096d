"""Tests of the pure shingle / MinHash / LSH module (no Django)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minsheng.intelligence.nlp.minhash import (
    BANDS,
    NUM_PERM,
    ROWS,
    LSHIndex,
    MinHasher,
    collision_probability,
    jaccard,
    shingles,
)

REPO = Path(__file__).resolve().parents[3]
TEXT = "A市月湖大市场小区传销打击要立案判刑听闻A市月湖大市场传销人员众多"


def _grams(text: str, k: int = 3) -> set[str]:
    return {text[i : i + k] for i in range(len(text) - k + 1)}


def _random_pair(
    rng: np.random.Generator, common: int, only_a: int, only_b: int
) -> tuple[np.ndarray, np.ndarray]:
    values = np.unique(rng.integers(0, 2**63, size=common + only_a + only_b + 16, dtype=np.uint64))
    values = rng.permutation(values)[: common + only_a + only_b]
    a = np.sort(values[: common + only_a])
    b = np.sort(np.concatenate([values[:common], values[common + only_a :]]))
    return a, b


def test_shingles_pack_code_points_exactly() -> None:
    ids = shingles("abcd")
    expected = sorted((ord(g[0]) << 42) | (ord(g[1]) << 21) | ord(g[2]) for g in ("abc", "bcd"))
    assert ids.dtype == np.uint64
    assert ids.tolist() == expected


def test_shingles_are_sorted_unique_and_count_distinct_grams() -> None:
    text = "信访信访信访事项信访"
    ids = shingles(text)
    assert ids.size == len(_grams(text))
    assert np.all(np.diff(ids.astype(np.float64)) > 0) or ids.size == 1


def test_short_and_empty_texts() -> None:
    assert shingles("").size == 0
    one = shingles("信访")
    assert one.size == 1
    assert one[0] != shingles("访信")[0]
    assert shingles("信访", k=3)[0] != shingles("x信访")[0]  # no clash with a real 3-gram
    assert shingles("a", k=1).tolist() == [ord("a")]
    with pytest.raises(ValueError):
        shingles("abc", k=0)


def test_long_k_uses_a_stable_hash() -> None:
    a = shingles("abcdefgh", k=5)
    assert a.size == 4
    assert shingles("abcdefgh", k=5).tolist() == a.tolist()


def test_shingles_and_band_keys_are_stable_across_processes() -> None:
    code = (
        "import json\n"
        "from minsheng.intelligence.nlp.minhash import MinHasher, shingles\n"
        f"s = shingles({TEXT!r})\n"
        "h = MinHasher()\n"
        "print(json.dumps([s.tolist(), h.band_keys(h.signature(s)).tolist()]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)},
        cwd=str(REPO),
    )
    ids, keys = json.loads(out.stdout)
    local = shingles(TEXT)
    hasher = MinHasher()
    assert ids == local.tolist()
    assert keys == hasher.band_keys(hasher.signature(local)).tolist()


def test_jaccard_is_exact() -> None:
    a, b = "市场小区传销打击要立案判刑", "市场小区传销打击不要立案"
    expected = len(_grams(a) & _grams(b)) / len(_grams(a) | _grams(b))
    assert jaccard(shingles(a), shingles(b)) == pytest.approx(expected, abs=0)
    assert jaccard(_grams(a), _grams(b)) == pytest.approx(expected, abs=0)
    assert jaccard(shingles(a), shingles(a)) == 1.0
    assert jaccard(shingles(""), shingles(a)) == 0.0
    assert jaccard(set(), set()) == 0.0


def test_minhasher_is_deterministic_and_seeded() -> None:
    s = shingles(TEXT)
    assert MinHasher(64, seed=7).signature(s).tolist() == MinHasher(64, seed=7).signature(s).tolist()
    assert MinHasher(64, seed=7).signature(s).tolist() != MinHasher(64, seed=8).signature(s).tolist()
    with pytest.raises(ValueError):
        MinHasher(0)


def test_batch_signatures_equal_single_ones_and_empty_set_is_max() -> None:
    hasher = MinHasher()
    texts = ["", TEXT, "信访事项", "x" * 5000, "", "市场小区传销"]
    sets = [shingles(t) for t in texts]
    batch = hasher.signatures(sets, chunk=64)
    assert batch.shape == (len(texts), NUM_PERM)
    assert batch.dtype == np.uint32
    for row, sset in zip(batch, sets, strict=True):
        assert row.tolist() == hasher.signature(sset).tolist()
    assert int(batch[0].min()) == 0xFFFFFFFF
    keys = hasher.band_keys(batch)
    assert keys.shape == (len(texts), BANDS)
    assert keys.dtype == np.int64
    with pytest.raises(ValueError):
        hasher.band_keys(batch, bands=BANDS + 1, rows=ROWS)


def test_signature_agreement_approximates_jaccard() -> None:
    rng = np.random.default_rng(1)
    hasher = MinHasher(256, seed=3)
    errors = []
    for common, only in [(300, 20), (200, 100), (100, 200), (50, 400)]:
        for _ in range(10):
            a, b = _random_pair(rng, common, only, only)
            est = float(np.mean(hasher.signature(a) == hasher.signature(b)))
            errors.append(est - jaccard(a, b))
    errors_arr = np.array(errors)
    # Standard error of one estimate is <= 0.5 / sqrt(256) = 0.031.
    assert abs(errors_arr.mean()) < 0.02
    assert np.abs(errors_arr).max() < 0.13


@pytest.mark.parametrize("similarity", [0.5, 0.7])
def test_band_collision_probability_follows_the_s_curve(similarity: float) -> None:
    rng = np.random.default_rng(int(similarity * 100))
    hasher = MinHasher()
    trials = 600
    # |A ∩ B| = c, |A \ B| = |B \ A| = d  =>  J = c / (c + 2d)
    d = 40
    c = round(similarity * 2 * d / (1 - similarity))
    hits = 0
    for _ in range(trials):
        a, b = _random_pair(rng, c, d, d)
        keys = hasher.band_keys(hasher.signatures([a, b]))
        hits += bool(np.intersect1d(keys[0], keys[1]).size)
    p = collision_probability(c / (c + 2 * d))
    sigma = max((p * (1 - p) / trials) ** 0.5, 1 / trials)
    assert abs(hits / trials - p) < 4 * sigma + 0.01


def test_collision_probability_meets_the_design_targets() -> None:
    assert collision_probability(0.7) >= 0.99
    assert collision_probability(0.1) < 0.005


def test_lsh_index_finds_near_duplicates_and_verifies_exactly() -> None:
    base = "小区物业公司扬言要退出小区因为小区水电改造造成物业公司的高昂水电费收取不了所以要通过征收小区停车费增加收入"
    near = base.replace("停车费", "停车费用")
    other = "道路两旁的路灯长期不亮夜间出行很不安全请有关部门尽快维修"
    index = LSHIndex()
    index.add_many([1, 2, 3], [shingles(base), shingles(near), shingles(other)])
    index.add(4, shingles(""))
    index.add(1, shingles(other))  # already present: ignored
    assert len(index) == 4
    hits = index.query(shingles(base), min_score=0.5)
    assert [h[0] for h in hits] == [1, 2]
    assert hits[0][1] == 1.0
    assert hits[1][1] == pytest.approx(jaccard(shingles(base), shingles(near)))
    assert index.query(shingles(base), min_score=0.5, exclude=[1])[0][0] == 2
    assert index.query(shingles(""), min_score=0.0) == []
    assert index.candidates(shingles(other)) == {3}
    with pytest.raises(ValueError):
        index.add_many([5], [])
