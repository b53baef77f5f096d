"""Character shingles, MinHash signatures and LSH band keys (pure: numpy only, no Django).

The similarity index of minsheng stores, for every petition, the band keys produced here
in an indexed database table; a lookup fetches the petitions that share at least one band
key with the query (the LSH candidates) and keeps those whose *exact* Jaccard similarity
of character 3-gram shingles reaches the requested score.

Everything here is deterministic across processes, machines and numpy versions: shingle
ids pack Unicode code points, permutation parameters come from a hand-written splitmix64
sequence, and mixing uses the MurmurHash3 64-bit finaliser. Python's randomised ``hash()``
and numpy's random generators are never used, because band keys are persisted.

Parameters (see docs/intelligence-similarity.md for the S-curve):

* ``BANDS = 20`` bands of ``ROWS = 4`` rows (``NUM_PERM = 80`` permutations);
* a pair with Jaccard ``s`` becomes a candidate with probability ``1 - (1 - s**4)**20``:
  0.996 at ``s = 0.7``, 0.94 at 0.6, 0.15 at 0.3, 0.002 at 0.1.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BANDS",
    "DEFAULT_SEED",
    "NUM_PERM",
    "ROWS",
    "LSHIndex",
    "MinHasher",
    "ShingleArray",
    "collision_probability",
    "jaccard",
    "shingles",
]

ShingleArray = npt.NDArray[np.uint64]
"""Sorted, unique 64-bit shingle ids."""

BANDS = 20
ROWS = 4
NUM_PERM = BANDS * ROWS
DEFAULT_SEED = 20240601

_MASK64 = (1 << 64) - 1
_C1 = np.uint64(0xFF51AFD7ED558CCD)
_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_POLY = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime, used for k > 3
_SHORT_FLAG = np.uint64(1 << 63)  # marks the single shingle of a text shorter than k
_CODE_BITS = 21  # every Unicode code point fits in 21 bits
_EMPTY: ShingleArray = np.empty(0, dtype=np.uint64)


def _fmix64(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's 64-bit finaliser, a bijection on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> _S33)
    x = x * _C1
    x = x ^ (x >> _S33)
    x = x * _C2
    return x ^ (x >> _S33)


def _splitmix64(seed: int, count: int) -> list[int]:
    """``count`` pseudo-random 64-bit integers from splitmix64 (stable forever)."""
    out: list[int] = []
    state = seed & _MASK64
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        out.append(z ^ (z >> 31))
    return out


def _code_points(text: str) -> npt.NDArray[np.uint64]:
    return np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.uint64)


def shingles(text: str, k: int = 3) -> ShingleArray:
    """Sorted unique ids of the character ``k``-grams of ``text`` (taken as given).

    Callers that want the matching form pass ``minsheng.core.text.compact(text)``.
    For ``k <= 3`` an id packs the ``k`` code points (21 bits each), so ids are exact:
    two shingles share an id only if they are the same string, and Jaccard similarity of
    the id sets equals that of the shingle sets. For ``k > 3`` ids are a 64-bit
    polynomial hash (stable, collisions negligible). A non-empty text shorter than ``k``
    has one shingle (the whole text); an empty text has none.
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    if not text:
        return _EMPTY
    cps = _code_points(text)
    n = cps.size
    if n < k:
        packed = np.uint64(0)
        for cp in cps:
            packed = (packed << np.uint64(_CODE_BITS)) | cp
        if k > 3:
            packed = _fmix64(np.array([packed], dtype=np.uint64))[0]
        return np.array([packed | _SHORT_FLAG], dtype=np.uint64)
    m = n - k + 1
    if k <= 3:
        ids = cps[:m].copy()
        for j in range(1, k):
            ids = (ids << np.uint64(_CODE_BITS)) | cps[j : j + m]
        ids &= ~_SHORT_FLAG
    else:
        ids = np.full(m, 0xCBF29CE484222325, dtype=np.uint64)
        for j in range(k):
            ids = (ids ^ cps[j : j + m]) * _POLY
        ids = _fmix64(ids) & ~_SHORT_FLAG
    return _sorted_unique(ids)


def _sorted_unique(values: npt.NDArray[np.uint64]) -> ShingleArray:
    # np.sort + mask is ~3x faster than np.unique on small arrays (numpy 2.x).
    values = np.sort(values)
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def jaccard(
    a: ShingleArray | set[Any] | frozenset[Any], b: ShingleArray | set[Any] | frozenset[Any]
) -> float:
    """Exact Jaccard similarity |a ∩ b| / |a ∪ b|; 0.0 when both are empty.

    Arrays must be sorted and unique (as returned by :func:`shingles`).
    """
    if isinstance(a, (set, frozenset)) or isinstance(b, (set, frozenset)):
        sa, sb = set(a), set(b)
        union = len(sa | sb)
        return len(sa & sb) / union if union else 0.0
    na, nb = int(a.size), int(b.size)
    if na == 0 or nb == 0:
        return 0.0
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    return inter / (na + nb - inter)


def collision_probability(similarity: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """Probability that a pair with Jaccard ``similarity`` shares at least one band key."""
    return float(1.0 - (1.0 - similarity**rows) ** bands)


class MinHasher:
    """MinHash with ``num_perm`` permutations ``h_i(x) = (a_i * mix(x) + b_i) >> 32``.

    ``mix`` is the MurmurHash3 finaliser (a bijection on 64 bits), ``a_i`` odd and ``b_i``
    drawn from splitmix64(``seed``); arithmetic wraps modulo 2**64 and the top 32 bits are
    kept (multiply-add-shift hashing). Signatures are ``uint32`` arrays of ``num_perm``.
    An empty set gets the all-``0xFFFFFFFF`` signature and no band keys.
    """

    def __init__(self, num_perm: int = NUM_PERM, seed: int = DEFAULT_SEED) -> None:
        if num_perm < 1:
            raise ValueError("num_perm must be >= 1")
        self.num_perm = num_perm
        self.seed = seed
        raw = _splitmix64(seed, 2 * num_perm + 1)
        self._a = np.array([x | 1 for x in raw[:num_perm]], dtype=np.uint64)[:, None]
        self._b = np.array(raw[num_perm : 2 * num_perm], dtype=np.uint64)[:, None]
        self._band_seed = raw[-1]

    # -- signatures -------------------------------------------------------------------
    def signature(self, shingle_ids: ShingleArray) -> npt.NDArray[np.uint32]:
        """Signature of one shingle-id array."""
        return self.signatures([shingle_ids])[0]

    def signatures(
        self, shingle_sets: Sequence[ShingleArray], *, chunk: int = 4096
    ) -> npt.NDArray[np.uint32]:
        """Signatures of many sets at once: an ``(len(shingle_sets), num_perm)`` array.

        Shingles of consecutive sets are concatenated and processed ``chunk`` columns at
        a time with ``np.minimum.reduceat``, so the Python overhead per set is small.
        """
        n = len(shingle_sets)
        out = np.full((n, self.num_perm), 0xFFFFFFFF, dtype=np.uint32)
        buf = np.empty((self.num_perm, chunk), dtype=np.uint64)
        start = 0
        while start < n:
            # Gather a run of sets whose shingles fit in one chunk (at least one set).
            stop, total = start, 0
            while stop < n and (stop == start or total + shingle_sets[stop].size <= chunk):
                total += shingle_sets[stop].size
                stop += 1
            sizes = np.fromiter(
                (s.size for s in shingle_sets[start:stop]), dtype=np.int64, count=stop - start
            )
            nonempty = np.flatnonzero(sizes)
            if nonempty.size:
                y = _fmix64(np.concatenate([shingle_sets[start + int(i)] for i in nonempty]))
                offsets = np.concatenate(([0], np.cumsum(sizes[nonempty])[:-1]))
                work = buf[:, : y.size] if y.size <= chunk else np.empty((self.num_perm, y.size), np.uint64)
                np.multiply(self._a, y[None, :], out=work)
                work += self._b
                # The top 32 bits of the minimum are the minimum of the top 32 bits.
                mins = np.minimum.reduceat(work, offsets, axis=1)  # (num_perm, docs)
                mins >>= _S32
                out[start + nonempty] = mins.T
            start = stop
        return out

    # -- LSH --------------------------------------------------------------------------
    def band_keys(
        self, signatures: npt.NDArray[np.uint32], bands: int = BANDS, rows: int = ROWS
    ) -> npt.NDArray[np.int64]:
        """Signed 64-bit keys, one per band: an ``(n, bands)`` array (or ``(bands,)``).

        Band ``i`` hashes rows ``i*rows .. (i+1)*rows - 1`` of the signature together with
        ``i``, so one flat key column can hold all bands. The chained MurmurHash3
        finaliser makes accidental collisions of different band contents ~2**-64.
        """
        if bands * rows > self.num_perm:
            raise ValueError(f"bands * rows = {bands * rows} exceeds num_perm = {self.num_perm}")
        single = signatures.ndim == 1
        sig = np.atleast_2d(signatures)[:, : bands * rows].astype(np.uint64).reshape(-1, bands, rows)
        seeds = np.array(
            [(self._band_seed + (i + 1) * 0x9E3779B97F4A7C15) & _MASK64 for i in range(bands)],
            dtype=np.uint64,
        )
        acc = np.broadcast_to(_fmix64(seeds), sig.shape[:2]).copy()
        for j in range(rows):
            acc = _fmix64(acc ^ sig[:, :, j])
        keys = acc.view(np.int64)
        return keys[0] if single else keys


class LSHIndex:
    """In-memory LSH index with exact-Jaccard verification (tests and benchmarks).

    The database index in ``minsheng.intelligence.similarity`` follows the same design:
    band key -> keys of the sets that have it, plus the shingle ids for verification.
    """

    def __init__(self, hasher: MinHasher | None = None, bands: int = BANDS, rows: int = ROWS) -> None:
        self.hasher = hasher or MinHasher(num_perm=bands * rows)
        self.bands = bands
        self.rows = rows
        self._buckets: defaultdict[int, list[Hashable]] = defaultdict(list)
        self._sets: dict[Hashable, ShingleArray] = {}

    def __len__(self) -> int:
        return len(self._sets)

    def add_many(self, keys: Sequence[Hashable], shingle_sets: Sequence[ShingleArray]) -> None:
        """Index sets (a key already present is not re-added)."""
        if len(keys) != len(shingle_sets):
            raise ValueError("keys and shingle_sets differ in length")
        all_keys = self.hasher.band_keys(self.hasher.signatures(shingle_sets), self.bands, self.rows)
        for key, sset, band_row in zip(keys, shingle_sets, all_keys, strict=True):
            if key in self._sets:
                continue
            self._sets[key] = sset
            if sset.size:
                for bk in band_row.tolist():
                    self._buckets[bk].append(key)

    def add(self, key: Hashable, shingle_ids: ShingleArray) -> None:
        self.add_many([key], [shingle_ids])

    def candidates(self, shingle_ids: ShingleArray) -> set[Hashable]:
        """Keys sharing at least one band key with the query (unverified)."""
        if not shingle_ids.size:
            return set()
        keys = self.hasher.band_keys(self.hasher.signature(shingle_ids), self.bands, self.rows)
        found: set[Hashable] = set()
        for bk in keys.tolist():
            found.update(self._buckets.get(bk, ()))
        return found

    def query(
        self,
        shingle_ids: ShingleArray,
        *,
        min_score: float = 0.0,
        top: int | None = None,
        exclude: Iterable[Hashable] = (),
    ) -> list[tuple[Hashable, float]]:
        """Verified hits ``(key, exact Jaccard)`` with score >= ``min_score``, best first."""
        skip = set(exclude)
        hits = [
            (key, jaccard(shingle_ids, self._sets[key]))
            for key in self.candidates(shingle_ids)
            if key not in skip
        ]
        hits = [h for h in hits if h[1] >= min_score and h[1] > 0.0]
        hits.sort(key=lambda h: (-h[1], str(h[0])))
        return hits if top is None else hits[:top]
