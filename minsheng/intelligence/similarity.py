"""Similar and repeat petition detection: the shared, database-backed MinHash/LSH index.

Every web and worker process uses the same index, which lives in two tables
(:class:`~minsheng.intelligence.models.SimilarityEntry` and
:class:`~minsheng.intelligence.models.SimilarityBand`). Indexing a petition stores its
compact text and its ``BANDS`` LSH band keys; :func:`similar_find` looks up the petitions
sharing a band key with the query text and verifies them by exact Jaccard similarity of
character 3-gram shingles. The algorithms are in the pure module
:mod:`minsheng.intelligence.nlp.minhash`; method and measurements in
docs/intelligence-similarity.md.

Public API::

    similarity_index_petition(petition) -> None          # idempotent, call at registration
    similarity_index_text(petition_id, text) -> None     # the same, from an id and a text
    similarity_index_bulk(items, batch_size=BULK_BATCH) -> int # items: petitions or (id, text)
    similarity_index_stale() -> int                      # index petitions missing or stale
    similarity_maintain() -> bool                        # (VACUUM) ANALYZE the index tables
    similar_find(text, *, top=10, min_score=0.3, exclude_id=None) -> list[SimilarHit]
    similar_to_petition(petition, *, top=10, min_score=0.3) -> list[SimilarHit]
    petition_match_text(petition) -> str
    petition_index_text(petition, names=None) -> str     # what the index holds (de-identified)
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from minsheng.core.text import compact
from minsheng.intelligence.models import SimilarityBand, SimilarityEntry
from minsheng.intelligence.nlp.minhash import (
    BANDS,
    DEFAULT_SEED,
    NUM_PERM,
    ROWS,
    MinHasher,
    ShingleArray,
    jaccard,
    shingles,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from minsheng.petitions.models import Petition

__all__ = [
    "BULK_BATCH",
    "MAX_CANDIDATES",
    "SCHEME",
    "SimilarHit",
    "petition_index_text",
    "petition_match_text",
    "similar_find",
    "similar_to_petition",
    "similarity_index_bulk",
    "similarity_index_petition",
    "similarity_index_stale",
    "similarity_index_text",
    "similarity_maintain",
]

SCHEME = 2
"""Version of (shingle k, NUM_PERM, BANDS, ROWS, DEFAULT_SEED, the indexed text); stored in every
entry. 2: the indexed text is de-identified (``petition_index_text``); ``minsheng similar --reindex``
re-indexes the entries of scheme 1 after the upgrade."""

MAX_CANDIDATES = 500
"""At most this many LSH candidates (most band hits first) are verified per lookup."""

SHINGLE_K = 3

BULK_BATCH = 50_000
"""Petitions per transaction of :func:`similarity_index_bulk`.

Large batches matter on PostgreSQL: the band keys of a batch are sorted and written with
one ``COPY``, so with 50,000 petitions (1,000,000 keys) each leaf page of the band table's
primary key receives many keys at once instead of one random key per page. Measured at
1,000,000 indexed petitions (docs/intelligence-similarity.md): 5,000 per batch wrote
≈ 4,500 petitions/s, 50,000 ≈ 9,500/s, 100,000 ≈ 12,500/s (write time only). A batch
holds compact texts and band keys only (≈ 1 KB per petition), so 50,000 is ≈ 50 MB.
"""

_HASHER = MinHasher(NUM_PERM, DEFAULT_SEED)


class SimilarHit(NamedTuple):
    """A petition similar to the query: its id and the exact Jaccard similarity (0..1]."""

    id: int
    score: float


class _Prepared(NamedTuple):
    compact: str
    shingles: ShingleArray


MATCH_FIELDS = ("title", "request", "facts", "reasons")
"""Petition fields whose text similarity is computed on, in this order."""


def _join_match_parts(parts: Iterable[object]) -> str:
    return "\n".join(str(part) for part in parts if part)


def petition_match_text(petition: Petition | Any) -> str:
    """The text of a petition that similarity is computed on: title, request, facts, reasons.

    Anything with those attributes works (a registration draft too), so a draft and the
    petition it becomes are compared on exactly the same text."""
    return _join_match_parts(getattr(petition, name, "") for name in MATCH_FIELDS)


def _prepare(text: str) -> _Prepared:
    comp = compact(text)
    return _Prepared(comp, shingles(comp, SHINGLE_K))


def _band_keys(shingle_sets: Sequence[ShingleArray]) -> npt.NDArray[np.int64]:
    return _HASHER.band_keys(_HASHER.signatures(shingle_sets), BANDS, ROWS)


def _tables() -> tuple[str, str]:
    qn = connection.ops.quote_name
    return qn(SimilarityEntry._meta.db_table), qn(SimilarityBand._meta.db_table)


# -- indexing ---------------------------------------------------------------------------


def petition_index_text(petition: Petition, names: Iterable[str] | None = None) -> str:
    """What the index holds for ``petition``: its match text as a reader without the identity
    right reads it — the names recorded with it (``names``, read when not given) and the phone,
    ID-card and other long numbers masked (analytics.selectors.deidentify). Scores are shown to
    readers who may not reveal the petitioner; against raw texts, a query that swaps a guessed
    name or number into the masked text would score higher when the guess is right (an oracle,
    ADR 0003)."""
    from minsheng.analytics.selectors import deidentify, recorded_names

    if names is None:
        names = recorded_names(petition)
    return deidentify(petition_match_text(petition), names)


def similarity_index_petition(petition: Petition) -> None:
    """Index (or re-index) one petition; a no-op when its text has not changed."""
    similarity_index_text(int(petition.pk), petition_index_text(petition))


def similarity_index_text(petition_id: int, text: str) -> None:
    """Index ``text`` under ``petition_id`` (idempotent, safe to call in any transaction)."""
    prepared = _prepare(text)
    with transaction.atomic():
        old = (
            SimilarityEntry.objects.select_for_update()
            .filter(pk=petition_id)
            .values_list("compact", "scheme")
            .first()
        )
        if old is not None:
            if old == (prepared.compact, SCHEME):
                return
            _delete_bands({petition_id: old[0]})
        values = {"compact": prepared.compact, "shingle_count": int(prepared.shingles.size), "scheme": SCHEME}
        if old is None:  # a new petition (registration): a plain INSERT, no nested savepoint
            SimilarityEntry.objects.create(petition_id=petition_id, **values)
        else:
            SimilarityEntry.objects.filter(pk=petition_id).update(**values)
        if prepared.shingles.size:
            keys = _band_keys([prepared.shingles])[0]
            SimilarityBand.objects.bulk_create(
                [SimilarityBand(band_key=int(k), petition_id=petition_id) for k in keys.tolist()],
                ignore_conflicts=True,
            )


def _delete_bands(old_texts: dict[int, str]) -> None:
    """Delete the band rows of petitions, recomputing their keys from the stored text."""
    ids = list(old_texts)
    sets = [shingles(old_texts[i], SHINGLE_K) for i in ids]
    keys = _band_keys(sets)
    _, band_table = _tables()
    with connection.cursor() as cursor:
        for pid, sset, row in zip(ids, sets, keys, strict=True):
            if not sset.size:
                continue
            values = row.tolist()
            marks = ", ".join(["%s"] * len(values))
            cursor.execute(
                f"DELETE FROM {band_table} WHERE petition_id = %s AND band_key IN ({marks})",
                [pid, *values],
            )


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def similarity_index_bulk(
    items: Iterable[Petition | tuple[int, str]], batch_size: int = BULK_BATCH, *, pipeline: bool = True
) -> int:
    """Index many petitions (model instances or ``(id, text)`` pairs); returns how many were written.

    Each batch is one transaction. Petitions already indexed with the same text are skipped
    (not counted); changed ones are replaced. On PostgreSQL (psycopg 3) rows are written
    with binary ``COPY``, band keys in key order; elsewhere with ``bulk_create``. With
    ``pipeline`` the hashing of the next batch runs in a helper thread (pure computation,
    no database access) while the current batch is written, so database time overlaps
    with computation.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    written = 0
    if not pipeline:
        for pairs in _batches(items, batch_size):
            written += _write_batch(_compute_batch(pairs))
        return written
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="similarity-index") as pool:
        pending: Future[_Batch] | None = None
        for pairs in _batches(items, batch_size):  # items are read in this thread (may hit the DB)
            future = pool.submit(_compute_batch, pairs)
            if pending is not None:
                written += _write_batch(pending.result())
            pending = future
        if pending is not None:
            written += _write_batch(pending.result())
    return written


def similarity_index_stale(batch_size: int = BULK_BATCH, progress: Any = None) -> int:
    """Index every petition that has no entry or an entry of an older ``SCHEME``.

    Returns how many were written. ``progress`` (optional) is called with the number of
    petitions handled so far after each batch. Safe to re-run; used after an upgrade that
    bumps ``SCHEME`` and to build the index for petitions loaded outside the services.
    """
    from minsheng.petitions.models import Petition

    stale = Petition.objects.exclude(similarity_entry__scheme=SCHEME).order_by("pk")
    written = 0
    handled = 0
    fields = ("pk", "petitioner_id", "accused_person", "petitioner__name", *MATCH_FIELDS)
    rows = stale.select_related("petitioner").only(*fields).iterator(chunk_size=5000)
    for chunk in _chunks(rows, batch_size):
        written += similarity_index_bulk(chunk, batch_size=batch_size, pipeline=False)
        handled += len(chunk)
        if progress is not None:
            progress(handled)
    return written


def similarity_maintain() -> bool:
    """Refresh planner statistics (and on PostgreSQL the visibility map) of the index tables.

    On PostgreSQL, ``VACUUM ANALYZE`` lets lookups use index-only scans of the band table
    (autovacuum does the same eventually, where it is enabled). ``VACUUM`` cannot run inside
    a transaction: there, and on other databases, only ``ANALYZE`` runs. Returns whether
    ``VACUUM`` ran.
    """
    entry_table, band_table = _tables()
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in (band_table, entry_table):
            cursor.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")
    return vacuum


def _batches(items: Iterable[Petition | tuple[int, str]], size: int) -> Iterator[dict[int, str]]:
    from minsheng.analytics.selectors import names_by_petition

    for batch in _chunks(items, size):
        pairs: dict[int, str] = {}
        names = names_by_petition(item for item in batch if not isinstance(item, tuple))
        for item in batch:
            if isinstance(item, tuple):
                pid, text = item
                pairs[int(pid)] = text
            else:
                pairs[int(item.pk)] = petition_index_text(item, names[item.pk])
        yield pairs


class _Batch(NamedTuple):
    ids: list[int]
    compacts: list[str]
    counts: list[int]  # distinct shingles per petition
    keys: npt.NDArray[np.int64]  # (len(ids), BANDS)


def _compute_batch(pairs: dict[int, str], chunk: int = 5000) -> _Batch:
    """Pure part of indexing a batch: compact text, shingle counts, band keys.

    Shingles are computed ``chunk`` petitions at a time and dropped once hashed, so a
    large batch keeps only its compact texts and keys in memory.
    """
    ids = list(pairs)
    compacts: list[str] = []
    counts: list[int] = []
    keys: list[npt.NDArray[np.int64]] = []
    for start in range(0, len(ids), chunk):
        part = [_prepare(pairs[i]) for i in ids[start : start + chunk]]
        compacts.extend(p.compact for p in part)
        counts.extend(int(p.shingles.size) for p in part)
        keys.append(_band_keys([p.shingles for p in part]))
    stacked = np.concatenate(keys) if keys else np.empty((0, BANDS), dtype=np.int64)
    return _Batch(ids, compacts, counts, stacked)


def _existing_entries(ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """``{petition_id: (compact, scheme)}`` of the ids that already have an entry."""
    entry_table, _ = _tables()
    existing: dict[int, tuple[str, int]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT petition_id, compact, scheme FROM {entry_table} WHERE petition_id = ANY(%s)",
                [list(ids)],
            )
            existing.update({int(r[0]): (r[1], int(r[2])) for r in cursor.fetchall()})
            return existing
        for start in range(0, len(ids), 900):  # stay below SQLite's variable limit
            chunk = ids[start : start + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT petition_id, compact, scheme FROM {entry_table} WHERE petition_id IN ({marks})",
                chunk,
            )
            existing.update({int(r[0]): (r[1], int(r[2])) for r in cursor.fetchall()})
    return existing


def _write_batch(batch: _Batch) -> int:
    ids, compacts, counts, keys = batch
    with transaction.atomic():
        existing = _existing_entries(ids)
        if existing:
            keep = np.array(
                [existing.get(i) != (c, SCHEME) for i, c in zip(ids, compacts, strict=True)], dtype=bool
            )
            changed = {i: existing[i][0] for i, k in zip(ids, keep, strict=True) if k and i in existing}
            if changed:
                _delete_bands(changed)
                SimilarityEntry.objects.filter(pk__in=list(changed)).delete()
            compacts = [c for c, k in zip(compacts, keep, strict=True) if k]
            counts = [n for n, k in zip(counts, keep, strict=True) if k]
            ids = [i for i, k in zip(ids, keep, strict=True) if k]
            keys = keys[keep]
        if not ids:
            return 0
        nonempty = np.array([n > 0 for n in counts], dtype=bool)
        band_keys = keys[nonempty].ravel()
        band_ids = np.repeat(np.array(ids, dtype=np.int64)[nonempty], BANDS)
        order = np.argsort(band_keys, kind="stable")  # B-tree friendly insertion order
        band_keys, band_ids = band_keys[order], band_ids[order]
        if not _copy_postgresql(ids, compacts, counts, band_keys, band_ids):
            SimilarityEntry.objects.bulk_create(
                [
                    SimilarityEntry(petition_id=i, compact=c, shingle_count=n, scheme=SCHEME)
                    for i, c, n in zip(ids, compacts, counts, strict=True)
                ],
                batch_size=500,
            )
            SimilarityBand.objects.bulk_create(
                [
                    SimilarityBand(band_key=k, petition_id=i)
                    for k, i in zip(band_keys.tolist(), band_ids.tolist(), strict=True)
                ],
                batch_size=500,
                ignore_conflicts=True,
            )
    return len(ids)


_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_PG_TRAILER = struct.pack("!h", -1)
_BAND_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("key", ">i8"), ("l2", ">i4"), ("pid", ">i8")])


def _copy_postgresql(
    ids: Sequence[int],
    compacts: Sequence[str],
    counts: Sequence[int],
    band_keys: npt.NDArray[np.int64],
    band_ids: npt.NDArray[np.int64],
) -> bool:
    """Write entries and bands with binary COPY; False when not on PostgreSQL + psycopg 3."""
    if connection.vendor != "postgresql":
        return False
    entry_table, band_table = _tables()
    with connection.cursor() as wrapper:
        raw = wrapper.cursor
        if not hasattr(raw, "copy"):  # psycopg2
            return False
        parts = [_PG_HEADER]
        for pid, comp, count in zip(ids, compacts, counts, strict=True):
            data = comp.encode("utf-8")
            parts.append(
                struct.pack(f"!hiqi{len(data)}siiih", 4, 8, pid, len(data), data, 4, count, 2, SCHEME)
            )
        parts.append(_PG_TRAILER)
        with raw.copy(
            f"COPY {entry_table} (petition_id, compact, shingle_count, scheme) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(b"".join(parts))
        if band_keys.size:
            rows = np.empty(band_keys.size, dtype=_BAND_ROW)
            rows["n"], rows["l1"], rows["l2"] = 2, 8, 8
            rows["key"], rows["pid"] = band_keys, band_ids
            with raw.copy(f"COPY {band_table} (band_key, petition_id) FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(_PG_HEADER + rows.tobytes() + _PG_TRAILER)
    return True


# -- lookup -----------------------------------------------------------------------------


def similar_find(
    text: str,
    *,
    top: int = 10,
    min_score: float = 0.3,
    exclude_id: int | None = None,
    max_candidates: int = MAX_CANDIDATES,
    within: QuerySet[Any] | None = None,
) -> list[SimilarHit]:
    """Indexed petitions whose exact 3-gram Jaccard similarity to ``text`` is >= ``min_score``.

    Best first (ties by id), at most ``top``. Candidates come from the LSH band keys, so a
    petition with similarity >= 0.7 is found with probability >= 0.996 per pair; below
    about 0.6 results are best effort (see docs/intelligence-similarity.md).

    ``within`` (a queryset of petitions) restricts the candidates *before* they are ranked and
    cut: a petition outside it takes no place in the list (R-150: a hidden accusation must not
    push out a petition the viewer may see — a list one short would tell him it exists).
    """
    if top < 1:
        return []
    query = _prepare(text)
    n = int(query.shingles.size)
    if n == 0:
        return []
    keys = _band_keys([query.shingles])[0].tolist()
    entry_table, band_table = _tables()
    marks = ", ".join(["%s"] * len(keys))
    where: list[str] = []
    params: list[Any] = [*keys]
    if min_score > 0:
        # |A ∩ B| / |A ∪ B| <= min(|A|, |B|) / max(|A|, |B|): a size filter before verification.
        where.append("e.shingle_count BETWEEN %s AND %s")
        params += [math.floor(n * min_score), math.ceil(n / min_score)]
    if exclude_id is not None:
        where.append("e.petition_id <> %s")
        params.append(int(exclude_id))
    if within is not None:
        subquery, sub_params = within.values("pk").query.sql_with_params()
        where.append(f"e.petition_id IN ({subquery})")
        params += list(sub_params)
    params.append(int(max_candidates))
    sql = (
        f"SELECT e.petition_id, e.compact FROM ("
        f"SELECT petition_id, COUNT(*) AS hits FROM {band_table} WHERE band_key IN ({marks}) GROUP BY petition_id"
        f") c JOIN {entry_table} e ON e.petition_id = c.petition_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY c.hits DESC, e.petition_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hits = []
    for pid, comp in rows:
        score = jaccard(query.shingles, shingles(comp, SHINGLE_K))
        if score >= min_score and score > 0.0:
            hits.append(SimilarHit(int(pid), score))
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits[:top]


def similar_to_petition(
    petition: Petition, *, top: int = 10, min_score: float = 0.3, within: QuerySet[Any] | None = None
) -> list[SimilarHit]:
    """Petitions similar to ``petition`` (itself excluded), among ``within`` if given."""
    return similar_find(
        petition_match_text(petition),
        top=top,
        min_score=min_score,
        exclude_id=int(petition.pk),
        within=within,
    )
