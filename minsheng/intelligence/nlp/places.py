"""Place recognition in petition text (pure: no Django).

Two kinds of places are found:

* **Administrative places** (district, street/town, ...) from a *gazetteer* passed in by the
  caller: every official name and alias is searched for; overlapping matches are resolved
  longest-first, then by specificity (deeper level wins). A bare street or town name that is
  not in the gazetteer (``桂花坪街道``, ``黄花镇``) is still reported, unresolved.
* **Estates and landmarks** (``…小区 / 花园 / 苑 / 公寓 / 学校 / 医院 / 工地 / 市场`` …) by
  regular expression, with the preceding administrative names and function words trimmed off.

Confidence is heuristic: an official name scores higher than an alias, a match in the
address field higher than one in free text, and a street whose district is also mentioned
is confirmed (its confidence raised). :func:`best_region` picks the most specific
consistent region. See docs/intelligence.md for the measured accuracy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from minsheng.core.text import normalize

__all__ = [
    "Gazetteer",
    "GazetteerEntry",
    "PlaceCandidate",
    "best_region",
    "find_landmarks",
    "find_places",
    "fold",
]

LEVEL_COUNTY = 3
LEVEL_TOWN = 4

# Names shorter than this (after normalisation) are ignored as aliases: too ambiguous.
MIN_ALIAS_LEN = 2


class GazetteerEntry(NamedTuple):
    """One administrative region: id, official name, aliases, level (1..5), parent id."""

    region_id: int
    name: str
    aliases: Sequence[str]
    level: int
    parent_id: int | None


@dataclass(frozen=True)
class PlaceCandidate:
    """A place found in the text. ``region_id`` is None for unresolved names and landmarks."""

    kind: str  # "region" | "street" (unresolved street/town) | "landmark"
    name: str  # the canonical name (official region name, or the landmark as written)
    matched: str  # the text actually matched
    start: int
    end: int
    source: str  # "address" | "text"
    confidence: float
    region_id: int | None = None
    level: int | None = None
    landmark_type: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "matched": self.matched,
            "span": [self.start, self.end],
            "source": self.source,
            "confidence": round(self.confidence, 3),
            "region_id": self.region_id,
            "level": self.level,
            "landmark_type": self.landmark_type,
        }


@dataclass
class Gazetteer:
    """Name index over regions, built once and reused (the Django side caches it)."""

    entries: dict[int, GazetteerEntry] = field(default_factory=dict)
    # normalised surface form -> list of (region_id, is_official_name)
    forms: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None

    @classmethod
    def build(
        cls, rows: Iterable[GazetteerEntry | tuple[int, str, Sequence[str], int, int | None]]
    ) -> Gazetteer:
        gaz = cls()
        for row in rows:
            entry = GazetteerEntry(*row)
            gaz.entries[entry.region_id] = entry
            official = fold(normalize(entry.name))
            if official:
                gaz.forms.setdefault(official, []).append((entry.region_id, True))
            for alias in entry.aliases or ():
                form = fold(normalize(alias))
                if len(form) >= MIN_ALIAS_LEN and form != official:
                    gaz.forms.setdefault(form, []).append((entry.region_id, False))
        if gaz.forms:
            # Longest alternatives first: the regex engine then prefers the longest match at a position.
            alternatives = sorted(gaz.forms, key=lambda s: (-len(s), s))
            # A latin/digit alias like "a1" must not match inside "a10" or "ba1".
            parts = [
                (r"(?<![a-z0-9])" if s[0].isascii() else "")
                + re.escape(s)
                + (r"(?![a-z0-9])" if s[-1].isascii() else "")
                for s in alternatives
            ]
            gaz.pattern = re.compile("|".join(parts))
        return gaz

    def ancestors(self, region_id: int) -> list[int]:
        """Ids of the region's ancestors, nearest first."""
        chain: list[int] = []
        node = self.entries.get(region_id)
        seen = {region_id}
        while node is not None and node.parent_id is not None and node.parent_id not in seen:
            chain.append(node.parent_id)
            seen.add(node.parent_id)
            node = self.entries.get(node.parent_id)
        return chain

    def path_name(self, region_id: int, from_level: int = 3) -> str:
        """E.g. ``A3区洋湖街道`` for a street (names from ``from_level`` down)."""
        ids = [region_id, *self.ancestors(region_id)]
        names = [
            self.entries[i].name
            for i in reversed(ids)
            if i in self.entries and self.entries[i].level >= from_level
        ]
        return "".join(names)


def fold(text: str) -> str:
    """Length-preserving normalisation (NFKC per character where it stays one character,
    lower case), so that match spans index the caller's original string."""
    out = []
    for ch in text or "":
        folded = unicodedata.normalize("NFKC", ch).lower()
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


# -- administrative names -----------------------------------------------------------------

_UNRESOLVED_STREET_RE = re.compile(
    r"([\u4e00-\u9fff]{2,6}?)(街道|镇|乡)(?![\u4e00-\u9fff]{0,1}(?:府|政|办|长|委))"
)
_STREET_STOP = set("的在于和与是了住我们这那该个从到及对给被把向位原现由省市区县")


def _overlaps(a: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a[0] < e and s < a[1] for s, e in spans)


def _scan(gaz: Gazetteer, text: str, source: str, original: str) -> list[PlaceCandidate]:
    if gaz.pattern is None or not text:
        return []
    base = 0.9 if source == "address" else 0.8
    found: list[PlaceCandidate] = []
    for m in gaz.pattern.finditer(text):
        form = m.group(0)
        shown = original[m.start() : m.end()]
        owners = gaz.forms.get(form, [])
        # Ambiguous surface forms (two regions share a name): prefer the most specific, lower confidence.
        owners = sorted(owners, key=lambda o: (not o[1], -gaz.entries[o[0]].level))
        penalty = 0.15 if len({o[0] for o in owners}) > 1 else 0.0
        region_id, official = owners[0]
        entry = gaz.entries[region_id]
        conf = base if official else base - 0.15
        found.append(
            PlaceCandidate(
                kind="region",
                name=entry.name,
                matched=shown,
                start=m.start(),
                end=m.end(),
                source=source,
                confidence=max(0.1, conf - penalty),
                region_id=region_id,
                level=entry.level,
            )
        )
    return found


# Anonymised sub-city units ("K8县", "B2区", "M4市") name their city by the letter: when the
# unit itself is not in the gazetteer, the city "<letter>市" is inferred (lower confidence).
_CODED_UNIT_RE = re.compile(r"(?<![a-z0-9])([a-z])(\d{1,2})(区|县|市)")


def _coded_units(
    gaz: Gazetteer, text: str, source: str, original: str, taken: list[tuple[int, int]]
) -> list[PlaceCandidate]:
    out: list[PlaceCandidate] = []
    for m in _CODED_UNIT_RE.finditer(text):
        if _overlaps((m.start(), m.end()), taken):
            continue
        owners = gaz.forms.get(f"{m.group(1)}市", [])
        if not owners:
            continue
        region_id = owners[0][0]
        entry = gaz.entries[region_id]
        out.append(
            PlaceCandidate(
                kind="region",
                name=entry.name,
                matched=original[m.start() : m.end()],
                start=m.start(),
                end=m.end(),
                source=source,
                confidence=0.6 if source == "address" else 0.55,
                region_id=region_id,
                level=entry.level,
            )
        )
    return out


def _unresolved_streets(text: str, source: str, taken: list[tuple[int, int]]) -> list[PlaceCandidate]:
    out: list[PlaceCandidate] = []
    for m in _UNRESOLVED_STREET_RE.finditer(text):
        stem = m.group(1)
        # Trim leading function words and administrative prefixes ("位于A2区桂花坪街道" -> 桂花坪).
        cut = max((i + 1 for i, ch in enumerate(stem) if ch in _STREET_STOP), default=0)
        stem = stem[cut:]
        if len(stem) < 2:
            continue
        start = m.start(1) + cut
        span = (start, m.end())
        if _overlaps(span, taken):
            continue
        name = stem + m.group(2)
        out.append(
            PlaceCandidate(
                kind="street",
                name=name,
                matched=name,
                start=span[0],
                end=span[1],
                source=source,
                confidence=0.45,
                level=LEVEL_TOWN,
            )
        )
    return out


# -- estates and landmarks -------------------------------------------------------------------

LANDMARK_SUFFIXES: dict[str, str] = {
    "小区": "estate",
    "花园": "estate",
    "家园": "estate",
    "新村": "estate",
    "公寓": "estate",
    "苑": "estate",
    "府": "estate",
    "城": "estate",
    "安置区": "estate",
    "宿舍": "estate",
    "中学": "school",
    "小学": "school",
    "幼儿园": "school",
    "大学": "school",
    "学院": "school",
    "学校": "school",
    "医院": "hospital",
    "卫生院": "hospital",
    "工地": "site",
    "项目": "site",
    "市场": "market",
    "广场": "landmark",
    "公园": "landmark",
    "大厦": "landmark",
    "商场": "landmark",
}
# "城" and "府" alone are too common in ordinary words; they only count after a 2+ char name
# that ends a proper noun (checked with the stop list) and never as "城市"/"政府".
_WEAK_SUFFIXES = {"城", "府", "苑", "项目", "宿舍"}
_SUFFIX_RE = "|".join(sorted((re.escape(s) for s in LANDMARK_SUFFIXES), key=len, reverse=True))
_LANDMARK_RE = re.compile(
    rf"([\u4e00-\u9fffA-Za-z0-9·]{{2,12}}?)({_SUFFIX_RE})(?![\u4e00-\u9fff]?(?:市|政|管|区))"
)
_LANDMARK_STOP = set(
    "的在于和与是了住我们这那该个从到及对给被把向位原现由为有到将就也都还让请求令止责说旁边近"
)
_GENERIC_STEMS = {
    "本",
    "该",
    "这个",
    "那个",
    "我们",
    "整个",
    "周边",
    "附近",
    "所在",
    "一个",
    "各个",
    "所有",
    "很多",
    "多个",
    "我家",
    "我校",
    "市",
    "公办",
    "民办",
    "私立",
    "高",
    "农贸",
    "建筑",
    "在建",
}


def find_landmarks(text: str, source: str = "text", gaz: Gazetteer | None = None) -> list[PlaceCandidate]:
    """Estates, schools, hospitals, sites and markets named in ``text`` (already folded)."""
    out: list[PlaceCandidate] = []
    region_spans: list[tuple[int, int]] = []
    if gaz is not None and gaz.pattern is not None:
        region_spans = [(m.start(), m.end()) for m in gaz.pattern.finditer(text)]
    for m in _LANDMARK_RE.finditer(text):
        stem, suffix = m.group(1), m.group(2)
        start = m.start(1)
        # Cut after the last administrative name inside the stem ("A3区洋湖街道幸福小区" -> 幸福).
        for s, e in region_spans:
            if start <= s < m.end(1) and e <= m.end(1):
                stem = text[e : m.end(1)]
                start = e
        for marker in ("街道", "县", "镇", "乡", "号", "栋", "旁", "边", "对面", "附近"):
            pos = stem.rfind(marker)
            if 0 <= pos < len(stem) - 1:
                start += pos + len(marker)
                stem = stem[pos + len(marker) :]
        cut = max((i + 1 for i, ch in enumerate(stem) if ch in _LANDMARK_STOP), default=0)
        stem = stem[cut:]
        start += cut
        if len(stem) < 2 or stem in _GENERIC_STEMS:
            continue
        if suffix in _WEAK_SUFFIXES and (len(stem) < 2 or stem[-1] in "政市县区省"):
            continue
        name = stem + suffix
        conf = 0.6 if suffix not in _WEAK_SUFFIXES else 0.45
        if source == "address":
            conf += 0.1
        out.append(
            PlaceCandidate(
                kind="landmark",
                name=name,
                matched=text[start : m.end()],
                start=start,
                end=m.end(),
                source=source,
                confidence=conf,
                landmark_type=LANDMARK_SUFFIXES[suffix],
            )
        )
    return out


# -- public API ------------------------------------------------------------------------------


def find_places(text: str, gaz: Gazetteer, address: str = "") -> list[PlaceCandidate]:
    """All place candidates in ``address`` and ``text``; spans index the strings as given.

    Sorted by confidence, most specific first. Each region is reported once per source (its
    first, highest-confidence mention); a street whose parent district is also mentioned (or
    vice versa) is confirmed, gaining confidence.
    """
    results: list[PlaceCandidate] = []
    for source, raw in (("address", address), ("text", text)):
        norm = fold(raw)
        if not norm.strip():
            continue
        regions = _scan(gaz, norm, source, raw)
        taken = [(c.start, c.end) for c in regions]
        regions += _coded_units(gaz, norm, source, raw, taken)
        taken = [(c.start, c.end) for c in regions]
        streets = _unresolved_streets(norm, source, taken)
        landmarks = find_landmarks(norm, source, gaz)
        seen: set[tuple[str, int | None, str]] = set()
        for cand in [*regions, *streets, *landmarks]:
            key = (cand.kind, cand.region_id, cand.name)
            if key in seen:
                continue
            seen.add(key)
            results.append(cand)
    # Confirmation: a region whose ancestor (or descendant) is also mentioned is more likely right.
    ids = {c.region_id for c in results if c.region_id is not None}
    confirmed: list[PlaceCandidate] = []
    for cand in results:
        if cand.region_id is not None:
            related = set(gaz.ancestors(cand.region_id)) & ids
            below = any(cand.region_id in gaz.ancestors(other) for other in ids if other != cand.region_id)
            if related or below:
                cand = _with_confidence(cand, min(0.99, cand.confidence + 0.1))
        confirmed.append(cand)
    confirmed.sort(key=lambda c: (-c.confidence, -(c.level or 0), c.source != "address", c.start))
    return confirmed


def _with_confidence(cand: PlaceCandidate, conf: float) -> PlaceCandidate:
    return PlaceCandidate(
        kind=cand.kind,
        name=cand.name,
        matched=cand.matched,
        start=cand.start,
        end=cand.end,
        source=cand.source,
        confidence=conf,
        region_id=cand.region_id,
        level=cand.level,
        landmark_type=cand.landmark_type,
    )


def best_region(candidates: Sequence[PlaceCandidate], gaz: Gazetteer) -> tuple[int | None, float]:
    """The most specific region consistent with the others, and its confidence.

    Each resolved region gets a support score: its own confidence plus the confidence of
    mentions of its ancestors; a region contradicted by a mention of a *different* district
    loses half. The deepest region among the best-supported ones wins (a street over its
    district); ties go to the address and to the earliest mention.
    """
    resolved = [c for c in candidates if c.region_id is not None]
    if not resolved:
        return None, 0.0
    best_conf: dict[int, float] = {}
    for c in resolved:
        assert c.region_id is not None
        best_conf[c.region_id] = max(best_conf.get(c.region_id, 0.0), c.confidence)
    ids = set(best_conf)
    scored: list[tuple[float, int, int, float]] = []
    for rid, conf in best_conf.items():
        ancestors = set(gaz.ancestors(rid))
        support = conf + sum(best_conf[a] for a in ancestors & ids) * 0.5
        final = min(0.99, conf + (0.1 if ancestors & ids else 0.0))
        level = gaz.entries[rid].level
        # Other mentioned regions of the same or a coarser level that are not ancestors conflict.
        conflicts = [
            o
            for o in ids
            if o != rid
            and o not in ancestors
            and rid not in gaz.ancestors(o)
            and LEVEL_COUNTY <= gaz.entries[o].level <= level
        ]
        if conflicts:
            support *= 0.5
            final *= 0.6
        scored.append((support, level, rid, final))
    top_support = max(t[0] for t in scored)
    # Among candidates within 25 % of the best support, take the most specific.
    near = [t for t in scored if t[0] >= top_support * 0.75]
    near.sort(key=lambda t: (-t[1], -t[0]))
    _support, _level, rid, final = near[0]
    return rid, round(final, 3)
