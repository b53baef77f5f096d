"""Fast character-bigram TF-IDF vectors for Chinese text, computed with numpy over the whole corpus.

Chinese has no spaces, and petition texts are full of names jieba does not know, so overlapping
character bigrams are a robust unit for similarity. The bigrams are hashed into ``n_features``
columns (no vocabulary to build), the whole corpus is encoded as one UTF-32 array and every step is
a vectorised numpy/scipy operation, so a million short texts take seconds, not minutes.

Pure module: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

import numpy as np
import scipy.sparse as sp

_SEP = "\x00"


def _word_char_mask(codes: np.ndarray) -> np.ndarray:
    """True for CJK ideographs, ASCII digits and ASCII letters (after NFKC); other characters break bigrams."""
    return (
        ((codes >= 0x4E00) & (codes <= 0x9FFF))
        | ((codes >= 0x30) & (codes <= 0x39))
        | ((codes >= 0x41) & (codes <= 0x5A))
        | ((codes >= 0x61) & (codes <= 0x7A))
    )


def bigram_tfidf(texts: Sequence[str], *, n_features: int = 1 << 20) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows (sublinear tf, smoothed idf) of hashed character bigrams.

    Rows of texts without any bigram are all-zero (their similarity to anything is 0).
    """
    return tfidf_from_tf(bigram_tf(texts, n_features=n_features))


def bigram_tf(texts: Iterable[str], *, n_features: int = 1 << 20, block: int = 20_000) -> sp.csr_matrix:
    """Sublinear term frequencies (1 + ln tf) of hashed character bigrams, one row per text.

    Each row depends on its text alone: the rows of parts of a corpus, stacked, are the rows of the
    whole corpus (the idf is applied afterwards, over the stacked rows, by :func:`tfidf_from_tf`).
    The texts (any iterable: a generator need not be held in memory) are encoded ``block`` at a
    time, so the working arrays stay small (a few tens of MB) whatever the corpus size; the blocks
    are then copied into the result one by one and dropped, so the result is never held twice.
    """
    it = iter(texts)
    parts: list[sp.csr_matrix | None] = []
    while chunk := list(islice(it, block)):
        parts.append(_bigram_tf_block(chunk, n_features))
    if not parts:
        return sp.csr_matrix((0, n_features), dtype=np.float32)
    if len(parts) == 1:
        return parts[0]
    n = sum(part.shape[0] for part in parts if part is not None)
    nnz = sum(int(part.indptr[-1]) for part in parts if part is not None)
    # np.empty takes no memory until written: each block's copy lands as the block is released.
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(nnz, dtype=np.int32)
    data = np.empty(nnz, dtype=np.float32)
    offset, row = 0, 0
    for k, part in enumerate(parts):
        assert part is not None
        rows, size = part.shape[0], int(part.indptr[-1])
        indptr[row + 1 : row + rows + 1] = part.indptr[1:] + offset
        indices[offset : offset + size] = part.indices
        data[offset : offset + size] = part.data
        parts[k] = None
        offset += size
        row += rows
    if nnz < np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    return sp.csr_matrix((data, indices, indptr), shape=(n, n_features))


def _bigram_tf_block(texts: Sequence[str], n_features: int) -> sp.csr_matrix:
    n = len(texts)
    joined = _SEP.join(texts) + _SEP
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=n)
    doc = np.repeat(np.arange(n, dtype=np.int32), lengths)
    ok = _word_char_mask(codes)
    pair_ok = ok[:-1] & ok[1:]
    left = codes[:-1][pair_ok]
    right = codes[1:][pair_ok]
    rows = doc[:-1][pair_ok]
    cols = ((left * 1_000_003 + right) % n_features).astype(np.int32)
    data = np.ones(rows.shape[0], dtype=np.float32)
    m = sp.csr_matrix((data, (rows, cols)), shape=(n, n_features), dtype=np.float32)
    m.sum_duplicates()
    # Sublinear term frequency.
    m.data = 1.0 + np.log(m.data)
    return m


def tfidf_from_tf(tf: sp.csr_matrix, *, copy: bool = True) -> sp.csr_matrix:
    """Smoothed idf over the rows of ``tf`` (the corpus) applied to them, rows L2-normalised.

    With ``copy=False`` the values of ``tf`` are overwritten (no second matrix of the corpus's size).
    """
    n, n_features = tf.shape
    if n == 0:
        return sp.csr_matrix((0, n_features), dtype=np.float32)
    m = tf.copy() if copy else tf
    if m.data.dtype != np.float32:
        m.data = m.data.astype(np.float32)
    df = np.bincount(m.indices, minlength=n_features).astype(np.float32)
    idf = (np.log((n + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)
    step = 50_000  # rows at a time: the temporaries stay small
    for start in range(0, n, step):
        stop = min(n, start + step)
        lo, hi = int(m.indptr[start]), int(m.indptr[stop])
        values = m.data[lo:hi]
        values *= idf[m.indices[lo:hi]]
        counts = np.diff(m.indptr[start : stop + 1])
        row = np.repeat(np.arange(stop - start), counts)
        norms = np.sqrt(np.bincount(row, weights=values.astype(np.float64) ** 2, minlength=stop - start))
        norms[norms == 0] = 1.0
        values *= (1.0 / norms).astype(np.float32)[row]
    return m


def pair_cosine(m: sp.csr_matrix, left: np.ndarray, right: np.ndarray, *, chunk: int = 50_000) -> np.ndarray:
    """Cosine similarity of row ``left[k]`` and row ``right[k]`` for every k (rows are L2-normalised)."""
    out = np.zeros(left.shape[0], dtype=np.float32)
    for start in range(0, left.shape[0], chunk):
        a = m[left[start : start + chunk]]
        b = m[right[start : start + chunk]]
        out[start : start + chunk] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out
