"""Tokenisation for the full-text index (pure: no Django).

Chinese has no spaces, and a word segmenter's output differs between a document and a short
query, so the index stores *character bigrams* of every run of CJK characters (and whole words
for Latin letters and digits). A query term is then a phrase of consecutive bigrams: an exact
substring match, answered from the index (FTS5 phrase / tsquery ``<->``), on both databases.
Queries longer than two characters are split into words with jieba, so that "拖欠工资" also finds
"拖欠农民工工资" (every word must occur, in any order).
"""

from __future__ import annotations

import hashlib
import re

from minsheng.core.text import normalize

_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _runs(text: str) -> list[str]:
    return _RUN_RE.findall(normalize(text))


def run_tokens(run: str) -> list[str]:
    """The tokens of one run: bigrams for CJK (a single character stays itself), else the word."""
    if not _CJK_RE.match(run):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def document_tokens(text: str) -> str:
    """Space-separated tokens of a document; runs are separated by a break token so that a
    phrase never spans punctuation."""
    parts: list[str] = []
    for run in _runs(text):
        parts.extend(run_tokens(run))
        parts.append("zzbrk")  # separator: keeps phrases from crossing run boundaries
    return " ".join(parts)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def query_terms(query: str) -> list[str]:
    """Search terms of a user query: whitespace-separated chunks; long CJK chunks are split into
    jieba words (search mode), keeping words of two or more characters not inside a longer one."""
    terms: list[str] = []
    for chunk in normalize(query).split(" "):
        runs = _RUN_RE.findall(chunk)
        for run in runs:
            if _CJK_RE.match(run) and len(run) > 2:
                import jieba

                # Finest search-mode words: "拖欠工资" → 拖欠, 工资 (not the compound itself).
                candidates = {w for w in jieba.lcut_for_search(run) if len(w) >= 2}
                words = [w for w in jieba.lcut(run) if len(w) >= 2]
                fine: list[str] = []
                for word in words or [run]:
                    parts = [c for c in candidates if c != word and c in word] if len(word) >= 4 else []
                    if parts:
                        parts = [c for c in parts if not any(o != c and o in c for o in parts)]
                        fine.extend(sorted(parts, key=word.index))
                    else:
                        fine.append(word)
                words = fine
                for word in words:
                    if not any(word in kept for kept in terms):
                        terms.append(word)
            elif run not in terms:
                terms.append(run)
    return terms[:8]


def term_phrase(term: str) -> list[str]:
    """The consecutive tokens a term must match."""
    return run_tokens(term)
