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

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .entities import _CODE_REGION_RE, anchors, clean

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
)
_FRAGMENT_CHARS = frozenset(
    "的了是在把被给让将从对向为与或这那该此每各我你他她们些都也就还很太最能会要想说看做搞借请吗呢吧啊"
)
_FRAGMENT_RE = re.compile("|".join(map(re.escape, _FRAGMENT_WORDS)))

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
    }
)

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
    if _FRAGMENT_RE.search(name) or any(ch in _FRAGMENT_CHARS for ch in name):
        return False
    return not name.endswith("政府")


def place_key(name: str) -> str:
    """One key for the many ways a place is named (see the module docstring); "" if not a place."""
    name = _CODE_REGION_RE.sub("", clean(name)).strip()
    # A verb or function word before the name is cut away (「拆除五一桥」 → 五一桥); what is left
    # must still be a place (「借学校」 → 学校 is a kind of place, 「获批城」 → 城 is too short).
    cut = max((m.end() for m in _FRAGMENT_RE.finditer(name)), default=0)
    cut = max([cut, *(i + 1 for i, ch in enumerate(name) if ch in _FRAGMENT_CHARS)])
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
    r"(?:投诉|举报|反映|反对|请求|要求|希望|建议|呼吁|咨询|关于|请|恳请|盼望|质疑|对|有关|给)+"
    r"(?:有关部门|相关部门|部门|政府|领导|尽快|尽早|依法)?(?:解决|处理|查处|整治|关注|取缔|督促|帮助)?)+"
)
_TAIL_RE = re.compile(
    r"(?:的|之)?(?:相关)?(?:问题|一事|事宜|情况|现象|的请求|的建议|的投诉|的报告|的咨询|请求|投诉)+$"
)
_TITLE_PUNCT_RE = re.compile(r"[!！?？。，,、；;：:“”\"'‘’()（）【】\[\]《》\s]+")


def short_title(title: str, place: str = "", limit: int = 22) -> str:
    """The place and the problem in a few words: leading verbs, region codes, tails and
    punctuation removed; the place put first when the title does not name it.

    「投诉A7县星沙204路公交车甩客」 → 「星沙204路公交车甩客」;
    「反映A市暮云怡海星城小区和龙湾国际社区公交出行问题」 → 「暮云怡海星城小区和龙湾国际社区公交出行」.
    """
    text = _CODE_REGION_RE.sub("", clean(title))
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
    """District/county codes (``A7县``, ``K2区``; not cities) of ``text`` in order, deduplicated."""
    out: dict[str, None] = {}
    for m in _CODE_REGION_RE.finditer(clean(text)):
        if m.group(2) and m.group(3) in "区县":
            out.setdefault(m.group(1) + m.group(2) + m.group(3), None)
    return list(out)


@dataclass(slots=True)
class LearnedGazetteer:
    """Small place key -> counts of the districts named beside it."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    min_support: int = 2
    min_share: float = 0.75
    #: Also vote with bare town/street names (「星沙」): more coverage, less accuracy (measured in
    #: docs/analytics.md: 24 % / 84 % against 18 % / 91 % without), so off by default.
    use_stems: bool = False
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
        votes: Counter[str] = Counter()
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
        # A city code in the text that contradicts the district (K市 … A7县) means the place is elsewhere.
        if check_city:
            cities = {m.group(1) for m in _CODE_REGION_RE.finditer(clean(text)) if not m.group(2)}
            if cities and district[0] not in cities:
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


def leave_one_out(texts: Sequence[str], gazetteer: LearnedGazetteer) -> GazetteerScores:
    """Resolve every text that names one district and a place, without its code and its own counts."""
    naming = resolved = correct = 0
    for text in texts:
        districts = district_codes(text)
        if len(districts) != 1 or not real_places(text):
            continue
        naming += 1
        # Hide the district codes; city codes (A市) stay, as they would in a real message.
        hidden = _CODE_REGION_RE.sub(lambda m: m.group(0) if not m.group(2) else " ", clean(text))
        guess = gazetteer.resolve(hidden, exclude=districts[0])
        if guess:
            resolved += 1
            correct += guess == districts[0]
    return GazetteerScores(naming, resolved, correct)


def main() -> int:  # pragma: no cover - a report printed by a command
    from .evaluate import load_tipdm_corpus

    texts = [f"{m.title} {m.text}" for m in load_tipdm_corpus()]
    gaz = LearnedGazetteer().learn(texts)
    s = leave_one_out(texts, gaz)
    print(  # noqa: T201
        f"messages naming one district and a place: {s.naming_place}; resolved from the place alone "
        f"(leave-one-out): {s.resolved} ({s.coverage:.1%}); right district: {s.correct} ({s.accuracy:.1%})"
    )
    no_code = [t for t in texts if not district_codes(t) and real_places(t)]
    got = sum(1 for t in no_code if gaz.resolve(t))
    print(f"messages naming a place but no district: {len(no_code)}; resolved: {got}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
