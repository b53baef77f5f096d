"""Distant supervision from official replies (pure: no Django).

A petition's level-1 category follows the department that handled it, and the official
reply usually names that department ("区住房和城乡建设局", "已转市人社局", "县教育局 2019年…").
:func:`reply_label` maps the department names found in a reply to a category with a small,
transparent rule table (:data:`DEPARTMENT_RULES`); it answers only when the reply is
unambiguous:

* at least one department of exactly one in-scope category is named, and
* no department of an out-of-scope area (police, civil affairs, land, agriculture,
  discipline inspection, courts, …: :data:`OUT_OF_SCOPE`) is named — those replies belong to
  categories the labelled data does not have, or are mixed.

The rules were written from the taxonomy (``taxonomy.csv.gz``: e.g. food and drug
supervision is under 卫生计生, special equipment and prices under 商贸旅游, 城管 under
城乡建设) and from the department names that occur in the replies; they never look at the
labelled messages. Departments whose category is ambiguous (文化旅游广电局: culture or
tourism; 住房公积金中心: housing or social security; 公交/地铁: 城乡建设 by the taxonomy but
often 交通运输 in practice) are left out on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["DEPARTMENT_RULES", "OUT_OF_SCOPE", "ReplyEvidence", "reply_evidence", "reply_label", "weak_label"]

#: category → regular expressions of the departments that handle it
DEPARTMENT_RULES: Mapping[str, tuple[str, ...]] = {
    "城乡建设": (
        r"住房和城乡建设",
        r"住建(?:局|委|厅|部门)",
        r"城乡建设(?:局|委)",
        r"(?<![交通])建设局",
        r"(?:房产|房管|房屋管理|房地产管理)局",
        r"住房保障(?:局|中心|服务中心)",
        r"规划(?:局|分局|委)",
        r"城管(?:局|执法|部门|办)",
        r"城市管理(?:局|和行政执法局|综合执法)",
        r"不动产登记",
    ),
    "交通运输": (
        r"交通运输(?:局|厅|委|部门)",
        r"交通(?:局|委)",
        r"运管(?:处|所|局|部门)",
        r"道路运输管理",
        r"公路(?:管理)?局",
        r"邮政管理局",
        r"出租车(?:管理|办)",
    ),
    "劳动和社会保障": (
        r"人力资源(?:和|与)?社会保障",
        r"人社(?:局|厅|部门)",
        r"社保(?:局|中心|处|经办)",
        r"社会保险(?:事业)?(?:局|中心|管理|服务)",
        r"医保(?:局|中心)",
        r"医疗保障局",
        r"医疗保险(?:服务|管理|经办)?中心",
        r"劳动(?:保障)?监察",
    ),
    "卫生计生": (
        r"卫生(?:健康|和健康)(?:委|局)",
        r"卫健(?:委|局)",
        r"卫生局",
        r"卫计(?:委|局)",
        r"卫生和计划生育",
        r"(?:人口和)?计(?:划)?生(?:育)?(?:局|委|办)",
        r"疾(?:病预防)?控(?:制)?中心",
        r"食品药品监督",
        r"食药监",
        r"卫生监督(?:所|局)",
    ),
    "商贸旅游": (
        r"商务(?:局|厅|委)",
        r"市场监督管理",
        r"市场监管(?:局|部门)",
        r"工商(?:局|分局|所|行政管理)",
        r"质量技术监督",
        r"质监(?:局|站|部门)",
        r"物价(?:局|部门)",
        r"价格监督",
        r"旅游(?:局|外事)",
        r"打传办",
        r"特种设备",
    ),
    "教育文体": (
        r"教育(?:局|厅|委员会|部门)",
        r"教委",
        r"教(?:育)?(?:和)?体(?:育)?局",
        r"文体局",
        r"体育局",
        r"(?<!旅游)文化局",
        r"文广新局",
        r"文物(?:局|管理)",
        r"招生考试",
    ),
    "环境保护": (
        r"环境保护(?:局|厅|部门)",
        r"环保(?:局|厅|部门)",
        r"生态环境(?:局|厅|部门)",
        r"环境(?:监察|监测|执法)",
    ),
}

#: departments of areas outside the in-scope categories; their presence vetoes a label
OUT_OF_SCOPE: tuple[str, ...] = (
    r"公安",
    r"派出所",
    r"交警",
    r"民政(?:局|厅|部门)",
    r"国土(?:资源)?(?:局|所|部门)",
    r"自然资源(?:局|厅)",
    r"农(?:业|村|业农村)(?:局|委|厅)",
    r"林业局",
    r"水(?:利|务)局",
    r"纪委",
    r"监察委",
    r"纪检",
    r"法院",
    r"检察院",
    r"司法局",
    r"发(?:展和)?改(?:革)?(?:局|委)",
    r"扶贫办",
    r"税务局",
    r"国资委",
    r"供电",
    r"电力公司",
    r"移动通信|联通|电信",
)

_COMPILED = {label: re.compile("|".join(pats)) for label, pats in DEPARTMENT_RULES.items()}
_OUT_RE = re.compile("|".join(OUT_OF_SCOPE))


@dataclass(frozen=True)
class ReplyEvidence:
    """Department mentions found in a reply: matched names per category, out-of-scope names."""

    by_label: dict[str, list[str]]
    out_of_scope: list[str]

    @property
    def label(self) -> str | None:
        if self.out_of_scope or len(self.by_label) != 1:
            return None
        return next(iter(self.by_label))


def reply_evidence(reply: str, labels: Sequence[str] | None = None) -> ReplyEvidence:
    """The department names of each category (restricted to ``labels`` when given) found in
    ``reply``, and the out-of-scope department names."""
    text = reply or ""
    found: dict[str, list[str]] = {}
    for label, rx in _COMPILED.items():
        if labels is not None and label not in labels:
            continue
        hits = rx.findall(text)
        if hits:
            found[label] = hits
    return ReplyEvidence(by_label=found, out_of_scope=_OUT_RE.findall(text))


def reply_label(reply: str, labels: Sequence[str] | None = None) -> str | None:
    """The category whose departments the reply names, or None when absent or ambiguous."""
    return reply_evidence(reply, labels).label


def weak_label(replies: Sequence[str], labels: Sequence[str] | None = None) -> list[str | None]:
    """:func:`reply_label` of every reply."""
    return [reply_label(r, labels) for r in replies]
