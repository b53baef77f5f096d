"""Tests of the database-backed similarity index and its commands."""

from __future__ import annotations

import importlib
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.core.text import compact
from minsheng.intelligence.models import SimilarityBand, SimilarityEntry
from minsheng.intelligence.nlp.minhash import BANDS, jaccard, shingles
from minsheng.intelligence.similarity import (
    SimilarHit,
    petition_match_text,
    similar_find,
    similar_to_petition,
    similarity_index_bulk,
    similarity_index_petition,
)

BASE = {
    "title": "幸福小区旁工地夜间施工噪音扰民",
    "request": "请求责令工地停止夜间施工",
    "facts": "A3区幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大，老人和孩子无法入睡。",
    "reasons": "影响居民休息，违反噪声污染防治法。",
}
NEAR = {**BASE, "facts": "A3区幸福小区旁边的工地连续一个月在夜间十一点以后施工，噪音很大，老人孩子无法入睡。"}
OTHER = {
    "title": "桂花路路灯长期不亮",
    "request": "请求尽快维修路灯",
    "facts": "桂花路两旁的路灯已经坏了三个月，夜间出行很不安全。",
    "reasons": "",
}


def _score(a: dict[str, str], b: dict[str, str]) -> float:
    def text(d: dict[str, str]) -> str:
        return "\n".join(v for v in d.values() if v)

    return jaccard(shingles(compact(text(a))), shingles(compact(text(b))))


@pytest.fixture
def three(register: Any) -> tuple[Any, Any, Any]:
    petitions = (register(**BASE), register(**NEAR), register(**OTHER))
    for p in petitions:
        similarity_index_petition(p)
    return petitions


def test_match_text_joins_the_text_fields(three: tuple[Any, Any, Any]) -> None:
    base = three[0]
    assert petition_match_text(base) == "\n".join(BASE.values())


@pytest.mark.django_db
def test_finds_the_near_duplicate_with_the_exact_score(three: tuple[Any, Any, Any]) -> None:
    base, near, other = three
    hits = similar_find(petition_match_text(base), exclude_id=base.pk)
    assert hits[0].id == near.pk
    assert hits[0].score == pytest.approx(_score(BASE, NEAR))
    assert 0.5 < hits[0].score < 1.0
    assert other.pk not in [h.id for h in hits]
    # Without exclude_id the petition finds itself first, with score 1.
    assert similar_find(petition_match_text(base))[0] == SimilarHit(base.pk, 1.0)
    assert similar_to_petition(base)[0].id == near.pk
    assert similar_find(petition_match_text(base), top=1, min_score=0.0) == [SimilarHit(base.pk, 1.0)]
    assert similar_find(petition_match_text(base), min_score=0.99, exclude_id=base.pk) == []


@pytest.mark.django_db
def test_reindexing_is_idempotent_and_follows_text_changes(three: tuple[Any, Any, Any]) -> None:
    base, near, _ = three
    bands_before = set(SimilarityBand.objects.filter(petition_id=base.pk).values_list("band_key", flat=True))
    assert len(bands_before) == BANDS
    counts = (SimilarityEntry.objects.count(), SimilarityBand.objects.count())
    similarity_index_petition(base)
    similarity_index_petition(base)
    assert (SimilarityEntry.objects.count(), SimilarityBand.objects.count()) == counts
    assert similarity_index_bulk([base, near]) == 0  # unchanged: nothing written

    base.facts = "完全不同的内容：菜市场门口占道经营严重，车辆无法通行。"
    base.save(update_fields=["facts"])
    similarity_index_petition(base)
    bands_after = set(SimilarityBand.objects.filter(petition_id=base.pk).values_list("band_key", flat=True))
    assert len(bands_after) == BANDS
    assert bands_after != bands_before
    assert SimilarityBand.objects.count() == counts[1]
    entry = SimilarityEntry.objects.get(pk=base.pk)
    assert entry.compact == compact(petition_match_text(base))
    assert entry.shingle_count == shingles(entry.compact).size
    assert base.pk not in [h.id for h in similar_find(petition_match_text(near), min_score=0.7)]


@pytest.mark.django_db
def test_bulk_indexing_of_pairs_and_instances(three: tuple[Any, Any, Any]) -> None:
    base, near, other = three
    SimilarityBand.objects.all().delete()
    SimilarityEntry.objects.all().delete()
    assert similarity_index_bulk([base, (near.pk, petition_match_text(near))], batch_size=1) == 2
    assert similarity_index_bulk([(other.pk, petition_match_text(other))], pipeline=False) == 1
    assert SimilarityBand.objects.count() == 3 * BANDS
    # A changed text replaces the old entry and bands.
    assert similarity_index_bulk([(other.pk, petition_match_text(base))]) == 1
    assert SimilarityBand.objects.filter(petition_id=other.pk).count() == BANDS
    ids = [h.id for h in similar_find(petition_match_text(base), min_score=0.99)]
    assert sorted(ids) == sorted([base.pk, other.pk])
    with pytest.raises(ValueError):
        similarity_index_bulk([], batch_size=0)


@pytest.mark.django_db
def test_empty_text_is_indexed_without_bands_and_never_matches(register: Any) -> None:
    petition = register(title="。", request="！", facts="", reasons="")
    similarity_index_petition(petition)
    assert SimilarityEntry.objects.get(pk=petition.pk).shingle_count == 0
    assert SimilarityBand.objects.filter(petition_id=petition.pk).count() == 0
    assert similar_find("  ，。 ") == []
    assert similar_find("噪音", top=0) == []


@pytest.mark.django_db
def test_similar_command_prints_json(three: tuple[Any, Any, Any]) -> None:
    base, near, _ = three
    out = StringIO()
    call_command("similar", "--text", petition_match_text(base), "--top", "2", stdout=out)
    rows = json.loads(out.getvalue())
    assert [r["id"] for r in rows] == [base.pk, near.pk]
    assert rows[0]["score"] == 1.0
    assert rows[1]["score"] == round(_score(BASE, NEAR), 4)
    out = StringIO()
    call_command("similar", "--text", petition_match_text(base), "--exclude-id", str(base.pk), stdout=out)
    assert json.loads(out.getvalue())[0]["id"] == near.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "   "], "empty"),
        (["--text", "，。！"], "empty"),
        (["--text", "噪音", "--top", "0"], "--top"),
        (["--text", "噪音", "--min-score", "2"], "--min-score"),
    ],
)
def test_similar_command_rejects_bad_input(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("similar", *args)


@pytest.mark.django_db
def test_bench_smoke_leaves_nothing_behind(three: tuple[Any, Any, Any]) -> None:
    counts = (SimilarityEntry.objects.count(), SimilarityBand.objects.count())
    out = StringIO()
    call_command("bench", "similar", "--n", "400", "--queries", "200", "--batch-size", "150", stdout=out)
    result = json.loads(out.getvalue())
    assert result["n"] == 400
    ours = result["minsheng"]
    assert ours["indexed"] == 400
    assert ours["recall"] >= 0.95
    assert ours["precision"] >= 0.95
    assert set(ours["latency_ms"]) == {"p50", "p95", "p99", "mean"}
    assert result["corpus"]["true_pairs"] > 20
    assert "recall_raw" in result["datasketch"]
    assert (SimilarityEntry.objects.count(), SimilarityBand.objects.count()) == counts


@pytest.mark.django_db
def test_bench_rejects_bad_input() -> None:
    with pytest.raises(CommandError, match="--queries"):
        call_command("bench", "similar", "--n", "100", "--queries", "10")


def test_bench_fast_compact_equals_compact() -> None:
    bench = importlib.import_module("minsheng.intelligence.management.commands.bench-similar")
    _compact_fast, load_messages = bench._compact_fast, bench.load_messages

    samples = [f"{t} {d}" for t, d in load_messages()[:500]]
    samples += ["", "  ", "Ａ市１２３，ＡＢＣ！", "e\u0301", "İstanbul ① ㎡", "信访\t事项\n\u3000第二"]
    for text in samples:
        assert _compact_fast(text) == compact(text)


@pytest.mark.django_db
def test_bench_without_ground_truth_or_datasketch() -> None:
    out = StringIO()
    call_command(
        "bench",
        "similar",
        "--n",
        "100",
        "--queries",
        "200",
        "--no-ground-truth",
        "--no-datasketch",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["minsheng"]["recall"] is None
    assert result["minsheng"]["found_pairs"] > 0
    assert "datasketch" not in result
    assert SimilarityEntry.objects.count() == 0


@pytest.mark.django_db
def test_index_stale_builds_missing_and_outdated_entries(register: Any) -> None:
    from minsheng.intelligence.similarity import SCHEME, similarity_index_stale

    petitions = [register(**BASE), register(**NEAR), register(**OTHER)]
    SimilarityEntry.objects.all().delete()
    SimilarityBand.objects.all().delete()
    similarity_index_petition(petitions[0])
    SimilarityEntry.objects.filter(pk=petitions[0].pk).update(scheme=SCHEME + 1)  # outdated scheme
    seen: list[int] = []
    assert similarity_index_stale(batch_size=2, progress=seen.append) == 3
    assert seen == [2, 3]
    assert set(SimilarityEntry.objects.values_list("pk", flat=True)) == {p.pk for p in petitions}
    assert set(SimilarityEntry.objects.values_list("scheme", flat=True)) == {SCHEME}
    assert SimilarityBand.objects.filter(petition_id=petitions[0].pk).count() == BANDS
    assert similarity_index_stale() == 0  # nothing left to do
    assert [h.id for h in similar_find(petition_match_text(petitions[0]), top=2)] == [
        petitions[0].pk,
        petitions[1].pk,
    ]


@pytest.mark.django_db
def test_similar_reindex_command(register: Any) -> None:
    base, near = register(**BASE), register(**NEAR)
    SimilarityEntry.objects.all().delete()
    SimilarityBand.objects.all().delete()
    out = StringIO()
    call_command("similar", "--reindex", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue())["indexed"] == 2
    out = StringIO()
    call_command("similar", "--reindex", "--all", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue())["indexed"] == 0  # unchanged texts are skipped
    hits = similar_find(petition_match_text(base), top=5)
    assert [h.id for h in hits] == [base.pk, near.pk]
    with pytest.raises(CommandError):
        call_command("similar", "--reindex", "--batch-size", "0")
    with pytest.raises(CommandError):
        call_command("similar")  # neither --text nor --reindex


@pytest.mark.django_db
def test_bench_on_postgresql_uses_a_throwaway_schema() -> None:
    # Inside the test's transaction the bench can only ANALYZE; the committed path with
    # VACUUM runs in CI's smoke step (`minsheng bench similar --n 2000` on PostgreSQL).
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the scratch-schema bench")
    out = StringIO()
    call_command("bench", "similar", "--n", "300", "--queries", "200", "--no-datasketch", stdout=out)
    result = json.loads(out.getvalue())["minsheng"]
    assert result["storage"]["vacuumed"] is False
    assert result["storage"]["band_index_bytes"] > 0
    assert result["recall"] >= 0.95
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'minsheng_bench%%'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SHOW search_path")
        assert "minsheng_bench" not in cursor.fetchone()[0]
    assert SimilarityEntry.objects.count() == 0
