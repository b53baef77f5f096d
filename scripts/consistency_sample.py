"""Run the 一碗水端平 pairing rule (minsheng.stability.consistency) on the CFPB complaint sample
(/work/shared/data/en): group = product + issue + state, outcome = the company's response
(monetary or non-monetary relief → favourable; closed with explanation → unfavourable), text =
the consumer's narrative. Prints the flagged pairs as JSON lines for labelling by hand
(docs/accountability.md, "一碗水端平"). Usage: python scripts/consistency_sample.py [CSV] [MIN_SCORE]"""

from __future__ import annotations

import csv
import json
import sys

from minsheng.stability.consistency import Case, find_pairs

OUTCOMES = {
    "Closed with monetary relief": "support",
    "Closed with non-monetary relief": "partial_support",
    "Closed with explanation": "not_support",
}


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/en/cfpb_complaints_with_narrative.csv"
    min_score = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    with open(path, encoding="utf-8") as handle:
        rows = {r["Complaint ID"]: r for r in csv.DictReader(handle)}
    cases = [
        Case(
            cid,
            (r["Product"], r["Issue"], r["State"]),
            OUTCOMES.get(r["Company response to consumer"], ""),
            r["Consumer complaint narrative"],
        )
        for cid, r in rows.items()
    ]
    pairs = find_pairs(cases, min_score)
    sys.stdout.write(json.dumps({"cases": len(cases), "pairs": len(pairs), "min_score": min_score}) + "\n")
    for a, b, score in pairs:
        ra, rb = rows[str(a)], rows[str(b)]
        sys.stdout.write(
            json.dumps(
                {
                    "a": a,
                    "b": b,
                    "score": score,
                    "group": [ra["Product"], ra["Issue"], ra["State"]],
                    "a_company": ra["Company"],
                    "b_company": rb["Company"],
                    "a_response": ra["Company response to consumer"],
                    "b_response": rb["Company response to consumer"],
                    "a_text": ra["Consumer complaint narrative"][:400],
                    "b_text": rb["Consumer complaint narrative"][:400],
                },
                ensure_ascii=False,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
