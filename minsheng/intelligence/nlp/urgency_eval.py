"""Reproducible evaluation of the urgency detector (pure: no Django).

    python -m minsheng.intelligence.nlp.urgency_eval [--errors]

Prints one JSON object with, for the self-labelled development sample
(``data/urgency_sample.csv``, real messages) and the frozen held-out set
(``data/urgency_heldout.csv``, hand-written texts never used for tuning):
precision / recall of "flagged" (attention or urgent) and of ``urgent``, exact three-way
agreement, held-out recall per risk family; and for all vendored TIPDM messages the share
flagged (the reading load) and the time per message. ``--errors`` also lists the misses
and false alarms (use it on the development sample only, never to tune on the held-out set).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .urgency import detect_urgency

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
TIPDM_DIR = Path(__file__).resolve().parents[2] / "core" / "data" / "tipdm"
SAMPLE = DATA_DIR / "urgency_sample.csv"
HELDOUT = DATA_DIR / "urgency_heldout.csv"

Detector = Callable[[str, str], str]


def _level(title: str, body: str) -> str:
    return detect_urgency(title, body).level


def tipdm_texts() -> dict[tuple[str, str], tuple[str, str]]:
    """(file key, 留言编号) -> (title, body) for both vendored message files."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for name, key in (("messages_labeled", "labeled"), ("messages_with_replies", "replies")):
        with gzip.open(TIPDM_DIR / f"{name}.csv.gz", "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                out[(key, row["留言编号"])] = (row["留言主题"], row["留言详情"])
    return out


def scores(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Metrics for (gold, predicted) level pairs."""
    pairs = list(pairs)
    tp = sum(g != "none" and p != "none" for g, p in pairs)
    fp = sum(g == "none" and p != "none" for g, p in pairs)
    fn = sum(g != "none" and p == "none" for g, p in pairs)
    utp = sum(g == "urgent" and p == "urgent" for g, p in pairs)
    ufp = sum(g != "urgent" and p == "urgent" for g, p in pairs)
    ufn = sum(g == "urgent" and p != "urgent" for g, p in pairs)
    return {
        "n": len(pairs),
        "gold": {lv: sum(g == lv for g, _ in pairs) for lv in ("none", "attention", "urgent")},
        "flagged_precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "flagged_recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "flagged": f"{tp}/{tp + fn} recalled, {fp} false alarms",
        "urgent_precision": round(utp / (utp + ufp), 3) if utp + ufp else None,
        "urgent_recall": round(utp / (utp + ufn), 3) if utp + ufn else None,
        "urgent": f"{utp}/{utp + ufn} recalled, {ufp} false alarms",
        "urgent_unflagged": sum(g == "urgent" and p == "none" for g, p in pairs),
        "exact_agreement": round(sum(g == p for g, p in pairs) / len(pairs), 3) if pairs else None,
    }


def evaluate_sample(
    texts: dict[tuple[str, str], tuple[str, str]], detector: Detector = _level
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    rows = list(csv.DictReader(SAMPLE.open(encoding="utf-8")))
    pairs, errors = [], []
    for row in rows:
        title, body = texts[(row["file"], row["message_id"])]
        pred = detector(title, body)
        pairs.append((row["label"], pred))
        if (row["label"] == "none") != (pred == "none") or (row["label"] == "urgent") != (pred == "urgent"):
            errors.append({"id": row["message_id"], "gold": row["label"], "pred": pred, "title": title})
    return scores(pairs), errors


def evaluate_heldout(detector: Detector = _level) -> tuple[dict[str, Any], list[dict[str, str]]]:
    rows = list(csv.DictReader(HELDOUT.open(encoding="utf-8")))
    pairs, errors = [], []
    families: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        pred = detector(row["text"], "")
        pairs.append((row["label"], pred))
        families.setdefault(row["family"], []).append((row["label"], pred))
        if (row["label"] == "none") != (pred == "none") or (row["label"] == "urgent") != (pred == "urgent"):
            errors.append({"id": row["id"], "gold": row["label"], "pred": pred, "text": row["text"]})
    result = scores(pairs)
    result["by_family"] = {
        fam: (
            f"{sum(p != 'none' for _, p in fp)}/{len(fp)} flagged"
            if fam != "neg"
            else f"{sum(p != 'none' for _, p in fp)}/{len(fp)} false alarms"
        )
        for fam, fp in sorted(families.items())
    }
    return result, errors


def evaluate_corpus(
    texts: dict[tuple[str, str], tuple[str, str]], detector: Detector = _level
) -> dict[str, Any]:
    counts = {"none": 0, "attention": 0, "urgent": 0}
    start = time.perf_counter()
    for title, body in texts.values():
        counts[detector(title, body)] += 1
    elapsed = time.perf_counter() - start
    n = len(texts)
    return {
        "messages": n,
        "attention": counts["attention"],
        "urgent": counts["urgent"],
        "flag_rate": round((counts["attention"] + counts["urgent"]) / n, 4),
        "ms_per_message": round(1000 * elapsed / n, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)
    texts = tipdm_texts()
    sample, sample_errors = evaluate_sample(texts)
    heldout, heldout_errors = evaluate_heldout()
    out: dict[str, Any] = {"dev_sample": sample, "heldout": heldout, "corpus": evaluate_corpus(texts)}
    if args.errors:
        out["dev_sample_errors"] = sample_errors
        out["heldout_errors"] = heldout_errors
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
