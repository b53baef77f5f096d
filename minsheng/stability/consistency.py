"""一碗水端平: the pure pairing rule (no Django), used by ``services.consistency_scan`` and by
``scripts/consistency_sample.py`` on outside data. Two concluded cases are flagged when they share
a group (category and place), their texts are alike (exact 3-gram Jaccard ≥ min_score) and
their outcomes oppose: favourable (支持, 部分支持) against unfavourable (不予支持)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from minsheng.core.text import compact
from minsheng.intelligence.nlp.minhash import jaccard, shingles

FAVOURABLE = frozenset({"support", "partial_support"})
UNFAVOURABLE = frozenset({"not_support"})


def outcomes_oppose(a: str, b: str) -> bool:
    """解释说明 (explain) is neither side: it answers requests neither granted nor refused."""
    return (a in FAVOURABLE and b in UNFAVOURABLE) or (a in UNFAVOURABLE and b in FAVOURABLE)


@dataclass(frozen=True)
class Case:
    id: Hashable
    group: Hashable
    outcome: str
    text: str


def find_pairs(cases: Iterable[Case], min_score: float = 0.5) -> list[tuple[Hashable, Hashable, float]]:
    """All flagged pairs (first id, second id, similarity), most similar first; brute force inside
    each group (for samples; the database scan uses the LSH index)."""
    groups: dict[Hashable, list[Case]] = defaultdict(list)
    for case in cases:
        if case.outcome in FAVOURABLE | UNFAVOURABLE:
            groups[case.group].append(case)
    pairs = []
    for members in groups.values():
        sets = [shingles(compact(c.text)) for c in members]
        for i, a in enumerate(members):
            for j in range(i + 1, len(members)):
                b = members[j]
                if not outcomes_oppose(a.outcome, b.outcome):
                    continue
                score = jaccard(sets[i], sets[j])
                if score >= min_score:
                    pairs.append((a.id, b.id, round(score, 4)))
    pairs.sort(key=lambda p: (-p[2], str(p[0]), str(p[1])))
    return pairs
