"""Precision and recall of the reply checks on real replies (pure: no Django).

    python -m minsheng.intelligence.nlp.reply_check_eval [--errors] [--sample CSV]
    python -m minsheng.intelligence.nlp.reply_check_eval --agreement CSV CSV

The sample ``minsheng/intelligence/data/reply_check_sample.csv`` holds 200 replies of the vendored
``messages_with_replies.csv.gz`` drawn at random (seed 2026), labelled by hand (see
docs/intelligence-reply-check.md): relevant, facts, reasons, basis, stock_only (1/0). For each check
the positive class is what the check flags (off the point, no facts, no reasons, no basis, only
formulas). ``reply_check_sample2.csv`` holds a second sample of 100 other replies (seed 2027), labelled after
the checks were fixed by a second annotator who saw only the label guidelines (out of sample);
``reply_check_repeat.csv`` holds that annotator's labels of 30 replies of the first sample, mixed
in blind, to measure the agreement of the two (``--agreement``). ``reply_check_sample3.csv``: 150
more replies (seed 2028) by the second annotator, on which (with the first sample) v3 of the checks
was tuned; the second sample stays the test. Timeliness is date arithmetic and has no hand labels; it is counted over all replies
(signature date in the reply, else the publication date, against the 60-day limit of Art. 34).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from .classify import DATA_DIR, dict_reader, read_text
from .classify_eval import UNLABELLED
from .reply_check import PetitionText, ReplyDraft, check_reply, signed_date

SAMPLE = DATA_DIR / "reply_check_sample.csv"
SAMPLE2 = DATA_DIR / "reply_check_sample2.csv"
REPEAT = DATA_DIR / "reply_check_repeat.csv"
SAMPLE3 = DATA_DIR / "reply_check_sample3.csv"
LABELS = ("relevant", "facts", "reasons", "basis", "stock_only")

#: check -> (finding code, label column, label value that the check should flag)
TARGETS: dict[str, tuple[str, str, str]] = {
    "relevance": ("off_topic", "relevant", "0"),
    "stock_phrases": ("stock_only", "stock_only", "1"),
    "facts": ("missing_facts", "facts", "0"),
    "reasons": ("missing_reasons", "reasons", "0"),
    "basis": ("missing_basis", "basis", "0"),
}
LIMIT_DAYS = 60


def _pr(gold: list[bool], flagged: list[bool]) -> dict[str, Any]:
    tp = sum(g and f for g, f in zip(gold, flagged, strict=True))
    fp = sum(f and not g for g, f in zip(gold, flagged, strict=True))
    fn = sum(g and not f for g, f in zip(gold, flagged, strict=True))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {
        "positives": tp + fn,
        "flagged": tp + fp,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": None if precision is None else round(precision, 3),
        "recall": None if recall is None else round(recall, 3),
    }


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def evaluate(sample: Path = SAMPLE, replies: Path = UNLABELLED, errors: bool = False) -> dict[str, Any]:
    rows = {r["留言编号"]: r for r in dict_reader(read_text(replies))}
    with open(sample, encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))
    results: dict[str, Any] = {}
    checks = []
    for lab in labels:
        r = rows[lab["留言编号"]]
        checks.append(
            check_reply(PetitionText(r["留言主题"], r["留言详情"]), ReplyDraft(opinion=r["答复意见"]))
        )
    for name, (code, column, positive) in TARGETS.items():
        gold = [lab[column] == positive for lab in labels]
        flagged = [code in c.codes() for c in checks]
        results[name] = _pr(gold, flagged)
        if errors:
            results[name]["errors"] = [
                {"id": lab["留言编号"], "gold": g, "flagged": f}
                for lab, g, f in zip(labels, gold, flagged, strict=True)
                if g != f
            ]
    # timeliness over every reply: days from the message to the reply's own date
    late = dated = 0
    for r in rows.values():
        asked = _date(r.get("留言时间_iso", ""))
        answered = signed_date(r.get("答复意见", "")) or _date(r.get("答复时间_iso", ""))
        if asked is None or answered is None or answered < asked:
            continue
        dated += 1
        late += (answered - asked).days > LIMIT_DAYS
    results["timeliness"] = {"replies_dated": dated, "later_than_60_days": late}
    results["n_sample"] = len(labels)
    return results


def _read_labels(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return {r["留言编号"]: r for r in csv.DictReader(fh)}


def cohen_kappa(a: list[bool], b: list[bool]) -> float | None:
    """Agreement of two annotators beyond chance (1 = perfect, 0 = chance); None if undefined."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def agreement(first: Path, second: Path) -> dict[str, Any]:
    """Per label: replies both files label, share agreeing and Cohen's kappa."""
    one, two = _read_labels(first), _read_labels(second)
    shared = sorted(set(one) & set(two), key=int)
    out: dict[str, Any] = {"shared": len(shared)}
    for label in LABELS:
        a = [one[i][label] == "1" for i in shared]
        b = [two[i][label] == "1" for i in shared]
        kappa = cohen_kappa(a, b)
        out[label] = {
            "agree": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(shared), 3)
            if shared
            else None,
            "kappa": None if kappa is None else round(kappa, 3),
            "first_1": sum(a),
            "second_1": sum(b),
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the disagreements")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="labelled sample (CSV)")
    parser.add_argument("--agreement", nargs=2, type=Path, metavar="CSV", help="compare two label files")
    args = parser.parse_args(argv)
    result = agreement(*args.agreement) if args.agreement else evaluate(args.sample, errors=args.errors)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
