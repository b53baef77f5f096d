"""信访形势分析报告 (situation report) for a period and scope: .docx, PDF and .xlsx.

Figures come from :mod:`minsheng.analytics.selectors`; nothing in a report identifies a person
(petitioner keys are ids, texts are de-identified, no names/phones/ID numbers are read out).

Charts: in the PDF they are reportlab vector drawings set in an embedded subset of Noto Serif CJK
(minsheng.documents.fonts), so every font of the PDF is embedded. In the .docx they are PNG images drawn with Pillow; their
Chinese labels need a CJK font file, looked up in ``settings.MINSHENG_REPORT_FONT`` then in the
usual system locations (Noto CJK, WenQuanYi, PingFang, Microsoft YaHei, SimHei). When none is found
the image labels are numbers and a Chinese legend follows the image as document text (rendered by
Word with its own fonts), so the .docx is readable on any machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from minsheng.analytics.nlp.trends import week_start
from minsheng.analytics.selectors import (
    SPIKE_ALPHA,
    SPIKE_BASELINE_WEEKS,
    SPIKE_MIN_COUNT,
    UNKNOWN_REGION,
    Lookups,
    OnTime,
    Satisfaction,
    Scope,
    channel_label,
    hot_issues_from_records,
    mix,
    on_time_figures,
    petition_records,
    satisfaction,
    scoped_petitions,
    spike_records,
    spikes_in_week,
    weekly_totals,
)
from minsheng.analytics.wording import (
    UNCLASSIFIED,
    category_phrase,
    change_phrase,
    clean_keywords,
    join_places,
    place_text,
)
from minsheng.orgs.models import Category, Organ, Region

RULE_LABELS: dict[str, Any] = {
    "D-NOTICE-15": gettext_lazy("受理告知（15日）"),
    "D-HANDLE-60": gettext_lazy("办理期限（初次件，含经批准的延期）"),
}
#: The language of the situation report documents (.docx, PDF, .xlsx): their headings, tables and
#: method text are Chinese, so their figures' labels and suggestions are too, whoever downloads them.
REPORT_LANGUAGE = "zh-hans"
BASELINE_WEEKS = SPIKE_BASELINE_WEEKS

#: Category-specific recommendations (level-1 TipDM categories); others get the generic one.
ADVICE: dict[str, Any] = {
    "城乡建设": gettext_lazy("会同住建、城管等部门对涉及的项目、小区开展专项排查，前移矛盾化解关口"),
    "劳动和社会保障": gettext_lazy(
        "会同人社部门开展欠薪等问题专项治理，对重点企业和工程项目落实工资支付保障"
    ),
    "环境保护": gettext_lazy("会同生态环境部门对投诉集中的污染源开展联合执法检查，并向群众公开整改进度"),
    "教育文体": gettext_lazy("会同教育部门梳理入学、收费等共性诉求，提前做好政策解读和学位保障"),
    "交通运输": gettext_lazy("会同交通运输部门评估线路、站点和运营安排，回应群众出行诉求"),
    "卫生计生": gettext_lazy("会同卫健部门核查医疗服务和收费问题，畅通投诉处理渠道"),
    "商贸旅游": gettext_lazy("会同市场监管部门加强对经营主体的监管，依法查处侵害消费者权益行为"),
    "国土资源": gettext_lazy("会同自然资源部门核查征地、确权等问题，依法公开相关信息"),
    "农村农业": gettext_lazy("会同农业农村部门和乡镇（街道）核查惠农政策落实情况"),
    "民政": gettext_lazy("会同民政部门核查救助、养老等政策落实情况，做好困难群众兜底保障"),
    "政法": gettext_lazy("引导群众依法通过诉讼、复议等法定途径解决，做好诉访分离"),
}
GENERIC_ADVICE = gettext_lazy("由主管部门牵头分析成因，对共性问题研究出台针对性措施")


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpikeRow:
    week: dt.date
    category: str
    district: str
    count: int
    baseline: float
    ratio: float | None
    p_value: float
    adjusted_p: float
    category_id: int | None = None
    region_id: int | None = None
    recorded_at: dt.datetime | None = None  # when the worker stored (and notified) this alert


@dataclass(frozen=True)
class CategoryRow:
    category: str
    count: int
    previous: int
    top_district: str
    top_district_count: int

    @property
    def change(self) -> float | None:
        return (self.count - self.previous) / self.previous if self.previous else None


@dataclass
class ReportData:
    scope: Scope
    scope_label: str
    generated_at: dt.datetime
    total: int
    previous_total: int
    petitioners: int
    collective: int
    by_channel: list[tuple[str, int]]  # channel labels in the language of :func:`localized`
    by_category: list[CategoryRow]
    by_district: list[tuple[str, int]]
    weeks: list[dt.date]
    weekly: list[int]
    hot: list[dict[str, Any]]
    spikes: list[SpikeRow]
    on_time: list[OnTime]
    satisfaction: Satisfaction
    suggestions: list[str] = field(default_factory=list)
    # the spikes were computed at ``generated_at`` for the complete weeks up to this Monday (None:
    # no complete week in the period yet)
    spikes_through: dt.date | None = None
    # the channels' own values (by_channel is these, labelled in the viewer's language)
    channels: list[tuple[str, int]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return (self.total - self.previous_total) / self.previous_total if self.previous_total else None


def category_label(name: str) -> str:
    """A category as a chart or table label: the name (data), or the unclassified bucket in the
    active language."""
    return str(_("未分类")) if (name or "").strip() in ("", UNCLASSIFIED) else name


def district_label(name: str) -> str:
    """A district as a chart or table label: the name (data), or the unknown bucket in the active
    language."""
    return str(_("未知地区")) if (name or "").strip() in ("", UNKNOWN_REGION) else name


def category_text(name: str) -> str:
    """A category named in a sentence: 「城乡建设类」 in Chinese (wording.category_phrase), the bare
    name (data, not translated) in English; the unclassified bucket in the active language."""
    name = (name or "").strip() or UNCLASSIFIED
    if name == UNCLASSIFIED:
        return pgettext("category in a sentence", "未分类")
    if category_phrase(name) == name:  # already ends in 类 (其他类)
        return name
    return _("%(category)s类") % {"category": name}


def scope_label(scope: Scope) -> str:
    """The scope in words, in the active language (organ, region and category names are data)."""
    parts = []
    if scope.organ_id is not None:
        organ = Organ.objects.filter(pk=scope.organ_id).first()
        parts.append(organ.name if organ else "")
    if scope.region_code:
        region = Region.objects.filter(code=scope.region_code).first()
        parts.append(region.full_name() if region else scope.region_code)
    if scope.category_id is not None:
        category = Category.objects.filter(pk=scope.category_id).first()
        parts.append(category_text(category.path) if category else "")
    return join_places(parts) or _("全部")


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def build_report(
    scope: Scope, user: Any = None, *, top: int = 10, today: dt.date | None = None
) -> ReportData:
    """Every figure of the report, computed once (the three renderers only format it)."""
    history = Scope(
        min(scope.previous().date_from, scope.date_from - dt.timedelta(days=7 * BASELINE_WEEKS)),
        scope.date_to,
        scope.organ_id,
        scope.region_code,
        scope.category_id,
    )
    all_records = petition_records(scoped_petitions(history, user))
    current = [r for r in all_records if scope.date_from <= r.message.day <= scope.date_to]
    prev_scope = scope.previous()
    previous = [r for r in all_records if prev_scope.date_from <= r.message.day <= prev_scope.date_to]

    prev_by_cat = Counter(r.category for r in previous)
    by_category = []
    for name, n in mix(current, "category"):
        districts = Counter(
            r.district for r in current if r.category == name and r.district != UNKNOWN_REGION
        )
        top_d = min(districts.items(), key=lambda kv: (-kv[1], kv[0])) if districts else ("", 0)
        by_category.append(CategoryRow(name, n, prev_by_cat.get(name, 0), top_d[0], top_d[1]))

    first_week, last_week = week_start(scope.date_from), week_start(scope.date_to)
    n_weeks = (last_week - first_week).days // 7 + 1
    weeks = [first_week + dt.timedelta(days=7 * i) for i in range(n_weeks)]

    spikes, spikes_through = period_spikes(scope, all_records, today=today)
    titles = {r.tracking_code: r.message.title for r in current}

    data = ReportData(
        scope=scope,
        scope_label=scope_label(scope),
        generated_at=timezone.localtime(),
        total=len(current),
        previous_total=len(previous),
        petitioners=len({r.message.user for r in current}),
        collective=scoped_petitions(scope, user).filter(is_collective=True).count(),
        by_channel=[],
        channels=mix(current, "channel"),
        by_category=by_category,
        by_district=[(d, n) for d, n in mix(current, "district") if d != UNKNOWN_REGION]
        + [(d, n) for d, n in mix(current, "district") if d == UNKNOWN_REGION],
        weeks=weeks,
        weekly=weekly_totals(current, first_week, last_week),
        hot=[
            readable_hot_issue(h, titles)
            for h in hot_issues_from_records(current, top=top, now=scope.date_to)
        ],
        spikes=spikes,
        on_time=on_time_figures(scope, user, today=today),
        satisfaction=satisfaction(scope, user),
        spikes_through=spikes_through,
    )
    return localized(data)


def localized(data: ReportData) -> ReportData:
    """``data`` with its words in the active language: the scope label, the channel names and the
    suggestions. The figures are computed once for every language (:func:`cached_report`); only
    these few words are made again for each reader."""
    data = dataclasses.replace(data, scope_label=scope_label(data.scope))
    data.by_channel = [(channel_label(c), n) for c, n in data.channels]
    data.suggestions = suggestions(data)
    return data


def readable_hot_issue(issue: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    """A hot issue as leaders read it: its place named once, keywords that are whole words of the
    members' titles (no fragments such as 音扰 from 噪音扰民), none repeating the place."""
    place = place_text(str(issue.get("place") or ""))
    texts = [titles[str(m)] for m in issue.get("members", []) if str(m) in titles] or [str(issue["title"])]
    return {**issue, "place": place, "keywords": clean_keywords(issue.get("keywords", []), texts, place)}


def period_spikes(
    scope: Scope, scoped_records: list[Any], *, today: dt.date | None = None
) -> tuple[list[SpikeRow], dt.date | None]:
    """The spikes of the period's complete weeks by the one definition the alert worker uses
    (:data:`minsheng.analytics.selectors.SPIKE_ALPHA` and friends; every series of a week is tested
    together), computed now, limited to the series that occur among ``scoped_records`` (the scope's
    category / district and what the user may see). Each row says whether the worker has stored
    (and notified) it. Returns the rows and the Monday of the last week tested."""
    from minsheng.analytics.models import SpikeAlert, series_key

    today = today or timezone.localdate()
    first = week_start(scope.date_from)
    last = min(week_start(scope.date_to), week_start(today) - dt.timedelta(days=7))
    if last < first:
        return [], None
    lookups = Lookups.load()
    records = spike_records(first, last, lookups)
    visible = {(r.category, r.district) for r in scoped_records}
    ids = {(r.category, r.district): (r.category_id, r.district_id) for r in records}
    found = []
    week = first
    while week <= last:
        found += spikes_in_week(
            records, week, alpha=SPIKE_ALPHA, baseline_weeks=SPIKE_BASELINE_WEEKS, min_count=SPIKE_MIN_COUNT
        )
        week += dt.timedelta(days=7)
    found = [s for s in found if isinstance(s.key, tuple) and s.key in visible]
    keys = {(s.week, series_key(*ids.get(s.key, (None, None)))) for s in found if isinstance(s.key, tuple)}
    recorded = {
        (w, k): at
        for w, k, at in SpikeAlert.objects.filter(
            week__in={w for w, _k in keys}, series_key__in={k for _w, k in keys}
        ).values_list("week", "series_key", "created_at")
    }
    rows = []
    for s in found:
        assert isinstance(s.key, tuple)
        category_id, region_id = ids.get(s.key, (None, None))
        rows.append(
            SpikeRow(
                week=s.week,
                category=str(s.key[0]),
                district=str(s.key[1]),
                count=s.count,
                baseline=s.baseline_mean,
                ratio=s.ratio if math.isfinite(s.ratio) else None,
                p_value=s.p_value,
                adjusted_p=s.adjusted_p,
                category_id=category_id,
                region_id=region_id,
                recorded_at=recorded.get((s.week, series_key(category_id, region_id))),
            )
        )
    rows.sort(key=lambda r: (r.week, -r.count, r.category, r.district))
    return rows, last


def suggestions(data: ReportData) -> list[str]:
    """Templated, data-backed policy suggestions (each sentence cites its figures), in the active
    language; category, place and issue names are data and stay as recorded."""
    out: list[str] = []
    rising = [c for c in data.by_category if c.count >= 5 and c.change is not None and c.change >= 0.2]
    rising.sort(key=lambda c: (-(c.count - c.previous), c.category))
    for c in rising[:3]:
        where = ""
        if c.top_district and c.top_district_count:
            share = c.top_district_count / c.count
            figures = {"district": c.top_district, "n": c.top_district_count, "share": percent(share, 0)}
            where = (
                _("，主要集中在%(district)s（%(n)s件，占%(share)s）") % figures
                if share >= 0.3
                else _("，已识别区县中%(district)s最多（%(n)s件）") % figures
            )
        out.append(
            _(
                "%(category)s信访量环比上升%(change)s（由%(previous)s件增至%(count)s件）%(where)s。建议%(advice)s。"
            )
            % {
                "category": category_text(c.category),
                "change": percent(c.change, 0),
                "previous": c.previous,
                "count": c.count,
                "where": where,
                "advice": ADVICE.get(c.category, GENERIC_ADVICE),
            }
        )
    new = [c for c in data.by_category if c.count >= 5 and c.previous == 0]
    for c in new[:2]:
        out.append(
            _("%(category)s信访本期新增%(count)s件（上期无），建议%(advice)s。")
            % {
                "category": category_text(c.category),
                "count": c.count,
                "advice": ADVICE.get(c.category, GENERIC_ADVICE),
            }
        )
    for s in sorted(data.spikes, key=lambda r: (-r.count, r.week))[:3]:
        ratio = (
            _("，是此前%(weeks)s周平均每周%(baseline)s件的%(ratio)s倍")
            % {"weeks": BASELINE_WEEKS, "baseline": f"{s.baseline:.1f}", "ratio": f"{s.ratio:.1f}"}
            if s.ratio
            else ""
        )
        figures = {
            "week": s.week.isoformat(),
            "place": s.district,
            "category": category_text(s.category),
            "count": s.count,
            "ratio": ratio,
        }
        out.append(
            (
                _(
                    "%(week)s起的一周，%(category)s信访%(count)s件%(ratio)s，增长异常。"
                    "建议属地和主管部门及时核查，防止个案演变为群体性事件。"
                )
                if s.district == UNKNOWN_REGION
                else _(
                    "%(week)s起的一周，%(place)s%(category)s信访%(count)s件%(ratio)s，增长异常。"
                    "建议属地和主管部门及时核查，防止个案演变为群体性事件。"
                )
            )
            % figures
        )
    for h in data.hot[:2]:
        if h["size"] >= 3 or h["petitioners"] >= 2:
            out.append(
                _(
                    "热点问题“%(title)s”涉及%(size)s件信访、%(petitioners)s名信访人（%(start)s至%(end)s），"
                    "建议明确包案领导，一并调查、统一答复，减少重复信访。"
                )
                % {
                    "title": h["title"],
                    "size": h["size"],
                    "petitioners": h["petitioners"],
                    "start": h["start"],
                    "end": h["end"],
                }
            )
    for t in data.on_time:
        if t.share is not None and t.due >= 5 and t.share < 0.9:
            out.append(
                _(
                    "%(rule)s按期率为%(share)s（%(on_time)s/%(due)s），低于90%%。"
                    "建议对临期、超期事项实行督办，并将按期率纳入考核。"
                )
                % {
                    "rule": RULE_LABELS.get(t.rule, t.rule),
                    "share": percent(t.share),
                    "on_time": t.on_time,
                    "due": t.due,
                }
            )
    sat = data.satisfaction
    if sat.share is not None and sat.rated >= 5 and sat.share < 0.8:
        out.append(
            _(
                "群众满意率为%(share)s（%(rated)s件评价中不满意%(unsatisfied)s件），"
                "建议对不满意事项开展回访，必要时重新办理或复查。"
            )
            % {"share": percent(sat.share), "rated": sat.rated, "unsatisfied": sat.unsatisfied}
        )
    if not out:
        out.append(_("本期各类信访量总体平稳，未发现明显异常增长，建议保持现有工作机制，持续做好源头预防。"))
    return out


# --- charts --------------------------------------------------------------------------------------

ChartKind = Literal["hbar", "line"]
PALETTE = ["#1f5fa8", "#2e8b57", "#d98e04", "#c0392b", "#6c5ce7", "#0f8fa3", "#8e6c3a", "#7f8c8d"]


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    labels: list[str]
    values: list[int]


def charts(data: ReportData) -> list[Chart]:
    out = [
        Chart("line", "图1 周收件量趋势", [w.strftime("%m-%d") for w in data.weeks], data.weekly),
        Chart(
            "hbar",
            "图2 信访内容分类构成（前10类）",
            [c.category for c in data.by_category[:10]],
            [c.count for c in data.by_category[:10]],
        ),
        Chart("hbar", "图3 信访渠道构成", [c for c, _n in data.by_channel], [n for _c, n in data.by_channel]),
        Chart(
            "hbar",
            "图4 各区县信访量（不含未识别地区）",
            [d for d, _n in data.by_district if d != UNKNOWN_REGION],
            [n for d, n in data.by_district if d != UNKNOWN_REGION],
        ),
    ]
    return [c for c in out if c.labels]


FONT_CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
]


def cjk_font_path() -> tuple[str, int] | None:
    """A font file with Chinese glyphs for the PNG charts, or None (labels become numbers)."""
    configured = getattr(settings, "MINSHENG_REPORT_FONT", "") or ""
    if configured:
        return (str(configured), 0) if Path(str(configured)).is_file() else None
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    return None


def _pil_font(size: int, font: tuple[str, int] | None) -> Any:
    from PIL import ImageFont

    if font is not None:
        try:
            return ImageFont.truetype(font[0], size, index=font[1])
        except OSError:
            pass
    return ImageFont.load_default(size)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is >= ``raw`` (at least 1)."""
    if raw <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * magnitude >= raw:
            return float(m * magnitude)
    return float(10 * magnitude)


def chart_png(chart: Chart, *, font: tuple[str, int] | None = None, scale: int = 2) -> tuple[bytes, bool]:
    """The chart as a PNG (Pillow). Returns (png, labels_are_numbers)."""
    from PIL import Image, ImageDraw

    numbered = font is None
    labels = [str(i + 1) for i in range(len(chart.labels))] if numbered else chart.labels
    w = 800 * scale
    rows = len(labels)
    h = (340 if chart.kind == "line" else max(160, 60 + 26 * rows)) * scale
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    f_label = _pil_font(12 * scale, font)
    f_small = _pil_font(11 * scale, font)
    ink, grid, color = "#333333", "#dddddd", PALETTE[0]
    vmax = max(chart.values) if chart.values else 0
    top = 20 * scale
    if chart.kind == "hbar":
        label_w = max((draw.textlength(lbl, font=f_label) for lbl in labels), default=0) + 16 * scale
        left, right = int(label_w), w - 60 * scale
        bar_h = 18 * scale
        step = 26 * scale
        for i, (lbl, v) in enumerate(zip(labels, chart.values, strict=True)):
            y = top + i * step
            tw = draw.textlength(lbl, font=f_label)
            draw.text((left - 8 * scale - tw, y + 2 * scale), lbl, fill=ink, font=f_label)
            length = 0 if vmax == 0 else int((right - left) * v / vmax)
            draw.rectangle([left, y, left + max(length, 1), y + bar_h], fill=PALETTE[i % len(PALETTE)])
            draw.text((left + length + 6 * scale, y + 2 * scale), str(v), fill=ink, font=f_small)
        draw.line([left, top - 4 * scale, left, top + rows * step], fill=ink, width=scale)
    else:
        left, right, bottom = 50 * scale, w - 20 * scale, h - 40 * scale
        step_v = nice_step(vmax / 4)
        nice = step_v * 4
        for k in range(5):
            gy = bottom - (bottom - top) * k / 4
            draw.line([left, gy, right, gy], fill=grid, width=scale)
            draw.text((8 * scale, gy - 7 * scale), f"{step_v * k:g}", fill=ink, font=f_small)
        n = len(chart.values)
        xs = [left + (right - left) * (i / max(1, n - 1)) for i in range(n)]
        ys = [bottom - (bottom - top) * v / nice for v in chart.values]
        if n > 1:
            draw.line(list(zip(xs, ys, strict=True)), fill=color, width=3 * scale)
        for px, py in zip(xs, ys, strict=True):
            draw.ellipse([px - 3 * scale, py - 3 * scale, px + 3 * scale, py + 3 * scale], fill=color)
        every = max(1, math.ceil(n / 12))
        for i in range(0, n, every):
            tw = draw.textlength(labels[i], font=f_small)
            draw.text((xs[i] - tw / 2, bottom + 8 * scale), labels[i], fill=ink, font=f_small)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(96 * scale, 96 * scale))
    return buf.getvalue(), numbered and chart.kind == "hbar"


def _register_pdf_font(texts: list[str]) -> str:
    """A subset of the Noto Serif CJK face holding the characters of ``texts`` (plus digits, Latin
    and the usual punctuation), registered with reportlab under a name of its own: the PDF embeds
    it (pdffonts: emb yes), unlike a CID font. Returns the name to use."""
    import hashlib

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from minsheng.documents.fonts import truetype_subset

    characters = frozenset("".join(texts)) | frozenset(
        "0123456789%.,:;-—–/()（）：；，。、 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    )
    digest = hashlib.sha1("".join(sorted(characters)).encode()).hexdigest()[:10]
    name = f"ms-report-{digest}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(truetype_subset("body", characters))))
    return name


def chart_drawing(chart: Chart, width: float = 440, font: str = "") -> Any:
    """The chart as a reportlab vector drawing, its labels in ``font`` (an embedded subset)."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.colors import HexColor

    PDF_FONT = font or _register_pdf_font([*chart.labels, chart.title])
    vmax = max(chart.values) if chart.values else 0
    if chart.kind == "hbar":
        rows = len(chart.labels)
        height = max(80, 24 + 18 * rows)
        d = Drawing(width, height, initialFontName=PDF_FONT)
        bc = HorizontalBarChart()
        longest = max((len(lbl) for lbl in chart.labels), default=2)
        bc.x = min(160, 12 + 10 * longest)
        bc.y = 12
        bc.width = int(width) - bc.x - 40
        bc.height = int(height) - 20
        bc.data = [list(reversed(chart.values))]
        bc.categoryAxis.categoryNames = list(reversed(chart.labels))
        bc.categoryAxis.labels.fontName = PDF_FONT
        bc.categoryAxis.labels.fontSize = 9
        bc.valueAxis.labels.fontName = PDF_FONT
        bc.valueAxis.labels.fontSize = 8
        bc.valueAxis.valueMin = 0
        bc.valueAxis.valueMax = max(1, vmax) * 1.1
        bc.bars[0].fillColor = HexColor(PALETTE[0])
        bc.bars[0].strokeColor = None
        bc.barLabelFormat = "%d"
        bc.barLabels.fontName = PDF_FONT
        bc.barLabels.fontSize = 8
        bc.barLabels.nudge = 8
        d.add(bc)
        return d
    height = 190
    d = Drawing(width, height, initialFontName=PDF_FONT)
    lc = HorizontalLineChart()
    lc.x, lc.y, lc.width, lc.height = 36, 28, int(width) - 50, height - 40
    lc.data = [chart.values or [0]]
    every = max(1, math.ceil(len(chart.labels) / 10))
    lc.categoryAxis.categoryNames = [lbl if i % every == 0 else "" for i, lbl in enumerate(chart.labels)]
    lc.categoryAxis.labels.fontName = PDF_FONT
    lc.categoryAxis.labels.fontSize = 8
    lc.valueAxis.labels.fontName = PDF_FONT
    lc.valueAxis.labels.fontSize = 8
    lc.valueAxis.valueMin = 0
    lc.valueAxis.valueMax = max(1, vmax) * 1.1
    lc.lines[0].strokeColor = HexColor(PALETTE[0])
    lc.lines[0].strokeWidth = 2
    d.add(lc)
    return d


# --- text blocks shared by the .docx and the PDF --------------------------------------------------


@dataclass(frozen=True)
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]


SECTION_TITLES = [
    "一、总体情况",
    "二、渠道与内容构成",
    "三、热点问题",
    "四、异常增长预警",
    "五、按期办理与群众满意度",
    "六、对策建议",
    "附：方法说明",
]


def report_title(data: ReportData) -> str:
    return "信访形势分析报告"


def period_text(data: ReportData) -> str:
    return f"{data.scope.date_from.isoformat()} 至 {data.scope.date_to.isoformat()}（{data.scope_label}）"


def overview_text(data: ReportData) -> str:
    top_cat = data.by_category[0] if data.by_category else None
    top_channel = data.by_channel[0] if data.by_channel else None
    previous = (
        f"上期{data.previous_total}件，{change_phrase(data.total, data.previous_total)}"
        if data.previous_total
        else change_phrase(data.total, data.previous_total)
    )
    parts = [
        f"本期共收到信访事项{data.total}件，涉及信访人{data.petitioners}人（次），{previous}。"
        f"其中集体访、联名信访{data.collective}件。"
    ]
    if top_channel:
        parts.append(
            f"{top_channel[0]}是主要渠道（{top_channel[1]}件，占{percent(top_channel[1] / max(1, data.total))}）。"
        )
    if top_cat:
        parts.append(f"信访量最多的是{category_phrase(top_cat.category)}（{top_cat.count}件）。")
    return "".join(parts)


def tables(data: ReportData) -> dict[str, Table]:
    total = max(1, data.total)
    return {
        "channel": Table(
            "表2 渠道构成",
            ["渠道", "件数", "占比"],
            [[c, str(n), percent(n / total)] for c, n in data.by_channel],
        ),
        "category": Table(
            "表1 内容分类构成",
            ["一级分类", "本期", "上期", "环比", "最集中的区县"],
            [
                [
                    c.category,
                    str(c.count),
                    str(c.previous),
                    percent(c.change),
                    f"{c.top_district}（{c.top_district_count}）" if c.top_district else "—",
                ]
                for c in data.by_category
            ],
        ),
        "district": Table("表3 区县分布", ["区县", "件数"], [[d, str(n)] for d, n in data.by_district]),
        "hot": Table(
            "表4 热点问题",
            ["排名", "问题", "地点", "件数", "信访人", "热度", "时间"],
            [
                [
                    str(h["rank"]),
                    h["title"],
                    h["place"] or "—",
                    str(h["size"]),
                    str(h["petitioners"]),
                    f"{h['heat']:.1f}",
                    f"{h['start']}～{h['end']}",
                ]
                for h in data.hot
            ],
        ),
        "spikes": Table(
            "表5 异常增长（周）",
            ["周（周一）", "分类", "区县", "件数", f"前{BASELINE_WEEKS}周周均", "倍数"],
            [
                [
                    s.week.isoformat(),
                    s.category,
                    s.district,
                    str(s.count),
                    f"{s.baseline:.1f}",
                    f"{s.ratio:.1f}" if s.ratio else "—",
                ]
                for s in data.spikes
            ],
        ),
        "spikes_method": Table(
            "附表 异常增长检验明细",
            ["周（周一）", "分类", "区县", "件数", "p值", "校正后p值"],
            [
                [
                    s.week.isoformat(),
                    s.category,
                    s.district,
                    str(s.count),
                    f"{s.p_value:.4g}",
                    f"{s.adjusted_p:.4g}",
                ]
                for s in data.spikes
            ],
        ),
        "on_time": Table(
            "表6 按期办理",
            ["期限", "期内到期", "按期完成", "按期率", "未到期"],
            [
                [
                    str(RULE_LABELS.get(t.rule, t.rule)),
                    str(t.due),
                    str(t.on_time),
                    percent(t.share),
                    str(t.pending),
                ]
                for t in data.on_time
            ],
        ),
        "satisfaction": Table(
            "表7 满意度评价",
            ["满意", "基本满意", "不满意", "评价总数", "满意率"],
            [
                [
                    str(data.satisfaction.satisfied),
                    str(data.satisfaction.basically_satisfied),
                    str(data.satisfaction.unsatisfied),
                    str(data.satisfaction.rated),
                    percent(data.satisfaction.share),
                ]
            ],
        ),
    }


def satisfaction_note(data: ReportData) -> str:
    rule = "满意与基本满意" if data.satisfaction.basic_counts else "满意"
    return (
        f"满意率 = {rule}件数 ÷ 评价总数（期内评价）；按期率 = 期内届满的期限中在法定期限内完成的比例"
        "（与考核指标口径相同：受理告知即有权处理机关及时受理率，按期办结只计初次件、含经批准的延期）。"
    )


def spikes_text(data: ReportData) -> str:
    """Plain language: what grew and how much; how it was tested is in the appendix (method_text)."""
    if data.spikes_through is None:
        return "本期尚无完整的一周，暂不判断异常增长。"
    through = f"（截至{data.spikes_through.isoformat()}起的一周，计算于{data.generated_at:%Y-%m-%d %H:%M}）"
    if not data.spikes:
        return f"本期各分类、各区县每周的信访量都在此前{BASELINE_WEEKS}周的正常波动范围内，没有发现异常增长{through}。"
    return (
        f"以下{len(data.spikes)}项的周信访量明显高于此前{BASELINE_WEEKS}周的水平，"
        f"且当周不少于{SPIKE_MIN_COUNT}件，属异常增长{through}："
    )


def method_text(data: ReportData) -> list[str]:
    """The appendix: how the figures are computed (the statistics stay out of the body)."""
    return [
        f"异常增长：对每个“一级分类 × 区县”的每一完整周，以此前{BASELINE_WEEKS}周为基线做条件精确检验"
        f"（泊松分布），同一周内所有序列一并按Benjamini–Hochberg方法控制错误发现率不超过{SPIKE_ALPHA:.0%}，"
        f"且当周不少于{SPIKE_MIN_COUNT}件。尚未结束的一周不检验。与系统预警（订阅通知）采用同一口径。",
        "热点问题：按同一地点、同一问题归并多件信访，热度综合件数、信访人数、时效、增长和严重程度。",
    ]


def hot_text(data: ReportData) -> str:
    if not data.hot:
        return "本期未发现多件信访反映同一具体问题的情况。"
    return f"按同一地点、同一问题归并后，本期共识别热点问题{len(data.hot)}个（热度综合件数、信访人数、时效、增长和严重程度）："


# --- renderers -----------------------------------------------------------------------------------


def render_docx(data: ReportData) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.5)
    for style_name in ("Normal", "Heading 1", "Heading 2", "Title", "Caption"):
        try:
            style = document.styles[style_name]
        except KeyError:
            continue
        style.font.name = "SimSun"  # type: ignore[attr-defined]
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.styles["Normal"].font.size = Pt(11)  # type: ignore[attr-defined]
    title = document.add_heading(report_title(data), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = document.add_paragraph(period_text(data))
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(f"生成时间：{data.generated_at:%Y-%m-%d %H:%M}　　本报告已去除个人身份信息。")
    font = cjk_font_path()
    chart_list = {c.title[:2]: c for c in charts(data)}
    tabs = tables(data)

    def add_table(t: Table) -> None:
        document.add_paragraph(t.caption, style="Caption")
        table = document.add_table(rows=1, cols=len(t.header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, t.header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in t.rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text

    def add_chart(key: str) -> None:
        chart = chart_list.get(key)
        if chart is None:
            return
        png, numbered = chart_png(chart, font=font)
        document.add_picture(io.BytesIO(png), width=Cm(15.5))
        document.add_paragraph(chart.title, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        if numbered:
            legend = "；".join(f"{i + 1} {lbl}" for i, lbl in enumerate(chart.labels))
            document.add_paragraph(f"图例：{legend}")

    document.add_heading(SECTION_TITLES[0], level=1)
    document.add_paragraph(overview_text(data))
    add_chart("图1")
    document.add_heading(SECTION_TITLES[1], level=1)
    add_chart("图2")
    add_table(tabs["category"])
    add_chart("图3")
    add_table(tabs["channel"])
    add_chart("图4")
    add_table(tabs["district"])
    document.add_heading(SECTION_TITLES[2], level=1)
    document.add_paragraph(hot_text(data))
    if data.hot:
        add_table(tabs["hot"])
    document.add_heading(SECTION_TITLES[3], level=1)
    document.add_paragraph(spikes_text(data))
    if data.spikes:
        add_table(tabs["spikes"])
    document.add_heading(SECTION_TITLES[4], level=1)
    add_table(tabs["on_time"])
    add_table(tabs["satisfaction"])
    document.add_paragraph(satisfaction_note(data))
    document.add_heading(SECTION_TITLES[5], level=1)
    for i, text in enumerate(data.suggestions, start=1):
        document.add_paragraph(f"{i}. {text}")
    document.add_heading(SECTION_TITLES[6], level=1)
    for text in method_text(data):
        document.add_paragraph(text)
    if data.spikes:
        add_table(tabs["spikes_method"])
    document.core_properties.title = f"{report_title(data)} {period_text(data)}"
    document.core_properties.author = "民声"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def render_pdf(data: ReportData) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    generated = f"生成时间：{data.generated_at:%Y-%m-%d %H:%M}　本报告已去除个人身份信息。"
    every_table = list(tables(data).values())
    every_chart = charts(data)
    PDF_FONT = _register_pdf_font(
        [
            report_title(data),
            period_text(data),
            generated,
            overview_text(data),
            hot_text(data),
            spikes_text(data),
            satisfaction_note(data),
            *SECTION_TITLES,
            *data.suggestions,
            *(cell for t in every_table for row in [t.header, *t.rows] for cell in [t.caption, *row]),
            *(text for c in every_chart for text in [c.title, *c.labels]),
        ]
    )
    base: dict[str, Any] = {"fontName": PDF_FONT, "bulletFontName": PDF_FONT, "wordWrap": "CJK"}
    s_title = ParagraphStyle("t", fontSize=20, leading=30, alignment=TA_CENTER, **base)
    s_sub = ParagraphStyle("s", fontSize=11, leading=18, alignment=TA_CENTER, spaceAfter=8, **base)
    s_h = ParagraphStyle("h", fontSize=14, leading=22, spaceBefore=10, spaceAfter=4, **base)
    s_p = ParagraphStyle("p", fontSize=10.5, leading=17, firstLineIndent=21, **base)
    s_cap = ParagraphStyle(
        "c", fontSize=9.5, leading=14, alignment=TA_CENTER, spaceBefore=2, spaceAfter=6, **base
    )
    s_cell = ParagraphStyle("cell", fontSize=8.5, leading=11, **base)
    story: list[Any] = [
        Paragraph(escape(report_title(data)), s_title),
        Paragraph(escape(period_text(data)), s_sub),
        Paragraph(escape(generated), s_sub),
    ]
    chart_list = {c.title[:2]: c for c in every_chart}
    tabs = tables(data)
    width = A4[0] - 40 * mm

    def table(t: Table) -> None:
        story.append(Paragraph(escape(t.caption), s_cap))
        rows = [[Paragraph(escape(c), s_cell) for c in r] for r in [t.header, *t.rows]]
        pt = PdfTable(rows, repeatRows=1, hAlign="CENTER")
        pt.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), PDF_FONT),  # else Helvetica, not embedded
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story.append(pt)
        story.append(Spacer(1, 4 * mm))

    def chart(key: str) -> None:
        c = chart_list.get(key)
        if c is not None:
            story.append(chart_drawing(c, width=width, font=PDF_FONT))
            story.append(Spacer(1, 3 * mm))
            story.append(Paragraph(escape(c.title), s_cap))

    def h(text: str) -> None:
        story.append(Paragraph(escape(text), s_h))

    def p(text: str) -> None:
        story.append(Paragraph(escape(text), s_p))

    h(SECTION_TITLES[0])
    p(overview_text(data))
    chart("图1")
    h(SECTION_TITLES[1])
    chart("图2")
    table(tabs["category"])
    chart("图3")
    table(tabs["channel"])
    chart("图4")
    table(tabs["district"])
    h(SECTION_TITLES[2])
    p(hot_text(data))
    if data.hot:
        table(tabs["hot"])
    h(SECTION_TITLES[3])
    p(spikes_text(data))
    if data.spikes:
        table(tabs["spikes"])
    h(SECTION_TITLES[4])
    table(tabs["on_time"])
    table(tabs["satisfaction"])
    p(satisfaction_note(data))
    h(SECTION_TITLES[5])
    for i, text in enumerate(data.suggestions, start=1):
        p(f"{i}. {text}")
    h(SECTION_TITLES[6])
    for text in method_text(data):
        p(text)
    if data.spikes:
        table(tabs["spikes_method"])

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"— {document.page} —")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"{report_title(data)} {period_text(data)}",
        author="minsheng",
    )

    def canvasmaker(*args: Any, **kwargs: Any) -> Any:
        from reportlab.pdfgen.canvas import Canvas

        kwargs["initialFontName"] = PDF_FONT  # not Helvetica, which would not be embedded
        return Canvas(*args, **kwargs)

    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=canvasmaker)
    return buf.getvalue()


XLSX_SHEETS = ["概况", "渠道", "分类", "区县", "周趋势", "热点问题", "异常增长", "按期与满意度", "对策建议"]


def render_xlsx(data: ReportData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from minsheng.core.spreadsheet import neutralise_row

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    tabs = tables(data)
    bold = Font(bold=True)

    def sheet(name: str, header: list[str], rows: list[list[Any]]) -> None:
        ws = wb.create_sheet(name)
        ws.append(neutralise_row(header))
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(neutralise_row(row))  # titles and keywords are citizens' text
        for i, _h in enumerate(header, start=1):
            letter = ws.cell(row=1, column=i).column_letter
            ws.column_dimensions[letter].width = 14 if i > 1 else 22

    sat = data.satisfaction
    sheet(
        "概况",
        ["项目", "数值"],
        [
            ["时段", period_text(data)],
            ["本期件数", data.total],
            ["上期件数", data.previous_total],
            ["环比", change_phrase(data.total, data.previous_total)],
            ["信访人（去重）", data.petitioners],
            ["集体访、联名", data.collective],
            ["满意率", percent(sat.share)],
            ["生成时间", f"{data.generated_at:%Y-%m-%d %H:%M}"],
        ],
    )
    total = max(1, data.total)
    sheet("渠道", ["渠道", "件数", "占比"], [[c, n, round(n / total, 4)] for c, n in data.by_channel])
    sheet(
        "分类",
        ["一级分类", "本期", "上期", "环比", "最集中的区县", "该区县件数"],
        [
            [
                c.category,
                c.count,
                c.previous,
                None if c.change is None else round(c.change, 4),
                c.top_district,
                c.top_district_count,
            ]
            for c in data.by_category
        ],
    )
    sheet("区县", ["区县", "件数"], [[d, n] for d, n in data.by_district])
    sheet(
        "周趋势",
        ["周（周一）", "件数"],
        [[w.isoformat(), n] for w, n in zip(data.weeks, data.weekly, strict=True)],
    )
    sheet(
        "热点问题",
        ["排名", "问题", "地点", "关键词", "件数", "信访人", "热度", "开始", "结束", "查询码"],
        [
            [
                h["rank"],
                h["title"],
                h["place"],
                "、".join(h["keywords"]),
                h["size"],
                h["petitioners"],
                h["heat"],
                h["start"],
                h["end"],
                " ".join(str(m) for m in h["members"]),
            ]
            for h in data.hot
        ],
    )
    sheet(
        "异常增长",
        [*tabs["spikes"].header, "p值", "校正后p值"],
        [
            [
                s.week.isoformat(),
                s.category,
                s.district,
                s.count,
                s.baseline,
                s.ratio,
                s.p_value,
                s.adjusted_p,
            ]
            for s in data.spikes
        ],
    )
    sheet(
        "按期与满意度",
        ["指标", "分母", "分子", "比例"],
        [[f"{RULE_LABELS.get(t.rule, t.rule)}按期率", t.due, t.on_time, t.share] for t in data.on_time]
        + [
            [
                "满意率",
                sat.rated,
                sat.satisfied + (sat.basically_satisfied if sat.basic_counts else 0),
                sat.share,
            ]
        ],
    )
    sheet("对策建议", ["序号", "建议"], [[i, s] for i, s in enumerate(data.suggestions, start=1)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RENDERERS = {"docx": render_docx, "pdf": render_pdf, "xlsx": render_xlsx}


def report_filename(data: ReportData, fmt: str) -> str:
    return f"situation-report-{data.scope.date_from:%Y%m%d}-{data.scope.date_to:%Y%m%d}.{fmt}"


def write_report(data: ReportData, output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, renderer in RENDERERS.items():
        path = output_dir / report_filename(data, fmt)
        path.write_bytes(renderer(data))
        paths.append(path)
    return paths


REPORT_CACHE_SECONDS = 300


def cached_report(scope: Scope, user: Any = None, *, top: int = 10) -> ReportData:
    """:func:`build_report` cached for a few minutes per (user, scope): the dashboard and its
    downloads share one computation (hot-issue grouping takes seconds on a large period), whatever
    the language; the words are made again in the active language (:func:`localized`)."""
    from django.core.cache import cache

    user_key = getattr(user, "pk", None) or "all"
    key = (
        # v2: ReportData gained ``channels`` (a shared cache may still hold the older shape)
        f"minsheng:analytics:report:v2:{user_key}:{scope.date_from}:{scope.date_to}:"
        f"{scope.organ_id}:{scope.region_code}:{scope.category_id}:{top}"
    )
    data = cache.get(key)
    if isinstance(data, ReportData):
        return localized(data)
    data = build_report(scope, user, top=top)
    cache.set(key, data, REPORT_CACHE_SECONDS)
    return data


def report_document(scope: Scope, user: Any, fmt: str) -> tuple[bytes, str]:
    """The situation report as a ``fmt`` file (one of :data:`RENDERERS`) and its file name, in
    :data:`REPORT_LANGUAGE` whatever the language of the person downloading it."""
    with translation.override(REPORT_LANGUAGE):
        data = cached_report(scope, user)
        return RENDERERS[fmt](data), report_filename(data, fmt)
