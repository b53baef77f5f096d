"""Reply quality before it goes out: advice on a drafted handling opinion (pure: no Django).

Four checks of a draft reply against the petition it answers. They never block anything: the
result is advice shown to the caseworker who drafts and to the signer who signs.

* **relevance** -- does the reply mention what the petition asks about? The key terms of the
  petition (words of its title, and words its request repeats) are looked up in the reply, after
  the reply's own quotation of the title (「关于您反映的“……”」) is removed, so that echoing the
  title does not count as answering it. Flagged when fewer than a third of them occur.
* **completeness** (条例 Art. 32: the opinion states 事实和理由 and its 法律法规依据) -- facts found
  (经调查/经核实/据查/现场查看/dates and figures of what was done ...), reasons (因为/由于/根据/
  鉴于/不符合 ...), and a legal or policy basis that can be looked up (a named document
  《……》, an article 第…条, a document number 〔2018〕53号). A vague 「根据有关规定」 is not a basis.
* **timeliness** -- the day of the reply against the petition's deadline: overdue, or due within
  ``DUE_SOON_DAYS`` days.
* **stock phrases** -- a reply made only of formulas (留言已收悉、高度重视、已转有关部门、感谢您的
  支持 ...) answers nothing. Flagged when, without its formulas, greeting, signature, dates and
  phone numbers, fewer than ``MIN_SUBSTANCE`` Chinese characters remain.

Messages are not produced here (the service translates the finding codes).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "CHECKS",
    "DUE_SOON_DAYS",
    "MIN_SUBSTANCE",
    "Finding",
    "PetitionText",
    "ReplyCheck",
    "ReplyDraft",
    "check_reply",
    "completeness",
    "key_terms",
    "relevance",
    "stock_phrases",
    "substance",
    "timeliness",
]

RELEVANCE, COMPLETENESS, TIMELINESS, STOCK = "relevance", "completeness", "timeliness", "stock_phrases"
CHECKS = (RELEVANCE, COMPLETENESS, TIMELINESS, STOCK)

#: below this share of the title's character pairs found in a short reply, it is off the point
MIN_COVERAGE = 0.15
#: a reply with at least this many Chinese characters of substance is taken to answer in its own
#: words: on 350 hand-labelled real replies, long replies sharing few words with the title were
#: answers (paraphrases, route numbers for a bus request) far more often than off the point
SHORT_ANSWER = 40
#: ... but a short reply that names at least this share of the title is on the point
#: (「经查，204路公交车司机甩客属实，已对司机停岗处理。」)
ON_POINT = 0.5
#: fewer Chinese characters than this left without formulas: the reply answers nothing
MIN_SUBSTANCE = 30
#: a draft due within this many days gets a reminder
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class PetitionText:
    title: str
    request: str = ""


@dataclass(frozen=True)
class ReplyDraft:
    """The Art. 32 parts of a draft; a reply published as one text goes in ``opinion``."""

    opinion: str
    facts_and_reasons: str = ""
    legal_basis: str = ""

    @property
    def text(self) -> str:
        return "\n".join(p for p in (self.facts_and_reasons, self.opinion, self.legal_basis) if p)


@dataclass(frozen=True)
class Finding:
    check: str
    code: str
    terms: tuple[str, ...] = ()
    days: int | None = None


@dataclass(frozen=True)
class ReplyCheck:
    findings: tuple[Finding, ...]
    coverage: float | None  # share of the petition's key terms found (None: no key terms)
    key_terms: tuple[str, ...]
    substance: int  # Chinese characters left without formulas
    facts: tuple[str, ...] = field(default=())
    reasons: tuple[str, ...] = field(default=())
    basis: tuple[str, ...] = field(default=())

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def flagged(self, check: str) -> bool:
        return any(f.check == check for f in self.findings)


# --- text helpers ---------------------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")
_PUNCT = " ,，。.!！;；:：、“”\"'"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_DATE = re.compile(r"\d{4}\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}\s*日?")
#: the date the reply is signed with, at its end
_SIGNATURE_DATE = re.compile(r"\d{4}\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}\s*日?\s*$")
_PHONE = re.compile(r"[\d\-－()（）]{7,}")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace("_x000D_", " ")


def _cjk_len(text: str) -> int:
    return len(_CJK.findall(text))


# --- stock phrases --------------------------------------------------------------------------------

#: formulas that carry no answer (regular expressions; order does not matter)
STOCK_PATTERNS: tuple[str, ...] = (
    r"(尊敬的)?(网友|网民|来信人|市民|群众)?(朋友|同志)?[“\"「]?[A-Za-z0-9_\-]*[”\"」]?\s*[:：,，]?\s*(您|你)好[!！。,，]?",
    r"(尊敬的|亲爱的)(网友|网民|来信人)[:：,，]?",
    r"^(网友|网民|来信人)[:：,，]",
    r"(您|你)[^。，,！!；;]{0,14}?(留言|来信|来帖|来邮|信件|帖文|问题|情况|信访件|意见|函件)"
    r"(我[局委办中心单位司队镇区县院]+)?(已|已经)?(收悉|收到|知悉|阅|获悉)[,，。!！;；]?",
    r"(留言|来信|函件|来帖|帖文)(已)?(收悉|收到)[,，。!！]?",
    r"(现|特)?(将|就)?(有关|相关|具体|调查|办理|核实)*(情况|问题|事项)?(答复|回复|说明)如下[:：]?",
    r"现(答复|回复)如下[:：]?",
    r"(已|已经|现已)?(转|转交|转至|转给|交由|交)[^。，,；;！!]{0,25}?"
    r"(调查核处|调查处理|调查办复|核实办复|核查办复|办复|核处|处理|答复|调查|关注|进行办复|核实、办复|调查、核处|核实、办理)[。，,；;！!]?",
    r"如有(相关)?(情况|回复|进展)[^。]{0,12}(反馈|回复|告知)[,，。!！]?",
    r"处理情况会[^。]{0,10}(反馈|回复)[^。]{0,6}[。]?",
    r"(领导|我[局委办区县镇]|相关单位|有关部门|街道)?(非常|十分|高度)重视",
    r"(感谢|谢谢)(您|你)?(对|的)?[^。！!]{0,20}?(关心|关注|支持|理解|监督|信任|留言|来信|问政)[^。！!]{0,12}[。！!]?",
    r"(再次|衷心)?(感谢|谢谢)(您的)?(来信|留言|问政)?[!！。]?",
    r"祝(您)?(生活|工作)[^。！!]{0,8}[。！!]?",
    r"欢迎(您)?(继续)?[^。]{0,20}(监督|建议|关注)[^。]{0,10}[。！!]?",
    r"(将|会)?(进一步|持续|继续)(加强|加大|做好|推进|关注|完善)",
    r"(认真|积极)(研究|考虑|协调|处理)",
    r"特此(回复|答复|说明)[。]?",
    r"(以上|上述)(是|为)?[^。]{0,10}(回复|答复)[^。]{0,30}[。]?",
    r"(如|若)(您|你)?(对[^。]{0,10}(回复|答复)[^。]{0,8}不满意|还有[^。]{0,10}(疑问|问题)|有疑问|需[要]?(继续|进一步)?(了解|咨询))[^。]{0,60}[。]?",
    r"(咨询|联系|举报|监督|服务)?(电话|热线)[:：]?",
    # referral and "cannot check" without an answer
    r"(建议|请)(您|你)?(直接|及时|详细)?(拨打|咨询|联系|登录|致电|来电)[^。；;]{0,40}[。；;]?",
    r"(无法|不能)(为你|为您)?(进行)?(核实|核查|调查|回复|联系)[^。]{0,20}[。]?",
    r"(因|由于)(无|没有)(您的|你的)?[^。，,]{0,12}(联系方式|个人信息|证据|材料)[^。]{0,20}[,，。]?",
    r"不属于[^。]{0,30}职权范围[^。]{0,40}[。]?",
    # v3 (third sample, 2026-12-07): more referrals, "no contact details", "answered elsewhere"
    r"(因|由于)(您|你)(未|没有|无)(留下?|提供)?[^。，,]{0,12}(联系方式|个人信息|证据|材料)[^。]{0,60}[,，。]?",
    r"(您|你)(也)?可(以)?(直接|先)?(拨打|致电|登录|通过)[^。；;]{0,50}[。；;]?|可(以)?(直接)?(拨打|致电)[^。；;]{0,50}[。；;]?",
    r"(建议|请)?(您|你)(直接|可|可以|及时)*向[^。；;]{0,30}(咨询|反映|投诉|举报|联系|申请)[^。；;]{0,20}[。；;]?",
    r"(欢迎|请|特邀请)(您|你)[^。；;]{0,12}(到|来)[^。；;]{0,30}(咨询|办理|反映|解答)[^。；;]{0,30}[。；;]?",
    r"(已|已经)?(通过网络|在网上|有相关单位)[^。]{0,30}(答复|回复)[^。]{0,40}[。]?",
    r"不再进入处理程序[。]?",
    r"(请|请您|请你)(及时)?(查看|耐心等待)[^。]{0,20}[。]?",
    r"(内容|反映的问题)?过于笼统[^。]{0,80}[。]?",
)
_STOCK_RE = [re.compile(p) for p in STOCK_PATTERNS]

#: shown to the caseworker when a reply is flagged: the formulas that stand in for an answer
STOCK_TERMS: tuple[str, ...] = (
    "已收悉",
    "高度重视",
    "已转",
    "进一步加强",
    "认真研究",
    "积极协调",
    "感谢您",
    "如有情况将及时反馈",
)


def substance(reply: str, title: str = "") -> str:
    """The reply without formulas, the quoted title, dates, phone numbers and tracking handles."""
    text = _norm(reply)
    text = _strip_title_echo(text, title)
    text = _DATE.sub(" ", text)
    text = _PHONE.sub(" ", text)
    for rx in _STOCK_RE:
        text = rx.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(_PUNCT)


def substance_keep_dates(reply: str, title: str = "") -> str:
    """Like :func:`substance` but dates stay (when something was done is a fact)."""
    text = _strip_title_echo(_norm(reply), title)
    text = _PHONE.sub(" ", text)
    for rx in _STOCK_RE:
        text = rx.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def stock_phrases(reply: str, title: str = "") -> tuple[list[Finding], int]:
    """(findings, substantive Chinese characters) of the stock-phrase check."""
    rest = _cjk_len(substance(reply, title))
    if rest >= MIN_SUBSTANCE:
        return [], rest
    text = _norm(reply)
    found = tuple(t for t in STOCK_TERMS if t in text)
    return [Finding(STOCK, "stock_only", terms=found)], rest


# --- relevance ------------------------------------------------------------------------------------

#: words of a title that say what kind of letter it is, not what it is about
_GENERIC = """请求 反映 投诉 举报 咨询 建议 希望 要求 强烈 呼吁 关于 问题 解决 情况 有关 相关 一下 请问 询问 质疑
    严重 尽快 加快 给予 帮助 政府 领导 部门 书记 市长 县长 区长 我们 本人 为什么 什么 如何 怎么 是否 能否
    可以 没有 不能 一个 这个 那个 存在 进行 处理 落实 恳请 麻烦 谢谢 反应 事情 事宜 整治 管理 监管 有关部门
    居民 业主 村民 群众 百姓 老百姓 市民 网友 现象 的 了 和 与 及 在 对 把 被 让 给 是 有 不 也 都 还"""
GENERIC_WORDS = frozenset(_GENERIC.split())

_GENERIC_BY_LENGTH = sorted((w for w in GENERIC_WORDS if len(w) >= 2), key=lambda w: (-len(w), w))


def _is_key(word: str) -> bool:
    if len(word) < 2 or word in GENERIC_WORDS:
        return False
    if not _CJK.search(word):  # numbers, anonymised codes (A7县 is cut into A7 / 县)
        return False
    return not re.search(r"[A-Za-z0-9]", word)


def _tokens(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text, HMM=False) if w.strip()]


def key_terms(petition: PetitionText, limit: int = 8) -> tuple[str, ...]:
    """What the petition is about: the key words of its title, then words its request repeats."""
    title = _norm(petition.title)
    terms: list[str] = []
    for w in _tokens(title):
        if _is_key(w) and w not in terms:
            terms.append(w)
    if len(terms) < 3 and petition.request:
        counts: dict[str, int] = {}
        for w in _tokens(_norm(petition.request)[:400]):
            if _is_key(w) and w not in terms:
                counts[w] = counts.get(w, 0) + 1
        repeated = sorted((w for w, n in counts.items() if n >= 2), key=lambda w: (-counts[w], w))
        terms.extend(repeated[: 3 - len(terms)])
    return tuple(terms[:limit])


_QUOTED = re.compile(r"[“\"「《]([^”\"」》]{4,80})[”\"」》]")


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _strip_title_echo(reply: str, title: str) -> str:
    """Remove quotations of the title (or most of it) from the reply."""
    if not title:
        return reply
    t = _bigrams(_norm(title))
    if not t:
        return reply

    def drop(m: re.Match[str]) -> str:
        q = _bigrams(m.group(1))
        return "" if q and len(q & t) / len(q) >= 0.6 else m.group(0)

    return _QUOTED.sub(drop, reply.replace(_norm(title), " "))


def _mentioned(term: str, reply: str) -> bool:
    if term in reply:
        return True
    if len(term) >= 3:  # 景蓉华苑 vs 景蓉花苑: most of its character pairs occur
        grams = _bigrams(term)
        return sum(g in reply for g in grams) / len(grams) >= 0.5
    return False


def title_grams(title: str) -> set[str]:
    """Character pairs of what the title is about: place codes (A7县) and generic words removed."""
    text = re.sub(r"[A-Za-z0-9]+[省市区县镇乡村]?", " ", _norm(title))
    for word in _GENERIC_BY_LENGTH:
        text = text.replace(word, " ")
    grams: set[str] = set()
    for part in _CJK_RUN.findall(text):
        grams |= _bigrams(part)
    return grams


def relevance(petition: PetitionText, reply: str) -> tuple[list[Finding], float | None, tuple[str, ...]]:
    """Share of the title's character pairs found in the reply's substance (formulas and the
    quoted title removed); flagged when the substance is nothing (``MIN_SUBSTANCE``) or short
    (``SHORT_ANSWER``) and covers less than ``MIN_COVERAGE``, naming the key words not mentioned."""
    terms = key_terms(petition)
    grams = title_grams(petition.title)
    body = substance(reply, petition.title)
    coverage = len(grams & _bigrams(body)) / len(grams) if grams else None
    size = _cjk_len(body)
    # Nothing but formulas answers nothing; a short reply that hardly names the matter is off the
    # point; a long one is taken to answer in its own words.
    if (size < MIN_SUBSTANCE and (coverage is None or coverage < ON_POINT)) or (
        coverage is not None and coverage < MIN_COVERAGE and size < SHORT_ANSWER
    ):
        missing = tuple(t for t in terms if not _mentioned(t, body))
        return [Finding(RELEVANCE, "off_topic", terms=missing)], coverage, terms
    return [], coverage, terms


# --- completeness (Art. 32) -------------------------------------------------------------------------

FACT_PATTERNS: tuple[str, ...] = (
    # not the opening formula 「经调查处理，」 that introduces nothing
    r"经(过)?(调查|核实|核查|查|了解|现场|走访|排查|检查|勘查|查看|查询|审核|研究|协调)(?!处理[,，])",
    r"据(查|了解|核实|调查|统计)",
    r"(调查|核实|核查|检查)(发现|了解|结果|情况)",
    r"现场(查看|检查|勘查|勘察|核查|调查|踏勘|核实)",
    r"实地(查看|调查|核实|勘查|察看|踏勘)",
    r"(情况|问题)(基本)?(属实|不属实)|确实|确有|未发现",
    # something done, not the forwarding (已转/已交/已将…转交) or the phone call about the letter
    # ... nor a condition of a rule (「已参保的人员」, 「已满24个月的」)
    r"(已经|现已|已(?!经))(?!转|收|阅|知|交|将[^。]{0,20}(转|交)|与您|与你|联系|电话联系|[^。，,；;的]{0,8}的)[\u4e00-\u9fff]",
    r"(目前|截至|截止|现在|现有|近年来|自\d{4}年)",
    # when something happened (于2019年3月, 在5月10日); a bare date is mostly when a policy applies
    r"(于|在|自)\d{4}年\d{1,2}月|(于|在)\d{1,2}月\d{1,2}日",
    # a date that opens a clause (「2010年10月，…」, 「11月28日，…」, 「2019年3月以来」)
    r"(^|[。，,；;：:\s])\d{4}年\d{1,2}月(\d{1,2}日)?(以来|起|底|初|份)?[,，]|(^|[。，,；;：:\s])\d{1,2}月\d{1,2}日[,，]"
    r"|\d{4}年\d{1,2}月以来",
    # what was or still is the case (曾多次, 一直坚持, 尚未)
    r"曾(经|多次|于|在)|一直(在|以来|坚持|倡导)|(暂未|尚未|还未|暂无)",
    r"\d+(\.\d+)?\s*(%|万元|元|亩|平方米|米|公里|户|人|名|栋|台|层|辆|所|条|座|班|趟|次)",
)
REASON_PATTERNS: tuple[str, ...] = (
    r"因为|由于|鉴于|基于|考虑到|之所以|所以|因此|为此|因而|以致|导致|原因",
    r"(根据|按照|依据|依照|依法|按)[^。，,]{0,30}(规定|要求|政策|原则|标准|条件|文件|精神|办法|条例|法)",
    r"(不)?(符合|属于|满足)[^。，,]{0,20}(条件|规定|要求|范围|标准|政策|职责|情形|行为|范畴|性质)",
    r"因[^素此而为]",
    # v3: what stands in the way, conditions, if-then rules, what a thing legally is
    r"受[^。，,]{0,20}影响|影响了",
    r"(须|需|需要|必须)[^。]{0,30}(方可|才能|即可|前提)|前提下|原则上",
    r"(?<!例)(如|如果|若)[^。，,]{0,30}[,，](则|就|可以|不能|才|即可)",
    r"(?<!联)系(违法|违规|合法)|(不|都|均)属于",
)
BASIS_PATTERNS: tuple[str, ...] = (
    r"《[^》]{2,60}》",
    r"第[一二三四五六七八九十百零〇\d]+条",
    r"[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d+\s*号",
    r"\[政府发文\]",
    r"令第?\s*\d+\s*号|第\s*\d+\s*号令",
)
_FACT_RE = [re.compile(p) for p in FACT_PATTERNS]
_REASON_RE = [re.compile(p) for p in REASON_PATTERNS]
_BASIS_RE = [re.compile(p) for p in BASIS_PATTERNS]


def _hits(patterns: Iterable[re.Pattern[str]], text: str, limit: int = 3) -> tuple[str, ...]:
    out: list[str] = []
    for rx in patterns:
        for m in rx.finditer(text):
            if m.group(0) not in out:
                out.append(m.group(0))
            if len(out) >= limit:
                return tuple(out)
    return tuple(out)


def completeness(
    draft: ReplyDraft, title: str = ""
) -> tuple[list[Finding], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(findings, fact cues, reason cues, basis cues). The facts and reasons are looked for in the
    substance of the reply (formulas removed), the basis in the whole text and the basis field."""
    text = _norm(draft.text)
    body = _SIGNATURE_DATE.sub(" ", substance_keep_dates(text, title))
    facts = _hits(_FACT_RE, body)
    reasons = _hits(_REASON_RE, body)
    basis = _hits(_BASIS_RE, text)
    findings = []
    if not facts:
        findings.append(Finding(COMPLETENESS, "missing_facts"))
    if not reasons:
        findings.append(Finding(COMPLETENESS, "missing_reasons"))
    if not basis:
        findings.append(Finding(COMPLETENESS, "missing_basis"))
    return findings, facts, reasons, basis


# --- timeliness -----------------------------------------------------------------------------------


def timeliness(day: dt.date | None, due: dt.date | None) -> list[Finding]:
    """``day`` the reply is (to be) issued; ``due`` the petition's deadline (None: no deadline)."""
    if day is None or due is None:
        return []
    left = (due - day).days
    if left < 0:
        return [Finding(TIMELINESS, "overdue", days=-left)]
    if left <= DUE_SOON_DAYS:
        return [Finding(TIMELINESS, "due_soon", days=left)]
    return []


def signed_date(reply: str) -> dt.date | None:
    """The last date written in the reply (its signature), if any."""
    last = None
    for m in re.finditer(r"(\d{4})\s*[年.]\s*(\d{1,2})\s*[月.]\s*(\d{1,2})", _norm(reply)):
        try:
            last = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return last


# --- all checks -----------------------------------------------------------------------------------


def check_reply(
    petition: PetitionText,
    draft: ReplyDraft,
    *,
    day: dt.date | None = None,
    due: dt.date | None = None,
) -> ReplyCheck:
    """Every check of ``draft`` against ``petition``; ``day`` the day it goes out, ``due`` the deadline."""
    text = draft.text
    rel, coverage, terms = relevance(petition, text)
    stock, rest = stock_phrases(text, petition.title)
    comp, facts, reasons, basis = completeness(draft, petition.title)
    findings = [*rel, *stock, *comp, *timeliness(day, due)]
    return ReplyCheck(
        findings=tuple(findings),
        coverage=coverage,
        key_terms=terms,
        substance=rest,
        facts=facts,
        reasons=reasons,
        basis=basis,
    )
