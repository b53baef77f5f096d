"""Reproducible evaluation of the petition classifier (pure: no Django).

    python -m minsheng.intelligence.nlp.classify_eval [--folds 5] [--holdout 0.2] [--no-unlabelled]

Prints one JSON object: stratified k-fold cross-validation (out-of-fold predictions pooled),
a stratified held-out split, training time of the full model, prediction latency, and the
nature rules scored on the hand-labelled sample. Unlabelled messages that duplicate any
labelled one (same title, or same first 60 body characters) are dropped first so that no
test message leaks into training. The unlabelled messages are weakly labelled from their
official replies by fixed rules (:mod:`.distant`), which never look at the labelled data;
in every fold the model (vocabulary, IDF, weights) is fitted without the fold's test
messages.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .classify import (
    BODY_COL,
    DATA_DIR,
    LABEL_COL,
    TITLE_COL,
    Classifier,
    metrics,
    read_rows,
    split_unlabelled,
)
from .classify_nature import NATURE_LABELS, predict_nature

TIPDM_DIR = Path(__file__).resolve().parents[2] / "core" / "data" / "tipdm"
LABELLED = TIPDM_DIR / "messages_labeled.csv.gz"
UNLABELLED = TIPDM_DIR / "messages_with_replies.csv.gz"
NATURE_SAMPLE = DATA_DIR / "nature_sample.csv"


def _split(rows: list[dict[str, str]]) -> tuple[list[str], list[str], list[str]]:
    return [r[TITLE_COL] for r in rows], [r[BODY_COL] for r in rows], [r[LABEL_COL] for r in rows]


#: unlabelled messages as used in training: (titles, bodies, weak labels or None)
Unlabelled = tuple[list[str], list[str], list[str | None]]


def _unlabelled(labelled: list[dict[str, str]]) -> Unlabelled:
    weak, plain = split_unlabelled(labelled, read_rows(UNLABELLED, require_label=False))
    return (weak[0] + plain[0], weak[1] + plain[1], weak[2] + [None] * len(plain[0]))


def _train(rows: list[dict[str, str]], unl: Unlabelled | None, **params: Any) -> Classifier:
    t, b, y = _split(rows)
    if unl is None:
        return Classifier(**params).fit(t, b, y)
    return Classifier(**params).fit(
        t, b, y, unl[0], unl[1], weak_title=unl[0], weak_body=unl[1], weak_labels=unl[2]
    )


def cross_validate(
    rows: list[dict[str, str]], unl: Unlabelled | None, folds: int, seed: int, **params: Any
) -> dict[str, Any]:
    from sklearn.model_selection import StratifiedKFold

    y = np.array([r[LABEL_COL] for r in rows])
    pred = np.empty(len(rows), dtype=object)
    conf = np.zeros(len(rows))
    fold_f1: list[float] = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        clf = _train([rows[i] for i in tr], unl, **params)
        t, b, gold = _split([rows[i] for i in te])
        proba = clf.predict_proba(t, b)
        p = [clf.labels[i] for i in proba.argmax(axis=1)]
        pred[te] = p
        conf[te] = proba.max(axis=1)
        fold_f1.append(metrics(gold, p)["macro_f1"])
    out = metrics(list(y), [str(p) for p in pred])
    out["fold_macro_f1"] = fold_f1
    out["fold_macro_f1_std"] = round(statistics.pstdev(fold_f1), 4)
    out["selective"] = selective(list(y), [str(p) for p in pred], conf)
    return out


def selective(
    gold: list[str],
    pred: list[str],
    conf: np.ndarray,
    thresholds: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9),
) -> list[dict[str, Any]]:
    """What the "unsure" threshold does: per threshold, the share of messages the model decides
    (confidence at or above it), its macro-F1 and accuracy there, and the accuracy of the rest
    (which a person decides)."""
    out = []
    for th in thresholds:
        sure = conf >= th
        row: dict[str, Any] = {"threshold": th, "coverage": round(float(sure.mean()), 3)}
        if sure.any():
            m = metrics(
                [g for g, k in zip(gold, sure, strict=True) if k],
                [p for p, k in zip(pred, sure, strict=True) if k],
            )
            row.update({"macro_f1_sure": m["macro_f1"], "accuracy_sure": m["accuracy"]})
        if (~sure).any():
            rest = [g == p for g, p, k in zip(gold, pred, sure, strict=True) if not k]
            row["accuracy_unsure"] = round(sum(rest) / len(rest), 3)
        out.append(row)
    return out


def holdout(
    rows: list[dict[str, str]], unl: Unlabelled | None, frac: float, seed: int, **params: Any
) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    y = [r[LABEL_COL] for r in rows]
    tr, te = train_test_split(list(range(len(rows))), test_size=frac, stratify=y, random_state=seed)
    clf = _train([rows[i] for i in tr], unl, **params)
    t, b, gold = _split([rows[i] for i in te])
    proba = clf.predict_proba(t, b)
    out = metrics(gold, [clf.labels[i] for i in proba.argmax(axis=1)])
    # reliability of the confidence: mean confidence vs accuracy in confidence bins
    conf = proba.max(axis=1)
    correct = np.array([clf.labels[i] == g for i, g in zip(proba.argmax(axis=1), gold, strict=True)])
    bins = []
    for lo, hi in ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01)):
        m = (conf >= lo) & (conf < hi)
        if m.any():
            bins.append(
                {
                    "range": [lo, min(hi, 1.0)],
                    "n": int(m.sum()),
                    "mean_confidence": round(float(conf[m].mean()), 3),
                    "accuracy": round(float(correct[m].mean()), 3),
                }
            )
    out["confidence_bins"] = bins
    out["n_train"] = len(tr)
    return out


def latency(clf: Classifier, rows: list[dict[str, str]], n: int = 300) -> dict[str, float]:
    sample = rows[:n]
    clf.predict(sample[0][TITLE_COL], sample[0][BODY_COL])  # warm up jieba
    wall: list[float] = []
    cpu: list[float] = []
    for r in sample:
        w0, c0 = time.perf_counter(), time.process_time()
        clf.predict(r[TITLE_COL], r[BODY_COL])
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    return {
        "n": len(sample),
        "wall_ms_median": round(statistics.median(wall), 2),
        "wall_ms_p95": round(wall[int(0.95 * (len(wall) - 1))], 2),
        "cpu_ms_mean": round(statistics.mean(cpu), 2),
    }


def nature_report(path: Path = NATURE_SAMPLE) -> dict[str, Any]:
    """Precision/recall of the nature rules on the hand-labelled sample (labels by the author),
    separately for the random sample and the legal-keyword sample."""
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, Any] = {}
    for group in sorted({r["sample"] for r in rows}):
        part = [r for r in rows if r["sample"] == group]
        gold = [r["nature"] for r in part]
        pred = [predict_nature(r[TITLE_COL], r[BODY_COL]).label for r in part]
        res = metrics(gold, pred, labels=list(NATURE_LABELS))
        res["gold_counts"] = {lab: gold.count(lab) for lab in NATURE_LABELS}
        out[group] = res
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0, help="seed of the held-out split and the CV folds")
    ap.add_argument("--cv-seeds", default=None, help="comma-separated CV seeds (default: --seed)")
    ap.add_argument("--no-unlabelled", action="store_true")
    ap.add_argument("--skip-cv", action="store_true")
    ap.add_argument("--nature-only", action="store_true")
    args = ap.parse_args(argv)
    if args.nature_only:
        json.dump({"nature": nature_report()}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    rows = read_rows(LABELLED)
    unl = None if args.no_unlabelled else _unlabelled(rows)
    report: dict[str, Any] = {
        "n_labelled": len(rows),
        "n_unlabelled": len(unl[0]) if unl else 0,
        "n_weak_labelled": sum(lab is not None for lab in unl[2]) if unl else 0,
    }
    t0 = time.perf_counter()
    c0 = time.process_time()
    full = _train(rows, unl)
    report["train_full"] = {
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(time.process_time() - c0, 1),
        "n_unlabelled_used": full.info.n_unlabelled_used,
        "n_weak_used": full.info.n_weak,
        "n_features": full.extractor.n_features,
    }
    report["latency"] = latency(full, rows)
    report["holdout"] = holdout(rows, unl, args.holdout, args.seed)
    if not args.skip_cv:
        seeds = [int(x) for x in args.cv_seeds.split(",")] if args.cv_seeds else [args.seed]
        report["cv"] = cross_validate(rows, unl, args.folds, seeds[0])
        if len(seeds) > 1:
            report["cv"]["seed"] = seeds[0]
            report["cv_other_seeds"] = {
                str(s): {
                    k: v
                    for k, v in cross_validate(rows, unl, args.folds, s).items()
                    if k != "confusion_matrix"
                }
                for s in seeds[1:]
            }
    report["nature"] = nature_report()
    json.dump(report, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
