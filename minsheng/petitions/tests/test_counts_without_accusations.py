"""R-150 in aggregates (review of 2026-12-06): a count that an accused-side viewer can narrow down
(one organ, one district, one day) and that moves with an accusation tells him it exists. Each
test registers the accusation against 住建局 and compares what the accused side (in the demo:
caseworker, organ_head, leader, supervisor) reads before and after — unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.orgs.models import Region, Role, StaffMembership
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

ACCUSATION = {
    "nature": "accusation",
    "title": "举报住建局某科长在保障房分配中索要好处费",
    "request": "请求查处住建局住房保障科某科长索要好处费的问题",
    "facts": "住房保障科某科长暗示要交三万元好处费才能排上号。",
}
OPINION = {
    "outcome": "support",
    "facts_and_reasons": "经核查，反映属实。",
    "opinion": "已责成有关部门处理。",
    "legal_basis": "《信访工作条例》第三十二条",
}
ACCUSED_SIDE = ("organ_head", "leader", "supervisor", "caseworker")


def _web(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_of_an_organ_counts_no_rating_of_a_hidden_accusation(
    register: Any, act: Any, organs: Any, users: Any, world: Any
) -> None:
    """Handled at 市政府 and rated 不满意: for the accused side the rating does not exist either."""
    gov = organs["a-gov"]
    clerk = get_user_model().objects.create_user("gov_clerk", password="test-password-123")
    StaffMembership.objects.create(user=clerk, organ=gov, role=Role.CASEWORKER)
    world.users["gov_clerk"] = clerk

    def dashboard(username: str) -> tuple[int, int, int]:
        page = _web(users[username]).get(reverse("workbench:dashboard"), {"organ": gov.pk})
        assert page.status_code == 200
        d = page.context["d"]
        return d["total"], d["rated"], d["unsatisfied"]

    accusation = register(accused_organ=organs["a-housing"], **ACCUSATION)
    act(accusation, "forward", "dispatcher", organ_id=gov.pk)
    before = {u: dashboard(u) for u in ACCUSED_SIDE}
    act(accusation, "receive", "gov_clerk")
    act(accusation, "accept", "gov_clerk")
    act(accusation, "start_handling", "gov_clerk", no_conflict_of_interest=True)
    act(accusation, "conclude", "gov_clerk", **OPINION)
    act(accusation, "sign_opinion", "gov_head")
    act(accusation, "deliver", "gov_clerk", method="in_person", delivered_on=timezone.localdate().isoformat())
    act(accusation, "rate", None, value="unsatisfied", comment="对处理不满意")
    assert {u: dashboard(u) for u in ACCUSED_SIDE} == before
    assert dashboard("gov_head")[1:] == (1, 1)  # who may see it still counts it


def test_the_outreach_table_counts_no_accusation(register: Any, organs: Any, users: Any) -> None:
    today = timezone.localdate().isoformat()

    def a3(username: str) -> int:
        page = _web(users[username]).get(reverse("workbench:outreach"), {"from": today, "to": today})
        assert page.status_code == 200
        return next(row["r"].petitions for row in page.context["rows"] if row["r"].region.name == "A3区")

    district = Region.objects.get(name="A3区")
    before = {u: a3(u) for u in (*ACCUSED_SIDE, "dispatcher")}
    register(accused_organ=organs["a-housing"], received_at=timezone.now(), region=district, **ACCUSATION)
    assert {u: a3(u) for u in (*ACCUSED_SIDE, "dispatcher")} == before
    register(received_at=timezone.now(), region=district)
    assert a3("caseworker") == before["caseworker"] + 1


def test_accountability_proposals_are_computed_without_accusations(
    register: Any, organs: Any, world: Any, client: Client
) -> None:
    """Five letters to the bureau, one a repeat: I-REPEAT 1/5 = 20 %, under its 25 % threshold. The
    same person's accusation would make it 2/6 and fire a proposal the accused side reads."""
    from minsheng.accountability.models import Proposal
    from minsheng.accountability.proposals import proposals_compute

    def person(n: int) -> PetitionerInput:
        return PetitionerInput(name=f"王{'〇一二三四五六'[n]}", phone=f"1390013900{n}", address="A市A3区")

    today = timezone.localdate()
    start = today - dt.timedelta(days=2)
    for n in (1, 2, 3, 4):
        register(petitioner=person(n), title=f"事项{n}", request="请求处理")
    register(petitioner=person(1), title="事项1再次", request="请求处理")
    proposals_compute(start, today, organs=[world.bureau])
    assert not Proposal.objects.exists()
    register(petitioner=person(1), accused_organ=organs["a-housing"], **ACCUSATION)
    proposals_compute(start, today, organs=[world.bureau])
    assert not Proposal.objects.exists()


def test_the_draft_check_lists_as_many_similar_petitions_with_a_hidden_accusation(
    register: Any, organs: Any, client: Client
) -> None:
    """预检: five petitions of another district resemble the text; the accused side's list is five
    long before and after an accusation with the very text is registered (the accusation is
    dropped before the list is cut, not after) — and the bureau, who may open it, sees it first."""
    from minsheng.api.tests.auth import api_token

    outsider = get_user_model().objects.create_user("a5_registrar", password="test-password-123")
    StaffMembership.objects.create(user=outsider, organ=organs["a5-gov"], role=Role.REGISTRAR)
    for i in range(6):
        register(
            actor=outsider,
            receiving_organ=organs["a5-gov"],
            petitioner=PetitionerInput(name=f"居民{i}", phone=f"1370000000{i}", address="A5区"),
            title=ACCUSATION["title"] + f"（第{i}次）",
            request=ACCUSATION["request"][: 20 + i] + "另外还有其他问题需要反映一下",
            facts=ACCUSATION["facts"][: 20 + i] + "具体情况当面再谈。",
        )
    text = {k: ACCUSATION[k] for k in ("title", "request", "facts")}

    def similar(username: str) -> list[dict[str, Any]]:
        response = client.post(
            "/api/v1/suggestions/draft", text, content_type="application/json", **api_token(client, username)
        )
        assert response.status_code == 200, response.content
        return list(response.json()["similar"])

    before = similar("caseworker")
    assert len(before) == 5
    accusation = register(accused_organ=organs["a-housing"], **ACCUSATION)
    after = similar("caseworker")
    assert [x["tracking_code"] for x in after] == [x["tracking_code"] for x in before]
    assert similar("dispatcher")[0]["tracking_code"] == accusation.tracking_code


def test_an_accusation_is_numbered_in_its_own_series(
    register: Any, act: Any, organs: Any, world: Any
) -> None:
    """文号: 市政府 accepts a grievance, an accusation against 住建局, another grievance. The common
    series has no gap where the accusation was (受字第1号, 第2号) — the accused side, who sees every
    other document of the organ, cannot date it — and the accusation has its own (检受字第1号)."""
    from minsheng.workflow.models import Decision

    gov = organs["a-gov"]
    clerk = get_user_model().objects.create_user("gov_clerk", password="test-password-123")
    StaffMembership.objects.create(user=clerk, organ=gov, role=Role.CASEWORKER)
    world.users["gov_clerk"] = clerk
    first = register(title="小区路灯不亮", request="请求维修路灯")
    accusation = register(accused_organ=organs["a-housing"], **ACCUSATION)
    second = register(title="小区垃圾清运不及时", request="请求按时清运")
    for petition in (first, accusation, second):
        act(petition, "forward", "dispatcher", organ_id=gov.pk)
        act(petition, "receive", "gov_clerk")
        act(petition, "accept", "gov_clerk")
    number = {
        p.pk: Decision.objects.get(petition=p, kind="accept").notice_number
        for p in (first, accusation, second)
    }
    stem = f"{gov.short_name or gov.code}〔{timezone.localdate().year}〕"
    assert number == {
        first.pk: f"{stem}受字第1号",
        accusation.pk: f"{stem}检受字第1号",
        second.pk: f"{stem}受字第2号",
    }


def test_the_similar_search_is_as_long_with_a_hidden_accusation_however_short_the_list(
    register: Any, act: Any, organs: Any, client: Client
) -> None:
    """GET /api/v1/similar?top=1: the accused side's own petition is the one answer before and
    after an accusation with a closer text is registered — the accusation takes no candidate's
    place (it was dropped after the cut before: the answer became empty)."""
    from minsheng.api.tests.auth import api_token

    facts = ACCUSATION["facts"] * 3
    outsider = get_user_model().objects.create_user("a5_registrar", password="test-password-123")
    StaffMembership.objects.create(user=outsider, organ=organs["a5-gov"], role=Role.REGISTRAR)
    for i in range(2):  # closer to the text than his own, and out of his sight
        register(
            actor=outsider,
            receiving_organ=organs["a5-gov"],
            title="保障房分配问题",
            request="请求处理",
            facts=facts[: 100 - 5 * i],
            petitioner=PetitionerInput(name=f"居民{i}", phone=f"1370000000{i}"),
        )
    own = register(
        title="保障房分配问题",
        request="请求处理",
        facts=facts[:80] + "其他情况",
        petitioner=PetitionerInput(name="王五", phone="13700000009"),
    )
    act(own, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    text = "保障房分配问题\n请求处理\n" + facts

    def similar(username: str) -> list[str]:
        response = client.get("/api/v1/similar", {"text": text, "top": 1}, **api_token(client, username))
        assert response.status_code == 200, response.content
        return [x["tracking_code"] for x in response.json()]

    assert similar("caseworker") == [own.tracking_code]
    accusation = register(
        accused_organ=organs["a-housing"],
        title="保障房分配问题",
        request="请求处理",
        facts=facts,
        petitioner=PetitionerInput(name="检举人", phone="13700000008"),
        nature="accusation",
    )
    assert similar("caseworker") == [own.tracking_code]
    assert similar("dispatcher") == [accusation.tracking_code]  # the bureau may open it: the best


def test_the_similarity_scope_of_a_viewer_leaves_out_only_the_accusations_he_may_not_open(
    register: Any, users: Any, organs: Any
) -> None:
    """petitions.selectors.similar_scope: what a similarity list may draw on — every petition but
    the accusations the viewer may not open (the accused side); all of them for the bureau, who may
    open the accusation, and for background work (relations.SYSTEM)."""
    from minsheng.petitions.relations import SYSTEM
    from minsheng.petitions.selectors import similar_scope

    grievance = register()
    accusation = register(accused_organ=organs["a-housing"], **ACCUSATION)
    every = {grievance.pk, accusation.pk}
    assert set(similar_scope(users["caseworker"]).values_list("pk", flat=True)) == {grievance.pk}
    assert set(similar_scope(users["dispatcher"]).values_list("pk", flat=True)) == every
    assert set(similar_scope(SYSTEM).values_list("pk", flat=True)) == every
