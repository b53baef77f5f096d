"""Analytics that never contradict themselves: one spike definition for the worker, the dashboard and
the report (computed when the page needs them, with the time they were computed); the report in
plain language with its method in an appendix; satisfaction as the assessment indicator counts it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.analytics.models import SpikeAlert
from minsheng.analytics.reports import (
    SECTION_TITLES,
    build_report,
    method_text,
    overview_text,
    render_docx,
    spikes_text,
)
from minsheng.analytics.selectors import Scope, satisfaction
from minsheng.analytics.services import analytics_detect_spikes
from minsheng.orgs.models import Category, Region
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 3, 18)  # a Wednesday: the last complete week starts on 2026-03-09
SPIKE_WEEK = dt.date(2026, 3, 9)
SCOPE = Scope(dt.date(2026, 1, 1), TODAY)


def travel(day: dt.date = TODAY, hour: int = 10) -> Any:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=TZ), tick=False)


@pytest.fixture
def spikes(register: Any) -> dict[str, Any]:
    """(城乡建设, A3区): one petition a week for 8 weeks, then 8 in the week of 2026-03-09; and three
    petitions without a category in the same weeks (no spike: fewer than 5)."""
    category = Category.objects.get(level=1, name="城乡建设")
    region = Region.objects.get(code="439904")
    days = [SPIKE_WEEK - dt.timedelta(days=7 * k) + dt.timedelta(days=1) for k in range(1, 9)]
    days += [SPIKE_WEEK + dt.timedelta(days=i % 5) for i in range(8)]
    with travel():
        for i, day in enumerate(days):
            register(
                title=f"幸福小区工地夜间施工噪音扰民{i}",
                request="请求处理",
                category=category,
                region=region,
                received_at=dt.datetime.combine(day, dt.time(12), tzinfo=TZ),
                petitioner=PetitionerInput(name=f"测试{i}"),
            )
        for i in range(3):
            register(
                title=f"咨询社保转移{i}",
                request="请问如何办理",
                category=None,
                received_at=dt.datetime.combine(SPIKE_WEEK + dt.timedelta(days=i), dt.time(9), tzinfo=TZ),
                petitioner=PetitionerInput(name=f"咨询{i}"),
            )
    return {"category": category, "region": region}


def dashboard(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("workbench:analytics") + "?from=2026-01-01&to=2026-03-18").content.decode()


def test_one_definition_computed_on_demand_then_recorded(spikes, users):
    with travel():
        data = build_report(SCOPE, today=TODAY)
        assert [(s.week, s.category, s.district, s.count, s.recorded_at) for s in data.spikes] == [
            (SPIKE_WEEK, "城乡建设", "A3区", 8, None)
        ]
        assert data.spikes_through == SPIKE_WEEK  # the current week (from 03-16) is not complete
        assert data.generated_at == timezone.localtime()
        page = dashboard(users["analyst"])
        # the figure and the list come from the same computation: no "1" next to "no alerts"
        assert '<span class="n">1</span><span class="l">异常增长（周）</span>' in page
        assert "城乡建设 · A3区" in page and "预警任务尚未运行" in page and "没有异常增长" not in page
        assert "计算于 2026-03-18 10:00，截至 2026-03-09 起的一周" in page
        run = analytics_detect_spikes(today=TODAY)
    alert = SpikeAlert.objects.get()
    assert [a.pk for a in run.created] == [alert.pk] and alert.week == SPIKE_WEEK
    row = data.spikes[0]
    assert (alert.count, alert.baseline, alert.adjusted_p) == (row.count, row.baseline, row.adjusted_p)
    with travel(hour=11):
        again = build_report(SCOPE, today=TODAY)
        assert [s.recorded_at for s in again.spikes] == [alert.created_at]
        assert "已通知订阅者（03-18 10:00）" in dashboard(users["analyst"])


def test_filtered_scope_shows_only_its_series(spikes, users):
    other = Category.objects.get(level=1, name="教育文体")
    with travel():
        assert build_report(Scope(SCOPE.date_from, TODAY, category_id=other.pk), today=TODAY).spikes == []
        only = build_report(Scope(SCOPE.date_from, TODAY, category_id=spikes["category"].pk), today=TODAY)
    assert [s.count for s in only.spikes] == [8]


def test_report_text_is_plain_and_the_method_is_in_the_appendix(spikes):
    from docx import Document

    with travel():
        data = build_report(SCOPE, today=TODAY)
        docx = Document(io.BytesIO(render_docx(data)))
    text = spikes_text(data) + overview_text(data) + "".join(data.suggestions)
    for jargon in ("FDR", "Benjamini", "p=", "p值", "α", "显著", "检验"):
        assert jargon not in text, jargon
    assert spikes_text(data) == (
        "以下1项的周信访量明显高于此前8周的水平，且当周不少于5件，属异常增长"
        "（截至2026-03-09起的一周，计算于2026-03-18 10:00）："
    )
    assert any(
        s.startswith("2026-03-09起的一周，A3区城乡建设类信访8件，是此前8周平均每周1.0件的8.0倍，增长异常。")
        for s in data.suggestions
    )
    assert "Benjamini–Hochberg" in method_text(data)[0]
    paragraphs = [p.text for p in docx.paragraphs]
    appendix = paragraphs.index(SECTION_TITLES[-1])
    body = "\n".join(paragraphs[:appendix]) + "\n".join(
        c.text for t in docx.tables[:-1] for r in t.rows for c in r.cells
    )
    assert "Benjamini" not in body and "p值" not in body and "未分类类" not in body
    assert "Benjamini" in "\n".join(paragraphs[appendix:])
    assert docx.tables[-1].rows[0].cells[-1].text == "校正后p值"  # the appendix table
    assert "未分类" in "".join(c.category for c in data.by_category)
    assert "上期无记录，不计算环比" in overview_text(data)


def test_no_complete_week_yet(spikes):
    with travel(dt.date(2026, 3, 18)):
        data = build_report(Scope(dt.date(2026, 3, 16), TODAY), today=TODAY)
    assert data.spikes == [] and data.spikes_through is None
    assert spikes_text(data) == "本期尚无完整的一周，暂不判断异常增长。"


def test_satisfaction_is_the_assessment_indicator(register, act, organs):
    from minsheng.analytics.tests.test_db_selectors import build_fixture
    from minsheng.assessment.selectors import compute_indicators

    build_fixture(register, act, organs)
    today = timezone.localdate()
    scope = Scope(today - dt.timedelta(days=13), today)
    ours = satisfaction(scope)
    figure = compute_indicators(None, scope.date_from, scope.date_to, only=("I-SATISFACTION-ORGAN",)).figure(
        "I-SATISFACTION-ORGAN"
    )
    assert ours.rated == figure.denominator == 1
    assert ours.share == figure.value
    assert ours.definition_id == figure.definition_id
