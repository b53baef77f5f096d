"""Pairwise precision/recall of the hot-issue clustering on the hand-labelled TipDM groups.

The labelled set (``minsheng/analytics/data/hot_issue_groups.csv``, procedure in docs/analytics.md)
holds 606 messages of both vendored TipDM files: 145 groups of messages about one concrete matter
(2-6 each) and 295 singletons (hard negatives: same place or same kind of request, other matter;
and random messages without a candidate partner). Every row has a ``split``: ``tune`` (about 70 %,
used to choose the method and thresholds) or ``holdout`` (about 30 %, by a CRC32 hash of the group
name; never looked at while tuning). The clustering runs over the *whole* corpus (3,793 messages);
the scores are computed over pairs of labelled messages of one split only.

Run: ``python -m minsheng.analytics.nlp.evaluate [-v]``. Pure module: no Django.
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
EVAL_CSV = PACKAGE / "data" / "hot_issue_groups.csv"
SPLITS = ("tune", "holdout")
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


def load_labels(path: Path = EVAL_CSV, split: str | None = None) -> dict[str, str]:
    """Message key -> group name (of one ``split`` if given); every singleton ("S") gets its own group."""
    labels: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if split is not None and row.get("split", "tune") != split:
                continue
            key = f"{row['source']}:{row['留言编号']}"
            group = row["group"].strip()
            labels[key] = f"S:{key}" if group == "S" else group
    return labels


def largest_cluster_shares(truth: dict[str, str], predicted: dict[str, int | str]) -> dict[str, float]:
    """Per labelled group of 2+ messages: the share of its members in its largest predicted cluster."""
    groups: dict[str, list[str]] = {}
    for key, group in truth.items():
        if not group.startswith("S:"):
            groups.setdefault(group, []).append(key)
    out: dict[str, float] = {}
    for group, keys in sorted(groups.items()):
        counts: dict[str, int] = {}
        for key in keys:
            counts[str(predicted[key])] = counts.get(str(predicted[key]), 0) + 1
        out[group] = max(counts.values()) / len(keys)
    return out


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


def predict(params: HotIssueParams | None = None) -> dict[str, int | str]:
    """Cluster the whole vendored corpus; message key -> cluster label."""
    corpus = load_tipdm_corpus()
    clustering = cluster_messages(corpus, params)
    return {str(m.id): int(lab) for m, lab in zip(corpus, clustering.labels, strict=True)}


def evaluate(
    params: HotIssueParams | None = None, split: str | None = "tune"
) -> tuple[PairScores, dict[str, int | str]]:
    """Scores on one split (``None``: all labelled messages) and the predicted labels."""
    predicted = predict(params)
    return pairwise_scores(load_labels(split=split), predicted), predicted


def report(predicted: dict[str, int | str], split: str | None, verbose: bool = False) -> list[str]:
    truth = load_labels(split=split)
    scores = pairwise_scores(truth, predicted)
    shares = largest_cluster_shares(truth, predicted)
    whole = sum(1 for v in shares.values() if v == 1.0)
    mean_share = sum(shares.values()) / len(shares) if shares else 1.0
    lines = [
        f"[{split or 'all'}] messages={len(truth)} groups={len(shares)} "
        f"pairwise precision={scores.precision:.3f} recall={scores.recall:.3f} f1={scores.f1:.3f} "
        f"(true pairs {scores.true_pairs}, predicted {scores.predicted_pairs}, correct {scores.correct_pairs}); "
        f"largest-cluster share mean={mean_share:.3f}, groups found whole {whole}/{len(shares)}"
    ]
    if verbose:
        groups: dict[str, list[str]] = {}
        for k, g in truth.items():
            groups.setdefault(g, []).append(k)
        for g, ks in sorted(groups.items()):
            if len({str(predicted[k]) for k in ks}) > 1 and not g.startswith("S:"):
                lines.append(f"  split {g} ({shares[g]:.2f}): {[(k, predicted[k]) for k in ks]}")
        by_cluster: dict[str, list[str]] = {}
        for k in truth:
            by_cluster.setdefault(str(predicted[k]), []).append(k)
        for c, ks in sorted(by_cluster.items()):
            if len({truth[k] for k in ks}) > 1:
                lines.append(f"  merged cluster {c}: {[(k, truth[k]) for k in ks]}")
    return lines


def main() -> int:
    predicted = predict()
    for split in SPLITS:
        for line in report(predicted, split, verbose="-v" in sys.argv):
            print(line)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
