"""Indicators from petitions built through the services at fixed dates: attribution, classes,
frozen periods, drill-down visibility, the CLI and the public figures."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from minsheng.api.tests.auth import api_token as _token
from minsheng.assessment import selectors as S
from minsheng.assessment.models import AssessmentPeriod, FrozenFigure
from minsheng.assessment.services import period_freeze
from minsheng.core.errors import InvalidInput
from minsheng.petitions.models import Petition
from minsheng.petitions.services import PetitionerInput
from minsheng.workflow.models import Deadline

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
JUL1, SEP30 = dt.date(2025, 7, 1), dt.date(2025, 9, 30)
TODAY = dt.date(2025, 12, 1)
OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，工地确有夜间施工行为。",
    "opinion": "责令施工单位停止夜间施工。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


def D(m: int, d: int) -> dt.date:
    return dt.date(2025, m, d)


@pytest.fixture
def quarter(register, act, organs):
    """Six letters to the city bureau in July 2025, forwarded to the housing bureau.

    p1: all in time, concluded, delivered, rated 满意 (organ) → on time everywhere.
    p2: forwarded late (day 20 > 15), notice late, handling overdue and never concluded.
    p3: in time, concluded late after an approved 20-day extension — on time (extension counts).
    p4: in time, delivered, never rated → its rating window closes in August: 超期未评价.
    p5: repeat petition (not first time), registered in July: counts for the repeat rate only.
    p6: delivered and rated 不满意, then reclassified 涉法涉诉: out of satisfaction scope.
    """
    housing = organs["a-housing"].pk
    out = {}

    def travel(d: dt.date, hour: int = 10):
        return time_machine.travel(at(d, hour), tick=False)

    def person(n: int) -> PetitionerInput:
        return PetitionerInput(
            name=f"王{'〇一二三四五六'[n]}", phone=f"1390013900{n}", address="A市A3区洋湖街道"
        )

    def through(code: str, received: dt.date, forward_on: dt.date, accept_on: dt.date, **reg):
        with travel(received):
            p = register(received_at=at(received, 9), petitioner=person(int(code[1])), **reg)
        with travel(forward_on):
            act(p, "forward", "dispatcher", organ_id=housing)
            act(p, "receive", "caseworker")
        with travel(accept_on):
            act(p, "accept", "caseworker")
            act(p, "start_handling", "caseworker", no_conflict_of_interest=True)
        out[code] = p
        return p

    def conclude(p, on: dt.date, rate: str | None = None):
        with travel(on):
            act(p, "conclude", "caseworker", **OPINION)
            act(p, "sign_opinion", "organ_head")
            act(p, "deliver", "caseworker", method="in_person", delivered_on=on.isoformat())
        if rate:
            with travel(on + dt.timedelta(days=1)):
                act(p, "rate", None, value=rate)

    conclude(through("p1", D(7, 1), D(7, 3), D(7, 5)), D(7, 20), "satisfied")
    through("p2", D(7, 1), D(7, 21), D(8, 20))
    p3 = through("p3", D(7, 2), D(7, 3), D(7, 4))
    with travel(D(8, 20)):
        act(p3, "extend", "organ_head", days=20, reason="需要补充鉴定", notified_at=at(D(8, 20)).isoformat())
    conclude(p3, D(9, 15), "basically_satisfied")
    conclude(through("p4", D(7, 3), D(7, 4), D(7, 6)), D(7, 10))
    with travel(D(7, 8)):
        out["p5"] = register(received_at=at(D(7, 8), 9), petitioner=person(1))  # p1's petitioner again
    assert not out["p5"].is_first_time
    conclude(through("p6", D(7, 9), D(7, 10), D(7, 11)), D(7, 25), "unsatisfied")
    # reclassified afterwards as 涉法涉诉: out of satisfaction and repeat scope
    Petition.objects.filter(pk=out["p6"].pk).update(nature="litigation_related")
    return out


def by(result):
    return {f.indicator: f for f in result.figures}


def test_quarter_figures_through_the_services(quarter, organs, world):
    bureau, housing = world.bureau.pk, organs["a-housing"].pk
    b = by(S.compute_indicators(bureau, JUL1, SEP30, today=TODAY))
    acc = b["I-ACCEPT-BUREAU"]  # D-BUREAU-15 of the five July letters (p5 never forwarded: overdue)
    assert acc.classes == {"on_time": 4, "late": 1, "overdue_pending": 1, "pending": 0}
    assert (acc.numerator, acc.denominator) == (4, 6)
    rep = b["I-REPEAT"]
    assert (rep.numerator, rep.denominator) == (1, 5) and rep.excluded == {"out_of_scope": 1}

    h = by(S.compute_indicators(housing, JUL1, SEP30, today=TODAY))
    notice = h["I-ACCEPT-ORGAN"]
    assert (notice.numerator, notice.denominator) == (4, 5)  # p2 notified late
    reply = h["I-ONTIME-REPLY"]  # p1, p3 (extended), p4, p6 on time; p2 due 10-19: not in Q3
    assert reply.classes["on_time"] == 4 and reply.denominator == 4
    assert quarter["p3"].pk in reply.numerator_ids
    q4 = by(S.compute_indicators(housing, D(10, 1), D(12, 31), today=TODAY))["I-ONTIME-REPLY"]
    assert q4.classes == {"on_time": 0, "late": 0, "overdue_pending": 1, "pending": 0}
    part = h["I-PARTICIPATION-ORGAN"]
    assert part.classes == {"rated": 2, "overdue_unrated": 1}  # p1, p3 rated; p4 never
    assert part.excluded == {"open_window": 0, "out_of_scope": 1}  # p6 涉法涉诉
    sat = h["I-SATISFACTION-ORGAN"]
    assert (sat.numerator, sat.denominator, sat.value) == (2, 2, 1.0)
    strict = by(S.compute_indicators(housing, JUL1, SEP30, today=TODAY, basic_counts=False))
    assert strict["I-SATISFACTION-ORGAN"].value == 0.5
    assert (
        strict["I-SATISFACTION-ORGAN"].definition_id == "xinfang-2025.2/I-SATISFACTION-ORGAN:satisfied_only"
    )
    # the bureau is rated separately: no rating of the bureau yet
    assert h["I-SATISFACTION-BUREAU"].value is None
    bj = by(S.compute_indicators(housing, JUL1, SEP30, today=TODAY, profile="beijing"))
    assert (bj["BJ-RESPONSE"].numerator, bj["BJ-RESOLUTION"].numerator, bj["BJ-RESPONSE"].denominator) == (
        2,
        2,
        2,
    )


def test_frozen_period_is_not_rewritten(quarter, organs, world, users):
    housing = organs["a-housing"]
    with pytest.raises(InvalidInput):
        period_freeze(housing, JUL1, SEP30, today=SEP30)  # not over yet
    period = period_freeze(housing, JUL1, SEP30, actor=users["supervisor"], today=TODAY)
    before = S.indicators(housing.pk, JUL1, SEP30, today=TODAY)
    assert before.frozen and before.period_version == 1
    assert before.figure("I-ACCEPT-ORGAN").numerator == 4
    # A later edit of the records (the late notice recorded as on time) changes the live figure…
    Deadline.objects.filter(petition=quarter["p2"], rule="D-NOTICE-15").update(
        met_late=False, met_at=at(D(7, 30))
    )
    live = S.indicators(housing.pk, JUL1, SEP30, today=TODAY, live=True)
    assert live.figure("I-ACCEPT-ORGAN").numerator == 5
    # …but not the figures of record.
    assert S.indicators(housing.pk, JUL1, SEP30, today=TODAY).figure("I-ACCEPT-ORGAN").numerator == 4
    with pytest.raises(ValueError):
        period.save()
    with pytest.raises(ValueError):
        FrozenFigure.objects.filter(period=period).first().save()
    with pytest.raises(InvalidInput):
        period_freeze(housing, JUL1, SEP30, today=TODAY)  # a correction needs a reason
    v2 = period_freeze(housing, JUL1, SEP30, reason="告知时间补录更正", today=TODAY)
    assert v2.version == 2
    assert S.indicators(housing.pk, JUL1, SEP30, today=TODAY).figure("I-ACCEPT-ORGAN").numerator == 5
    v1 = S.period_indicators(AssessmentPeriod.objects.get(pk=period.pk))
    assert v1.figure("I-ACCEPT-ORGAN").numerator == 4


def test_drill_down_follows_visibility(quarter, organs, users):
    housing = organs["a-housing"].pk
    fig = S.compute_indicators(housing, JUL1, SEP30, today=TODAY).figure("I-ACCEPT-ORGAN")
    mine = S.drill_down(users["caseworker"], fig, part="denominator")
    assert mine.total == 5 and mine.hidden == 0
    assert {r.id for r in mine.rows} == set(fig.denominator_ids)
    assert sum(r.in_numerator for r in mine.rows) == 4
    assert all("李四" not in r.title for r in mine.rows)
    other = S.drill_down(users["edu_caseworker"], fig, part="numerator")
    assert other.total == 4 and other.hidden == 4 and other.rows == []
    assert S.can_view_organ(users["caseworker"], housing)
    assert S.can_view_organ(users["supervisor"], housing)  # an organ above
    assert not S.can_view_organ(users["edu_caseworker"], housing)


def test_cli_prints_the_contract(quarter, organs):
    out = StringIO()
    call_command(
        "indicators",
        organ=str(organs["a-housing"].pk),
        date_from="2025-07-01",
        date_to="2025-09-30",
        today="2025-12-01",
        format="json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    rows = {r["indicator"]: r for r in data["indicators"]}
    notice = rows["I-ACCEPT-ORGAN"]
    assert (notice["numerator"], notice["denominator"], notice["value"]) == (4, 5, 0.8)
    assert notice["definition_id"] == "xinfang-2025.2/I-ACCEPT-ORGAN:statutory"
    assert 0 < notice["interval"]["lower"] < 0.8 < notice["interval"]["upper"] <= 1
    # Each figure is named (in the default language), not only identified.
    assert [(r["indicator"], r["name"]) for r in data["indicators"][:3]] == [
        ("I-ACCEPT-BUREAU", "信访部门及时受理率"),
        ("I-ACCEPT-ORGAN", "有权处理机关及时受理率"),
        ("I-ONTIME-REPLY", "按期办结率"),
    ]
    out = StringIO()
    call_command(
        "indicators",
        organ=str(organs["a-housing"].pk),
        date_from="2025-07-01",
        date_to="2025-09-30",
        today="2025-12-01",
        profile="beijing",
        format="json",
        stdout=out,
    )
    assert [r["indicator"] for r in json.loads(out.getvalue())["indicators"]] == [
        "BJ-RESPONSE",
        "BJ-RESOLUTION",
        "BJ-SATISFACTION",
    ]
    common = {"organ": "a-housing", "date_from": "2025-07-01", "date_to": "2025-09-30", "format": "json"}
    out = StringIO()
    call_command(
        "indicators", freeze=True, kind="quarter", today="2025-12-01", stdout=out, stderr=StringIO(), **common
    )
    frozen = json.loads(out.getvalue())
    assert frozen["frozen"] is True and frozen["period_version"] == 1
    assert frozen["indicators"] == data["indicators"]
    with pytest.raises(CommandError):
        call_command("indicators", freeze=True, today="2025-12-01", stdout=StringIO(), **common)


def test_public_stats_use_the_internal_definitions(quarter):
    from minsheng.portal.queries import open_statistics

    stats = open_statistics(months=12, today=TODAY)
    internal = S.compute_indicators(None, stats.date_from, stats.date_to, today=TODAY)
    reply = internal.figure("I-ONTIME-REPLY")
    assert stats.on_time_rate == reply.value and stats.on_time_n == reply.denominator
    sat = internal.figure("I-SATISFACTION-ORGAN")
    assert stats.satisfaction_rate == sat.value and stats.satisfaction_n == sat.denominator
    assert stats.on_time_definition == reply.definition_id
    # …and the situation report's on-time rows are the same indicators
    from minsheng.analytics.selectors import Scope, on_time_figures

    rows = {t.rule: t for t in on_time_figures(Scope(stats.date_from, stats.date_to), today=TODAY)}
    assert (rows["D-HANDLE-60"].on_time, rows["D-HANDLE-60"].due) == (reply.numerator, reply.denominator)
    notice = internal.figure("I-ACCEPT-ORGAN")
    assert (rows["D-NOTICE-15"].on_time, rows["D-NOTICE-15"].due) == (notice.numerator, notice.denominator)
    assert rows["D-HANDLE-60"].definition_id == reply.definition_id


def test_api_returns_what_the_cli_prints(quarter, organs, client):
    housing = organs["a-housing"].pk
    params = {"organ": housing, "from": "2025-07-01", "to": "2025-09-30"}
    auth = _token(client, "caseworker")
    response = client.get("/api/v1/indicators", params, **auth)
    assert response.status_code == 200, response.content
    api = response.json()
    out = StringIO()
    call_command(
        "indicators",
        organ=str(housing),
        date_from="2025-07-01",
        date_to="2025-09-30",
        format="json",
        stdout=out,
    )
    cli = json.loads(out.getvalue())
    assert api["indicators"] == cli["indicators"]
    assert api["from"] == "2025-07-01" and api["organ"]["id"] == housing and api["frozen"] is False
    # drill-down: the caller's own organ; another organ's staff get 404 for the figures
    drill = client.get(
        "/api/v1/indicators/drill", {**params, "indicator": "I-ACCEPT-ORGAN", "part": "numerator"}, **auth
    ).json()
    assert drill["total"] == 4 and drill["hidden"] == 0 and len(drill["results"]) == 4
    other = _token(client, "edu_caseworker")
    assert client.get("/api/v1/indicators", params, **other).status_code == 404
    assert client.get("/api/v1/indicators", params).status_code == 401
    bad = client.get("/api/v1/indicators", {**params, "to": "2025-06-01"}, **auth)
    assert bad.status_code == 422 and bad.json()["field"] == "to"
    trend = client.get("/api/v1/indicators/trend", {**params, "indicator": "I-ONTIME-REPLY"}, **auth).json()
    assert [p["month"] for p in trend] == ["2025-07", "2025-08", "2025-09"]
    assert sum(p["figure"]["denominator"] for p in trend) == 4
    assert {p["figure"]["name"] for p in trend} == {"按期办结率"}
    english = client.get("/api/v1/indicators", {**params, "lang": "en"}, **auth).json()
    names = {r["indicator"]: r["name"] for r in english["indicators"]}
    assert names["I-ONTIME-REPLY"] == "On-time conclusion rate"
    assert [r["value"] for r in english["indicators"]] == [r["value"] for r in api["indicators"]]
    ranking = client.get(
        "/api/v1/indicators/ranking",
        {
            "parent": organs["a-gov"].pk,
            "indicator": "I-ACCEPT-ORGAN",
            "from": "2025-07-01",
            "to": "2025-09-30",
        },
        **_token(client, "supervisor"),
    ).json()
    top = ranking[0]
    assert top["organ"]["id"] == housing and top["rank"] == 1 and top["figure"]["denominator"] == 5
    assert all(r["rank"] is None for r in ranking[1:])  # no items: not rated, not ranked


def test_bureau_rated_separately_through_the_action(quarter, act, organs, world, register):
    housing, bureau = organs["a-housing"].pk, world.bureau.pk
    with time_machine.travel(at(D(7, 22)), tick=False):
        act(quarter["p1"], "rate", None, value="unsatisfied", target="bureau")
        with pytest.raises(InvalidInput):
            act(quarter["p1"], "rate", None, value="satisfied", target="bureau")  # once per stage
    b = by(S.compute_indicators(bureau, JUL1, SEP30, today=TODAY))
    assert (b["I-SATISFACTION-BUREAU"].numerator, b["I-SATISFACTION-BUREAU"].denominator) == (0, 1)
    assert b["I-SATISFACTION-ORGAN"].value is None  # the bureau was not rated as a competent organ
    h = by(S.compute_indicators(housing, JUL1, SEP30, today=TODAY))
    assert (h["I-SATISFACTION-ORGAN"].numerator, h["I-SATISFACTION-ORGAN"].denominator) == (2, 2)
    assert h["I-SATISFACTION-BUREAU"].value is None
    # bureau participation: p1 rated; p4 (and p3, rated only as an organ) never rated the bureau
    part = b["I-PARTICIPATION-BUREAU"]
    assert part.classes["rated"] == 1 and quarter["p1"].pk in part.numerator_ids
    assert quarter["p4"].pk in part.denominator_ids


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-07-01", "to": "2025-09-30"}, "organ"),
        ({"organ": 0, "from": "2025-07-01", "to": "2025-09-30"}, "organ"),
        ({"organ": 2**64, "from": "2025-07-01", "to": "2025-09-30"}, "organ"),
        ({"organ": "H", "from": "2025-13-01", "to": "2025-09-30"}, "from"),
        ({"organ": "H", "from": "2025-07-01"}, "to"),
        ({"organ": "H", "from": "2020-01-01", "to": "2025-09-30"}, "to"),  # more than two years
        ({"organ": "H", "from": "2025-07-01", "to": "2025-09-30", "profile": "x"}, "profile"),
    ],
)
def test_api_bad_queries_are_422(client, world, organs, query, field):
    if query.get("organ") == "H":
        query = {**query, "organ": organs["a-housing"].pk}
    response = client.get("/api/v1/indicators", query, **_token(client, "admin"))
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


def test_api_unknown_indicator_is_422(client, world, organs):
    auth = _token(client, "admin")
    q = {"organ": organs["a-housing"].pk, "from": "2025-07-01", "to": "2025-09-30", "indicator": "I-NOPE"}
    for url in ("/api/v1/indicators/drill", "/api/v1/indicators/trend"):
        response = client.get(url, q, **auth)
        assert response.status_code == 422 and response.json()["field"] == "indicator", url
    ranking = client.get(
        "/api/v1/indicators/ranking",
        {"parent": organs["a-gov"].pk, "from": "2025-07-01", "to": "2025-09-30", "indicator": "I-NOPE"},
        **auth,
    )
    assert ranking.status_code == 422 and ranking.json()["field"] == "indicator"


def test_quarterly_report_docx_and_xlsx(quarter, organs, tmp_path):
    import openpyxl
    from docx import Document

    from minsheng.assessment.reports import build, period_of, write

    assert period_of(2025, 3)[:2] == (JUL1, SEP30)
    assert period_of(2025, 4)[:2] == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert period_of(2025, None)[2] == "2025年度"
    report = build(organ := organs["a-housing"], 2025, 3, today=TODAY)
    docx_path, xlsx_path = write(report, tmp_path)
    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert f"{organ.name}2025年第三季度信访工作考核指标情况" in text and "李四" not in text
    table = Document(str(docx_path)).tables[0]
    row = next(r for r in table.rows if r.cells[1].text == "有权处理机关及时受理率")
    assert [c.text for c in row.cells[2:5]] == ["4", "5", "80.0%"]
    assert row.cells[6].text == "1/1"  # ranked first of the one organ ranked under A市政府
    wb = openpyxl.load_workbook(xlsx_path)
    assert wb.sheetnames == ["考核指标", "分月情况", "指标口径"]
    values = {r[1]: r for r in wb["考核指标"].iter_rows(min_row=4, values_only=True)}
    assert values["按期办结率"][2:5] == (4, 4, 1.0)
    assert [r[0] for r in wb["分月情况"].iter_rows(min_row=2, values_only=True)] == [
        "2025年7月",
        "2025年8月",
        "2025年9月",
    ]


def test_api_freeze_by_the_assessing_organ_only(quarter, organs, client, users):
    from minsheng.assessment.services import can_freeze

    housing = organs["a-housing"]
    body = {"organ": housing.pk, "from": "2025-07-01", "to": "2025-09-30", "kind": "quarter"}
    own = client.post(
        "/api/v1/indicators/freeze", body, content_type="application/json", **_token(client, "organ_head")
    )
    assert own.status_code == 403  # the housing bureau's head does not assess his own bureau
    assert not can_freeze(users["caseworker"], housing) and can_freeze(users["supervisor"], housing)
    auth = _token(client, "supervisor")
    done = client.post("/api/v1/indicators/freeze", body, content_type="application/json", **auth)
    assert done.status_code == 201, done.content
    assert done.json()["frozen"] is True and done.json()["period_version"] == 1
    again = client.post("/api/v1/indicators/freeze", body, content_type="application/json", **auth)
    assert again.status_code == 422 and again.json()["field"] == "reason"
    got = client.get(
        "/api/v1/indicators", {"organ": housing.pk, "from": "2025-07-01", "to": "2025-09-30"}, **auth
    )
    assert got.json()["frozen"] is True and got.json()["indicators"] == done.json()["indicators"]
    assert AssessmentPeriod.objects.get().frozen_by == users["supervisor"]


def test_accusation_does_not_exist_for_the_accused_side(quarter, organs, world, users, register, client):
    """R-150: an accusation against the housing bureau, registered by the city bureau, counts in
    the bureau's figures for everybody but the accused side (here the supervisor of A市政府, an
    oversight post above the housing bureau): not in a numerator, a denominator, a class, nor as a
    hidden drill-down row."""
    with time_machine.travel(at(D(7, 10)), tick=False):
        accusation = register(
            received_at=at(D(7, 10), 9),
            nature="accusation",
            accused_organ=organs["a-housing"],
            petitioner=PetitionerInput(name="赵六", phone="13900139009", address="A市A3区"),
        )
    bureau = world.bureau.pk
    full = S.indicators(bureau, JUL1, SEP30, today=TODAY)
    assert accusation.pk in full.figure("I-ACCEPT-BUREAU").denominator_ids
    assert full.figure("I-ACCEPT-BUREAU").denominator == 7 and full.figure("I-REPEAT").denominator == 6
    seen = S.indicators(bureau, JUL1, SEP30, today=TODAY, viewer=users["supervisor"])
    acc = seen.figure("I-ACCEPT-BUREAU")
    assert accusation.pk not in acc.denominator_ids and acc.denominator == 6
    assert acc.classes == {"on_time": 4, "late": 1, "overdue_pending": 1, "pending": 0}
    assert seen.figure("I-REPEAT").denominator == 5
    drill = S.drill_down(users["supervisor"], full.figure("I-ACCEPT-BUREAU"))
    assert drill.total == 6 and accusation.pk not in {r.id for r in drill.rows}
    # the same through the API, for the frozen period as well
    period_freeze(world.bureau, JUL1, SEP30, today=TODAY)
    auth = _token(client, "supervisor")
    q = {"organ": bureau, "from": "2025-07-01", "to": "2025-09-30"}
    rows = {r["indicator"]: r for r in client.get("/api/v1/indicators", q, **auth).json()["indicators"]}
    assert rows["I-ACCEPT-BUREAU"]["denominator"] == 6
    admin = {
        r["indicator"]: r
        for r in client.get("/api/v1/indicators", q, **_token(client, "admin")).json()["indicators"]
    }
    assert admin["I-ACCEPT-BUREAU"]["denominator"] == 7, admin["I-ACCEPT-BUREAU"]
    hidden = client.get("/api/v1/indicators/drill", {**q, "indicator": "I-ACCEPT-BUREAU"}, **auth).json()
    assert hidden["total"] == 6 and accusation.pk not in {r["id"] for r in hidden["results"]}


def test_workbench_page_and_drill_down(quarter, organs, users, world):
    from django.test import Client

    web = Client()
    web.force_login(users["caseworker"])
    housing = organs["a-housing"].pk
    q = {"organ": housing, "from": "2025-07-01", "to": "2025-09-30"}
    body = web.get("/workbench/indicators/", q).content.decode()
    assert "有权处理机关及时受理率" in body and "80.0%" in body and "考核指标" in body
    drill = web.get("/workbench/indicators/drill/", {**q, "indicator": "I-ACCEPT-ORGAN", "part": "numerator"})
    text = drill.content.decode()
    assert drill.status_code == 200 and quarter["p1"].tracking_code in text
    assert quarter["p2"].tracking_code not in text  # notified late: not in the numerator
    assert "王一" not in text
    other = Client()
    other.force_login(users["edu_caseworker"])
    assert other.get("/workbench/indicators/", q).status_code == 404
    assert web.get("/workbench/indicators/", {**q, "to": "2025-06-01"}).status_code == 400
    assert web.get("/workbench/indicators/drill/", {**q, "indicator": "I-NOPE"}).status_code == 404
    default = web.get("/workbench/indicators/")
    assert default.status_code == 200


def test_organ_acceptance_gd_30d_variant(quarter, organs, settings):
    """A-021 alternative: 30 days from registration (the bureau's forwarding time included)."""
    settings.MINSHENG_ORGAN_ACCEPTANCE_VARIANT = "gd_30d"
    housing = organs["a-housing"].pk
    fig = S.compute_indicators(housing, JUL1, SEP30, today=TODAY).figure("I-ACCEPT-ORGAN")
    assert fig.definition_id == "xinfang-2025.2/I-ACCEPT-ORGAN:gd_30d" and "30日" in fig.definition_text
    # p2: registered 07-01, accepted 08-20 (> 07-31): late; the other four within 30 days
    assert fig.classes == {"on_time": 4, "late": 1, "overdue_pending": 0, "pending": 0}
    assert quarter["p2"].pk not in fig.numerator_ids


def test_admin_shows_frozen_periods_read_only(quarter, organs, users):
    from django.test import Client

    period = period_freeze(organs["a-housing"], JUL1, SEP30, today=TODAY)
    web = Client()
    web.force_login(users["admin"])
    assert web.get("/admin/assessment/assessmentperiod/").status_code == 200
    page = web.get(f"/admin/assessment/assessmentperiod/{period.pk}/change/")
    assert page.status_code == 200 and "I-ACCEPT-ORGAN" in page.content.decode()
    assert web.get("/admin/assessment/assessmentperiod/add/").status_code == 403


def test_subtree_counts_the_organs_below_as_one(quarter, organs, world, client):
    gov = organs["a-gov"].pk
    alone = S.compute_indicators(gov, JUL1, SEP30, today=TODAY)
    assert alone.figure("I-ACCEPT-ORGAN").denominator == 0
    whole = S.compute_indicators(gov, JUL1, SEP30, today=TODAY, subtree=True)
    assert (whole.figure("I-ACCEPT-BUREAU").numerator, whole.figure("I-ACCEPT-BUREAU").denominator) == (4, 6)
    assert (whole.figure("I-ACCEPT-ORGAN").numerator, whole.figure("I-ACCEPT-ORGAN").denominator) == (4, 5)
    q = {"organ": gov, "from": "2025-07-01", "to": "2025-09-30", "subtree": "true"}
    got = client.get("/api/v1/indicators", q, **_token(client, "supervisor")).json()
    assert got["subtree"] is True
    assert {r["indicator"]: r["denominator"] for r in got["indicators"]}["I-ACCEPT-ORGAN"] == 5
    # a caseworker of A市政府 sees its own figures, not those of every organ below it
    assert client.get("/api/v1/indicators", q, **_token(client, "caseworker")).status_code == 404


@pytest.mark.parametrize(
    ("kind", "date_from", "date_to", "ok"),
    [
        ("quarter", JUL1, SEP30, True),
        ("quarter", JUL1, dt.date(2025, 7, 15), False),  # half a month called a quarter
        ("quarter", dt.date(2025, 8, 1), dt.date(2025, 10, 31), False),  # three months, not a quarter
        ("month", dt.date(2025, 2, 1), dt.date(2025, 2, 28), True),
        ("month", dt.date(2025, 2, 1), dt.date(2025, 3, 1), False),
        ("year", dt.date(2024, 1, 1), dt.date(2024, 12, 31), True),
        ("year", dt.date(2024, 7, 1), dt.date(2025, 6, 30), False),
        ("custom", dt.date(2025, 7, 3), dt.date(2025, 7, 15), True),
        ("week", JUL1, dt.date(2025, 7, 7), False),
    ],
)
def test_a_period_kind_must_match_its_dates(organs, kind, date_from, date_to, ok):
    """A month, quarter or year of record is exactly one calendar month, quarter or year; bad
    input is refused (field ``kind``) and nothing is frozen."""
    housing = organs["a-housing"]
    if ok:
        assert period_freeze(housing, date_from, date_to, kind=kind, today=TODAY).kind == kind
        return
    with pytest.raises(InvalidInput) as refused:
        period_freeze(housing, date_from, date_to, kind=kind, today=TODAY)
    assert refused.value.field == "kind"
    assert not AssessmentPeriod.objects.exists()
