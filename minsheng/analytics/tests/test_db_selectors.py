"""Analytics selectors over the database: scope, de-identified records, hot issues, figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.analytics.selectors import (
    Scope,
    deidentify,
    drill_down,
    hot_issues,
    on_time_figures,
    petition_records,
    satisfaction,
    scoped_petitions,
)
from minsheng.orgs.models import Category, Region
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}
NAMES = ["王小明", "赵丽华", "钱多多", "孙悟能", "周大福", "吴晓红"]
PHONES = ["13800138001", "13800138002", "13800138003", "13800138004", "13800138005", "13800138006"]


def person(i: int) -> PetitionerInput:
    return PetitionerInput(name=NAMES[i], phone=PHONES[i], address="A市某街道某小区")


def build_fixture(register: Any, act: Any, organs: Any) -> dict[str, Any]:
    """Six petitions in two districts and two categories; one handled, delivered and rated."""
    now = timezone.now()
    building = Category.objects.get(level=1, name="城乡建设")
    labour = Category.objects.get(level=1, name="劳动和社会保障")
    building_leaf = Category.objects.filter(path__startswith="城乡建设/", level=3).first()
    a3 = Region.objects.get(code="439904")
    a5 = Region.objects.get(code="439906")
    noise = "幸福小区旁工地夜间施工噪音扰民"
    petitions = [
        register(
            title=noise,
            request="请求责令工地停止夜间施工",
            facts="A3区幸福小区旁的工地连续一个月在夜间十一点后施工，噪音很大。",
            category=building_leaf,
            region=a3,
            received_at=now - dt.timedelta(days=3),
            petitioner=person(0),
        ),
        register(
            title="幸福小区旁边工地夜间施工噪音太大",
            request="请求处理幸福小区旁工地夜间施工扰民问题，我的电话13912345678",
            facts="幸福小区旁工地每天夜里施工，噪音扰民，王小明也反映过。",
            category=building,
            region=a3,
            received_at=now - dt.timedelta(days=2),
            petitioner=person(1),
        ),
        register(
            title="幸福小区工地夜间施工噪音扰民严重",
            request="请求停止幸福小区工地夜间施工",
            facts="幸福小区旁工地夜间施工噪音扰民。",
            category=building,
            region=a3,
            received_at=now - dt.timedelta(days=1),
            petitioner=person(2),
        ),
        register(
            title="宏达建筑公司拖欠农民工工资",
            request="请求督促宏达建筑公司支付拖欠的工资",
            facts="A5区宏达建筑公司拖欠我们二十多名农民工三个月工资。",
            category=labour,
            region=a5,
            received_at=now - dt.timedelta(days=5),
            petitioner=person(3),
        ),
        register(
            title="宏达建筑公司拖欠工资问题",
            request="请求解决宏达建筑公司拖欠农民工工资",
            facts="宏达建筑公司拖欠农民工工资，身份证110101199003074514。",
            category=labour,
            region=a5,
            received_at=now - dt.timedelta(days=4),
            petitioner=person(4),
        ),
        register(
            title="建议增设公交线路",
            request="建议增设通往新区的公交线路",
            received_at=now - dt.timedelta(days=40),
            petitioner=person(5),
        ),
    ]
    handled = petitions[0]
    act(handled, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(handled, "receive", "caseworker")
    act(handled, "accept", "caseworker")
    act(handled, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(handled, "conclude", "caseworker", **OPINION)
    act(handled, "sign_opinion", "organ_head")
    act(handled, "deliver", "caseworker", method="in_person", delivered_on=timezone.localdate().isoformat())
    act(handled, "rate", None, value="basically_satisfied", comment="")
    return {"petitions": petitions, "building": building, "labour": labour, "a3": a3, "a5": a5}


@pytest.fixture
def fx(register: Any, act: Any, organs: Any) -> dict[str, Any]:
    return build_fixture(register, act, organs)


def recent() -> Scope:
    today = timezone.localdate()
    return Scope(today - dt.timedelta(days=13), today)


def test_scope_filters_period_region_category(fx):
    assert scoped_petitions(recent()).count() == 5
    today = timezone.localdate()
    assert scoped_petitions(Scope(today - dt.timedelta(days=60), today)).count() == 6
    assert scoped_petitions(Scope(recent().date_from, today, region_code="439904")).count() == 3
    assert (
        scoped_petitions(Scope(recent().date_from, today, region_code="439900")).count() == 5
    )  # city subtree
    # A level-1 category includes its level-3 leaves.
    assert scoped_petitions(Scope(recent().date_from, today, category_id=fx["building"].pk)).count() == 3
    assert scoped_petitions(Scope(recent().date_from, today, region_code="no-such")).count() == 0


def test_scope_respects_visibility(fx, users):
    assert scoped_petitions(recent(), users["analyst"]).count() == 5
    assert scoped_petitions(recent(), users["a5_caseworker"]).count() == 0


def test_records_carry_no_personal_data(fx):
    records = petition_records(scoped_petitions(recent()))
    assert len(records) == 5
    petitioner_ids = {p.petitioner_id for p in fx["petitions"]}
    for r in records:
        assert r.message.user in {f"p{pk}" for pk in petitioner_ids}
        assert r.message.id == r.tracking_code
        for secret in NAMES[:1] + PHONES:
            assert secret not in r.message.user
    by_code = {r.tracking_code: r for r in records}
    first = by_code[fx["petitions"][0].tracking_code]
    assert (first.category, first.district, first.district_code) == ("城乡建设", "A3区", "439904")
    assert first.message.text.startswith("A3区")  # the district is given to the region parser
    assert first.channel == "letter"


def test_hot_issues_group_same_matter_and_use_tracking_codes(fx):
    issues = hot_issues(recent())
    codes = {p.tracking_code for p in fx["petitions"]}
    noise = {p.tracking_code for p in fx["petitions"][:3]}
    wages = {p.tracking_code for p in fx["petitions"][3:5]}
    groups = [set(h["members"]) for h in issues]
    assert noise in groups
    assert wages in groups
    for h in issues:
        assert set(h) >= {"rank", "title", "heat", "place", "start", "end", "keywords", "members"}
        assert set(h["members"]) <= codes
    assert [h["rank"] for h in issues] == list(range(1, len(issues) + 1))
    # Region scope: only the wage arrears group is in A5区.
    only_a5 = hot_issues(Scope(recent().date_from, recent().date_to, region_code="439906"))
    assert [set(h["members"]) for h in only_a5] == [wages]


def test_deidentify_masks_numbers_and_names():
    text = "我叫王小明，电话13912345678，身份证110101199003074514，邮箱a.b@example.com"
    out = deidentify(text, ["王小明"])
    for secret in ("王小明", "13912345678", "110101199003074514", "a.b@example.com"):
        assert secret not in out
    assert out.startswith("我叫某某")
    assert deidentify("A3区幸福小区3栋") == "A3区幸福小区3栋"
    # numbers written with spaces, hyphens or brackets, and bare landlines (review of 2026-12-07)
    written = "电话(0731)88886666，0731 8888 6666，0731-8888-6666，88886666，手机1380 013 8000，身份证110101 19900307 4514"
    out = deidentify(written)
    for secret in ("88886666", "8888", "6666", "1380", "19900307", "4514"):
        assert secret not in out, out
    # dates and amounts below seven digits stay: they are what the text is about
    assert deidentify("2025-03-01起补偿款80万元，欠薪120000元") == "2025-03-01起补偿款80万元，欠薪120000元"


def test_drill_down_is_deidentified(fx):
    rows = drill_down(recent())
    assert len(rows) == 5
    blob = " ".join(f"{r.title} {r.request}" for r in rows)
    assert "13912345678" not in blob
    assert "王小明" not in blob  # named in another petitioner's text: masked as a known name
    only = drill_down(recent(), codes=[fx["petitions"][3].tracking_code])
    assert [r.tracking_code for r in only] == [fx["petitions"][3].tracking_code]
    assert only[0].state == "registered" and only[0].district == "A5区"
    assert {r.district for r in drill_down(recent(), district="A3区")} == {"A3区"}


def test_on_time_and_satisfaction(fx, settings):
    today = timezone.localdate()
    scope = Scope(today - dt.timedelta(days=30), today + dt.timedelta(days=120))
    figures = {t.rule: t for t in on_time_figures(scope)}
    notice, handle = figures["D-NOTICE-15"], figures["D-HANDLE-60"]
    assert (notice.due, notice.on_time, notice.share) == (1, 1, 1.0)
    assert (handle.due, handle.on_time) == (1, 1)
    sat = satisfaction(Scope(today - dt.timedelta(days=1), today))
    assert (sat.satisfied, sat.basically_satisfied, sat.unsatisfied) == (0, 1, 0)
    assert sat.share == 1.0
    settings.MINSHENG_BASIC_SATISFIED_COUNTS = False
    assert satisfaction(Scope(today - dt.timedelta(days=1), today)).share == 0.0
    # Nothing rated in another region.
    assert satisfaction(Scope(today - dt.timedelta(days=1), today, region_code="439906")).rated == 0
