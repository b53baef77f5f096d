"""Real place names, one key per place, and a gazetteer learned from the messages (pure: no Django).

* :func:`is_real_place` rejects the sentence fragments that a suffix regex also finds
  (「抢救指条大路」, 「借学校」, 「获批城」): a name whose stem holds a verb or a function word, or that is
  generic (学校, 小区), is not a place.
* :func:`place_key` maps the many ways one place is named to one key: district prefix, street/town
  prefix, developer brand, phase (二期), trailing generic words (小区, 项目, 楼盘) are removed:
  「A7县恒大翡翠华庭小区」, 「恒大翡翠华庭」, 「翡翠华庭二期」 → 「翡翠华庭」.
* :class:`LearnedGazetteer` learns, from the messages that name both a small place and its district
  code (``A7县``), which district each small place lies in; a message that names only the small place
  is then resolved to that district. Seed entries (the demo's administrative streets) can be added.

Run ``python -m minsheng.analytics.nlp.places`` for the coverage and accuracy on the vendored
messages (leave-one-out: each message's own mentions are not used to resolve it).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .entities import _CODE_REGION_RE, KEEP_WORDS, anchors, clean, names_district

#: Characters and words that never occur inside a place name but do in sentence fragments.
_FRAGMENT_WORDS = (
    "抢救",
    "获批",
    "指条",
    "要求",
    "请求",
    "希望",
    "解决",
    "反映",
    "投诉",
    "举报",
    "咨询",
    "关于",
    "建设",
    "修建",
    "新建",
    "拆除",
    "开通",
    "增加",
    "设立",
    "安装",
    "办理",
    "购买",
    "搬迁",
    "强制",
    "违规",
    "违法",
    "非法",
    "没有",
    "什么",
    "怎么",
    "为何",
    "如何",
    "可以",
    "应该",
    "能否",
    "是否",
    "已经",
    "一条",
    "一个",
    "一所",
    "一家",
    "这个",
    "那个",
    "所有",
    "整个",
    "附近",
    "旁边",
    "对面",
    "周边",
    "关停",
    "关闭",
    "停止",
    "恢复",
    "取消",
    "开设",
    "设置",
    "增设",
    "硬化",
    "拓宽",
    "改造",
    "整改",
    "查处",
    "打击",
    "保留",
    "延长",
    "连通",
    "督促",
    "推动",
    "规范",
    "加强",
    "完善",
    "取缔",
    "整治",
    "处理",
    "来建",
    "一座",
    "一处",
    "一块",
    "一片",
    "打工",
    "员工",
    "配置",
    "本身",
)
_FRAGMENT_CHARS = frozenset(
    "的了是在把被给让将从对向为与或这那该此每各我你他她们些都也就还很太最能会要想说看做搞借请吗呢吧啊"
)
#: ... and a span of years or months (「来员工打工八年公司」).
#: Words of place names that start with such a character (向阳路, 将军路, 为民路, 和平小学).
_KEEP_WORDS_RE = re.compile("|".join(KEEP_WORDS))
_FRAGMENT_RE = re.compile(
    "|".join(map(re.escape, _FRAGMENT_WORDS)) + r"|[\d一二三四五六七八九十两几多]+(?:年(?!制|一贯)|个月)"
)

#: Names that are a kind of place, not a place.
_GENERIC = frozenset(
    {
        "学校",
        "小区",
        "社区",
        "公司",
        "医院",
        "项目",
        "工地",
        "楼盘",
        "市场",
        "幼儿园",
        "小学",
        "中学",
        "大学",
        "农村",
        "城区",
        "城市",
        "县城",
        "新城",
        "老城",
        "主城",
        "大路",
        "马路",
        "道路",
        "公路",
        "街道",
        "乡镇",
        "城乡",
        "物业",
        "物业公司",
        "开发商",
        "房地产公司",
        "自来水公司",
        "公交公司",
        "燃气公司",
        "安置小区",
        "火车站",
        "汽车站",
        "公交站",
        "收费站",
        "加油站",
        "人民医院",
        "中心医院",
        "中医院",
        "中心小学",
        "公立幼儿园",
        "民办学校",
        "公办学校",
        "工业园",
        "农贸市场",
        "菜市场",
        "文明城",
        "卫生城",
        "餐馆",
        "小餐馆",
        "饭店",
        "小饭店",
        "酒店",
        "超市",
        "银行",
        "工厂",
        "养猪场",
        "小区物业",
        "城中村",
    }
)

#: The heads of names that only say what kind of place it is (「本小区」 → 小区, 「公交线路」 → 线路).
_KIND_HEADS = frozenset(
    {
        "路",
        "街",
        "桥",
        "站",
        "城",
        "村",
        "组",
        "乡",
        "镇",
        "天桥",
        "车站",
        "线路",
        "广场",
        "高中",
        "公司",
        "有限公司",
        "住宅",
    }
)
#: Words that, written before a kind of place, still name no place: verbs (「影响小区」, 「读小学」,
#: 「参加新型农村」), determiners and qualities (「本小区」, 「许多楼盘」, 「专科医院」), kinds of
#: owner or purpose (「住宅小区」, 「普惠性幼儿园」, 「管理有限公司」). Cut from the left, longest first,
#: only to test what is left: 「上海路」 stays a place because 「海路」 is not a kind of place.
_KIND_LEADS = tuple(
    sorted(
        {
            # verbs and prepositions
            *"上下进入去到回跟找建过住离经在于往由至其",
            *("影响", "代表", "参加", "加入", "享受", "开始", "经过", "通往", "前往", "位于", "属于"),
            *("包括", "就读", "入读", "读", "所在", "居住", "必经之", "行人", "之"),
            # determiners, quantities, time
            *"本好现原全分家大小多几两各某整同老新市县区前后",
            *(
                "许多",
                "很多",
                "众多",
                "部分",
                "当地",
                "当时",
                "目前",
                "时至今日",
                "周围",
                "相关",
                "终点",
                "起点",
                "高层",
            ),
            *("其他", "别的", "有关", "美丽", "新型", "小区"),
            # kinds of owner, purpose and make
            *("住宅", "商业", "商品", "房地产", "开发", "置业", "有限", "管理", "物业", "前期"),
            *("公交", "地铁", "人行", "高架", "水泥", "专科", "普惠性", "普惠", "实验", "普通高", "普通"),
            *("九年一贯制", "一贯制", "寄宿制"),
            *("民办", "公办", "公立", "私立", "私人", "集体", "经济", "建筑", "附属", "重点", "乡镇"),
        },
        key=lambda w: (-len(w), w),
    )
)
_KIND_LEAD_RE = re.compile(r"(?:[\d一二三四五六七八九十两]+[年个所条座]|" + "|".join(_KIND_LEADS) + ")")


def _is_kind_of_place(name: str) -> bool:
    """Whether ``name`` is only words that say nothing about which place, before a kind of place."""
    rest, single = name, False
    while rest and rest not in _GENERIC and rest not in _KIND_HEADS:
        m = _KIND_LEAD_RE.match(rest)
        if not m or not m.group(0):
            return False
        # At most one one-character word: 「前进路」 is a road, not 前 + 进 + 路.
        if len(m.group(0)) == 1:
            if single:
                return False
            single = True
        rest = rest[m.end() :]
    return True


#: Developer brands that are often written before (or left out of) an estate's name.
BRANDS = (
    "碧桂园",
    "阳光城",
    "华侨城",
    "恒大",
    "万科",
    "保利",
    "中海",
    "华润",
    "金科",
    "绿地",
    "富力",
    "融创",
    "中建",
    "中铁",
    "龙湖",
    "招商",
    "世茂",
    "旭辉",
    "北辰",
    "鑫苑",
    "建发",
    "美的",
    "国泰",
    "泰禹",
    "万达",
)
_BRAND_RE = re.compile("^(?:" + "|".join(BRANDS) + ")")
#: Suffixes after which a name is complete (an estate, a school ...): a brand can go before them.
_ESTATE_SUFFIXES = (
    "华庭",
    "华府",
    "花园",
    "家园",
    "公寓",
    "山庄",
    "苑",
    "园",
    "城",
    "府",
    "湾",
    "庭",
    "居",
    "邸",
)
_TRAILING = re.compile(r"(?:小区|社区|项目|楼盘|业主|[一二三四五六七八九十\d]+期|[A-Z]区)+$")
_PREFIX_RE = re.compile(r"^.*?(?:街道|镇|乡)(?=.{3,})")
#: Broad places (villages, towns, roads): a district is learned from them, but they name no matter.
BROAD_SUFFIXES = ("村", "组", "镇", "乡", "街道", "社区", "路", "街", "大道")


def is_real_place(name: str) -> bool:
    """Whether a suffix-found name is a place rather than a sentence fragment or a kind of place."""
    name = clean(name).strip()
    if len(name) < 3 or name in _GENERIC or name.isdigit():
        return False
    if _FRAGMENT_RE.search(name) or any(ch in _FRAGMENT_CHARS for ch in _KEEP_WORDS_RE.sub("", name)):
        return False
    return not name.endswith("政府") and not _is_kind_of_place(name)


def place_key(name: str) -> str:
    """One key for the many ways a place is named (see the module docstring); "" if not a place."""
    name = _CODE_REGION_RE.sub("", clean(name)).strip()
    # A verb or function word before the name is cut away (「拆除五一桥」 → 五一桥); what is left
    # must still be a place (「借学校」 → 学校 is a kind of place, 「获批城」 → 城 is too short).
    cut = max((m.end() for m in _FRAGMENT_RE.finditer(name)), default=0)
    kept = {i for m in _KEEP_WORDS_RE.finditer(name) for i in range(m.start(), m.end())}
    cut = max([cut, *(i + 1 for i, ch in enumerate(name) if ch in _FRAGMENT_CHARS and i not in kept)])
    name = name[cut:]
    if not is_real_place(name):
        return ""
    stripped = _TRAILING.sub("", name)
    if len(stripped) >= 3:
        name = stripped
    m = _PREFIX_RE.match(name)
    if m and not name.endswith(BROAD_SUFFIXES):
        name = name[m.end() :]
    if name.endswith(_ESTATE_SUFFIXES):
        unbranded = _BRAND_RE.sub("", name)
        if len(unbranded) >= 3:
            name = unbranded
    return name if is_real_place(name) else ""


def real_places(text: str) -> list[str]:
    """Real places named in ``text`` (keys, in order of appearance, deduplicated)."""
    seen: dict[str, None] = {}
    for a in anchors(clean(text)):
        key = place_key(a)
        if key:
            seen.setdefault(key, None)
    return list(seen)


_LEAD_RE = re.compile(
    r"^(?:人民|市民|居民|业主|村民|群众|百姓|我们|本人|广大)*(?:(?:再次|第[一二三四五六七八九十\d]+次|强烈|坚决|恳请|紧急)?"
    r"(?:投诉|举报|反映|反对|请求|要求|希望|建议|呼吁|咨询|关于|请问|问(?![题责政])|请|恳请|盼望|质疑|对|有关|给)+"
    r"(?:有关部门|相关部门|部门|政府|领导|尽快|尽早|依法)?(?:解决|处理|查处|整治|关注|取缔|督促|帮助)?)+"
)
_TAIL_RE = re.compile(
    r"(?:的|之)?(?:相关)?(?:等)?(?:几个|多个|两个|三个|多项|一些|若干|种种)?"
    r"(?:问题|一事|事宜|事项|方面|情况|现象|的请求|的建议|的投诉|的报告|的咨询|请求|投诉)+$"
)
#: A region code with what is written onto it (「K市域轨道交通」, 「M14县的廉租房」): removed together.
_CODED_WITH_RE = re.compile(
    _CODE_REGION_RE.pattern + r"(?:(?:市域|县域|域内|域|境内|辖区内?|范围内?)(?:的)?|的(?!士))?"
)
_TITLE_PUNCT_RE = re.compile(r"[!！?？。，,、；;：:“”\"'‘’()（）【】\[\]《》\s]+")


def short_title(title: str, place: str = "", limit: int = 22) -> str:
    """The place and the problem in a few words: leading verbs, region codes, tails and
    punctuation removed; the place put first when the title does not name it.

    「投诉A7县星沙204路公交车甩客」 → 「星沙204路公交车甩客」;
    「反映A市暮云怡海星城小区和龙湾国际社区公交出行问题」 → 「暮云怡海星城小区和龙湾国际社区公交出行」.
    """
    text = _CODED_WITH_RE.sub("", clean(title))
    text = _TITLE_PUNCT_RE.sub(" ", text).strip()
    parts = [p for p in text.split(" ") if p]
    text = "".join(parts) if parts else ""
    text = _LEAD_RE.sub("", text)
    text = _TAIL_RE.sub("", text) or text
    if place and place not in text:
        text = f"{place}：{text}"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def district_codes(text: str) -> list[str]:
    """District-level codes of ``text`` in order, deduplicated: districts and counties (``A7县``,
    ``K2区``) and county-level cities, which carry a number (``A9市``); not prefecture cities (``K市``).

    「A9市河」 is a river named after the city (the de-identified data writes 浏阳河 so), not the city."""
    out: dict[str, None] = {}
    text = clean(text)
    for m in _CODE_REGION_RE.finditer(text):
        if names_district(m, text):
            out.setdefault(m.group(1) + m.group(2) + m.group(3), None)
    return list(out)


def coded_letters(text: str) -> set[str]:
    """The letters of every coded region the text names (``K11县``, ``C市`` → {"K", "C"}); a letter
    with 区 or 县 and no number is an estate's block (「大御景湾B区」), not a region."""
    return {m.group(1) for m in _CODE_REGION_RE.finditer(clean(text)) if m.group(2) or m.group(3) == "市"}


#: The administrative division list vendored for the TipDM city (minsheng/core/data/admin_towns.csv).
ADMIN_TOWNS_CSV = Path(__file__).resolve().parents[2] / "core" / "data" / "admin_towns.csv"
ADMIN_VILLAGES_CSV = ADMIN_TOWNS_CSV.with_name("admin_villages.csv")
#: What follows a street or town name: its kind, as people write it (榔梨镇 of today's 榔梨街道 too).
_TOWN_SUFFIX = "街道|镇|乡|办事处"
#: The kinds of a village-level division; unlike a town's, always written after the name.
VILLAGE_KINDS = ("村", "社区")


@dataclass(frozen=True, slots=True)
class AdminTown:
    """One street (街道), town (镇) or township (乡) of a district, or one village (村) or
    community (社区) of it (``kind`` says which)."""

    district: str  # the district's code, e.g. "A7县"
    kind: str  # 街道 / 镇 / 乡, or 村 / 社区
    name: str  # without its kind: "星沙"
    bare: bool  # the name alone names it (星沙); else only with a suffix (路口镇: 路口 is a word)

    @property
    def is_village(self) -> bool:
        return self.kind in VILLAGE_KINDS


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def load_admin_towns(path: Path = ADMIN_TOWNS_CSV) -> list[AdminTown]:
    """The rows of an administrative division list (``#`` lines are comments)."""
    return [
        AdminTown(r["district"].strip(), r["kind"].strip(), r["name"].strip(), r["bare"].strip() == "1")
        for r in _read_rows(path)
    ]


def load_admin_villages(path: Path = ADMIN_VILLAGES_CSV) -> list[AdminTown]:
    """The villages and communities of a division list: named only with their kind (白草云村)."""
    towns = [
        AdminTown(r["district"].strip(), r["kind"].strip(), r["name"].strip(), bare=False)
        for r in _read_rows(path)
    ]
    if any(not t.is_village for t in towns):
        raise ValueError(f"{path}: a village's kind is one of {VILLAGE_KINDS}")
    return towns


class AdminGazetteer:
    """The streets, towns, villages and communities of a city's districts, found in a text: each
    names its district.

    A name shared by two districts (高桥街道 and 高桥镇) counts only when its suffix tells which;
    a name whose bare form is a common word (路口, 西湖) counts only with a suffix; a village or a
    community only ever with its kind (白草云村, 识字里社区), and not when its 村 is the 村部 (village
    office) of another name (「建新村部楼」 is a new office, not 建新村). Longer names win over the
    shorter names inside them (东湖塘镇 is not 东湖街道)."""

    def __init__(self, towns: Iterable[AdminTown]) -> None:
        self.towns: dict[str, list[AdminTown]] = defaultdict(list)
        #: (name, kind) of a village or community -> its districts; found by looking back from
        #: each 村 and 社区 of a text (a regex of 1,600 more names cost 5 x the time per text).
        self._villages: dict[tuple[str, str], set[str]] = defaultdict(set)
        for town in towns:
            if town.is_village:
                self._villages[(town.name, town.kind)].add(town.district)
            else:
                self.towns[town.name].append(town)
        self._village_lengths = sorted({len(n) for n, _ in self._villages}, reverse=True)
        parts = []
        for name in sorted(self.towns, key=lambda n: (-len(n), n)):
            optional = "?" if all(t.bare for t in self.towns[name]) else ""
            parts.append(f"{re.escape(name)}(?:{_TOWN_SUFFIX}){optional}")
        self._pattern = re.compile("|".join(parts)) if parts else re.compile("(?!)")
        self._kind_re = re.compile("|".join(re.escape(k) for k in VILLAGE_KINDS))

    def districts(self, text: str) -> list[str]:
        """The district of every division named in ``text``, in order (repeats kept)."""
        return [district for district, _ in self._named(text)]

    def deciding(self, text: str) -> list[str]:
        """The districts that place ``text``: those of its streets and towns, or, when it names
        none, those of its villages and communities. A town is the surer name: village names
        repeat across a city (大塘村, 大龙村), so 「圭塘街道大塘村」 is the 大塘村 of 圭塘街道's
        district, not the one of the same name elsewhere."""
        named = self._named(text)
        towns = [district for district, village in named if not village]
        return towns or [district for district, _ in named]

    def _named(self, text: str) -> list[tuple[str, bool]]:
        """(district, is a village or community) of every division named in ``text``, in order.

        Where a town's name and a village's overlap, the one that starts first wins, and at the
        same start the longer (星沙村 is a village, not 星沙), as one regex would decide."""
        text = clean(text)
        # (start, end, districts, is a village); districts empty: a match that names nothing.
        found: list[tuple[int, int, set[str], bool]] = []
        for m in self._pattern.finditer(text):
            found.append((m.start(), m.end(), self._town_districts(m.group(0)), False))
        if self._villages:
            for k in self._kind_re.finditer(text):
                if k.group(0) == "村" and text.startswith("部", k.end()):
                    continue  # 村部: a village office
                for length in self._village_lengths:
                    if length > k.start():
                        continue
                    districts = self._villages.get((text[k.start() - length : k.start()], k.group(0)))
                    if districts is not None:
                        found.append((k.start() - length, k.end(), districts, True))
                        break
        found.sort(key=lambda f: (f[0], f[0] - f[1], not f[3]))
        out: list[tuple[str, bool]] = []
        end = 0
        for start, stop, districts, village in found:
            if start < end:
                continue
            end = stop
            if len(districts) == 1:
                out.append((next(iter(districts)), village))
        return out

    def _town_districts(self, found: str) -> set[str]:
        """The districts a matched street or town name can be: one, or none when ambiguous."""
        name = re.sub(f"(?:{_TOWN_SUFFIX})$", "", found)
        towns = self.towns.get(name, [])
        if len({t.district for t in towns}) > 1:
            suffix = found[len(name) :]
            towns = [t for t in towns if suffix and t.kind == suffix]
        return {t.district for t in towns}


#: The vendored division list of the TipDM city A市 (streets and towns; villages and communities).
DEFAULT_DIVISION_LISTS: tuple[str, ...] = (str(ADMIN_TOWNS_CSV), str(ADMIN_VILLAGES_CSV))


def load_division_list(path: str | Path) -> list[AdminTown]:
    """A deployment's division list: CSV rows ``district,kind,name[,bare]`` (``#`` lines are
    comments). Streets and towns (街道/镇/乡/办事处) say in ``bare`` whether the name alone names
    them; villages and communities (村/社区) are only ever named with their kind."""
    rows = _read_rows(Path(path))
    if rows and not {"district", "kind", "name"} <= set(rows[0]):
        raise ValueError(f"{path}: a division list has the columns district, kind, name[, bare]")
    towns = []
    for r in rows:
        kind = r["kind"].strip()
        if kind not in VILLAGE_KINDS and kind not in _TOWN_SUFFIX.split("|"):
            raise ValueError(f"{path}: unknown kind {kind!r} of {r['name']!r}")
        bare = kind not in VILLAGE_KINDS and (r.get("bare") or "").strip() == "1"
        towns.append(AdminTown(r["district"].strip(), kind, r["name"].strip(), bare))
    return towns


@lru_cache(maxsize=8)
def admin_gazetteer(lists: tuple[str, ...] = DEFAULT_DIVISION_LISTS) -> AdminGazetteer:
    """The division list(s) of the deployment's city (read once per process per set of files);
    by default the vendored list of the TipDM city A市. ``()``: no list, nothing is found (a
    deployment elsewhere must not place its 光明村 in A市's districts)."""
    return AdminGazetteer([town for path in lists for town in load_division_list(path)])


@dataclass(slots=True)
class LearnedGazetteer:
    """Small place key -> counts of the districts named beside it."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    min_support: int = 2
    min_share: float = 0.75
    #: Also vote with bare town/street names (「星沙」): more coverage, less accuracy (measured in
    #: docs/analytics.md: 24 % / 84 % against 18 % / 91 % without), so off by default.
    use_stems: bool = False
    #: The city's streets and towns: when a text names one, it decides before the learned places.
    admin: AdminGazetteer | None = None
    _stems: re.Pattern[str] | None = None

    def _stem_pattern(self) -> re.Pattern[str] | None:
        """Bare town/street names (「星沙」 of 星沙镇/星沙街道), searched as plain substrings."""
        if self._stems is None:
            stems = sorted({k for k in self.counts if k.startswith("~")}, key=lambda k: (-len(k), k))
            self._stems = (
                re.compile("|".join(re.escape(k[1:]) for k in stems)) if stems else re.compile("(?!)")
            )
        return self._stems

    def keys_of(self, text: str) -> list[str]:
        """The place keys of ``text`` plus the bare town/street names it mentions (``~星沙``)."""
        keys = real_places(text)
        pattern = self._stem_pattern() if self.use_stems else None
        if pattern is not None:
            keys += [f"~{m.group(0)}" for m in pattern.finditer(clean(text))]
        return keys

    def add(self, key: str, district: str, weight: int = 1) -> None:
        if key and district:
            self.counts[key][district] += weight
            self._stems = None
            for suffix in ("街道", "镇", "乡"):
                if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                    self.counts[f"~{key[: -len(suffix)]}"][district] += weight

    def learn(self, texts: Iterable[str]) -> LearnedGazetteer:
        """Count, for every text naming exactly one district, that district beside each place."""
        for text in texts:
            districts = district_codes(text)
            if len(districts) != 1:
                continue
            for key in real_places(text):
                self.add(key, districts[0])
        self._stems = None
        return self

    def district_of(self, key: str, exclude: str = "") -> str:
        """The district a place lies in, or "" when unknown or ambiguous (``exclude``: one count less)."""
        c = self.counts.get(key)
        if not c:
            return ""
        if exclude:
            c = c.copy()
            c[exclude] -= 1
        total = sum(v for v in c.values() if v > 0)
        # Bare stems ("~星沙") are weaker evidence than full names: they need more support.
        support, share = (
            (self.min_support + 2, 0.9) if key.startswith("~") else (self.min_support, self.min_share)
        )
        if total < support:
            return ""
        district, n = max(c.items(), key=lambda kv: (kv[1], kv[0]))
        return district if n / total >= share else ""

    def resolve(self, text: str, exclude: str = "") -> str:
        """The district of a text: its own code if it names one, else the vote of its places."""
        own = district_codes(text)
        if own and not exclude:
            return own[0]
        return self.vote(text, exclude)

    def vote(self, text: str, exclude: str = "", *, check_city: bool = True) -> str:
        """The district the places of ``text`` lie in ("" when none is known or they disagree).

        ``check_city``: refuse a district whose code contradicts a coded city in the text. Only for
        a gazetteer learned with district codes (``learn``); one learned with other keys (region
        ids, ``intelligence.services.learned_places``) checks containment itself."""
        # The divisions of the list decide first (they are known, not learned): streets and towns,
        # else villages and communities; names of two districts decide nothing, and the learned
        # places are not asked then.
        votes: Counter[str] = Counter(self.admin.deciding(text) if self.admin else ())
        if not votes:
            for key in dict.fromkeys(self.keys_of(text)):
                d = self.district_of(key, exclude)
                if d:
                    votes[d] += 1
        if not votes:
            return ""
        ranked = votes.most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return ""
        district = ranked[0][0]
        # A coded region of another city in the text (K市, K11县 … A7县) means the place is elsewhere.
        if check_city:
            letters = coded_letters(text)
            if letters and district[0] not in letters:
                return ""
        return district


@dataclass(frozen=True, slots=True)
class GazetteerScores:
    naming_place: int
    resolved: int
    correct: int

    @property
    def coverage(self) -> float:
        return self.resolved / self.naming_place if self.naming_place else 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.resolved if self.resolved else 0.0


def hide_district(text: str, how: str = "city") -> str:
    """``text`` as if it did not name its district: ``how="city"`` writes the district's city
    instead (A7县 → A市: the message names its city, not its district), ``"blank"`` removes it."""

    def repl(m: re.Match[str]) -> str:
        if not m.group(2):
            return m.group(0)
        return f"{m.group(1)}市" if how == "city" else " "

    return _CODE_REGION_RE.sub(repl, clean(text))


def leave_one_out(
    texts: Sequence[str], gazetteer: LearnedGazetteer, *, hide: str = "city", city: str = ""
) -> GazetteerScores:
    """Resolve every text that names one district and a place, without its district code and its
    own counts (``hide``: see :func:`hide_district`; ``city``: only the districts of that letter).

    A text names a place when it names a real place (:func:`real_places`) or a street or town of
    the gazetteer's division list."""
    naming = resolved = correct = 0
    for text in texts:
        districts = district_codes(text)
        if len(districts) != 1 or (city and not districts[0].startswith(city)):
            continue
        hidden = hide_district(text, hide)
        if not real_places(text) and not (gazetteer.admin and gazetteer.admin.districts(hidden)):
            continue
        naming += 1
        guess = gazetteer.resolve(hidden, exclude=districts[0])
        if guess:
            resolved += 1
            correct += guess == districts[0]
    return GazetteerScores(naming, resolved, correct)


def main() -> int:  # pragma: no cover - a report printed by a command
    from .evaluate import load_tipdm_corpus

    texts = [f"{m.title} {m.text}" for m in load_tipdm_corpus()]
    learned = LearnedGazetteer().learn(texts)
    both = LearnedGazetteer(counts=learned.counts, admin=admin_gazetteer())
    print("leave-one-out: each message's district code replaced by its city (A7县 → A市; 'blank': removed)")  # noqa: T201
    for label, city in (("all messages", ""), ("messages about A市 (the division list's city)", "A")):
        for hide in ("city", "blank"):
            for name, gaz in (("learned places only", learned), ("division list + learned", both)):
                s = leave_one_out(texts, gaz, hide=hide, city=city)
                print(  # noqa: T201
                    f"{label}, hide={hide}, {name}: naming one district and a place {s.naming_place}; "
                    f"resolved {s.resolved} ({s.coverage:.1%}); right {s.correct} ({s.accuracy:.1%}); "
                    f"right of all {s.correct / max(s.naming_place, 1):.1%}"
                )
    no_code = [t for t in texts if not district_codes(t) and (real_places(t) or both.admin.districts(t))]  # type: ignore[union-attr]
    got = sum(1 for t in no_code if both.resolve(t))
    print(f"messages naming a place but no district: {len(no_code)}; resolved: {got}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
