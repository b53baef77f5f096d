"""Nature of a petition (信访事项性质) from its text, by a documented lexicon (pure: no Django).

The 2022 信访工作条例 sorts petitions into 建议意见类 (suggestion, Art. 29), 检举控告类
(accusation, Art. 30) and 申诉求决类 (grievance, Art. 31); litigation-related items
(涉法涉诉, Art. 22/28) are separated and go to the political-legal organs. There are no
nature labels in the TIPDM data, so this is weak supervision: weighted keyword/pattern
rules, each pattern listed below with its weight. A term found in the title counts double
(the title usually states what the petitioner wants: 「建议…」, 「举报…」, 「投诉…」).

Grievance is the default when nothing matches (most petitions ask for something to be
solved). ``confidence`` is a rule-strength score in [0, 1] (best score / (total + 1),
floored for the default); it is *not* a calibrated probability. See
docs/intelligence-classification.md for precision/recall on a small hand-labelled sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minsheng.core.text import normalize

SUGGESTION = "suggestion"
ACCUSATION = "accusation"
GRIEVANCE = "grievance"
LITIGATION = "litigation_related"

NATURE_LABELS: tuple[str, ...] = (SUGGESTION, ACCUSATION, GRIEVANCE, LITIGATION)
NATURE_NAMES_ZH: dict[str, str] = {
    SUGGESTION: "建议意见类",
    ACCUSATION: "检举控告类",
    GRIEVANCE: "申诉求决类",
    LITIGATION: "涉法涉诉",
}

#: (regular expression, weight) per nature. Weights: 3 = decisive, 2 = strong, 1 = a hint.
LEXICON: dict[str, tuple[tuple[str, float], ...]] = {
    LITIGATION: (
        (r"判决|裁定书|调解书|一审|二审|再审|终审|上诉|抗诉|开庭|庭审", 3.0),
        (r"立案庭|执行庭|执行局|申请执行|强制执行|执行款|执行法官|老赖|失信被执行|诉讼费", 2.5),
        (r"检察院|检察官|冤案|错案|冤假错案|枉法|司法不公", 2.5),
        (
            r"公安.{0,6}(不予?立案|不受理)|报案.{0,10}(未|不|没有)(立案|受理)|刑事案件|看守所|羁押|取保候审",
            2.0,
        ),
        (r"法院|人民法庭|起诉|诉讼|仲裁裁决|劳动仲裁|仲裁委", 1.5),
        (r"律师", 0.5),
    ),
    ACCUSATION: (
        (r"举报|检举|揭发|控告|实名反映", 3.0),
        (
            r"贪污|受贿|行贿|索贿|腐败|贪腐|挪用|侵吞|私分|中饱私囊|吃空饷|虚报冒领|套取.{0,6}(资金|补贴|补助|款)",
            3.0,
        ),
        (r"利用职[务便权]|以权谋私|滥用职权|玩忽职守|渎职|徇私|包庇|保护伞|黑恶|违纪|公车私用|公款吃喝", 2.5),
        (r"查处|取缔|彻查|严查|严惩|打击", 2.0),
        (r"集体资产|资金.{0,4}(去向|流向)|瓜分|分豆|暗箱操作|串通|勾结|内幕|黑幕", 2.0),
        (
            r"涉嫌|违法违规|违规违法|违法乱纪|非法集资|诈骗|欺诈|骗子|传销|偷排|偷税|漏税|无证经营|非法经营|"
            r"黑作坊|造假|弄虚作假|赌博|私设|私建|盗采|偷采|乱采|电鱼|绝户网|诱捕|偷猎",
            1.5,
        ),
        (r"违法|非法|违规|违章|私自|擅自", 1.0),
    ),
    SUGGESTION: (
        (r"建议|提议|倡议|献策|金点子|意见和建议|意见建议|合理化", 3.0),
        (
            r"呼吁|反对|希望.{0,12}(能够?|可以|尽快)?(增设|增加|开通|设立|修建|建设|规划|完善|改进|优化|出台|推广|取消|恢复|调整|延长|加大|发展)",
            2.0,
        ),
        (r"(请求|恳请|希望).{0,6}(开放|恢复|增设|增开|开通|修建|保护|延伸|设立)", 1.5),
        (r"能否|可否|是否可以|可不可以|能不能.{0,10}(增设|增加|开通|设立|修建|建设|规划|调整|延长)", 1.5),
        (r"保护.{0,6}(文物|古建|历史|遗址|古桥|公馆)|发展.{0,4}产业|规划建设|人行天桥", 1.5),
        (r"增设|增开|开通|设立|完善|改进|优化|推广|提个醒|几点看法|几点想法|政策", 1.0),
        (r"应该|应当", 0.5),
    ),
    GRIEVANCE: (
        (r"投诉|请求解决|要求解决|恳请解决|申请解决|帮忙解决|求助|维权|讨薪|讨要", 3.0),
        (
            r"拖欠|欠薪|赔偿|补偿|退还|退款|不退|退费|补发|补缴|报销|待遇|落实|安置|不予办理|办不了|无法办理|申诉",
            2.0,
        ),
        (
            r"解决|要求|恳请|请求|困难|扰民|噪音|停水|停电|乱收费|多收|不给|不让|拒绝|刁难|推诿|无人管|没人管|不管",
            1.0,
        ),
        (r"咨询|请问|如何办理|怎么办|怎样|何时|什么时候|是否", 1.0),
    ),
}

_COMPILED: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    label: tuple((re.compile(p), w) for p, w in pats) for label, pats in LEXICON.items()
}

TITLE_FACTOR = 2.0
BODY_CHARS = 600  # the request is nearly always stated at the start of the message
DEFAULT_CONFIDENCE = 0.3


@dataclass(frozen=True)
class NaturePrediction:
    label: str
    confidence: float
    reasons: list[str]
    scores: dict[str, float]

    @property
    def label_zh(self) -> str:
        return NATURE_NAMES_ZH[self.label]

    def to_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "label_zh": self.label_zh,
            "confidence": round(self.confidence, 4),
            "reasons": list(self.reasons),
            "scores": {k: round(v, 2) for k, v in self.scores.items()},
        }


def nature_scores(title: str, body: str) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Per-nature scores and the matched terms (``title:举报``, ``body:法院``)."""
    fields = (("title", normalize(title), TITLE_FACTOR), ("body", normalize(body)[:BODY_CHARS], 1.0))
    scores = dict.fromkeys(NATURE_LABELS, 0.0)
    hits: dict[str, list[str]] = {label: [] for label in NATURE_LABELS}
    for label, patterns in _COMPILED.items():
        for pattern, weight in patterns:
            best = 0.0
            found = ""
            for name, text, factor in fields:
                m = pattern.search(text)
                if m and weight * factor > best:
                    best, found = weight * factor, f"{name}:{m.group(0)}"
            if best:
                scores[label] += best
                hits[label].append(found)
    return scores, hits


def predict_nature(title: str, body: str = "") -> NaturePrediction:
    """Suggestion / accusation / grievance / litigation_related, with the terms that decided it."""
    scores, hits = nature_scores(title, body)
    total = sum(scores.values())
    if total == 0:
        return NaturePrediction(GRIEVANCE, DEFAULT_CONFIDENCE, ["default: no pattern matched"], scores)
    # ties resolved in the order of NATURE_LABELS' priority below
    priority = (LITIGATION, ACCUSATION, SUGGESTION, GRIEVANCE)
    best = max(priority, key=lambda lab: (scores[lab], -priority.index(lab)))
    confidence = max(DEFAULT_CONFIDENCE, scores[best] / (total + 1.0))
    return NaturePrediction(best, round(confidence, 4), hits[best][:6], scores)
