"""Hot issues: group petitions about the same concrete matter and rank the groups by a heat index.

Method (see docs/analytics.md for the full description and measured figures):

1. **Places.** For every message, regions (``A7县``) and anchors (named places and objects such as an
   estate, a company, a school, a building site) are extracted from the title and the first
   ``head_chars`` characters of the text with regular expressions (:mod:`.entities`). A message
   that names no region code is placed by the division list's streets and towns (else villages
   and communities) when they all lie in one district (「星沙文化公园」 → A7县, :mod:`.places`).
2. **Problem vectors.** The title (twice) and the head of the text, *with the places masked out*,
   become L2-normalised TF-IDF vectors of hashed character bigrams (:mod:`.vectors`). Their cosine
   measures whether two messages describe the same *problem*, independently of the place.
3. **Blocking.** Candidate pairs come only from messages sharing a key: an anchor, the petitioner,
   the exact title, or the first 20 characters of the text. Within each key, messages are sorted by
   day and each is paired with its next ``window`` neighbours, so the number of pairs grows
   linearly with the corpus (sorted-neighbourhood blocking).
4. **Linking.** A pair is linked when the regions do not conflict (different city, or different
   district of the same city) and either they share an anchor and the problem cosine is at least
   ``anchor_threshold``, or their anchors do not conflict and the cosine is at least
   ``duplicate_threshold`` (a re-post or a copy of the same letter). Groups are the connected
   components of the links.
5. **Heat.** Each group gets ``heat = 10 · B · (0.5 + 0.5·R) · (1 + 0.5·G) · (1 + 0.5·S)`` with
   ``B = ln(1+n) + ln(1+u) + 0.5·ln(1+v)`` (n petitions, u distinct petitioners, v net support
   Σ max(0, 点赞数 − 反对数)), recency ``R = 2^(−age/half_life)`` (age in days of the newest member
   at ``now``), growth ``G = clip(log2((r+1)/(p+1)) / 2, 0, 1)`` (r petitions in the last
   ``growth_window_days`` before ``now``, p in the window before that) and severity ``S`` in [0, 1]
   (mean over members of the strongest severity term found).

Deterministic: no randomness; every sort has a total order. Pure module: no Django.
"""

from __future__ import annotations

import logging
import math
import re
import resource
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .entities import _CODE_REGION_RE, anchor_keys, anchors, clean, primary_region
from .places import DEFAULT_DIVISION_LISTS, AdminGazetteer, admin_gazetteer, place_key, short_title
from .records import Message, MessageId
from .runner import LocalRunner, Runner, coalesce
from .vectors import bigram_tf, pair_cosine, tfidf_from_tf

logger = logging.getLogger(__name__)


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (recorded after each stage)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage_done(timings: dict[str, float], stage: str, started: float) -> None:
    """Record a stage's wall seconds (``stage``) and the peak memory so far (``stage_peak_mb``)."""
    timings[stage] = time.perf_counter() - started
    timings[f"{stage}_peak_mb"] = peak_mb()


#: Suffixes of broad places, masked out of the texts before similarity.
BROAD_SUFFIXES = ("村", "组", "镇", "乡", "街道", "社区", "路", "街", "大道")

_PUNCT_RE = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")

#: Severity terms and weights (strongest match of a message counts).
SEVERITY_TERMS: dict[str, float] = {
    **dict.fromkeys(
        (
            "死亡",
            "死了",
            "身亡",
            "去世",
            "自杀",
            "跳楼",
            "爆炸",
            "火灾",
            "起火",
            "坍塌",
            "倒塌",
            "中毒",
            "重伤",
            "命案",
            "人命",
        ),
        1.0,
    ),
    **dict.fromkeys(
        (
            "受伤",
            "伤人",
            "打人",
            "殴打",
            "暴力",
            "威胁",
            "涉黑",
            "涉恶",
            "黑恶",
            "诈骗",
            "传销",
            "非法集资",
            "集资",
            "群体",
            "上访",
            "堵路",
            "维权无门",
            "血汗钱",
            "拖欠工资",
            "欠薪",
            "安全隐患",
            "危房",
            "漏电",
            "泄漏",
            "污染水源",
        ),
        0.7,
    ),
    **dict.fromkeys(
        (
            "安全",
            "隐患",
            "污染",
            "扰民",
            "噪音",
            "噪声",
            "恶臭",
            "臭气",
            "油烟",
            "违建",
            "违章",
            "拖欠",
            "欺诈",
            "乱收费",
            "强制",
            "烂尾",
        ),
        0.4,
    ),
}
_SEVERITY_RE = re.compile("|".join(sorted(map(re.escape, SEVERITY_TERMS), key=len, reverse=True)))

#: Causes: what a complaint is about, as opposed to where. Two facets of one matter (the fumes and
#: the noise of the same restaurants) share a cause; two problems at one estate (its kindergarten
#: and its cracked walls) have different ones.
CAUSES: dict[str, tuple[str, ...]] = {
    "catering": (
        "餐馆",
        "饭店",
        "餐饮",
        "烧烤",
        "夜宵",
        "大排档",
        "小吃",
        "油烟",
        "排烟",
        "酒楼",
        "食府",
        "门面",
        "底商",
        "商铺",
    ),
    "parking": ("车位", "车库", "停车位"),
    "construction": ("工地", "施工", "打桩", "搅拌站", "渣土"),
    "entertainment": ("KTV", "歌厅", "酒吧", "广场舞", "舞厅"),
    "schooling": ("入学", "学位", "学区", "入园", "幼儿园", "小学", "中学", "就近"),
    "refuse": ("垃圾站", "垃圾中转", "垃圾处理", "垃圾转运"),
    "transit": ("公交", "地铁", "班车", "线路"),
    "property": ("物业", "电梯", "停水", "停电"),
    "title_deeds": ("房产证", "不动产证", "产权证", "网签"),
    "building": ("漏水", "开裂", "渗水", "质量问题", "烂尾", "交房"),
    "fraud": ("传销", "诈骗", "集资"),
    "wages": ("工资", "欠薪", "讨薪", "工程款"),
    "pollution": ("污染", "排放", "臭气", "恶臭", "废水", "污水"),
}
_CAUSE_BITS = {word: 1 << i for i, words in enumerate(CAUSES.values()) for word in words}
_CAUSE_RE = re.compile("|".join(sorted(map(re.escape, _CAUSE_BITS), key=len, reverse=True)))


def causes(text: str) -> int:
    """Bit set of the causes named in ``text`` (see :data:`CAUSES`)."""
    bits = 0
    for m in _CAUSE_RE.finditer(text):
        bits |= _CAUSE_BITS[m.group(0)]
    return bits


_KEYWORD_STOP = frozenset(
    [
        "问题",
        "反映",
        "投诉",
        "举报",
        "请求",
        "希望",
        "关于",
        "咨询",
        "解决",
        "要求",
        "建议",
        "相关",
        "情况",
        "严重",
        "我们",
        "政府",
        "部门",
        "领导",
        "有关",
        "尽快",
        "再次",
        "强烈",
        "多次",
        "何时",
        "为何",
        "为什么",
        "怎么",
        "如何",
        "是否",
        "能否",
        "可以",
        "没有",
        "不能",
        "还是",
        "一个",
        "的",
        "了",
        "和",
        "与",
        "及",
        "在",
        "对",
        "给",
        "请",
        "是",
        "有",
        "吗",
        "呢",
        "吧",
        "市民",
        "居民",
        "业主",
        "群众",
        "百姓",
        "老百姓",
        "村民",
        "我",
        "你",
        "书记",
        "市长",
        "县长",
        "局长",
        "处理",
        "整治",
        "回复",
        "事宜",
        "一事",
        "的话",
        "现在",
        "目前",
        "已经",
        "这个",
        "那个",
    ]
)


@dataclass(frozen=True, slots=True)
class HotIssueParams:
    """Tuning knobs; the defaults are the ones measured in docs/analytics.md."""

    anchor_threshold: float = 0.25
    duplicate_threshold: float = 0.6
    window: int = 40
    group_threshold: float = 0.2
    refine_max: int = 400
    min_anchor_df_cap: int = 10
    anchor_df_cap_per: int = 1000
    place_df_cap: int = 400
    place_df_cap_per: int = 100
    facet_threshold: float = 0.1
    other_cause_threshold: float = 0.4
    head_chars: int = 150
    half_life_days: float = 30.0
    growth_window_days: int = 30
    min_size: int = 2
    keywords: int = 5
    representatives: int = 3
    n_features: int = 1 << 20
    #: The division list(s) that place a message or a group in a district (settings
    #: MINSHENG_DIVISION_LISTS); by default the vendored list of A市, the city of the TipDM data.
    division_lists: tuple[str, ...] = DEFAULT_DIVISION_LISTS


@dataclass(frozen=True, slots=True)
class HotIssue:
    """One group of petitions about the same matter, with its heat and description."""

    rank: int
    title: str
    heat: float
    place: str
    start: date
    end: date
    keywords: tuple[str, ...]
    members: tuple[MessageId, ...]
    representatives: tuple[MessageId, ...]
    size: int
    petitioners: int
    support: int
    recency: float
    growth: float
    severity: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "title": self.title,
            "heat": self.heat,
            "place": self.place,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "keywords": list(self.keywords),
            "members": list(self.members),
            "representatives": list(self.representatives),
            "size": self.size,
            "petitioners": self.petitioners,
            "support": self.support,
            "recency": self.recency,
            "growth": self.growth,
            "severity": self.severity,
        }


@dataclass(slots=True)
class Clustering:
    """Result of :func:`cluster_messages`: a group label per message plus the features computed."""

    labels: np.ndarray
    vectors: sp.csr_matrix
    regions: list[str]
    anchors: list[tuple[str, ...]]
    timings: dict[str, float] = field(default_factory=dict)


def _mask(text: str, names: Sequence[str]) -> str:
    text = _CODE_REGION_RE.sub(" ", text)
    for name in names:
        text = text.replace(name, " ")
    return text


def _region_codes(regions: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """City letter code (-1 if none) and district number (-1 if none) of each primary region."""
    city = np.full(len(regions), -1, dtype=np.int64)
    district = np.full(len(regions), -1, dtype=np.int64)
    for i, r in enumerate(regions):
        if not r:
            continue
        city[i] = ord(r[0])
        digits = r[1:-1].strip()
        if digits and r[-1] in "区县市":
            district[i] = int(digits)
    return city, district


def _blocked_pairs(
    keys: Iterable[Iterable[str]], days: np.ndarray, window: int, max_df: int = 0
) -> np.ndarray:
    """Unique pair codes ``i * n + j`` (i < j) of messages sharing a key, ``window`` neighbours by day.

    ``keys`` gives each message's keys in corpus order (``days`` has one day per message). Keys held
    by more than ``max_df`` messages (when ``max_df`` > 0) are too common to block on.
    """
    n = days.shape[0]
    key_ids: dict[str, int] = {}
    # Raw machine integers, not Python lists of int objects: a million messages hold several
    # million memberships.
    doc_list = array("q")
    key_list = array("q")
    for i, ks in enumerate(keys):
        for k in ks:
            doc_list.append(i)
            key_list.append(key_ids.setdefault(k, len(key_ids)))
    key_ids.clear()
    if not doc_list:
        return np.zeros(0, dtype=np.int64)
    doc = np.frombuffer(doc_list, dtype=np.int64)
    key = np.frombuffer(key_list, dtype=np.int64)
    if max_df > 0:
        counts = np.bincount(key)
        common = counts[key] > max_df
        doc, key = doc[~common], key[~common]
    order = np.lexsort((doc, days[doc], key))
    doc, key = doc[order], key[order]
    chunks: list[np.ndarray] = []
    for d in range(1, window + 1):
        if d >= doc.shape[0]:
            break
        same = key[:-d] == key[d:]
        if not same.any():
            break
        a = doc[:-d][same]
        b = doc[d:][same]
        lo = np.minimum(a, b)
        hi = np.maximum(a, b)
        keep = lo != hi
        chunks.append(lo[keep] * n + hi[keep])
    return _unique_codes(chunks)


def _unique_codes(chunks: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct values of all ``chunks`` (which are emptied), without the two or three
    full-size copies ``np.unique(np.concatenate(...))`` makes: tens of millions of pair codes at a
    million messages are hundreds of MB each."""
    total = sum(int(c.shape[0]) for c in chunks)
    out = np.empty(total, dtype=np.int64)
    at = 0
    for k in range(len(chunks)):
        size = int(chunks[k].shape[0])
        out[at : at + size] = chunks[k]
        chunks[k] = np.zeros(0, dtype=np.int64)
        at += size
    if total == 0:
        return out
    out.sort()
    keep = np.empty(total, dtype=np.bool_)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def _contains(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """For each of ``codes``: whether it is in ``sorted_codes`` (sorted, distinct) — ``np.isin``
    without sorting a concatenation of both."""
    if sorted_codes.shape[0] == 0:
        return np.zeros(codes.shape[0], dtype=np.bool_)
    pos = np.searchsorted(sorted_codes, codes)
    np.minimum(pos, sorted_codes.shape[0] - 1, out=pos)
    return sorted_codes[pos] == codes


@dataclass(slots=True)
class PartFeatures:
    """The per-message features of one partition of the messages (the map step of the clustering).

    Everything here depends on each message alone, so a partition's features are the same whether
    it is computed alone (on a Dask worker) or with the whole corpus; the corpus-wide parts (the
    bigram idf, the blocking caps) are applied when the partitions are merged."""

    titles: list[str]
    heads: list[str]
    regions: list[str]
    names: list[tuple[str, ...]]
    text_tf: sp.csr_matrix
    title_tf: sp.csr_matrix
    cause: np.ndarray
    seconds: float = 0.0


def partition_features(records: Sequence[Message], params: HotIssueParams | None = None) -> PartFeatures:
    """Features of ``records`` (a partition, or the whole corpus): places, masks, causes, raw tf."""

    p = params or HotIssueParams()
    t0 = time.perf_counter()
    titles = [clean(m.title) for m in records]
    heads = [clean(m.text[: p.head_chars + 20])[: p.head_chars] for m in records]
    divisions = admin_gazetteer(p.division_lists)
    regions = [
        primary_region(t) or primary_region(h) or _listed_district(t, h, divisions)
        for t, h in zip(titles, heads, strict=True)
    ]
    names: list[tuple[str, ...]] = []
    for t, h in zip(titles, heads, strict=True):
        found = anchors(t)
        for a in anchors(h):
            if a not in found:
                found.append(a)
        names.append(tuple(found))
    # Regions and broad places (villages, towns, communities, roads) are masked before measuring
    # similarity: sharing them says little about the problem. Named objects (an estate, a company,
    # a bridge) stay: they are often the problem itself ("拆除五一桥").
    broad_of = [
        sorted((a for a in own if a.endswith(BROAD_SUFFIXES)), key=len, reverse=True) for own in names
    ]
    masked_titles = [_mask(t, broad) for t, broad in zip(titles, broad_of, strict=True)]
    # The longer text (title twice + head) is made as it is encoded, never held for the corpus.
    masked_texts = (
        f"{mt} {mt} {_mask(h, broad)}" for mt, h, broad in zip(masked_titles, heads, broad_of, strict=True)
    )
    cause = np.fromiter(
        (causes(f"{t} {h}") for t, h in zip(titles, heads, strict=True)), dtype=np.int64, count=len(records)
    )
    return PartFeatures(
        titles=titles,
        heads=heads,
        regions=regions,
        names=names,
        text_tf=bigram_tf(masked_texts, n_features=p.n_features),
        title_tf=bigram_tf(masked_titles, n_features=p.n_features),
        cause=cause,
        seconds=time.perf_counter() - t0,
    )


def merge_features(
    parts: Sequence[PartFeatures], partitions: Sequence[Sequence[int]], n: int
) -> PartFeatures:
    """The features of the whole corpus from its partitions (``partitions[k]`` lists the corpus
    positions of part ``k``'s messages): rows back in corpus order."""
    if len(parts) == 1 and list(partitions[0]) == list(range(n)):
        return parts[0]
    position = np.fromiter((i for idx in partitions for i in idx), dtype=np.int64, count=n)
    order = np.argsort(position, kind="stable")  # corpus row i is stacked row order[i]

    def gather(values: list[Any]) -> list[Any]:
        return [values[int(k)] for k in order]

    def stack(attr: str) -> list[Any]:
        return [v for part in parts for v in getattr(part, attr)]

    return PartFeatures(
        titles=gather(stack("titles")),
        heads=gather(stack("heads")),
        regions=gather(stack("regions")),
        names=gather(stack("names")),
        text_tf=sp.csr_matrix(sp.vstack([part.text_tf for part in parts], format="csr")[order]),
        title_tf=sp.csr_matrix(sp.vstack([part.title_tf for part in parts], format="csr")[order]),
        cause=np.concatenate([part.cause for part in parts])[order],
        seconds=sum(part.seconds for part in parts),
    )


def map_features(
    records: Sequence[Message],
    p: HotIssueParams,
    runner: Runner | None = None,
    partitions: Sequence[Sequence[int]] | None = None,
    task_min_items: int | None = None,
) -> PartFeatures:
    """The map step over ``partitions`` (default: one, the whole corpus) with ``runner`` (default:
    in this process), then the merge. Whole partitions are joined into tasks of at least
    ``task_min_items`` messages (:func:`.runner.coalesce`)."""
    n = len(records)
    parts_idx = [list(idx) for idx in partitions] if partitions is not None else [list(range(n))]
    if sorted(i for idx in parts_idx for i in idx) != list(range(n)):
        raise ValueError("the partitions must cover every message exactly once")
    parts_idx = coalesce([idx for idx in parts_idx if idx], task_min_items)
    run = runner or LocalRunner()
    parts = run.map(partial(partition_features, params=p), [[records[i] for i in idx] for idx in parts_idx])
    return merge_features(parts, parts_idx, n)


def cluster_messages(
    records: Sequence[Message],
    params: HotIssueParams | None = None,
    *,
    runner: Runner | None = None,
    partitions: Sequence[Sequence[int]] | None = None,
) -> Clustering:
    """Group messages about the same matter; returns a label per message (labels are 0..k-1).

    The per-message features are computed per partition (map, on ``runner``: in this process or
    on a Dask cluster) and merged; blocking, linking and refining run on the merged corpus, since
    a matter may cross any partition boundary. The result does not depend on the partitions."""
    p = params or HotIssueParams()
    n = len(records)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    features = map_features(records, p, runner, partitions)
    titles, heads, regions, names = features.titles, features.heads, features.regions, features.names
    _stage_done(timings, "features", t0)
    timings["features_cpu"] = features.seconds

    t0 = time.perf_counter()
    # In place: the raw frequencies are not needed again, and a second copy of a million rows is
    # gigabytes.
    vectors = tfidf_from_tf(features.text_tf, copy=False)
    title_vectors = tfidf_from_tf(features.title_tf, copy=False)
    _stage_done(timings, "vectors", t0)

    t0 = time.perf_counter()
    days = np.fromiter((m.day.toordinal() for m in records), dtype=np.int64, count=n)
    anchor_blocks = (sorted({f"a:{key}" for a in ns for key in anchor_keys(a)}) for ns in names)
    # One real place named many ways (brand, phase, 小区, street prefix) meets on its place key. A
    # real place is specific, so it stays a key up to a much higher frequency than a regex name:
    # a matter of 40+ messages about one estate must not lose the very key that holds it together.
    place_blocks = [
        sorted({f"p:{k}" for a in ns if not a.endswith(BROAD_SUFFIXES) for k in [place_key(a)] if k})
        for ns in names
    ]

    def other_keys(titles: list[str], heads: list[str]) -> Iterator[list[str]]:
        for m, t, h in zip(records, titles, heads, strict=True):
            ks = [f"t:{_PUNCT_RE.sub('', t)}"]
            if m.user:
                ks.append(f"u:{m.user}")
            hk = _PUNCT_RE.sub("", h)[:20]
            if len(hk) == 20:
                ks.append(f"h:{hk}")
            yield ks

    other_pairs = _blocked_pairs(other_keys(titles, heads), days, p.window)
    # The cleaned titles and heads are not needed after this: let them go before the large steps.
    del titles, heads
    features.titles, features.heads = [], []
    max_df = max(p.min_anchor_df_cap, n // p.anchor_df_cap_per)
    place_pairs = _blocked_pairs(
        place_blocks, days, p.window, max_df=max(p.place_df_cap, n // p.place_df_cap_per)
    )
    anchor_pairs = _unique_codes([_blocked_pairs(anchor_blocks, days, p.window, max_df=max_df), place_pairs])
    other_pairs = other_pairs[~_contains(anchor_pairs, other_pairs)]
    n_anchor_pairs = int(anchor_pairs.shape[0])
    _stage_done(timings, "blocking", t0)

    t0 = time.perf_counter()
    city, district = _region_codes(regions)

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(pair_cosine(vectors, a, b), pair_cosine(title_vectors, a, b))

    def conflict(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        city_differs = (city[a] >= 0) & (city[b] >= 0) & (city[a] != city[b])
        district_differs = (district[a] >= 0) & (district[b] >= 0) & (district[a] != district[b])
        return city_differs | district_differs

    cause = features.cause

    def thresholds(a: np.ndarray, b: np.ndarray, same_place: np.ndarray) -> np.ndarray:
        """Per pair: low when one real place and one cause (facets of one matter), higher when
        both name causes and none is shared (other problems at one place), else the default."""
        shared = (cause[a] & cause[b]) != 0
        other = (cause[a] != 0) & (cause[b] != 0) & ~shared
        out = np.full(a.shape[0], p.anchor_threshold)
        out[other] = max(p.anchor_threshold, p.other_cause_threshold)
        out[shared & same_place] = p.facet_threshold
        return out

    links: list[tuple[np.ndarray, np.ndarray]] = []
    # A slice of the candidate pairs at a time: the per-pair temporaries (causes, regions,
    # thresholds) of tens of millions of pairs would be gigabytes at once.
    step = 2_000_000
    for start in range(0, anchor_pairs.shape[0], step):
        codes = anchor_pairs[start : start + step]
        left, right = np.divmod(codes, max(n, 1))
        same_place = _contains(place_pairs, codes)
        ok = (similarity(left, right) >= thresholds(left, right, same_place)) & ~conflict(left, right)
        links.append((left[ok], right[ok]))
    del anchor_pairs
    left, right = np.divmod(other_pairs, max(n, 1))
    ok = (similarity(left, right) >= p.duplicate_threshold) & ~conflict(left, right)
    left, right = left[ok], right[ok]
    # Re-posts must not name different places: anchors, when both have some, must overlap.
    keep = np.fromiter(
        (
            not (names[i] and names[j] and not set(names[i]) & set(names[j]))
            for i, j in zip(left.tolist(), right.tolist(), strict=True)
        ),
        dtype=np.bool_,
        count=left.shape[0],
    )
    links.append((left[keep], right[keep]))
    rows = np.concatenate([x for x, _ in links])
    cols = np.concatenate([y for _, y in links])
    graph = sp.coo_matrix((np.ones(rows.shape[0], dtype=np.int8), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    _stage_done(timings, "linking", t0)

    t0 = time.perf_counter()
    place_ids: dict[str, int] = {}
    primary_place = np.fromiter(
        (place_ids.setdefault(ks[0], len(place_ids)) if ks else -1 for ks in place_blocks),
        dtype=np.int64,
        count=n,
    )
    labels = _refine(labels, records, vectors, title_vectors, conflict, p, primary_place, cause)
    _stage_done(timings, "refining", t0)
    timings["pairs"] = float(n_anchor_pairs + other_pairs.shape[0])
    return Clustering(labels=labels, vectors=vectors, regions=regions, anchors=names, timings=timings)


def _gram(rows: sp.csr_matrix) -> np.ndarray:
    """Dense ``rows @ rows.T`` for a few rows, on their used columns only (no 2²⁰-wide transpose)."""
    used, inverse = np.unique(rows.indices, return_inverse=True)
    compact = np.zeros((rows.shape[0], used.shape[0]), dtype=np.float32)
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    compact[row_of, inverse] = rows.data
    return compact @ compact.T


def _refine(
    labels: np.ndarray,
    records: Sequence[Message],
    vectors: sp.csr_matrix,
    title_vectors: sp.csr_matrix,
    conflict: Any,
    p: HotIssueParams,
    place: np.ndarray | None = None,
    cause: np.ndarray | None = None,
) -> np.ndarray:
    """Split chained components: average-linkage clustering inside each component of 3+ members.

    Connected components chain (A~B, B~C joins A and C even when A and C are about different
    problems at one place). Inside each component of 3 to ``refine_max`` members, the members are
    re-clustered by average linkage on the same similarity (0 across conflicting regions), cut where
    the average similarity between two parts falls below ``group_threshold``.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    sizes = np.bincount(labels)
    todo = np.nonzero((sizes >= 3) & (sizes <= p.refine_max))[0]
    if todo.shape[0] == 0:
        return labels
    # Members in a stable order (by day, then id) so that the result does not depend on input order.
    order = sorted(range(len(records)), key=lambda i: (records[i].day, str(records[i].id)))
    members: dict[int, list[int]] = {int(c): [] for c in todo}
    for i in order:
        c = int(labels[i])
        if c in members:
            members[c].append(i)
    labels = labels.copy()
    next_label = int(labels.max()) + 1
    # One row gather per batch of components (cheap contiguous slices below instead of many
    # gathers); batches of at most ``batch_rows`` rows, so the copy stays small at any corpus size.
    comps = sorted(members)
    perm = np.fromiter((i for c in comps for i in members[c]), dtype=np.int64)
    bounds = np.cumsum([0] + [len(members[c]) for c in comps])
    batch_rows = 100_000
    batch_lo = batch_hi = 0
    all_v = all_t = vectors[:0]
    for k in range(len(comps)):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        if hi > batch_hi:
            # The next batch: this component and the following ones up to batch_rows rows.
            stop = int(np.searchsorted(bounds, lo + batch_rows, side="right")) - 1
            batch_lo, batch_hi = lo, max(hi, int(bounds[max(stop, k + 1)]))
            all_v = vectors[perm[batch_lo:batch_hi]]
            all_t = title_vectors[perm[batch_lo:batch_hi]]
        idx = perm[lo:hi]
        sub_v = all_v[lo - batch_lo : hi - batch_lo]
        sub_t = all_t[lo - batch_lo : hi - batch_lo]
        sim = np.maximum(_gram(sub_v), _gram(sub_t))
        a, b = np.triu_indices(idx.shape[0], k=1)
        pair_sim = sim[a, b]
        if place is not None and cause is not None:
            # Facets of one matter (one real place, one cause) stay together: their wording may
            # differ (油烟 / 噪音) but a person would put them in one group.
            facet = (
                (place[idx[a]] >= 0)
                & (place[idx[a]] == place[idx[b]])
                & ((cause[idx[a]] & cause[idx[b]]) != 0)
            )
            pair_sim = np.where(facet, np.maximum(pair_sim, 1.0 - (1.0 - p.group_threshold) / 2), pair_sim)
        dist = 1.0 - pair_sim
        dist[conflict(idx[a], idx[b])] = 1.0
        tree = linkage(np.clip(dist, 0.0, 1.0), method="average")
        parts = fcluster(tree, t=1.0 - p.group_threshold, criterion="distance")
        if parts.max() == 1:
            continue
        # Keep the label of the part holding the earliest member; give the others new labels.
        first_part = parts[0]
        for part in sorted(set(parts.tolist()) - {first_part}):
            labels[idx[parts == part]] = next_label
            next_label += 1
    # Renumber 0..k-1 in order of first appearance for tidy labels.
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def _severity(record: Message, head_chars: int) -> float:
    text = record.title + " " + record.text[:head_chars]
    return max((SEVERITY_TERMS[m.group(0)] for m in _SEVERITY_RE.finditer(text)), default=0.0)


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def _tokens(text: str) -> set[str]:
    return {
        w
        for w in _tokenizer().lcut(_PUNCT_RE.sub(" ", text))
        if len(w) >= 2 and w not in _KEYWORD_STOP and not w.isascii()
    }


def _keywords(
    titles: Sequence[str], idf: dict[str, float], default_idf: float, exclude: Sequence[str], k: int
) -> tuple[str, ...]:
    tf: Counter[str] = Counter()
    for t in titles:
        tf.update(_tokens(_mask(t, sorted(exclude, key=len, reverse=True))))
    scored = sorted(((-c * idf.get(w, default_idf), w) for w, c in tf.items()), key=lambda x: (x[0], x[1]))
    return tuple(w for _, w in scored[:k])


def _most_common(values: Sequence[str]) -> str:
    counts = Counter(v for v in values if v)
    if not counts:
        return ""
    return min(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]


def _listed_district(title: str, head: str, divisions: AdminGazetteer) -> str:
    """The district of a message without a region code that names divisions of the list (streets
    and towns, else villages and communities) of one district only; else "". So 「星沙文化公园」
    (A7县) and K市's 「M9县 文化公园」 are in different cities and never linked."""
    found = set(divisions.deciding(f"{title} {head}"))
    return found.pop() if len(found) == 1 else ""


def _district_by_towns(region: str, texts: Sequence[str], divisions: AdminGazetteer) -> str:
    """A group's region made a district when it is only a city (or nothing) and most of its
    members name a street or town (or, naming none, a village or community) of one district of
    that city (A市's division list: 暮云 → A2区)."""
    if region and region[1:-1]:
        return region
    votes = Counter(d for text in texts for d in set(divisions.deciding(text)))
    if not votes:
        return region
    ranked = votes.most_common(2)
    district, n = ranked[0]
    if 2 * n <= len(texts) or (len(ranked) > 1 and ranked[1][1] == n):
        return region
    return district if not region or region[0] == district[0] else region


def _group_place(
    title_names: Sequence[Sequence[str]], text_names: Sequence[Sequence[str]], usable: Any
) -> str:
    """The place at least half of the members name: in their titles, else anywhere.

    Names are compared by place key, and a key counts for every shorter key it ends with
    (「广铁滨河苑」 also names 「滨河苑」), so that one place named many ways is still found; the
    most named key wins, then the one named first, then the longer.
    """
    for source in (title_names, text_names):
        member_keys = [[k for a in names if usable(a) for k in [place_key(a)] if k] for names in source]
        first: dict[str, int] = {}
        for keys in member_keys:
            for position, k in enumerate(keys):
                first[k] = min(first.get(k, position), position)
        support = {k: sum(1 for keys in member_keys if any(own.endswith(k) for own in keys)) for k in first}
        if support:
            # Most members; then the place named first (「拆除五一桥来建商业廊桥」: 五一桥); then the longer.
            best, n = min(support.items(), key=lambda kv: (-kv[1], first[kv[0]], -len(kv[0]), kv[0]))
            if n >= max(1, (len(member_keys) + 1) // 2):
                return best
    return ""


def find_hot_issues(
    records: Sequence[Message],
    *,
    top: int = 20,
    now: date | None = None,
    params: HotIssueParams | None = None,
    timings: dict[str, float] | None = None,
    runner: Runner | None = None,
    partitions: Sequence[Sequence[int]] | None = None,
) -> list[HotIssue]:
    """Group ``records`` by matter and return the ``top`` groups by heat (ranks 1..top).

    ``now`` is the reference day for recency and growth; it defaults to the newest message's day,
    so that the result depends only on the input. When ``timings`` is given, the seconds spent in
    each stage are written into it. ``runner`` and ``partitions`` (lists of positions in
    ``records``) spread the per-message features over processes or a Dask cluster
    (:func:`cluster_messages`); the result is the same for any partitions and runner.
    """
    t_start = time.perf_counter()
    p = params or HotIssueParams()
    n = len(records)
    if n == 0 or top <= 0:
        return []
    clustering = cluster_messages(records, p, runner=runner, partitions=partitions)
    if timings is not None:
        timings.update(clustering.timings)
    t_rank = time.perf_counter()
    labels = clustering.labels
    k = int(labels.max()) + 1
    ref = now or max(m.day for m in records)
    ref_ord = ref.toordinal()

    days = np.fromiter((m.day.toordinal() for m in records), dtype=np.int64, count=n)
    size = np.bincount(labels, minlength=k)
    user_ids: dict[str, int] = {}
    users = np.fromiter(
        (user_ids.setdefault(m.user or f"\x00{i}", len(user_ids)) for i, m in enumerate(records)),
        dtype=np.int64,
        count=n,
    )
    distinct = np.unique(labels.astype(np.int64) * (len(user_ids) + 1) + users)
    petitioners = np.bincount(distinct // (len(user_ids) + 1), minlength=k)
    support = np.bincount(
        labels, weights=np.fromiter((max(0, m.likes - m.dislikes) for m in records), float, n), minlength=k
    )
    first = np.full(k, np.iinfo(np.int64).max)
    last = np.full(k, np.iinfo(np.int64).min)
    np.minimum.at(first, labels, days)
    np.maximum.at(last, labels, days)
    age = np.maximum(ref_ord - last, 0)
    recency = np.power(2.0, -age / p.half_life_days)
    w = p.growth_window_days
    recent = np.bincount(
        labels, weights=((days > ref_ord - w) & (days <= ref_ord)).astype(float), minlength=k
    )
    prior = np.bincount(
        labels, weights=((days > ref_ord - 2 * w) & (days <= ref_ord - w)).astype(float), minlength=k
    )
    growth = np.clip(np.log2((recent + 1.0) / (prior + 1.0)) / 2.0, 0.0, 1.0) * (recent >= 2)
    sev = np.fromiter((_severity(m, p.head_chars) for m in records), float, n)
    severity = np.bincount(labels, weights=sev, minlength=k) / size
    base = np.log1p(size) + np.log1p(petitioners) + 0.5 * np.log1p(support)
    heat = 10.0 * base * (0.5 + 0.5 * recency) * (1.0 + 0.5 * growth) * (1.0 + 0.5 * severity)
    heat = np.round(heat, 2)

    # Deterministic order: heat, size, petitioners descending; then earliest start; then smallest member key.
    min_key = np.full(k, n, dtype=np.int64)
    order_of_record = sorted(range(n), key=lambda i: (records[i].day, str(records[i].id)))
    rank_of_record = np.empty(n, dtype=np.int64)
    rank_of_record[order_of_record] = np.arange(n)
    np.minimum.at(min_key, labels, rank_of_record)
    group_order = np.lexsort((min_key, first, -petitioners, -size, -heat))
    group_order = group_order[size[group_order] >= p.min_size][:top]

    max_df = max(p.min_anchor_df_cap, n // p.anchor_df_cap_per)
    anchor_df = Counter(a for names in clustering.anchors for a in names)

    # Corpus idf for keywords from an evenly spaced sample of titles (bounded cost).
    members_of: dict[int, list[int]] = {int(g): [] for g in group_order}
    for i in order_of_record:
        lab = int(labels[i])
        if lab in members_of:
            members_of[lab].append(i)
    sample_idx = np.linspace(0, n - 1, num=min(n, 3000)).astype(np.int64)
    df: Counter[str] = Counter()
    for i in np.unique(sample_idx):
        df.update(_tokens(records[int(i)].title))
    m_sample = int(np.unique(sample_idx).shape[0])
    idf = {w: math.log((m_sample + 1) / (c + 1)) + 1.0 for w, c in df.items()}
    default_idf = math.log(m_sample + 1) + 1.0

    out: list[HotIssue] = []
    for rank, g in enumerate(group_order, start=1):
        g = int(g)
        members = members_of[g]
        sub = clustering.vectors[members]
        centroid = np.asarray(sub.mean(axis=0)).ravel()
        closeness = sub @ centroid
        best = sorted(range(len(members)), key=lambda j: (-round(float(closeness[j]), 6), j))
        reps = [members[j] for j in best[: p.representatives]]
        region = _district_by_towns(
            _most_common([clustering.regions[i] for i in members]),
            [f"{records[i].title} {records[i].text[:300]}" for i in members[:200]],
            admin_gazetteer(p.division_lists),
        )
        # The place: the named place most members' titles mention (else their texts), if not generic.
        anchor = _group_place(
            [anchors(clean(records[i].title)) for i in members],
            [list(clustering.anchors[i]) for i in members],
            lambda a: anchor_df.get(a, 0) <= max_df or bool(place_key(a)),
        )
        place = " ".join(x for x in (region, anchor) if x)
        # The place and the problem in a few words (the representative's title, shortened).
        title = short_title(records[reps[0]].title, anchor)
        exclude = [x for x in (region, anchor) if x]
        keywords = _keywords(
            [clean(records[i].title) for i in members[:200]], idf, default_idf, exclude, p.keywords
        )
        out.append(
            HotIssue(
                rank=rank,
                title=title,
                heat=float(heat[g]),
                place=place,
                start=date.fromordinal(int(first[g])),
                end=date.fromordinal(int(last[g])),
                keywords=keywords,
                members=tuple(records[i].id for i in members),
                representatives=tuple(records[i].id for i in reps),
                size=int(size[g]),
                petitioners=int(petitioners[g]),
                support=int(support[g]),
                recency=round(float(recency[g]), 4),
                growth=round(float(growth[g]), 4),
                severity=round(float(severity[g]), 4),
            )
        )
    if timings is not None:
        _stage_done(timings, "ranking", t_rank)
        timings["total"] = time.perf_counter() - t_start
    return out
