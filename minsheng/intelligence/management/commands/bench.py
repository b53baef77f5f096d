"""`minsheng bench similar --n N`: benchmark of the similarity index against datasketch.

Generates a corpus of N petitions with planted near-duplicates from the vendored TipDM
messages, indexes it in the current database (inside a transaction that is rolled back, so
nothing is left behind; bench petitions get negative ids), runs lookups, and prints one
JSON object with the figures of the database index and of datasketch's in-memory
MinHashLSH on the same data. See docs/intelligence-similarity.md.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

import minsheng.core
from minsheng.core.text import compact
from minsheng.intelligence.nlp.minhash import BANDS, NUM_PERM, ROWS, jaccard, shingles
from minsheng.intelligence.similarity import similar_find, similarity_index_bulk

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


class _UnionFind:
    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class Corpus:
    """Generated documents, queries and the lineage clusters used for ground truth."""

    docs: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    query_source: list[int | None] = field(default_factory=list)
    clusters: _UnionFind = field(default_factory=_UnionFind)
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
            node = corpus.clusters.add()
            if i >= 10 and self.rng.random() < self.dup_rate:
                src = self.rng.randrange(i)
                corpus.docs.append(self.edit(corpus.docs[src]))
                corpus.clusters.union(src, node)
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


def _merge_real_near_duplicates(corpus: Corpus, limit: float = 0.5) -> int:
    """Union the (non-generated) real messages that are already near-duplicates of each other.

    Exact: a sparse matrix product gives every pairwise intersection size.
    """
    from scipy import sparse

    idx = [i for i in range(len(corpus.docs)) if corpus.clusters.find(i) == i]
    idx = idx[:5000]  # the real messages come first; mixtures never need this
    sets = [shingles(compact(corpus.docs[i])) for i in idx]
    if not sets:
        return 0
    sizes = np.array([s.size for s in sets])
    vocab, inverse = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), sizes)
    mat = sparse.csr_matrix(
        (np.ones(rows.size, dtype=np.int32), (rows, inverse)), shape=(len(sets), vocab.size)
    )
    inter = sparse.triu(mat @ mat.T, k=1).tocoo()
    merged = 0
    for a, b, c in zip(inter.row, inter.col, inter.data, strict=True):
        if c / (sizes[a] + sizes[b] - c) >= limit:
            corpus.clusters.union(idx[a], idx[b])
            merged += 1
    return merged


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


class Command(BaseCommand):
    help = (
        "Benchmark: `bench similar --n N` generates N petitions with planted near-duplicates, indexes "
        "them in the current database (rolled back afterwards) and in datasketch's MinHashLSH, and "
        "prints indexing rate, lookup latency, recall and precision as one JSON object."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", choices=["similar"], help="what to benchmark")
        parser.add_argument("--n", type=int, default=2000, help="petitions to index (default 2000)")
        parser.add_argument("--queries", type=int, default=300, help="lookups to time (>= 200, default 300)")
        parser.add_argument(
            "--threshold", type=float, default=0.7, help="Jaccard of a true pair (default 0.7)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--dup-rate", type=float, default=0.3, help="share of edited copies (default 0.3)"
        )
        parser.add_argument("--no-datasketch", action="store_true", help="skip the datasketch comparison")

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
        real_merged = _merge_real_near_duplicates(corpus)
        truth, pair_scores = self._ground_truth(corpus, threshold)
        generate_s = time.perf_counter() - t0

        db = self._bench_database(corpus, threshold, options["batch_size"])
        ds = None if options["no_datasketch"] else self._bench_datasketch(corpus, threshold)
        # Pairs outside the planted lineages that either method found and verified exactly
        # are true pairs too (accidental near-duplicates): add them to the ground truth.
        for q in range(n_queries):
            truth[q] |= db["_found"][q] | (ds["_verified"][q] if ds else set())
        result: dict[str, Any] = {
            "n": n,
            "queries": n_queries,
            "threshold": threshold,
            "database": connection.vendor,
            "corpus": {
                "generate_seconds": round(generate_s, 2),
                "mean_compact_length": round(
                    float(np.mean([len(compact(d)) for d in corpus.docs[:20000]])), 1
                ),
                "near_duplicates_planted": corpus.near_duplicates,
                "real_near_duplicate_pairs_merged": real_merged,
                "queries_with_true_pairs": sum(1 for t in truth if t),
                "true_pairs": sum(len(t) for t in truth),
                "true_pairs_0.70_0.75": sum(
                    1 for q, t in enumerate(truth) for d in t if self._pair(q, d, corpus) < threshold + 0.05
                ),
                "query_to_source_jaccard_quantiles": [
                    round(float(x), 3) for x in np.quantile(pair_scores or [0.0], [0.1, 0.25, 0.5, 0.75, 0.9])
                ],
            },
        }
        found_db = db.pop("_found")
        db["recall"], db["precision"] = (round(x, 4) for x in _score(found_db, truth))
        db["recall_0.70_0.75"] = self._band_recall(found_db, truth, corpus, threshold)
        result["minsheng"] = db
        if ds is not None:
            raw, verified = ds.pop("_raw"), ds.pop("_verified")
            ds["recall_raw"], ds["precision_raw"] = (round(x, 4) for x in _score(raw, truth))
            ds["recall_verified"], ds["precision_verified"] = (round(x, 4) for x in _score(verified, truth))
            ds["recall_verified_0.70_0.75"] = self._band_recall(verified, truth, corpus, threshold)
            result["datasketch"] = ds
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    # -- ground truth ---------------------------------------------------------------------
    def _ground_truth(self, corpus: Corpus, threshold: float) -> tuple[list[set[int]], list[float]]:
        members: dict[int, list[int]] = {}
        for i in range(len(corpus.docs)):
            members.setdefault(corpus.clusters.find(i), []).append(i)
        truth: list[set[int]] = []
        scores: list[float] = []
        self._query_sets = [shingles(compact(q)) for q in corpus.queries]
        self._jaccard_cache: dict[tuple[int, int], float] = {}
        for q, src in enumerate(corpus.query_source):
            true: set[int] = set()
            if src is not None:
                for d in members[corpus.clusters.find(src)]:
                    s = self._pair(q, d, corpus)
                    if d == src:
                        scores.append(s)
                    if s >= threshold:
                        true.add(d)
            truth.append(true)
        return truth, scores

    def _pair(self, q: int, d: int, corpus: Corpus) -> float:
        key = (q, d)
        if key not in self._jaccard_cache:
            self._jaccard_cache[key] = jaccard(self._query_sets[q], shingles(compact(corpus.docs[d])))
        return self._jaccard_cache[key]

    def _band_recall(
        self, found: list[set[int]], truth: list[set[int]], corpus: Corpus, threshold: float
    ) -> float:
        pairs = [
            (q, d) for q, t in enumerate(truth) for d in t if self._pair(q, d, corpus) < threshold + 0.05
        ]
        if not pairs:
            return 1.0
        return round(sum(1 for q, d in pairs if d in found[q]) / len(pairs), 4)

    # -- the database index -------------------------------------------------------------
    def _bench_database(self, corpus: Corpus, threshold: float, batch_size: int) -> dict[str, Any]:
        out: dict[str, Any] = {"params": {"num_perm": NUM_PERM, "bands": BANDS, "rows": ROWS, "shingle": 3}}
        with transaction.atomic():
            try:
                # Bench petitions get ids -1, -2, ...: never real ones; the deferred foreign key
                # to petitions is never checked because the transaction is rolled back.
                items = ((-(i + 1), text) for i, text in enumerate(corpus.docs))
                t0 = time.perf_counter()
                written = similarity_index_bulk(items, batch_size=batch_size)
                index_s = time.perf_counter() - t0
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE intelligence_similarityband, intelligence_similarityentry")
                latencies: list[float] = []
                found: list[set[int]] = []
                for text in corpus.queries:
                    t1 = time.perf_counter()
                    hits = similar_find(text, top=1000, min_score=threshold)
                    latencies.append(time.perf_counter() - t1)
                    found.append({-h.id - 1 for h in hits if h.id < 0})
            finally:
                transaction.set_rollback(True)
        out.update(
            {
                "indexed": written,
                "index_seconds": round(index_s, 2),
                "index_rate_per_s": round(written / index_s, 1),
                "latency_ms": _percentiles(latencies),
                "_found": found,
            }
        )
        return out

    # -- datasketch ----------------------------------------------------------------------
    def _bench_datasketch(self, corpus: Corpus, threshold: float) -> dict[str, Any]:
        from datasketch import MinHash, MinHashLSH

        num_perm = 128
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)

        def minhash(text: str) -> MinHash:
            m = MinHash(num_perm=num_perm, scheme="affine64", hashfunc=int)
            m.update_batch(shingles(compact(text)))
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
            verified.append({d for d in cands if self._pair(q, d, corpus) >= threshold})
        return {
            "params": {"num_perm": num_perm, "bands": lsh.b, "rows": lsh.r, "shingle": 3},
            "index_seconds": round(index_s, 2),
            "index_rate_per_s": round(len(corpus.docs) / index_s, 1),
            "latency_ms": _percentiles(latencies),
            "_raw": raw,
            "_verified": verified,
        }
