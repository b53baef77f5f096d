"""Sparse TF-IDF text features for the petition classifier (pure: no Django).

The vocabulary and IDF weights are plain Python lists / numpy arrays so that a trained
model can be stored as a compressed ``.npz`` plus JSON, independent of scikit-learn's
pickle format. Three feature spaces are used:

* ``c`` -- character 1..3-grams of title + body (robust to segmentation errors),
* ``w`` -- jieba words of title + body,
* ``t`` -- character 1..2-grams of the title alone (the title is a dense summary).

Each space is L2-normalised and scaled by its weight; the spaces are concatenated.
Optionally a fourth, dense-ish block of **keyword evidence** follows (:class:`KeywordSpace`):
one column per category group (a level-2 category of the taxonomy) counting how many of
its names (and their jieba words) occur in the text.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from minsheng.core.text import normalize

_DIGITS_RE = re.compile(r"[0-9a-z]+")
_PUNCT_RE = re.compile(r"[\W_]+")
_jieba_lock = threading.Lock()
_jieba_ready = False


def clean(text: str) -> str:
    """Normalise (NFKC, lower-case) and collapse every run of latin letters/digits to ``0``.

    Place codes such as ``A3区`` or ``K9县`` and numbers carry no topical signal and would
    otherwise fragment the vocabulary.
    """
    return _DIGITS_RE.sub("0", normalize(text))


def char_ngrams(text: str, n_min: int = 1, n_max: int = 3) -> list[str]:
    """Character n-grams of ``text`` (already cleaned), skipping grams that contain whitespace."""
    grams: list[str] = []
    n_chars = len(text)
    for n in range(n_min, n_max + 1):
        for i in range(n_chars - n + 1):
            gram = text[i : i + n]
            if " " in gram:
                continue
            if n == 1 and not gram.isalnum():
                continue
            grams.append(gram)
    return grams


def _ensure_jieba() -> Any:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def word_tokens(text: str) -> list[str]:
    """jieba words of ``text`` (already cleaned), without punctuation-only tokens."""
    jieba = _ensure_jieba()
    return [w for w in jieba.lcut(text, HMM=False) if w.strip() and not _PUNCT_RE.fullmatch(w)]


@dataclass
class TfidfSpace:
    """A vocabulary with smoothed IDF weights; sublinear TF, L2-normalised rows."""

    terms: list[str] = field(default_factory=list)
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0))
    index: dict[str, int] = field(default_factory=dict, repr=False)

    def fit(self, docs: Sequence[Sequence[str]], min_df: int = 1) -> TfidfSpace:
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        terms = sorted(t for t, c in df.items() if c >= min_df)
        n_docs = len(docs)
        self.terms = terms
        self.idf = np.array([math.log((1 + n_docs) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float64)
        self.index = {t: i for i, t in enumerate(terms)}
        return self

    @classmethod
    def from_arrays(cls, terms: list[str], idf: np.ndarray) -> TfidfSpace:
        return cls(
            terms=list(terms),
            idf=np.asarray(idf, dtype=np.float64),
            index={t: i for i, t in enumerate(terms)},
        )

    def __len__(self) -> int:
        return len(self.terms)

    def transform(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        cols: list[int] = []
        counts: list[int] = []
        get = self.index.get
        for r, doc in enumerate(docs):
            found = 0
            for tok, n in Counter(doc).items():
                j = get(tok)
                if j is not None:
                    cols.append(j)
                    counts.append(n)
                    found += 1
            indptr[r + 1] = indptr[r] + found
        col_arr = np.asarray(cols, dtype=np.int64)
        vals = (
            (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * self.idf[col_arr] if cols else np.zeros(0)
        )
        row_of = np.repeat(np.arange(len(docs)), np.diff(indptr))
        norms = np.sqrt(np.bincount(row_of, weights=vals * vals, minlength=len(docs)))
        norms[norms == 0] = 1.0
        vals = vals / norms[row_of]
        return sparse.csr_matrix((vals, col_arr, indptr), shape=(len(docs), len(self.terms)))


@dataclass
class FeatureConfig:
    char_min: int = 1
    char_max: int = 3
    char_weight: float = 1.0
    word_weight: float = 1.0
    title_weight: float = 1.0
    title_char_max: int = 2
    min_df: int = 2
    max_body_chars: int = 1000  # long letters: the start carries the subject; caps latency
    keyword_weight: float = 0.5  # weight of the taxonomy keyword block (0 = no block)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known.setdefault("keyword_weight", 0.0)  # models saved before the block existed
        return cls(**known)


@dataclass
class KeywordSpace:
    """Keyword evidence: column ``g`` counts the keywords of group ``g`` found in the text.

    ``terms[i]`` belongs to the groups ``term_groups[i]``; a term found ``n`` times adds
    ``1 + log(n)`` to each of its groups. Rows are L2-normalised.
    """

    groups: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    term_groups: list[list[int]] = field(default_factory=list)

    @classmethod
    def from_taxonomy(
        cls, rows: Sequence[tuple[str, str, str]], stop: frozenset[str] = frozenset()
    ) -> KeywordSpace:
        """Groups = (一级, 二级) pairs; keywords = the 二级 and 三级 names and their jieba words
        of two or more characters, except the generic words in ``stop``."""
        jieba = _ensure_jieba()
        groups = sorted({f"{a}/{b}" for a, b, _ in rows})
        gi = {g: i for i, g in enumerate(groups)}
        found: dict[str, set[int]] = {}
        for a, b, c in rows:
            g = gi[f"{a}/{b}"]
            for name in (b, c):
                name = clean(name)
                for term in {name, *jieba.lcut(name, HMM=False)}:
                    if len(term) >= 2 and term not in stop:
                        found.setdefault(term, set()).add(g)
        terms = sorted(found)
        return cls(groups=groups, terms=terms, term_groups=[sorted(found[t]) for t in terms])

    def __len__(self) -> int:
        return len(self.groups)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """``texts`` are already cleaned (:func:`clean`)."""
        out = np.zeros((len(texts), len(self.groups)))
        for r, text in enumerate(texts):
            for term, gs in zip(self.terms, self.term_groups, strict=True):
                n = text.count(term)
                if n:
                    out[r, gs] += 1.0 + math.log(n)
        norms = np.sqrt((out * out).sum(axis=1, keepdims=True))
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(out / norms)


SPACE_NAMES: tuple[str, ...] = ("c", "w", "t")


class FeatureExtractor:
    """Title + body → one sparse row (three concatenated TF-IDF spaces, then the keyword
    block if a :class:`KeywordSpace` is set and ``keyword_weight > 0``)."""

    def __init__(self, config: FeatureConfig | None = None, keywords: KeywordSpace | None = None) -> None:
        self.config = config or FeatureConfig()
        self.spaces: dict[str, TfidfSpace] = {}
        self.keywords = keywords
        self._all_terms: list[str] = []

    @property
    def use_keywords(self) -> bool:
        return self.keywords is not None and len(self.keywords) > 0 and self.config.keyword_weight > 0

    # -- tokenisation --------------------------------------------------------------
    def tokens(self, title: str, body: str) -> dict[str, list[str]]:
        cfg = self.config
        t = clean(title)
        full = t + "。" + clean((body or "")[: cfg.max_body_chars])
        return {
            "c": char_ngrams(full, cfg.char_min, cfg.char_max),
            "w": word_tokens(full),
            "t": char_ngrams(t, 1, cfg.title_char_max),
            "k": [full],
        }

    def _tokenise_all(self, titles: Sequence[str], bodies: Sequence[str]) -> dict[str, list[list[str]]]:
        out: dict[str, list[list[str]]] = {name: [] for name in (*SPACE_NAMES, "k")}
        for title, body in zip(titles, bodies, strict=True):
            toks = self.tokens(title, body)
            for name in (*SPACE_NAMES, "k"):
                out[name].append(toks[name])
        return out

    # -- fitting / transforming ------------------------------------------------------
    def weights(self) -> dict[str, float]:
        cfg = self.config
        return {"c": cfg.char_weight, "w": cfg.word_weight, "t": cfg.title_weight}

    def set_spaces(self, spaces: dict[str, TfidfSpace]) -> None:
        self.spaces = spaces
        self._all_terms = [term for name in SPACE_NAMES for term in spaces[name].terms]

    def fit(self, titles: Sequence[str], bodies: Sequence[str]) -> FeatureExtractor:
        toks = self._tokenise_all(titles, bodies)
        self.set_spaces({name: TfidfSpace().fit(toks[name], self.config.min_df) for name in SPACE_NAMES})
        return self

    def transform(self, titles: Sequence[str], bodies: Sequence[str]) -> sparse.csr_matrix:
        return self.transform_tokens(self._tokenise_all(titles, bodies))

    def transform_tokens(self, toks: dict[str, list[list[str]]]) -> sparse.csr_matrix:
        w = self.weights()
        mats = [self.spaces[name].transform(toks[name]) * w[name] for name in SPACE_NAMES]
        if self.use_keywords:
            assert self.keywords is not None
            texts = [doc[0] if doc else "" for doc in toks["k"]]
            mats.append(self.keywords.transform(texts) * self.config.keyword_weight)
        return sparse.hstack(mats, format="csr")

    def fit_transform(self, titles: Sequence[str], bodies: Sequence[str]) -> sparse.csr_matrix:
        toks = self._tokenise_all(titles, bodies)
        self.set_spaces({name: TfidfSpace().fit(toks[name], self.config.min_df) for name in SPACE_NAMES})
        return self.transform_tokens(toks)

    @property
    def n_text_features(self) -> int:
        """Number of TF-IDF columns (the keyword block, if any, follows them)."""
        return sum(len(self.spaces[name]) for name in SPACE_NAMES)

    @property
    def n_features(self) -> int:
        n = self.n_text_features
        if self.use_keywords:
            assert self.keywords is not None
            n += len(self.keywords)
        return n

    def term(self, j: int) -> str:
        """The term of global feature column ``j`` (keyword-block columns: ``[group]``)."""
        if j >= len(self._all_terms) and self.keywords is not None:
            return f"[{self.keywords.groups[j - len(self._all_terms)]}]"
        return self._all_terms[j]

    def feature_name(self, j: int) -> tuple[str, str]:
        """(space, term) of global feature column ``j``."""
        for name in SPACE_NAMES:
            size = len(self.spaces[name])
            if j < size:
                return name, self.spaces[name].terms[j]
            j -= size
        if self.use_keywords and self.keywords is not None and j < len(self.keywords):
            return "k", self.keywords.groups[j]
        raise IndexError(j)

    def offsets(self) -> dict[str, int]:
        out: dict[str, int] = {}
        start = 0
        for name in SPACE_NAMES:
            out[name] = start
            start += len(self.spaces[name])
        return out
