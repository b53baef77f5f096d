"""Pairwise precision/recall of the hot-issue clustering on the hand-labelled TipDM groups.

The labelled set (``minsheng/analytics/data/hot_issue_eval.csv``) was built by the author of this
module by reading the messages: 38 groups of messages about one concrete matter, plus 30 singletons
chosen as hard negatives (same place, other problem; same template letter, other place ...). The
clustering runs over the *whole* corpus (both vendored TipDM files, 3,793 messages); the scores are
computed over pairs of labelled messages only.

Run: ``python -m minsheng.analytics.nlp.evaluate``. Pure module: no Django.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from .hotspots import HotIssueParams, cluster_messages
from .records import Message, read_messages

PACKAGE = Path(__file__).resolve().parents[1]
TIPDM_DIR = PACKAGE.parent / "core" / "data" / "tipdm"
EVAL_CSV = PACKAGE / "data" / "hot_issue_eval.csv"
SOURCES = {"labeled": "messages_labeled.csv.gz", "replies": "messages_with_replies.csv.gz"}


@dataclass(frozen=True, slots=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def load_tipdm_corpus() -> list[Message]:
    """Both vendored TipDM files as one corpus; ids are ``"labeled:<留言编号>"`` / ``"replies:<留言编号>"``."""
    out: list[Message] = []
    for source, name in SOURCES.items():
        with gzip.open(TIPDM_DIR / name, "rt", encoding="utf-8") as fh:
            rows = list(csv.DictReader(io.StringIO(fh.read(), newline="")))
        for row in rows:
            row["留言编号"] = f"{source}:{row['留言编号']}"
        out.extend(read_messages(rows))
    return out


def load_labels(path: Path = EVAL_CSV) -> dict[str, str]:
    """Message key -> group name; every singleton ("S") gets a group of its own."""
    labels: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = f"{row['source']}:{row['留言编号']}"
            group = row["group"].strip()
            labels[key] = f"S:{key}" if group == "S" else group
    return labels


def pairwise_scores(truth: dict[str, str], predicted: dict[str, int | str]) -> PairScores:
    """Pairwise precision/recall/F1 over the items of ``truth`` (all must be in ``predicted``)."""
    keys = sorted(truth)
    missing = [k for k in keys if k not in predicted]
    if missing:
        raise KeyError(f"labelled messages not in the corpus: {missing[:5]}")
    true_pairs = {(a, b) for a, b in combinations(keys, 2) if truth[a] == truth[b]}
    pred_pairs = {(a, b) for a, b in combinations(keys, 2) if predicted[a] == predicted[b]}
    correct = len(true_pairs & pred_pairs)
    precision = correct / len(pred_pairs) if pred_pairs else 1.0
    recall = correct / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, len(true_pairs), len(pred_pairs), correct)


def evaluate(params: HotIssueParams | None = None) -> tuple[PairScores, dict[str, int | str]]:
    corpus = load_tipdm_corpus()
    clustering = cluster_messages(corpus, params)
    predicted: dict[str, int | str] = {
        str(m.id): int(lab) for m, lab in zip(corpus, clustering.labels, strict=True)
    }
    return pairwise_scores(load_labels(), predicted), predicted


def main() -> int:
    scores, predicted = evaluate()
    truth = load_labels()
    print(  # noqa: T201
        f"pairwise precision={scores.precision:.3f} recall={scores.recall:.3f} f1={scores.f1:.3f} "
        f"(true pairs {scores.true_pairs}, predicted {scores.predicted_pairs}, correct {scores.correct_pairs})"
    )
    if "-v" in sys.argv:
        groups: dict[str, list[str]] = {}
        for k, g in truth.items():
            groups.setdefault(g, []).append(k)
        for g, ks in sorted(groups.items()):
            clusters = sorted({str(predicted[k]) for k in ks})
            if len(clusters) > 1 and not g.startswith("S:"):
                print(f"split {g}: {[(k, predicted[k]) for k in ks]}")  # noqa: T201
        by_cluster: dict[str, list[str]] = {}
        for k in truth:
            by_cluster.setdefault(str(predicted[k]), []).append(k)
        for c, ks in sorted(by_cluster.items()):
            if len({truth[k] for k in ks}) > 1:
                print(f"merged cluster {c}: {[(k, truth[k]) for k in ks]}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
