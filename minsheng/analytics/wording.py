"""Plain wording of analytics figures for leaders (pure: no Django).

The situation report, the dashboard and the alert texts put names produced elsewhere (category
names, places and keywords of hot issues) into sentences. These helpers keep the artefacts of that
out of the text: 「未分类类」, a place named twice (「洋湖街道、洋湖街道」), keyword fragments cut across
word boundaries (「音扰」 from 噪音扰民, 「程款」 from 工程款, 「物质」 from 非物质文化遗产), and a
change "与上期持平" when there was no previous period to compare with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = [
    "category_phrase",
    "change_phrase",
    "clean_keywords",
    "is_fragment",
    "join_places",
    "place_text",
]

#: The name of the category of a petition without one (analytics.selectors uses this one too).
UNCLASSIFIED = "未分类"


def category_phrase(name: str) -> str:
    """「城乡建设类」; a name that already ends in 类 (未分类, 其他类) is left as it is."""
    name = (name or "").strip() or UNCLASSIFIED
    return name if name.endswith("类") else f"{name}类"


def change_phrase(current: int, previous: int, *, digits: int = 1) -> str:
    """「环比上升12.5%」 / 「环比下降3.0%」 / 「与上期持平」, or 「上期无记录，不计算环比」."""
    if previous <= 0:
        return "上期无记录，不计算环比" if current else "与上期均无记录"
    change = (current - previous) / previous
    if abs(change) < 0.005:
        return "与上期持平"
    return f"环比{'上升' if change > 0 else '下降'}{abs(change) * 100:.{digits}f}%"


def join_places(parts: Iterable[str], sep: str = "、") -> str:
    """Join place names, each once: empty parts and parts contained in another part are dropped
    (「A3区」 next to 「A3区洋湖街道」), the order of first appearance is kept."""
    seen: list[str] = []
    for part in parts:
        part = (part or "").strip()
        if part and part not in seen:
            seen.append(part)
    kept = [p for p in seen if not any(p != q and p in q for q in seen)]
    return sep.join(kept)


def place_text(place: str) -> str:
    """A hot issue's place (region and named place, separated by spaces or 、) without repeats."""
    return join_places(re.split(r"[\s、，,]+", place or ""), sep=" ")


def _segment(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text, HMM=False) if w.strip()]


#: single characters that bind to the word after them (非物质, 不作为): a keyword after one is cut
BOUND_PREFIXES = frozenset("非不无未反伪准副亚超")


def _aligned(word: str, text: str) -> bool:
    """``word`` occurs in ``text`` as one segmentation word, or as a run of whole words that are
    not all single characters (来|建 is not a word), and not right after a bound prefix (非|物质)."""
    tokens: list[tuple[int, int]] = []
    pos = 0
    for w in _segment(text):
        i = text.find(w, pos)
        if i < 0:
            break
        tokens.append((i, i + len(w)))
        pos = i + len(w)
    for m in re.finditer(re.escape(word), text):
        start, end = m.start(), m.end()
        inside = [t for t in tokens if t[0] >= start and t[1] <= end]
        if not inside or inside[0][0] != start or inside[-1][1] != end:
            continue
        if len(inside) > 1 and all(b - a == 1 for a, b in inside):
            continue
        before = [t for t in tokens if t[1] == start]
        if before and before[0][1] - before[0][0] == 1 and text[before[0][0]] in BOUND_PREFIXES:
            continue
        return True
    return False


def is_fragment(word: str, texts: Sequence[str]) -> bool:
    """Whether ``word`` is cut across word boundaries in most of the ``texts`` that contain it
    (their dictionary segmentation, jieba without the HMM guesser that invents such fragments;
    see :func:`_aligned`). A word found in no text is a fragment."""
    containing = [t for t in texts if word in t]
    if not containing:
        return True
    aligned = sum(_aligned(word, t) for t in containing)
    return aligned * 2 < len(containing)


def clean_keywords(keywords: Iterable[str], texts: Sequence[str], place: str = "") -> list[str]:
    """The keywords that are whole words in the texts they come from, each once, minus the place."""
    out: list[str] = []
    for k in keywords:
        k = (k or "").strip()
        if not k or k in out or (place and k in place) or is_fragment(k, texts):
            continue
        out.append(k)
    return out
