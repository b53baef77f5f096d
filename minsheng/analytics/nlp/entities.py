"""Place and object names in petition text, by regular expressions (fast; no dictionary needed).

Two kinds of names are found:

* administrative codes of the de-identified TipDM data (``A市``, ``A7县``, ``J10 县``, ``K2区``) and
  real-style division names ending in 省/市/区/县 are *regions*;
* named places and objects (an estate, a school, a company, a building site, a village, a road, a
  KTV ...) are *anchors*: a short run of name characters ending in a known suffix, after the leading
  verbs and function words of petition titles (投诉, 举报, 关于, 请求解决 ...) are cut away.

The extraction is heuristic; it only has to be good enough to *block* candidate pairs and to name a
group. Pure module: no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: De-identified code regions: "A市", "A7县", "K2区", "J10 县", "L9县县" (the data has such typos).
_CODE_REGION_RE = re.compile(r"([A-Z])(\d{0,2})\s?(市|区|县)")

# Words that start a title or join names and are never part of a place name.
_STOP_WORDS = (
    "请求解决",
    "强烈要求",
    "强烈呼吁",
    "强烈反对",
    "坚决反对",
    "强烈请求",
    "再次反映",
    "再次投诉",
    "再次举报",
    "再次请求",
    "再次咨询",
    "希望解决",
    "要求解决",
    "请求依法",
    "依法查处",
    "尽快解决",
    "情况反映",
    "有关部门",
    "相关部门",
    "请求",
    "要求",
    "投诉",
    "举报",
    "反映",
    "反对",
    "关于",
    "咨询",
    "建议",
    "希望",
    "请问",
    "呼吁",
    "质疑",
    "解决",
    "查处",
    "整治",
    "取缔",
    "恳请",
    "恳求",
    "申请",
    "请给",
    "尽快",
    "严重",
    "违规",
    "违法",
    "非法",
    "居民",
    "业主",
    "村民",
    "市民",
    "附近",
    "对面",
    "旁边",
    "门口",
    "周边",
    "位于",
    "我们",
    "本人",
    "第二次",
    "第三次",
    "第四次",
)
_STOP_CHARS = "的和与及在对给把将被向于从到是为了也都还又就请求问致我你他她它这那个"
#: ... except where such a character starts a word of a place name (九华和平小学, 向阳路, 将军路,
#: 致远路, 为民路, 还建小区) — only before a kind of place, so 「步行街和平安路」 still splits.
KEEP_WORDS = (
    "和平(?=小学|中学|路|街|村|社区|广场|公园|大道|里|医院)",
    "和谐(?=小区|社区|家园|路|村)",
    "向阳(?=小区|路|村|街|社区|花园)",
    "将军(?=路|村|街|山)",
    "致远(?=路|中学|小学)",
    "为民(?=路|村|街)",
    "还建(?=小区|房|社区)",
)
_KEEP_RE = "(?!" + "|".join(KEEP_WORDS) + ")"
_SPLIT_RE = re.compile(
    "|".join(sorted((re.escape(w) for w in _STOP_WORDS), key=len, reverse=True))
    + r"|有(?!限)|[^0-9A-Za-z\u4e00-\u9fff]+|"
    + _KEEP_RE
    + "["
    + _STOP_CHARS
    + "]"
)

# Suffixes of named places/objects, longest first so that "幼儿园" wins over "园".
_SUFFIXES = (
    "幼儿园",
    "卫生院",
    "派出所",
    "管理处",
    "小区",
    "花园",
    "家园",
    "公寓",
    "广场",
    "大厦",
    "新城",
    "华庭",
    "华府",
    "山庄",
    "新村",
    "社区",
    "学校",
    "中学",
    "小学",
    "大学",
    "学院",
    "医院",
    "公司",
    "集团",
    "工地",
    "项目",
    "市场",
    "驾校",
    "银行",
    "酒店",
    "宾馆",
    "餐馆",
    "歌舞厅",
    "养猪场",
    "养殖场",
    "搅拌站",
    "加油站",
    "菜市场",
    "物业",
    "饭店",
    "超市",
    "工厂",
    "砖厂",
    "石场",
    "矿业",
    "楼盘",
    "大桥",
    "公园",
    "街道",
    "大道",
    "KTV",
    "苑",
    "园",
    "城",
    "府",
    "湾",
    "村",
    "组",
    "镇",
    "乡",
    "路",
    "街",
    "桥",
    "厂",
    "矿",
    "站",
)
_GENERIC_NAMES = frozenset(
    {
        "城",
        "农村",
        "城区",
        "城市",
        "县城",
        "小区",
        "社区",
        "公司",
        "学校",
        "医院",
        "项目",
        "工地",
        "楼盘",
        "市场",
        "幼儿园",
        "政府",
        "全城",
        "进城",
        "乡村",
        "中小学",
        "小学",
        "中学",
        "大学",
        "开发商",
        "物业公司",
        "房地产公司",
        "派出所",
        "公安局",
        "教育局",
        "人社局",
        "国土局",
        "环保局",
        "住建局",
        "卫生局",
        "公交站",
        "车站",
        "加油站",
        "垃圾站",
        "马路",
        "道路",
        "公路",
        "村组",
        "乡镇",
        "城乡",
        "新城",
        "老城",
        "主城",
        "星城",
        "名城",
    }
)
_NAME_RE = re.compile(
    r"([0-9A-Za-z\u4e00-\u9fff]{1,8}?(?:" + "|".join(re.escape(s) for s in _SUFFIXES) + r"))"
)
#: Ends of the short names that are never read on (roads, towns, villages: 北路, 集镇) and ends of
#: the estates' names that a short match may be the start of.
_BROAD_ENDS = ("路", "街", "道", "镇", "乡", "村", "组", "区", "府")
_ESTATE_ENDS = (
    "苑",
    "园",
    "城",
    "湾",
    "庭",
    "居",
    "邸",
    "公寓",
    "山庄",
    "华庭",
    "华府",
    "广场",
    "大厦",
    "社区",
)
_LONGER_NAME_RE = re.compile(
    r"([0-9A-Za-z\u4e00-\u9fff]{2,8}?(?:" + "|".join(re.escape(s) for s in _SUFFIXES) + r"))"
)
# Trailing generic words that follow a name ("潇楚佳苑小区" -> "潇楚佳苑").
_TRAILING_GENERIC = ("小区", "社区", "项目", "楼盘")


@dataclass(frozen=True, slots=True)
class Places:
    """Places found in a text: regions (admin codes) and anchors (named places/objects)."""

    regions: tuple[str, ...]
    anchors: tuple[str, ...]


def clean(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII), upper-case latin letters, keep everything else."""
    return unicodedata.normalize("NFKC", text or "").upper()


def regions(text: str) -> list[str]:
    """Administrative code regions in order of appearance, e.g. ``["K市", "K7县"]`` (deduplicated)."""
    seen: dict[str, None] = {}
    for m in _CODE_REGION_RE.finditer(text):
        seen.setdefault(m.group(1) + m.group(2) + m.group(3), None)
    return list(seen)


def names_district(m: re.Match[str], text: str) -> bool:
    """Whether a match of ``_CODE_REGION_RE`` in ``text`` names a district: a numbered district,
    county or county-level city (``K2区``, ``A7县``, ``A9市``), but not 「A9市河」, a river named
    after the city (the de-identified data writes 浏阳河 so)."""
    return bool(m.group(2)) and not (m.group(3) == "市" and text.startswith("河", m.end()))


def primary_region(text: str) -> str:
    """The most specific region of the text's first mention: a district, county or county-level
    city (numbered: ``K2区``, ``A7县``, ``A9市``) if any, else a city (``K市``). 「A9市河」 is a river
    named after the city, not the city (as in ``places.district_codes``)."""
    first = ""
    for m in _CODE_REGION_RE.finditer(text):
        code = m.group(1) + m.group(2) + m.group(3)
        if names_district(m, text):
            return code
        if (
            not m.group(2) and m.group(3) == "市"
        ):  # an unnumbered 区/县 is an estate's block (「大御景湾B区」)
            first = first or code
    return first


def _strip_name(name: str) -> str:
    for generic in _TRAILING_GENERIC:
        if name.endswith(generic) and len(name) > len(generic) + 1:
            stem = name[: -len(generic)]
            if stem[-1] in "苑园城府湾庭村":
                return stem
    return name


def anchors(text: str) -> list[str]:
    """Named places/objects in order of appearance (deduplicated), e.g. ``["潇楚佳苑", "艾恩米国际幼儿园"]``."""
    text = _CODE_REGION_RE.sub(" ", text)
    seen: dict[str, None] = {}
    for segment in _SPLIT_RE.split(text):
        if len(segment) < 2:
            continue
        pos = 0
        while m := _NAME_RE.search(segment, pos):
            pos = m.end()
            name = m.group(1)
            # Two-character names ("星城", "二中") are too ambiguous unless they carry digits/latin;
            # such a match can be the start of an estate's longer name (星城 of 星城国际花园), but not
            # a kind of place or a road (「道路路面」, 「北路金霞苑」 are not names).
            if len(_strip_name(name)) < 3 and not any(ch.isdigit() or ch.isascii() for ch in name):
                longer = _LONGER_NAME_RE.match(segment, m.start())
                if not longer or name.endswith(_BROAD_ENDS) or not longer.group(1).endswith(_ESTATE_ENDS):
                    continue
                name, pos = longer.group(1), longer.end()
            # 「潇楚佳苑小区艾恩米国际幼儿园」: the 小区 after a name is its, not the next name's.
            for generic in _TRAILING_GENERIC:
                if segment.startswith(generic, pos):
                    pos += len(generic)
                    break
            name = _strip_name(name)
            if name in _GENERIC_NAMES or name.isdigit() or name.endswith("政府"):
                continue
            seen.setdefault(name, None)
    return list(seen)


def anchor_keys(name: str) -> tuple[str, ...]:
    """Blocking keys of an anchor: the name and its core (two characters before the suffix + suffix).

    The left edge of a regex-found name is unreliable ("拆五一桥" / "五一桥", "月湖安置小区" /
    "安置小区"), so names also meet on their core.
    """
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if len(stem) > 2:
                return (name, stem[-2:] + suffix)
            break
    return (name,)


def places(text: str) -> Places:
    text = clean(text)
    return Places(regions=tuple(regions(text)), anchors=tuple(anchors(text)))
