"""The responsibility endpoints (minsheng/api/responsibility.py): reception days, walk-ins and
registered matters, 包案, 下访 and the outreach table, 稳评 through approval and its report,
consistency flags side by side and resolved, the supervision ladder of a case and of an organ.
Each refusal (403, 404, 422) leaves the database as it was; R-150 holds in the lists."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from minsheng.api.tests.auth import api_token as token
from minsheng.orgs.models import Region
from minsheng.petitions.models import Petition
from minsheng.reception.models import Appointment, CaseOwnership, OutreachVisit, ReceptionDay, ReceptionLog
from minsheng.reception.tests.test_services import at
from minsheng.stability import services as ss
from minsheng.stability.models import ConsistencyFlag, MajorDecision, StabilityLog
from minsheng.stability.tests.test_services import _concluded
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json", **auth)


def get(client: Client, url: str, auth: dict[str, str], **params: Any) -> Any:
    return client.get(f"/api/v1{url}", params, **auth)


def _district(world: Any) -> Region:
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    return district


def _day_body(world: Any, date: str, **extra: Any) -> dict[str, Any]:
    return {
        "organ_id": world.organs["a-gov"].pk,
        "leader_id": world.users["leader"].pk,
        "leader_post": "市长",
        "date": date,
        "start_time": "09:00",
        "end_time": "12:00",
        "place": "A市人民来访接待中心二楼",
        "topics": "城建、住房",
        "capacity": 3,
        **extra,
    }


def test_reception_day_create_publish_cancel_walk_in_and_register(client: Client, world: Any) -> None:
    with time_machine.travel(at("2026-03-02"), tick=False):
        registrar = token(client, "registrar")
        refused = post(client, "/reception-days", _day_body(world, "2026-03-10"), token(client, "caseworker"))
        assert refused.status_code == 403
        bad = post(client, "/reception-days", _day_body(world, "2026-03-10", end_time="08:00"), registrar)
        assert bad.status_code == 422 and bad.json()["field"] == "end_time"
        not_leader = _day_body(world, "2026-03-10", leader_id=world.users["caseworker"].pk)
        assert post(client, "/reception-days", not_leader, registrar).status_code == 422
        assert ReceptionDay.objects.count() == 0 and ReceptionLog.objects.count() == 0

        created = post(client, "/reception-days", _day_body(world, "2026-03-10"), registrar)
        assert created.status_code == 201, created.content
        day = created.json()
        assert (day["status"], day["leader"], day["published_at"]) == ("draft", "刘市长", None)
        assert (
            post(
                client, f"/reception-days/{day['id']}/publish", {}, token(client, "hrss_caseworker")
            ).status_code
            == 404
        )
        published = post(client, f"/reception-days/{day['id']}/publish", {}, registrar)
        assert published.status_code == 200 and published.json()["status"] == "published"
        again = post(client, f"/reception-days/{day['id']}/publish", {}, registrar)
        assert again.status_code == 422

        other = post(
            client, "/reception-days", _day_body(world, "2026-03-12", publish=True), registrar
        ).json()
        assert other["status"] == "published"
        assert (
            post(client, f"/reception-days/{other['id']}/cancel", {"reason": ""}, registrar).status_code
            == 422
        )
        cancelled = post(
            client, f"/reception-days/{other['id']}/cancel", {"reason": "领导另有公务"}, registrar
        )
        assert cancelled.json()["status"] == "cancelled"
        # Walk-ins only on the day itself.
        early = post(
            client,
            f"/reception-days/{day['id']}/walk-ins",
            {"name": "李四", "summary": "路灯不亮"},
            registrar,
        )
        assert early.status_code == 422 and Appointment.objects.count() == 0

    with time_machine.travel(at("2026-03-10", 10), tick=False):
        registrar = token(client, "registrar")
        walk = {"name": "李四", "phone": "13900002222", "summary": "小区路灯长期不亮，夜间出行不安全"}
        refused = post(client, f"/reception-days/{day['id']}/walk-ins", walk, token(client, "caseworker"))
        assert refused.status_code == 403 and Appointment.objects.count() == 0
        made = post(client, f"/reception-days/{day['id']}/walk-ins", walk, registrar)
        assert made.status_code == 201, made.content
        appt = made.json()
        assert (appt["kind"], appt["name_masked"], appt["phone_masked"]) == ("walk_in", "李*", "139****2222")
        detail = get(client, f"/reception-days/{day['id']}", registrar).json()
        assert [a["id"] for a in detail["appointments"]] == [appt["id"]]
        url = f"/reception-days/{day['id']}/appointments/{appt['id']}/register"
        assert post(client, url, {"title": "x"}, token(client, "caseworker")).status_code == 403
        assert Petition.objects.count() == 0
        wrong_day = f"/reception-days/{other['id']}/appointments/{appt['id']}/register"
        assert post(client, wrong_day, {}, registrar).status_code == 404
        registered = post(
            client, url, {"title": "幸福小区路灯长期不亮", "address": "A市A3区幸福小区5栋"}, registrar
        )
        assert registered.status_code == 201, registered.content
        body = registered.json()
        assert body["receiving_leader"] == "刘市长" and body["appointment"]["status"] == "registered"
        petition = Petition.objects.get(pk=body["petition_id"])
        assert (petition.channel, petition.tracking_code) == ("visit", body["tracking_code"])
        assert post(client, url, {}, registrar).status_code == 422  # registered once
    actions = list(ReceptionLog.objects.values_list("action", flat=True))
    assert actions == [
        "day_create",
        "day_publish",
        "day_create",
        "day_publish",
        "day_cancel",
        "walk_in",
        "register_matter",
    ]


def test_baoan_take_and_list(client: Client, world: Any, register: Any, act: Any) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    url = f"/petitions/{petition.pk}/baoan"
    assert post(client, url, {}, token(client, "hrss_caseworker")).status_code == 404
    assert post(client, url, {}, token(client, "caseworker")).status_code == 403
    leader = token(client, "leader")
    assert post(client, url, {"duties": [" "]}, leader).status_code == 422
    assert post(client, url, {"target_date": "2020-01-01"}, leader).status_code == 422
    assert CaseOwnership.objects.count() == 0
    assert not PetitionEvent.objects.filter(petition=petition, action="take_charge").exists()

    taken = post(client, url, {"note": "群众反映强烈"}, leader)
    assert taken.status_code == 201, taken.content
    body = taken.json()
    assert body["leader"] == "刘市长" and body["duties"][0] == "包掌握情况"
    assert PetitionEvent.objects.filter(petition=petition, action="take_charge").count() == 1
    assert [o["petition_id"] for o in get(client, "/baoan", leader, mine="true").json()] == [petition.pk]
    assert get(client, "/baoan", token(client, "hrss_caseworker")).json() == []
    assert get(client, "/baoan", token(client, "analyst")).json() == []
    # once an accusation against the supervisor's organ, the 包案 does not exist for him.
    supervisor = token(client, "supervisor")
    assert [o["id"] for o in get(client, "/baoan", supervisor).json()] == [body["id"]]
    Petition.objects.filter(pk=petition.pk).update(nature="accusation", accused_organ=world.organs["a-gov"])
    assert get(client, "/baoan", supervisor).json() == []


def test_outreach_record_list_and_map(client: Client, world: Any) -> None:
    district = _district(world)
    body = {
        "organ_id": world.organs["a-gov"].pk,
        "region_id": district.pk,
        "place": "某街道社区服务中心",
        "date": "2026-03-10",
        "people_met": "社区居民代表12人",
        "outcomes": "现场协调解决2件",
        "matters": [{"title": "老旧小区加装电梯", "request": "请求支持加装电梯", "name": "赵大爷"}],
    }
    with time_machine.travel(at("2026-03-10", 16), tick=False):
        leader = token(client, "leader")
        assert post(client, "/outreach-visits", body, token(client, "caseworker")).status_code == 403
        assert post(client, "/outreach-visits", {**body, "date": "2026-03-11"}, leader).status_code == 422
        assert post(client, "/outreach-visits", {**body, "region_id": 999999}, leader).status_code == 422
        assert OutreachVisit.objects.count() == 0 and Petition.objects.count() == 0
        made = post(client, "/outreach-visits", body, leader)
        assert made.status_code == 201, made.content
        visit = made.json()
        assert visit["leader"] == "刘市长" and len(visit["petitions"]) == 1
        assert Petition.objects.get().channel == "visit"
        assert [v["id"] for v in get(client, "/outreach-visits", leader).json()] == [visit["id"]]
        assert get(client, "/outreach-visits", token(client, "analyst")).status_code == 404
        assert get(client, "/outreach-visits", token(client, "hrss_caseworker")).json() == []
        figures = get(client, "/outreach-map", leader, date_from="2026-03-01", date_to="2026-03-31").json()
        assert figures["city"] == "A市"
        row = next(r for r in figures["rows"] if r["region_id"] == district.pk)
        assert (row["petitions"], row["visits"], row["matters"]) == (1, 1, 1)
        assert (
            get(client, "/outreach-map", leader, date_from="2026-04-01", date_to="2026-03-01").status_code
            == 422
        )
        # a matter that is an accusation against the supervisor's organ is left out for him.
        supervisor = token(client, "supervisor")
        Petition.objects.update(nature="accusation", accused_organ=world.organs["a-gov"])
        seen = get(client, "/outreach-visits", supervisor).json()
        assert [v["id"] for v in seen] == [visit["id"]] and seen[0]["petitions"] == []
    assert ReceptionLog.objects.filter(action="outreach").count() == 1


def test_stability_assessment_through_approval_and_report(client: Client, world: Any, register: Any) -> None:
    district = _district(world)
    register(title="旧城改造房屋征收补偿过低", request="请求提高征收补偿标准", region=district)
    leader = token(client, "leader")
    body = {
        "title": "旧城改造房屋征收决定",
        "kind": "demolition",
        "organ_id": world.organs["a-gov"].pk,
        "region_id": district.pk,
        "keywords": ["征收"],
        "scope": "征收老城片区住宅412户",
        "planned_date": "2027-06-01",
    }
    assert post(client, "/major-decisions", body, token(client, "hrss_caseworker")).status_code == 403
    assert post(client, "/major-decisions", {**body, "kind": "war"}, leader).status_code == 422
    assert post(client, "/major-decisions", body, token(client, "analyst")).status_code == 404
    assert MajorDecision.objects.count() == 0
    made = post(client, "/major-decisions", body, leader)
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert get(client, f"/major-decisions/{pk}", leader).json()["evidence"]["total"] == 1

    decide = {"outcome": "implement_adjusted", "note": "按评估意见调整后实施"}
    early = post(client, f"/major-decisions/{pk}/decide", decide, leader)
    assert early.status_code == 422 and early.json()["field"] == "findings"
    consult = {
        "method": "hearing",
        "held_on": "2026-01-05",
        "participants": "被征收户代表21人",
        "summary": "关注补偿标准",
    }
    assert (
        post(
            client, f"/major-decisions/{pk}/consultations", consult, token(client, "hrss_caseworker")
        ).status_code
        == 404
    )
    assert post(client, f"/major-decisions/{pk}/consultations", consult, leader).status_code == 201
    assert [
        c["method_label"] for c in get(client, f"/major-decisions/{pk}/consultations", leader).json()
    ] == ["听证会"]
    for dim, rating in (
        ("legality", "sound"),
        ("reasonableness", "concern"),
        ("feasibility", "sound"),
        ("controllability", "concern"),
    ):
        found = post(
            client,
            f"/major-decisions/{pk}/findings",
            {"dimension": dim, "findings": "经分析论证", "rating": rating},
            leader,
        )
        assert found.status_code == 200 and found.json()["rating"] == rating
    no_plan = {"level": "medium", "risk_points": "补偿争议可能引发集体访"}
    assert post(client, f"/major-decisions/{pk}/risk", no_plan, leader).status_code == 422
    graded = post(
        client,
        f"/major-decisions/{pk}/risk",
        {**no_plan, "mitigations": "一户一策", "response_plan": "成立工作组"},
        leader,
    )
    assert graded.json()["risk_level"] == "medium"
    # A caseworker of the deciding organ may assess, not decide.
    assert (
        post(client, f"/major-decisions/{pk}/decide", decide, token(client, "caseworker")).status_code == 403
    )
    assert MajorDecision.objects.get(pk=pk).status == "assessing"
    decided = post(client, f"/major-decisions/{pk}/decide", decide, leader)
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["outcome"]) == ("decided", "implement_adjusted")
    assert (
        post(
            client,
            f"/major-decisions/{pk}/findings",
            {"dimension": "legality", "findings": "再议", "rating": "serious"},
            leader,
        ).status_code
        == 422
    )
    report = get(client, f"/major-decisions/{pk}/report.docx", leader)
    assert report.status_code == 200 and report["Content-Type"].endswith("wordprocessingml.document")
    assert report.content[:2] == b"PK"
    assert (
        get(client, f"/major-decisions/{pk}/report.docx", token(client, "hrss_caseworker")).status_code == 404
    )
    assert get(client, f"/major-decisions/{pk}/report.docx", token(client, "analyst")).status_code == 404
    actions = list(StabilityLog.objects.filter(decision_id=pk).values_list("action", flat=True))
    assert actions == [
        "register",
        "consultation",
        "finding",
        "finding",
        "finding",
        "finding",
        "grade",
        "decide",
    ]


def test_consistency_flag_side_by_side_and_resolve(
    client: Client, world: Any, register: Any, act: Any
) -> None:
    text = (
        "我家位于幸福片区12栋，2025年房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"
    )
    a = _concluded(register, act, world, "support", text)
    _concluded(register, act, world, "not_support", text.replace("12栋", "14栋"))
    assert ss.consistency_scan(min_score=0.5) == 1
    flag = ConsistencyFlag.objects.get()
    supervisor = token(client, "supervisor")
    seen = get(client, f"/consistency-flags/{flag.pk}", supervisor).json()
    assert [s["outcome"] for s in seen["sides"]] == ["予以支持", "不予支持"]
    assert seen["sides"][0]["legal_basis"] == "《国有土地上房屋征收与补偿条例》第十九条"
    assert "李四" not in str(seen) and "13800138000" not in str(seen)
    url = f"/consistency-flags/{flag.pk}/resolve"
    assert (
        post(client, url, {"status": "explained", "reason": "x"}, token(client, "caseworker")).status_code
        == 404
    )
    assert post(client, url, {"status": "explained", "reason": ""}, supervisor).status_code == 422
    assert post(client, url, {"status": "open", "reason": "x"}, supervisor).status_code == 422
    assert (
        ConsistencyFlag.objects.get().status == "open"
        and not StabilityLog.objects.filter(flag=flag).exclude(action="flag_raised").exists()
    )
    done = post(client, url, {"status": "correction", "reason": "同一补偿协议，应统一处理"}, supervisor)
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["reason"]) == ("correction", "同一补偿协议，应统一处理")
    assert post(client, url, {"status": "explained", "reason": "再议"}, supervisor).status_code == 422
    assert StabilityLog.objects.filter(flag=flag, action="flag_correction").count() == 1
    # once one side is an accusation against the supervisor's organ, the flag does not exist.
    Petition.objects.filter(pk=a.pk).update(nature="accusation", accused_organ=world.organs["a-gov"])
    assert get(client, f"/consistency-flags/{flag.pk}", supervisor).status_code == 404


def test_supervision_ladder_of_a_case_and_of_an_organ(
    client: Client, world: Any, register: Any, act: Any
) -> None:
    petition = register()
    act(petition, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    act(petition, "supervise", "supervisor", kind="reminder", suggestion="请加快办理")
    supervisor = token(client, "supervisor")
    steps = get(client, f"/petitions/{petition.pk}/supervision-ladder", supervisor).json()
    assert [s["step"] for s in steps][:3] == ["warning", "breach", "reminder"]
    assert {s["step"]: s["count"] for s in steps}["reminder"] == 1
    assert (
        get(
            client, f"/petitions/{petition.pk}/supervision-ladder", token(client, "hrss_caseworker")
        ).status_code
        == 404
    )
    housing = world.organs["a-housing"].pk
    organ = get(client, f"/organs/{housing}/supervision-ladder", supervisor).json()
    assert organ["organ"]["name"] == "A市住房和城乡建设局" and organ["open_proposals"] == 0
    assert {s["step"]: s["count"] for s in organ["steps"]}["reminder"] == 1
    assert (
        get(client, f"/organs/{housing}/supervision-ladder", token(client, "hrss_caseworker")).status_code
        == 404
    )
    bad = get(
        client,
        f"/organs/{housing}/supervision-ladder",
        supervisor,
        date_from="2026-05-01",
        date_to="2026-04-01",
    )
    assert bad.status_code == 422
    # the orders on an accusation against the supervisor's organ count for nobody he could learn them from.
    Petition.objects.filter(pk=petition.pk).update(nature="accusation", accused_organ=world.organs["a-gov"])
    organ = get(client, f"/organs/{housing}/supervision-ladder", supervisor).json()
    assert {s["step"]: s["count"] for s in organ["steps"]}["reminder"] == 0
