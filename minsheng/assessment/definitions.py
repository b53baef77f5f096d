"""Versioned indicator definitions (definitions/<version>.yaml) and their evaluation on facts.

Pure: reads YAML shipped with the app, imports no Django. ``evaluate`` turns the facts gathered
for one organ and period (``assessment.selectors``) into the figures of a profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from minsheng.assessment import formulas as F

DEFINITIONS_DIR = Path(__file__).with_name("definitions")
PROFILES = ("xinfang", "beijing")


@cache
def load(version: str | None = None) -> dict[str, Any]:
    """The definitions of ``version`` (default: the latest file)."""
    if version is None:
        version = latest_version()
    path = DEFINITIONS_DIR / f"{version}.yaml"
    if not path.is_file():
        raise KeyError(version)
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if str(data["version"]) != version:
        raise ValueError(f"{path.name} declares version {data['version']}")
    return data


def versions() -> list[str]:
    return sorted(p.stem for p in DEFINITIONS_DIR.glob("*.yaml"))


def latest_version() -> str:
    return versions()[-1]


def definition_id(version: str, profile: str, indicator: str, variant: str | None = None) -> str:
    """``xinfang-2025.1/I-ONTIME-REPLY`` (``:with_basic`` etc. for a variant)."""
    return f"{profile}-{version}/{indicator}" + (f":{variant}" if variant else "")


def indicator_defs(profile: str, version: str | None = None) -> list[dict[str, Any]]:
    data = load(version)
    return list(data["profiles"][profile].get("indicators", []))


def indicator_ids(profile: str, version: str | None = None) -> list[str]:
    """The indicators a profile yields, in order."""
    if profile == "beijing":
        return ["BJ-RESPONSE", "BJ-RESOLUTION", "BJ-SATISFACTION"]
    return [d["id"] for d in indicator_defs(profile, version)]


def satisfaction_variant(basic_counts: bool) -> str:
    return "with_basic" if basic_counts else "satisfied_only"


@dataclass(frozen=True)
class Facts:
    """Facts of one organ and period, by indicator id (xinfang) or ``callbacks`` (beijing)."""

    by_indicator: Mapping[str, Sequence[Any]]
    callbacks: Sequence[F.CallbackFact] = ()


def evaluate(
    profile: str,
    facts: Facts,
    today: dt.date,
    *,
    basic_counts: bool = True,
    version: str | None = None,
    variants: Mapping[str, str] | None = None,
) -> list[F.Figure]:
    """The figures of ``profile`` under definitions ``version``; ``variants`` picks an alternative
    definition of an indicator (``{"I-ACCEPT-ORGAN": "gd_30d"}``)."""
    variants = variants or {}
    data = load(version)
    version = str(data["version"])
    prof = data["profiles"][profile]
    if profile == "beijing":
        texts = dict(prof.get("texts", {}))
        return F.beijing_rates(
            f"{profile}-{version}",
            facts.callbacks,
            basic_weight=float(prof["basic_weight"]),
            min_n=int(prof["min_n"]),
            texts=texts,
        )
    out: list[F.Figure] = []
    for d in prof["indicators"]:
        iid = d["id"]
        got = list(facts.by_indicator.get(iid, ()))
        chosen = variants.get(iid)
        alt = d.get("variants", {}).get(chosen) if chosen else None
        did = definition_id(version, profile, iid, chosen if alt else d.get("variant"))
        min_n = int(d["min_n"])
        text = str((alt or d).get("text", ""))
        kind = d["kind"]
        if kind == "timeliness":
            out.append(
                F.timeliness(
                    iid, did, got, today, min_n=min_n, exclude_not_yet_due=True, definition_text=text
                )
            )
        elif kind == "participation":
            out.append(F.participation(iid, did, got, today, min_n=min_n, definition_text=text))
        elif kind == "satisfaction":
            variant = satisfaction_variant(basic_counts)
            sdef = data["satisfaction_definitions"][variant]
            out.append(
                F.satisfaction(
                    iid,
                    definition_id(version, profile, iid, variant),
                    got,
                    basic_weight=float(sdef["basic_weight"]),
                    min_n=min_n,
                    definition_text=str(sdef["zh"]),
                )
            )
        elif kind == "repeat":
            out.append(F.repeat_rate(iid, did, got, min_n=min_n, definition_text=text))
        elif kind == "resolution":
            out.append(
                F.resolution_rate(
                    iid,
                    did,
                    got,
                    window_days=int(d["window_days"]),
                    min_n=min_n,
                    definition_text=text,
                    no_review=bool(d.get("no_review")),
                )
            )
        elif kind == "channel_share":
            out.append(
                F.channel_share(iid, did, got, channels=d["channels"], min_n=min_n, definition_text=text)
            )
        else:  # pragma: no cover - guarded by the definitions test
            raise ValueError(f"unknown indicator kind {kind!r}")
    return out


def composite_score(profile: str, figures: Sequence[F.Figure], version: str | None = None) -> float | None:
    weights = load(version)["profiles"][profile].get("composite_weights")
    return F.composite(figures, {str(k): float(v) for k, v in weights.items()}) if weights else None


def lower_is_better(profile: str, indicator: str, version: str | None = None) -> bool:
    for d in load(version)["profiles"][profile].get("indicators", []):
        if d["id"] == indicator:
            return bool(d.get("lower_is_better", False))
    return False
