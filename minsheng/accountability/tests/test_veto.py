"""一票否决 (A-050..A-053) at fixed dates: off by default and refused without its legal basis; veto
events are recorded with evidence either way, and override the ranking of the period only when the
deployment enabled the rule (saying why, figures untouched)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from minsheng.accountability.models import AuditEntry, VetoEvent
from minsheng.accountability.veto import check_veto_rule, veto_record, veto_rule
from minsheng.assessment.selectors import ranking
from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
TODAY = dt.date(2025, 4, 15)
ON = {
    "MINSHENG_VETO_ENABLED": True,
    "MINSHENG_VETO_LEGAL_BASIS": "某省信访工作责任制实施细则第十二条",
    "MINSHENG_VETO_APPROVING_AUTHORITY": "某省信访工作联席会议",
}


def at(d: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def two_organs(register: Any, act: Any, organs: Any, users: Any) -> dict[str, Any]:
    """March 2025, 有权处理机关及时受理率: the housing bureau 2 of 6 in time, the HR bureau 6 of 6."""
    n = 0
    for code, worker, in_time in (("a-housing", "caseworker", 2), ("a-hrss", "hrss_caseworker", 6)):
        for i in range(6):
            n += 1
            with time_machine.travel(at(dt.date(2025, 3, 1)), tick=False):
                p = register(
                    received_at=at(dt.date(2025, 3, 1), 9),
                    petitioner=PetitionerInput(name=f"张{n}", phone=f"139001{n:05d}", address="A市A1区"),
                )
            with time_machine.travel(at(dt.date(2025, 3, 3)), tick=False):
                act(p, "forward", "dispatcher", organ_id=organs[code].pk)
                act(p, "receive", worker)
                if i < in_time:
                    act(p, "accept", worker)
    return organs


def _ranks(organs: dict[str, Any]) -> list[tuple[str, int | None, str | None]]:
    ids = [organs["a-housing"].pk, organs["a-hrss"].pk]
    return [(r.organ_name, r.rank, r.veto) for r in ranking(ids, "I-ACCEPT-ORGAN", *MARCH, today=TODAY)]


def test_off_by_default_events_recorded_but_ranking_untouched(two_organs: Any, users: Any) -> None:
    assert veto_rule().enabled is False
    assert _ranks(two_organs) == [("A市人力资源和社会保障局", 1, None), ("A市住房和城乡建设局", 2, None)]
    with pytest.raises(Forbidden):  # the organ itself does not record against itself
        veto_record(
            two_organs["a-hrss"],
            period_from=MARCH[0],
            period_to=MARCH[1],
            ground="retaliation",
            evidence="x",
            actor=users["hrss_head"],
        )
    with pytest.raises(InvalidInput):
        veto_record(
            two_organs["a-hrss"],
            period_from=MARCH[0],
            period_to=MARCH[1],
            ground="retaliation",
            evidence="  ",
            serious_consequence="信访人被无故辞退",
            actor=users["supervisor"],
        )
    # accountability_rules.yaml veto.candidate_triggers: 46(5) (泄露) is none of them; 46(3)/(4)/(6)
    # require 造成严重后果, stated with the event
    with pytest.raises(InvalidInput) as refused:
        veto_record(
            two_organs["a-hrss"],
            period_from=MARCH[0],
            period_to=MARCH[1],
            ground="leak",
            evidence="检举材料被转给被检举人",
            actor=users["supervisor"],
        )
    assert refused.value.field == "ground"
    with pytest.raises(InvalidInput) as refused:
        veto_record(
            two_organs["a-hrss"],
            period_from=MARCH[0],
            period_to=MARCH[1],
            ground="retaliation",
            evidence="纪委监委2025年3月20日查明：某科长对信访人王某打击报复",
            serious_consequence=" ",
            actor=users["supervisor"],
        )
    assert refused.value.field == "serious_consequence"
    assert VetoEvent.objects.count() == 0
    event = veto_record(
        two_organs["a-hrss"],
        period_from=MARCH[0],
        period_to=MARCH[1],
        ground="retaliation",
        evidence="纪委监委2025年3月20日查明：某科长对信访人王某打击报复",
        serious_consequence="信访人王某被无故辞退，生活无着",
        actor=users["supervisor"],
    )
    assert event.decided_by == users["supervisor"] and event.serious_consequence.startswith("信访人王某")
    assert AuditEntry.objects.get(action="veto_recorded").data["rule_enabled"] is False
    assert _ranks(two_organs) == [("A市人力资源和社会保障局", 1, None), ("A市住房和城乡建设局", 2, None)]


def test_on_with_its_legal_basis_the_veto_takes_the_last_place_and_says_why(
    two_organs: Any, users: Any
) -> None:
    with time_machine.travel(at(dt.date(2025, 3, 25)), tick=False):
        veto_record(
            two_organs["a-hrss"],
            period_from=MARCH[0],
            period_to=MARCH[1],
            ground="accountability",
            evidence="2025年3月依信访工作责任制实施办法第十一条追究该局分管领导责任",
            actor=users["supervisor"],
        )
    with override_settings(**ON):
        rows = ranking(
            [two_organs["a-housing"].pk, two_organs["a-hrss"].pk], "I-ACCEPT-ORGAN", *MARCH, today=TODAY
        )
    assert [(r.organ_name, r.rank) for r in rows] == [
        ("A市住房和城乡建设局", 1),
        ("A市人力资源和社会保障局", 2),
    ]
    assert rows[1].veto == (
        "一票否决：已依责任制办法追究责任的情形（信访工作责任制实施办法第十一条）（2025-03-25 记录，依据：某省信访工作责任制实施细则第十二条；"
        "批准机关：某省信访工作联席会议）"
    )
    assert rows[1].figure.value == 1.0  # the figure is left as computed
    # Another period is not affected.
    with override_settings(**ON):
        april = ranking(
            [two_organs["a-hrss"].pk],
            "I-ACCEPT-ORGAN",
            dt.date(2025, 4, 1),
            dt.date(2025, 4, 30),
            today=TODAY,
        )
    assert april[0].veto is None


@override_settings(
    MINSHENG_VETO_ENABLED=True, MINSHENG_VETO_LEGAL_BASIS="", MINSHENG_VETO_APPROVING_AUTHORITY="联席会议"
)
def test_enabling_without_a_legal_basis_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured):
        veto_rule()
    [error] = check_veto_rule()
    assert error.id == "accountability.E001" and "MINSHENG_VETO_LEGAL_BASIS" in error.msg


def test_api_ranking_says_why(two_organs: Any, users: Any, client: Client) -> None:
    veto_record(
        two_organs["a-hrss"],
        period_from=MARCH[0],
        period_to=MARCH[1],
        ground="urgent_late",
        evidence="群体性事件信息缓报6小时",
        serious_consequence="事态扩大，三百余人聚集",
        actor=users["supervisor"],
    )
    token = client.post(
        "/api/v1/auth/token",
        {"username": "supervisor", "password": "test-password-123"},
        content_type="application/json",
    ).json()["token"]
    url = (
        f"/api/v1/indicators/ranking?parent={two_organs['a-gov'].pk}&indicator=I-ACCEPT-ORGAN"
        "&from=2025-03-01&to=2025-03-31"
    )
    with override_settings(**ON), time_machine.travel(at(TODAY), tick=False):
        rows = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    ranked = [(r["organ"]["code"], r["rank"], bool(r["veto"])) for r in rows if r["rank"] is not None]
    assert ranked == [("a-housing", 1, False), ("a-hrss", 2, True)]
    assert "重大紧急信访事项和信息隐瞒、谎报、缓报或未及时采取措施" in next(
        r["veto"] for r in rows if r["organ"]["code"] == "a-hrss"
    )


def test_api_records_a_veto_with_visible_evidence_only(two_organs: Any, users: Any, client: Client) -> None:
    def tok(u: str) -> dict[str, str]:
        t = client.post(
            "/api/v1/auth/token",
            {"username": u, "password": "test-password-123"},
            content_type="application/json",
        ).json()["token"]
        return {"HTTP_AUTHORIZATION": f"Bearer {t}"}

    from minsheng.petitions.models import Petition

    evidence = Petition.objects.filter(current_organ=two_organs["a-hrss"]).order_by("pk").first()
    body = {
        "organ_id": two_organs["a-hrss"].pk,
        "period_from": "2025-03-01",
        "period_to": "2025-03-31",
        "ground": "retaliation",
        "evidence": "查明打击报复",
        "serious_consequence": "信访人被无故辞退",
        "petition_ids": [evidence.pk],
    }
    # The HR bureau's own caseworker cannot record against it (403); nothing written.
    assert (
        client.post(
            "/api/v1/accountability/vetoes", body, content_type="application/json", **tok("hrss_caseworker")
        ).status_code
        == 403
    )
    r = client.post(
        "/api/v1/accountability/vetoes", body, content_type="application/json", **tok("supervisor")
    )
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["ground_label"], out["petition_ids"], out["applied"]) == (
        "打击报复信访人（条例第四十六条第六项）",
        [evidence.pk],
        False,
    )
    bad = client.post(
        "/api/v1/accountability/vetoes",
        {**body, "petition_ids": [999999]},
        content_type="application/json",
        **tok("supervisor"),
    )
    assert bad.status_code == 404 and VetoEvent.objects.count() == 1
    listed = client.get(
        f"/api/v1/accountability/vetoes?organ_id={two_organs['a-hrss'].pk}", **tok("supervisor")
    ).json()
    assert [v["id"] for v in listed] == [out["id"]]


def test_an_accusation_cited_as_evidence_is_not_listed_to_the_vetoed_organ(
    two_organs: Any, users: Any, client: Client, register: Any
) -> None:
    """R-150 / R-151: a veto for retaliation cites the retaliation complaint, an accusation against
    the HR bureau. The bureau's staff may read their organ's vetoes, but for them the accusation
    does not exist: its id is not listed; the administrator who recorded it still sees it."""

    from minsheng.api.tests.auth import api_token

    def tok(u: str) -> dict[str, str]:
        return api_token(client, u)

    complaint = register(
        nature="accusation",
        accused_organ=two_organs["a-hrss"],
        title="举报人社局打击报复信访人",
        request="请求查处打击报复行为",
        petitioner=PetitionerInput(name="赵六", phone="13900199999", address="A市A1区"),
    )
    body = {
        "organ_id": two_organs["a-hrss"].pk,
        "period_from": "2025-03-01",
        "period_to": "2025-03-31",
        "ground": "retaliation",
        "evidence": "查明打击报复",
        "serious_consequence": "信访人被无故辞退",
        "petition_ids": [complaint.pk],
    }
    made = client.post("/api/v1/accountability/vetoes", body, content_type="application/json", **tok("admin"))
    assert made.status_code == 201, made.content
    url = f"/api/v1/accountability/vetoes?organ_id={two_organs['a-hrss'].pk}"
    own = client.get(url, **tok("hrss_caseworker"))
    assert own.status_code == 200
    assert [v["petition_ids"] for v in own.json()] == [[]]
    assert [v["petition_ids"] for v in client.get(url, **tok("admin")).json()] == [[complaint.pk]]


def test_the_apis_veto_grounds_are_the_services() -> None:
    """The API lists the grounds as an enum (OpenAPI); they are veto.VETO_GROUNDS, no more, no fewer."""
    from typing import get_args

    from minsheng.accountability.veto import VETO_GROUNDS

    # isort: off
    from minsheng.api.v1 import api  # noqa: F401  (v1 imports its routers in order: first)
    from minsheng.api.accountability import VetoIn

    # isort: on

    assert set(get_args(VetoIn.model_fields["ground"].annotation)) == set(VETO_GROUNDS)


def test_veto_check_names_the_rule_that_refused() -> None:
    """Each condition of a veto event, at its edge (today 2026-12-07 by time travel)."""
    from minsheng.accountability.veto import veto_check

    base = {"ground": "accountability", "serious_consequence": "", "evidence": "追责决定书"}
    today = dt.date(2026, 12, 7)
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        cases = [
            ((dt.date(2026, 1, 1), dt.date(9999, 12, 31)), "period_to", "日期超出合理范围"),
            ((dt.date(2026, 1, 2), dt.date(2026, 1, 1)), "period_to", "截止日不能早于起始日"),
            ((today + dt.timedelta(days=1), today + dt.timedelta(days=30)), "period_from", "尚未开始"),
        ]
        for (start, end), field, words in cases:
            with pytest.raises(InvalidInput) as refused:
                veto_check(period_from=start, period_to=end, **base)
            assert refused.value.field == field and words in refused.value.message, (start, end)
        # a one-day period, and one that begins today, are periods
        assert veto_check(period_from=today, period_to=today, **base) == ("", "追责决定书")


def test_periods_of_record_are_whole_calendar_periods() -> None:
    """assessment.services.period_matches_kind: a month, quarter or year exactly; custom any span."""
    from minsheng.assessment.services import period_matches_kind

    d = dt.date
    assert period_matches_kind("month", d(2024, 2, 1), d(2024, 2, 29))
    assert not period_matches_kind("month", d(2024, 2, 1), d(2024, 2, 28))
    assert not period_matches_kind("month", d(2024, 2, 2), d(2024, 3, 1))
    assert period_matches_kind("quarter", d(2025, 10, 1), d(2025, 12, 31))
    assert not period_matches_kind("quarter", d(2025, 11, 1), d(2026, 1, 31))
    assert period_matches_kind("year", d(2025, 1, 1), d(2025, 12, 31))
    assert not period_matches_kind("year", d(2025, 7, 1), d(2026, 6, 30))
    assert period_matches_kind("custom", d(2025, 7, 3), d(2025, 7, 17))
    assert not period_matches_kind("week", d(2025, 7, 1), d(2025, 7, 31))
