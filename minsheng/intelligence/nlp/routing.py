"""Routing suggestion: which organ should handle a petition (pure: no Django).

Inputs are plain data (built from the database by :mod:`minsheng.intelligence.routing`):
organs, the responsibility table (organ × category × region scope, priority), the region
tree, and for one petition its category scores, region, nature, the organs named in its
text, and the organs it must never go to (the accused organ's subtree).

Scoring (0..1, documented in docs/intelligence.md):

* **Responsibility**: a row matches when its category is the petition's category or an
  ancestor of it (paths ``城乡建设`` ⊑ ``城乡建设/…``) and its region is the petition's region
  or an ancestor of it (a region scope covers its descendants). Its score is the category
  probability × a priority factor (``100 / priority``) × a region factor (1.0 when the
  petition's region is known, 0.8 when it is not and every scope is assumed to match).
* **Mentions**: an organ named in the text (name, short name, alias) gets 0.4 (full name)
  or 0.3 (short name / alias), combined as ``1 - (1 - a)(1 - b)``.
* **Nature**: litigation-related petitions go to the political-legal organs (R-022/R-068);
  accusations about officials go to the discipline body (R-088); other suggestions are
  halved then.
* **Accused organ**: it and every organ below it are removed (R-150); its parent organ is
  offered instead.
* **Fallback** (属地管理): the government of the petition's region (or nearest ancestor),
  unless the query turns it off (``territorial_fallback=False``: nothing is known).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from minsheng.core.text import normalize

__all__ = [
    "OrganInfo",
    "ResponsibilityRow",
    "RoutingQuery",
    "RoutingWorld",
    "Suggestion",
    "find_organ_mentions",
    "is_about_officials",
    "suggest",
]

POLITICAL_LEGAL_KINDS = ("political_legal", "court", "procuratorate")
DISCIPLINE_KIND = "discipline"
GOVERNMENT_KIND = "government"
BUREAU_KIND = "petition_bureau"

LITIGATION = "litigation_related"
ACCUSATION = "accusation"

MENTION_FULL = 0.4
MENTION_ALIAS = 0.3
UNKNOWN_REGION_FACTOR = 0.8
NATURE_ROUTE_SCORE = 0.85
OTHER_WHEN_NATURE_ROUTED = 0.5
FALLBACK_SCORE = 0.3
MIN_CATEGORY_PROB = 0.02  # categories less likely than this are not routed on
MIN_SCORE = 0.05  # suggestions below this are dropped (unless nothing else is left)
ACCUSED_PARENT_SCORE = 0.5

# Misconduct of public officials (discipline matters). Titles alone ("尊敬的领导", "局长")
# are not enough: nearly every message addresses an official.
_OFFICIALS_RE = re.compile(
    r"贪污|受贿|索贿|收受.{0,6}(?:贿赂|红包|好处|钱财)|腐败|挪用.{0,6}(?:公款|资金|款)|侵吞|以权谋私|滥用职权|"
    r"玩忽职守|失职渎职|渎职|吃拿卡要|公款|违纪|违反.{0,4}八项规定|充当.{0,4}保护伞|官商勾结|权钱交易|利益输送"
)


@dataclass(frozen=True)
class OrganInfo:
    id: int
    name: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    kind: str = "department"
    level: int = 2
    parent_id: int | None = None
    region_id: int | None = None
    is_active: bool = True
    successor_id: int | None = None


@dataclass(frozen=True)
class ResponsibilityRow:
    organ_id: int
    category_path: str  # "城乡建设" or "城乡建设/城乡规划" …
    region_id: int
    priority: int = 100


@dataclass(frozen=True)
class Suggestion:
    organ_id: int
    organ: str
    score: float
    reasons: list[str]

    def to_dict(self) -> dict[str, object]:
        return {
            "organ_id": self.organ_id,
            "organ": self.organ,
            "score": round(self.score, 3),
            "reasons": list(self.reasons),
        }


@dataclass
class RoutingWorld:
    organs: dict[int, OrganInfo]
    responsibilities: list[ResponsibilityRow]
    region_parent: dict[int, int | None]
    region_names: dict[int, str] = field(default_factory=dict)
    region_levels: dict[int, int] = field(default_factory=dict)
    # Organs that can act on a case: staff who receive it, and a competence (a responsibility row,
    # or a kind whose competence is by law: government, discipline, political-legal). None: all.
    able_organ_ids: frozenset[int] | None = None
    _mention_re: re.Pattern[str] | None = None
    _mention_forms: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)

    def region_chain(self, region_id: int | None) -> list[int]:
        """The region and its ancestors, nearest first."""
        chain: list[int] = []
        node = region_id
        while node is not None and node not in chain:
            chain.append(node)
            node = self.region_parent.get(node)
        return chain

    def region_label(self, region_id: int | None) -> str:
        """``A3区洋湖街道``: names from the county level down (or the region's own name)."""
        if region_id is None:
            return ""
        chain = list(reversed(self.region_chain(region_id)))
        parts = [self.region_names.get(r, "") for r in chain if self.region_levels.get(r, 3) >= 3]
        return "".join(parts) or self.region_names.get(region_id, "")

    def mention_pattern(self) -> tuple[re.Pattern[str] | None, dict[str, list[tuple[int, bool]]]]:
        if self._mention_re is None and self.organs:
            forms: dict[str, list[tuple[int, bool]]] = {}
            for organ in self.organs.values():
                if not organ.is_active:
                    continue
                for text, full in (
                    (organ.name, True),
                    (organ.short_name, False),
                    *((a, False) for a in organ.aliases),
                ):
                    form = normalize(text)
                    if len(form) >= 2:
                        forms.setdefault(form, []).append((organ.id, full))
            if forms:
                alternatives = sorted(forms, key=lambda s: (-len(s), s))
                self._mention_re = re.compile("|".join(re.escape(s) for s in alternatives))
            self._mention_forms = forms
        return self._mention_re, self._mention_forms


@dataclass
class RoutingQuery:
    text: str
    category_scores: Sequence[tuple[str, float]] = ()  # (category path or level-1 name, probability)
    category_source: str = "predicted"  # "registered" | "predicted"
    region_id: int | None = None
    region_confidence: float = 0.0
    nature: str = ""
    nature_confidence: float = 0.0
    excluded_organ_ids: frozenset[int] = frozenset()  # accused organ's subtree
    accused_organ_id: int | None = None
    accused_person: str = ""
    # False when nothing at all is known about the matter (no category, e.g. a draft the
    # classifier and the keywords could not place): a bare 属地管理 guess says nothing then.
    territorial_fallback: bool = True


def find_organ_mentions(world: RoutingWorld, text: str) -> list[tuple[int, str, bool]]:
    """Organs named in ``text``: (organ id, matched text, is the full name). Longest match wins.

    A short alias shared by several organs ("法院", "派出所") resolves to the organ whose region
    is the most general (the city organ), since the text rarely says which one.
    """
    pattern, forms = world.mention_pattern()
    if pattern is None:
        return []
    found: list[tuple[int, str, bool]] = []
    seen: set[int] = set()
    for m in pattern.finditer(normalize(text)):
        owners = forms.get(m.group(0), [])
        if not owners:
            continue
        owners = sorted(owners, key=lambda o: (not o[1], world.organs[o[0]].level, o[0]))
        organ_id, full = owners[0]
        if organ_id not in seen:
            seen.add(organ_id)
            found.append((organ_id, m.group(0), full))
    return found


def is_about_officials(text: str, accused_person: str = "") -> bool:
    """An accusation about public officials (discipline matters) rather than about a company."""
    return bool(accused_person.strip()) or bool(_OFFICIALS_RE.search(normalize(text)))


def _category_matches(row_path: str, query_path: str) -> bool:
    return query_path == row_path or query_path.startswith(row_path + "/")


def _combine(a: float, b: float) -> float:
    return 1.0 - (1.0 - a) * (1.0 - b)


def _resolve_active(world: RoutingWorld, organ_id: int) -> int | None:
    """The organ, or its successor if it was merged away (R-052); None when nothing is active."""
    seen: set[int] = set()
    node: int | None = organ_id
    while node is not None and node not in seen:
        seen.add(node)
        organ = world.organs.get(node)
        if organ is None:
            return None
        if organ.is_active:
            return node
        node = organ.successor_id
    return None


def _nearest_in_scope(world: RoutingWorld, kinds: Iterable[str], region_id: int | None) -> list[int]:
    """Active organs of the given kinds at the petition's region or its nearest ancestor that has one."""
    wanted = set(kinds)
    chain = world.region_chain(region_id)
    by_region: dict[int | None, list[int]] = {}
    for organ in world.organs.values():
        if organ.kind in wanted and organ.is_active:
            by_region.setdefault(organ.region_id, []).append(organ.id)
    for region in chain:
        if region in by_region:
            return sorted(by_region[region], key=lambda i: (world.organs[i].kind != next(iter(kinds)), i))
    # Region unknown: the most general organs (lowest level number below national).
    candidates = [i for ids in by_region.values() for i in ids]
    if not candidates:
        return []
    top_level = (
        min(world.organs[i].level for i in candidates if world.organs[i].level >= 2)
        if any(world.organs[i].level >= 2 for i in candidates)
        else min(world.organs[i].level for i in candidates)
    )
    return sorted(i for i in candidates if world.organs[i].level == top_level)


def suggest(world: RoutingWorld, query: RoutingQuery, top: int = 5) -> list[Suggestion]:
    """Ranked organ suggestions with a score in 0..1 and human-readable reasons (Chinese)."""
    scores: dict[int, float] = {}
    reasons: dict[int, list[str]] = {}

    def add(organ_id: int, score: float, *why: str) -> int | None:
        resolved = _resolve_active(world, organ_id)
        if resolved is None or resolved in query.excluded_organ_ids:
            return None
        if world.organs[resolved].kind == BUREAU_KIND:
            return None  # the petition bureau routes; it is never the competent organ itself
        if world.able_organ_ids is not None and resolved not in world.able_organ_ids:
            return None  # no staff to receive it, or no competence: a suggestion would dead-end
        scores[resolved] = _combine(scores.get(resolved, 0.0), max(0.0, min(1.0, score)))
        bucket = reasons.setdefault(resolved, [])
        for reason in why:
            if reason and reason not in bucket:
                bucket.append(reason)
        if resolved != organ_id:
            note = f"原机关已撤并，由{world.organs[resolved].name}承继"
            if note not in bucket:
                bucket.append(note)
        return resolved

    chain = world.region_chain(query.region_id)
    chain_set = set(chain)
    region_text = world.region_label(query.region_id)
    source = "已登记分类" if query.category_source == "registered" else "分类"

    # 1. responsibility table
    for path, prob in query.category_scores:
        if prob < MIN_CATEGORY_PROB:
            continue
        for row in world.responsibilities:
            if not _category_matches(row.category_path, path):
                continue
            if chain:
                if row.region_id not in chain_set:
                    continue
                region_factor = 1.0
            else:
                region_factor = UNKNOWN_REGION_FACTOR
            priority_factor = max(0.3, min(1.0, 100.0 / max(1, row.priority)))
            score = prob * priority_factor * region_factor
            add(
                row.organ_id,
                score,
                f"{source}：{path}（置信度{prob:.2f}）",
                f"地点：{region_text}" if region_text else "地点未识别",
                f"职责：{row.category_path} · {world.region_names.get(row.region_id, '')}",
            )

    # 2. organs named in the text
    for organ_id, matched, full in find_organ_mentions(world, query.text):
        add(organ_id, MENTION_FULL if full else MENTION_ALIAS, f"文中提及：{matched}")

    # 3. nature-specific routes
    routed_by_nature = False
    if query.nature == LITIGATION:
        mentioned = {oid for oid, _, _ in find_organ_mentions(world, query.text)}
        targets = _nearest_in_scope(world, POLITICAL_LEGAL_KINDS, query.region_id)
        if targets:
            routed_by_nature = True
            for rank, organ_id in enumerate(targets):
                bonus = 0.1 if organ_id in mentioned else -0.05 * rank
                add(
                    organ_id,
                    NATURE_ROUTE_SCORE + bonus,
                    "涉法涉诉：依法导入诉讼等法定途径，由政法部门处理（条例第二十八条）",
                )
    elif query.nature == ACCUSATION and is_about_officials(query.text, query.accused_person):
        targets = _nearest_in_scope(world, (DISCIPLINE_KIND,), query.region_id)
        if targets:
            routed_by_nature = True
            for organ_id in targets:
                add(organ_id, NATURE_ROUTE_SCORE, "检举控告公职人员：按照管理权限由纪检监察机关处理")
    if routed_by_nature:
        special = set(POLITICAL_LEGAL_KINDS) | {DISCIPLINE_KIND}
        for organ_id in list(scores):
            if world.organs[organ_id].kind not in special:
                scores[organ_id] *= OTHER_WHEN_NATURE_ROUTED

    # 4. accused organ: never to it or its subtree; its superior is an alternative
    if query.accused_organ_id is not None:
        accused = world.organs.get(query.accused_organ_id)
        if accused is not None and accused.parent_id is not None:
            add(
                accused.parent_id,
                ACCUSED_PARENT_SCORE,
                f"被检举控告单位（{accused.name}）的上级机关，不转被检举控告单位",
            )

    # 5. fallback: territorial government
    if not scores and query.territorial_fallback:
        for organ_id in _nearest_in_scope(world, (GOVERNMENT_KIND,), query.region_id)[:1]:
            place = region_text or world.region_names.get(world.organs[organ_id].region_id or -1, "")
            add(organ_id, FALLBACK_SCORE, f"属地管理：{place}".rstrip("："))

    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], world.organs[kv[0]].level, kv[0]))
    if ranked and ranked[0][1] >= MIN_SCORE:
        ranked = [kv for kv in ranked if kv[1] >= MIN_SCORE]
    return [
        Suggestion(
            organ_id=organ_id,
            organ=world.organs[organ_id].name,
            score=round(score, 4),
            reasons=_dedupe(reasons.get(organ_id, [])),
        )
        for organ_id, score in ranked[:top]
    ]


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out[:6]
