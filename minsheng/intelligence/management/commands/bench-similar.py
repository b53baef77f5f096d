"""`minsheng bench similar --n N` (alias `minsheng bench-similar`): benchmark of the similarity index against datasketch.

Generates a corpus of N petitions with planted near-duplicates from the vendored TipDM
messages, indexes it in the current database (inside a transaction that is rolled back, so
nothing is left behind; bench petitions get negative ids), runs lookups, and prints one
JSON object with the figures of the database index and of datasketch's in-memory
MinHashLSH on the same data. The ground truth is exact: for every query, every document
whose Jaccard similarity reaches the threshold, found by brute force (sparse matrix
products). See docs/intelligence-similarity.md.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import os
import random
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

import minsheng.core
from minsheng.core.text import compact, normalize
from minsheng.intelligence.models import SimilarityBand, SimilarityEntry
from minsheng.intelligence.nlp.minhash import BANDS, NUM_PERM, ROWS, ShingleArray, jaccard, shingles
from minsheng.intelligence.similarity import (
    BULK_BATCH,
    similar_find,
    similarity_index_bulk,
    similarity_maintain,
)

DATA_DIR = Path(minsheng.core.__file__).resolve().parent / "data" / "tipdm"
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def load_messages() -> list[tuple[str, str]]:
    """(title, detail) of every distinct vendored TipDM message."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for name in ("messages_labeled.csv.gz", "messages_with_replies.csv.gz"):
        with gzip.open(DATA_DIR / name, "rt", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                title, detail = (row.get("留言主题") or "").strip(), (row.get("留言详情") or "").strip()
                key = title + "\n" + detail
                if detail and key not in seen:
                    seen.add(key)
                    out.append((title, detail))
    return out


def _split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= 4]


@dataclass
class Corpus:
    """Generated documents and queries (a query is an edited copy of ``query_source`` or new)."""

    docs: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    query_source: list[int | None] = field(default_factory=list)
    near_duplicates: int = 0


class CorpusGenerator:
    """Real messages first, then sentence mixtures; a share of documents are edited copies.

    An edited copy takes an earlier document (so chains of repeats occur), swaps two
    sentences with probability 0.3 and applies random character insertions, deletions and
    substitutions at a rate drawn uniformly from [0, ``max_edit``]: with ``max_edit=0.15``
    the Jaccard similarity to the source spans roughly 0.35..1, both sides of 0.7.
    """

    def __init__(self, seed: int, dup_rate: float = 0.3, max_edit: float = 0.15) -> None:
        self.rng = random.Random(seed)
        self.dup_rate = dup_rate
        self.max_edit = max_edit
        messages = load_messages()
        self.rng.shuffle(messages)
        self.messages = [f"{t}。{d}" if t else d for t, d in messages]
        self.titles = [t for t, _ in messages if t]
        self.sentences = [s for _, d in messages for s in _split_sentences(d)]
        pool = "".join(self.rng.sample(self.messages, min(200, len(self.messages))))
        self.alphabet = [ch for ch in pool if not ch.isspace()]

    def fresh(self) -> str:
        k = self.rng.randint(3, 10)
        body = "".join(self.rng.choice(self.sentences) for _ in range(k))
        return f"{self.rng.choice(self.titles)}。{body}"

    def edit(self, text: str) -> str:
        rng = self.rng
        parts = _split_sentences(text) or [text]
        if len(parts) >= 2 and rng.random() < 0.3:
            i = rng.randrange(len(parts) - 1)
            parts[i], parts[i + 1] = parts[i + 1], parts[i]
        chars = list("".join(parts))
        edits = round(len(chars) * rng.uniform(0.0, self.max_edit))
        for _ in range(edits):
            op = rng.randrange(3)
            pos = rng.randrange(len(chars) + (op == 0)) if chars else 0
            if op == 0 or not chars:
                chars.insert(pos, rng.choice(self.alphabet))
            elif op == 1:
                del chars[pos]
            else:
                chars[pos] = rng.choice(self.alphabet)
        return "".join(chars)

    def generate(self, n: int, n_queries: int) -> Corpus:
        corpus = Corpus()
        real = iter(self.messages)
        for i in range(n):
            if i >= 10 and self.rng.random() < self.dup_rate:
                corpus.docs.append(self.edit(corpus.docs[self.rng.randrange(i)]))
                corpus.near_duplicates += 1
            else:
                corpus.docs.append(next(real, None) or self.fresh())
        for _ in range(n_queries):
            if self.rng.random() < 0.8:
                src = self.rng.randrange(n)
                corpus.queries.append(self.edit(corpus.docs[src]))
                corpus.query_source.append(src)
            else:
                corpus.queries.append(self.fresh())
                corpus.query_source.append(None)
        return corpus


def _compact_fast(text: str) -> str:
    """Same result as ``compact()`` (checked by the tests), ~30 % faster; ground truth only."""
    return "".join(filter(str.isalnum, normalize(text)))


def exact_neighbours(
    query_sets: Sequence[ShingleArray], docs: Sequence[str], threshold: float, chunk: int = 20000
) -> list[dict[int, float]]:
    """For every query, every document with exact Jaccard >= ``threshold`` (brute force).

    Only shingles that occur in some query can contribute to an intersection, so documents
    are mapped onto the queries' vocabulary and intersection sizes come from one sparse
    matrix product per chunk of documents.
    """
    from scipy import sparse

    out: list[dict[int, float]] = [{} for _ in query_sets]
    qsize = np.array([q.size for q in query_sets], dtype=np.int64)
    if not qsize.sum():
        return out
    vocab = np.unique(np.concatenate(query_sets))
    qcols = np.searchsorted(vocab, np.concatenate(query_sets))
    qrows = np.repeat(np.arange(len(query_sets)), qsize)
    qmat = sparse.csr_matrix(
        (np.ones(qcols.size, dtype=np.int32), (qrows, qcols)), shape=(len(query_sets), vocab.size)
    )
    for start in range(0, len(docs), chunk):
        sets = [shingles(_compact_fast(d)) for d in docs[start : start + chunk]]
        dsize = np.array([x.size for x in sets], dtype=np.int64)
        if not dsize.sum():
            continue
        ids = np.concatenate(sets)
        rows = np.repeat(np.arange(len(sets)), dsize)
        pos = np.minimum(np.searchsorted(vocab, ids), vocab.size - 1)
        hit = vocab[pos] == ids
        dmat = sparse.csr_matrix(
            (np.ones(int(hit.sum()), dtype=np.int32), (rows[hit], pos[hit])), shape=(len(sets), vocab.size)
        )
        inter = (qmat @ dmat.T).tocoo()
        scores = inter.data / (qsize[inter.row] + dsize[inter.col] - inter.data)
        for i in np.flatnonzero(scores >= threshold).tolist():
            out[int(inter.row[i])][start + int(inter.col[i])] = float(scores[i])
    return out


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    arr = np.array(values) * 1000.0
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {
        "p50": round(float(p50), 3),
        "p95": round(float(p95), 3),
        "p99": round(float(p99), 3),
        "mean": round(float(arr.mean()), 3),
    }


def _score(found: list[set[int]], truth: list[set[int]]) -> tuple[float, float]:
    tp = sum(len(f & t) for f, t in zip(found, truth, strict=True))
    n_found = sum(len(f) for f in found)
    n_true = sum(len(t) for t in truth)
    return (tp / n_true if n_true else 1.0), (tp / n_found if n_found else 1.0)


@contextlib.contextmanager
def _scratch_schema() -> Iterator[str]:
    """PostgreSQL: copies of the two index tables in a throwaway schema, dropped afterwards.

    The copies (``CREATE TABLE ... (LIKE ... INCLUDING ALL)``: same columns, primary keys
    and indexes, no foreign key to petitions) are first on the connection's
    ``search_path``, so the service functions write and read them as in production:
    committed batches, ``VACUUM ANALYZE``d, in shared buffers. The real tables are never
    touched and the schema is dropped even if the benchmark fails.
    """
    schema = f"minsheng_bench_{os.getpid()}_{int(time.time())}"
    qn = connection.ops.quote_name
    tables = [qn(model._meta.db_table) for model in (SimilarityEntry, SimilarityBand)]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {qn(schema)}")
        try:
            for table in tables:
                cursor.execute(f"CREATE TABLE {qn(schema)}.{table} (LIKE {table} INCLUDING ALL)")
            cursor.execute(f"SET search_path TO {qn(schema)}")
            yield schema
        finally:
            cursor.execute("RESET search_path")
            cursor.execute(f"DROP SCHEMA {qn(schema)} CASCADE")


def _storage_sizes() -> dict[str, int]:
    """Bytes used by the index tables (PostgreSQL, tables found through search_path)."""
    qn = connection.ops.quote_name
    entry, band = (qn(model._meta.db_table) for model in (SimilarityEntry, SimilarityBand))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s::regclass), pg_indexes_size(%s::regclass), "
            "pg_total_relation_size(%s::regclass)",
            [band, band, entry],
        )
        band_heap, band_index, entry_total = cursor.fetchone()
    return {"band_heap_bytes": band_heap, "band_index_bytes": band_index, "entry_total_bytes": entry_total}


class Command(BaseCommand):
    help = (
        "Benchmark: `bench similar --n N` generates N petitions with planted near-duplicates, indexes "
        "them in the current database (throwaway copies of the index tables; nothing is left) and in datasketch's MinHashLSH, and "
        "prints indexing rate, lookup latency, recall and precision as one JSON object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--n", type=int, default=2000, help="petitions to index (default 2000)")
        parser.add_argument("--queries", type=int, default=300, help="lookups to time (>= 200, default 300)")
        parser.add_argument(
            "--threshold", type=float, default=0.7, help="Jaccard of a true pair (default 0.7)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--batch-size", type=int, default=BULK_BATCH)
        parser.add_argument(
            "--dup-rate", type=float, default=0.3, help="share of edited copies (default 0.3)"
        )
        parser.add_argument("--no-datasketch", action="store_true", help="skip the datasketch comparison")
        parser.add_argument(
            "--no-ground-truth",
            action="store_true",
            help="skip the brute-force ground truth (recall and precision are then null); for very large N",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n: int = options["n"]
        n_queries: int = options["queries"]
        threshold: float = options["threshold"]
        if n < 20:
            raise CommandError(f"--n must be >= 20, got {n}")
        if n_queries < 200:
            raise CommandError(f"--queries must be >= 200, got {n_queries}")
        if not 0.0 < threshold <= 1.0:
            raise CommandError(f"--threshold must be in (0, 1], got {threshold}")

        t0 = time.perf_counter()
        gen = CorpusGenerator(options["seed"], dup_rate=options["dup_rate"])
        corpus = gen.generate(n, n_queries)
        generate_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        query_sets = [shingles(compact(q)) for q in corpus.queries]
        if options["no_ground_truth"]:
            neighbours: list[dict[int, float]] | None = None
        else:
            neighbours = exact_neighbours(query_sets, corpus.docs, threshold)
        truth_s = time.perf_counter() - t0
        source_scores = [
            jaccard(query_sets[q], shingles(compact(corpus.docs[src])))
            for q, src in enumerate(corpus.query_source)
            if src is not None
        ]

        db = self._bench_database(corpus, threshold, options["batch_size"])
        ds = None if options["no_datasketch"] else self._bench_datasketch(corpus, query_sets, threshold)
        result: dict[str, Any] = {
            "n": n,
            "queries": n_queries,
            "threshold": threshold,
            "database": connection.vendor,
            "corpus": {
                "generate_seconds": round(generate_s, 2),
                "ground_truth_seconds": round(truth_s, 2),
                "mean_compact_length": round(
                    float(np.mean([len(compact(d)) for d in corpus.docs[:20000]])), 1
                ),
                "near_duplicates_planted": corpus.near_duplicates,
                "query_to_source_jaccard_quantiles": [
                    round(float(x), 3)
                    for x in np.quantile(source_scores or [0.0], [0.1, 0.25, 0.5, 0.75, 0.9])
                ],
            },
        }
        found_db = db.pop("_found")
        db["found_pairs"] = sum(len(f) for f in found_db)
        result["minsheng"] = db
        if ds is not None:
            result["datasketch"] = ds
        raw, verified = (ds.pop("_raw"), ds.pop("_verified")) if ds is not None else ([], [])
        if neighbours is None:
            for figures in (db, ds or {}):
                figures["recall"] = figures["precision"] = None
        else:
            truth = [set(nb) for nb in neighbours]
            hard = [{d for d, s in nb.items() if s < threshold + 0.05} for nb in neighbours]
            result["corpus"].update(
                {
                    "queries_with_true_pairs": sum(1 for t in truth if t),
                    "true_pairs": sum(len(t) for t in truth),
                    "true_pairs_0.70_0.75": sum(len(h) for h in hard),
                }
            )
            db["recall"], db["precision"] = (round(x, 4) for x in _score(found_db, truth))
            db["recall_0.70_0.75"] = round(_score(found_db, hard)[0], 4)
            if ds is not None:
                ds["recall_raw"], ds["precision_raw"] = (round(x, 4) for x in _score(raw, truth))
                ds["recall_verified"], ds["precision_verified"] = (
                    round(x, 4) for x in _score(verified, truth)
                )
                ds["recall_verified_0.70_0.75"] = round(_score(verified, hard)[0], 4)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    # -- the database index -------------------------------------------------------------
    def _bench_database(self, corpus: Corpus, threshold: float, batch_size: int) -> dict[str, Any]:
        out: dict[str, Any] = {"params": {"num_perm": NUM_PERM, "bands": BANDS, "rows": ROWS, "shingle": 3}}
        # Bench petitions get ids -1, -2, ...: never real ones.
        items = ((-(i + 1), text) for i, text in enumerate(corpus.docs))
        if connection.vendor == "postgresql":
            with _scratch_schema() as schema:
                out["storage"] = {"schema": schema}
                t0 = time.perf_counter()
                written = similarity_index_bulk(items, batch_size=batch_size)  # commits per batch
                index_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                # What autovacuum (or `similar --reindex`) does in production; only ANALYZE
                # when the bench itself runs inside a transaction (as in the test suite).
                out["storage"]["vacuumed"] = similarity_maintain()
                out["storage"]["maintain_seconds"] = round(time.perf_counter() - t0, 2)
                out["storage"].update(_storage_sizes())
                latencies, found = self._lookups(corpus, threshold)
        else:
            with transaction.atomic():
                try:
                    # The deferred foreign key to petitions is never checked: rolled back.
                    t0 = time.perf_counter()
                    written = similarity_index_bulk(items, batch_size=batch_size)
                    index_s = time.perf_counter() - t0
                    latencies, found = self._lookups(corpus, threshold)
                finally:
                    transaction.set_rollback(True)
        out.update(
            {
                "indexed": written,
                "batch_size": batch_size,
                "index_seconds": round(index_s, 2),
                "index_rate_per_s": round(written / index_s, 1),
                "latency_ms": _percentiles(latencies),
                "_found": found,
            }
        )
        return out

    @staticmethod
    def _lookups(corpus: Corpus, threshold: float) -> tuple[list[float], list[set[int]]]:
        latencies: list[float] = []
        found: list[set[int]] = []
        for text in corpus.queries:
            t1 = time.perf_counter()
            hits = similar_find(text, top=1000, min_score=threshold)
            latencies.append(time.perf_counter() - t1)
            found.append({-h.id - 1 for h in hits if h.id < 0})
        return latencies, found

    # -- datasketch ----------------------------------------------------------------------
    def _bench_datasketch(
        self, corpus: Corpus, query_sets: Sequence[ShingleArray], threshold: float
    ) -> dict[str, Any]:
        from datasketch import MinHash, MinHashLSH

        num_perm = 128
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        # Shingle ids are passed as 64-bit hash values (hashfunc=int, scheme "affine64"), and
        # the permutations are generated once, as datasketch's own MinHash.bulk does.
        proto = MinHash(num_perm=num_perm, scheme="affine64", hashfunc=int)

        def minhash(text: str) -> MinHash:
            m = MinHash(num_perm=num_perm, scheme="affine64", hashfunc=int, permutations=proto.permutations)
            m.update_batch(shingles(compact(text)).tolist())
            return m

        t0 = time.perf_counter()
        with lsh.insertion_session() as session:
            for i, text in enumerate(corpus.docs):
                session.insert(i, minhash(text))
        index_s = time.perf_counter() - t0
        latencies: list[float] = []
        raw: list[set[int]] = []
        verified: list[set[int]] = []
        for q, text in enumerate(corpus.queries):
            t1 = time.perf_counter()
            cands = set(lsh.query(minhash(text)))
            latencies.append(time.perf_counter() - t1)
            raw.append(cands)
            verified.append(
                {d for d in cands if jaccard(query_sets[q], shingles(compact(corpus.docs[d]))) >= threshold}
            )
        return {
            "params": {"num_perm": num_perm, "bands": lsh.b, "rows": lsh.r, "shingle": 3},
            "index_seconds": round(index_s, 2),
            "index_rate_per_s": round(len(corpus.docs) / index_s, 1),
            "latency_ms": _percentiles(latencies),
            "_raw": raw,
            "_verified": verified,
        }
