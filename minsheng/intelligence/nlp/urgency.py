"""Urgency and distress detection (pure: no Django).

Flags texts that signal a danger to life (self-harm threats), a mass incident (groups
planning to gather, block roads, hang banners, collective visits) or extreme distress, so
that a person reads them at once (条例 Art. 25: urgent matters are reported immediately).

The detector is a transparent cue list, deliberately tuned for **recall**: a missed
self-harm threat is far worse than a false alarm, so a single strong cue suffices. Each
cue has a group and a level:

* ``urgent`` — self-harm / suicide threats, planned or ongoing mass action;
* ``attention`` — extreme distress, past mass action, threats of escalation, violence.

Light negation handling: a cue preceded (within a few characters, same clause) by a
negation (没有, 不会, 不想, 未, 并非 …) is reported but does not count; a danger cue
preceded by a hypothetical marker (一旦, 万一, 如果 …) is downgraded to ``attention``.
A mass cue (静坐, 堵路, 拉横幅 …) accompanied by a plan marker (将, 准备, 否则 …) or a
crowd size (上百人, 几百名, 全体业主 …) is ``urgent``; on its own it is ``attention``.

Accuracy on the self-labelled sample ``minsheng/intelligence/data/urgency_sample.csv`` is
reported in docs/intelligence.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from minsheng.core.text import normalize

__all__ = ["LEVELS", "UrgencyResult", "detect_urgency"]

NONE, ATTENTION, URGENT = "none", "attention", "urgent"
LEVELS = (NONE, ATTENTION, URGENT)
_RANK = {NONE: 0, "weak": 0, ATTENTION: 1, URGENT: 2}

# group -> Chinese label used in the reasons
GROUP_LABELS = {
    "self_harm": "自伤、轻生风险",
    "danger_to_life": "危及生命",
    "mass": "群体性事件风险",
    "escalation": "矛盾激化风险",
    "violence": "人身安全受威胁",
    "distress": "极度困境",
}

# (pattern, group, level). Patterns run on normalize()d text. WEAK cues are common
# figures of speech ("投诉无门", "绝望", "人身安全"): one alone does not flag a text, two
# distinct ones (or one with any stronger cue) make it ``attention``.
WEAK = "weak"
_CUES: list[tuple[str, str, str]] = [
    # -- self-harm and suicide: urgent on a single mention
    (r"跳楼|跳河|跳江|跳桥|卧轨", "self_harm", URGENT),
    (r"自杀|自尽|自残|自焚|割腕|上吊|服毒", "self_harm", URGENT),
    (r"(?<!减)(?<!年)轻生", "self_harm", URGENT),
    (r"(?:喝|服|吃)(?:了)?(?:农药|安眠药|老鼠药|敌敌畏|百草枯)", "self_harm", URGENT),
    (
        r"不想活|活不下去|活不成了|不活了|没法活|一死了之|以死(?:相逼|明志|抗争|维权|抗议)",
        "self_harm",
        URGENT,
    ),
    (r"寻死(?!觅活)|想不开|死给.{0,4}看|死也要死在|死在.{0,6}(?:门口|门前|大门)", "self_harm", URGENT),
    (r"同归于尽|鱼死网破|玉石俱焚", "self_harm", URGENT),
    (r"(?:救救|挽救).{0,12}(?:生命|性命)", "danger_to_life", URGENT),
    (r"(?:生命|性命)(?:垂危|危在旦夕)|命悬一线|奄奄一息", "danger_to_life", URGENT),
    # -- mass incidents: urgent when planned / large (see _CROWD_RE, _PLAN_RE), attention otherwise
    (r"集体上访|集体到.{0,8}(?:上访|信访|请愿)|集体(?:去|到).{0,6}(?:政府|市委|省委)", "mass", URGENT),
    (r"(?<!拥)(?<!车)堵(?:路|马路|门|公路|国道|大门|政府)(?![段口])", "mass", ATTENTION),
    (r"围堵|围攻|冲击(?:政府|机关)|堵(?:住|在).{0,6}政府|上街", "mass", ATTENTION),
    (r"(?:拉|打|举|扯)(?:了|过|起)?横幅|(?:拉|打)标语", "mass", ATTENTION),
    (r"静坐|请愿|聚众", "mass", ATTENTION),
    (
        r"聚集在.{0,8}(?:前|门|楼|政府|局|委|院|学校|工地|现场)|聚集.{0,10}(?:政府|门口|门前|讨|要求|抗议)"
        r"|(?:村民|群众|业主|职工|工人|家长|居民)聚集",
        "mass",
        ATTENTION,
    ),
    (r"(?:政府|市委|省委|县委|信访局)(?:大)?门(?:口|前)", "mass", ATTENTION),
    (r"群体(?:性)?事件|群体上访|群访", "mass", ATTENTION),
    (r"(?:农民工|工人|民工|工友).{0,12}讨薪|讨薪.{0,8}(?:农民工|工人|民工|工友)", "mass", ATTENTION),
    (r"进京上访|赴京上访|越级上访|游行|示威", "mass", WEAK),
    # -- escalation / violence
    (
        r"过激(?:的|地)?(?:行为|方式|手段|举动|维权|行动|去|到)|走极端|极端(?:方式|手段)|激烈的?(?:冲突|对抗)|打砸|械斗|群情激愤",
        "escalation",
        ATTENTION,
    ),
    (r"豁出(?:性命|去)|大动干戈|闹出人命|逼死", "escalation", ATTENTION),
    (r"拼命|出人命|往死里|特警", "escalation", WEAK),
    (
        r"(?:人身|生命)安全受到.{0,4}(?:威胁|危害)|严重(?:危及|威胁).{0,6}(?:生命|人身)|扣押|打伤|砍伤",
        "violence",
        ATTENTION,
    ),
    (r"人身安全|生命危险|危及.{0,6}生命|黑社会|黑恶势力|恐吓|殴打|砸伤", "violence", WEAK),
    # -- extreme distress
    (
        r"走投无路|无路可走|家破人亡|无家可归|无容身之所|流落街头|没饭吃|吃不上饭|揭不开锅|无钱治疗|没钱治|救救我",
        "distress",
        ATTENTION,
    ),
    (r"求助无门|投诉无门|申诉无门|上访无果|绝望|跪求|求求(?:你们|您|领导)|生存线|救命钱", "distress", WEAK),
]
_COMPILED = [(re.compile(p), g, lv) for p, g, lv in _CUES]

# A crowd size or collective subject next to a mass cue makes it urgent.
_CROWD_RE = re.compile(
    r"(?:上|几|数|近|好几)(?:百|千|万)(?:人|名|户|位|多人|多名|多户)?|[一二三四五六七八九十两\d]+百(?:多)?(?:人|名|户|位)"
    r"|\d{2,}多?(?:号)?(?:人|名)|群情激愤|(?:更多的?|多位|多名|众多|大批)(?:业主|村民|群众|工人|职工|家长|居民)|全体(?:业主|村民|职工|员工|居民|家长|工人)|业主们|村民们|工人们|家长们|群众们|大批|大量(?:业主|村民|群众|工人)"
)
# A plan or ultimatum marker: the action lies ahead.
_PLAN_RE = re.compile(
    r"将会?|准备|打算|计划|决定|即将|否则|不然|要去|要到|如果.{0,20}(?:不|没)|若.{0,12}(?:不|没)|本周|明天|下周|节后|假后|返回"
)
_NEGATION_RE = re.compile(
    r"(?:没有|没|不会|不要|不想|不愿|不能|不敢|未曾|未|并未|并非|不是|绝不|别|无需|不再|从不|不曾|避免)[^，。！？；,.!?;]{0,4}$"
)
_HYPOTHETICAL_RE = re.compile(
    r"(?:一旦|万一|如果|假如|若是|倘若|可能|难道|担心|恐怕|以免|防止|避免)[^。！？；.!?;]{0,12}$"
)
_CLAUSE_END = re.compile(r"[。！？；!?;\n]")

CONTEXT = 30  # characters around a mass cue searched for crowd / plan markers


@dataclass(frozen=True)
class CueHit:
    cue: str
    group: str
    level: str
    start: int
    negated: bool = False
    hypothetical: bool = False


@dataclass
class UrgencyResult:
    level: str
    score: float
    cues: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    hits: list[CueHit] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.level != NONE

    def to_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "score": round(self.score, 3),
            "cues": list(self.cues),
            "reasons": list(self.reasons),
        }


def _clause_before(text: str, start: int, width: int) -> str:
    before = text[max(0, start - width) : start]
    parts = _CLAUSE_END.split(before)
    return parts[-1] if parts else before


_THREAT_GAP = re.compile(r"[就便则才要我他她]")


def _is_negated(before: str) -> bool:
    """A negation right before the cue ("没有自杀", "不想拉横幅") — but not a threat whose
    condition is negative ("不解决我就跳楼": a 就/便/则 or a subject sits in between)."""
    m = _NEGATION_RE.search(before)
    if not m:
        return False
    gap = before[m.end() - len(before) :] if m.end() < len(before) else ""
    neg_end = re.search(
        r"(?:没有|没|不会|不要|不想|不愿|不能|不敢|未曾|未|并未|并非|不是|绝不|别|无需|不再|从不|不曾|避免)",
        before[m.start() :],
    )
    if neg_end is not None:
        gap = before[m.start() + neg_end.end() :]
    return not _THREAT_GAP.search(gap)


def _window(text: str, start: int, end: int) -> str:
    """The cue's clause and its neighbours, at most CONTEXT characters each side."""
    return text[max(0, start - CONTEXT) : end + CONTEXT]


def detect_urgency(title: str, body: str = "") -> UrgencyResult:
    """Level (none / attention / urgent), matched cues and Chinese reasons for one petition."""
    text = normalize(f"{title}。{body}")
    hits: list[CueHit] = []
    for pattern, group, level in _COMPILED:
        for m in pattern.finditer(text):
            before = _clause_before(text, m.start(), 12)
            negated = _is_negated(before[-8:])
            hypothetical = bool(_HYPOTHETICAL_RE.search(before))
            lv = level
            if level == WEAK and not negated and _CROWD_RE.search(_window(text, m.start(), m.end())):
                lv = ATTENTION  # "数千居民…跪求", "几百人…拼命": a weak cue with a crowd counts
            elif group in ("mass", "escalation") and level != WEAK and not negated:
                around = _window(text, m.start(), m.end())
                if _CROWD_RE.search(around) or _PLAN_RE.search(
                    _clause_before(text, m.start(), CONTEXT) + m.group(0)
                ):
                    lv = URGENT
            if group == "danger_to_life" and hypothetical and not negated:
                # "万一…危及生命" — worth a look, not an alarm. Self-harm threats are usually
                # conditional ("如果不解决我就跳楼"), so they are never downgraded.
                lv = ATTENTION
            hits.append(CueHit(m.group(0), group, lv, m.start(), negated, hypothetical))
    hits.sort(key=lambda h: h.start)
    live = [h for h in hits if not h.negated]
    level = NONE
    for h in live:
        if _RANK[h.level] > _RANK[level]:
            level = h.level
    weak = {h.cue for h in live if h.level == WEAK}
    if level == NONE and len(weak) >= 2:
        level = ATTENTION
    # A gathering together with violence or escalation is a mass incident; three different
    # kinds of signal together (distress + escalation + violence …) add up as well.
    groups = {h.group for h in live if h.level == ATTENTION}
    if level == ATTENTION and (
        {"mass", "escalation"} <= groups or {"mass", "violence"} <= groups or len(groups) >= 3
    ):
        level = URGENT
    weights = {URGENT: 0.6, ATTENTION: 0.3, WEAK: 0.1}
    score = min(1.0, sum(weights[h.level] for h in live))
    cues: list[str] = []
    reasons: list[str] = []
    for h in live:
        if h.cue not in cues:
            cues.append(h.cue)
            suffix = {URGENT: "（紧急）", WEAK: "（弱）"}.get(h.level, "")
            reasons.append(f"{GROUP_LABELS[h.group]}：“{h.cue}”{suffix}")
    for h in hits:
        if h.negated:
            reasons.append(f"已否定，不计入：“{h.cue}”")
    if level == URGENT:
        reasons.insert(0, "可能属重大、紧急信访事项，请立即核实并按条例第二十五条报告")
    return UrgencyResult(
        level=level, score=score if level != NONE else 0.0, cues=cues[:12], reasons=reasons[:12], hits=hits
    )
