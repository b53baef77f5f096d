"""稳评: registration, evidence from petitions, the four dimensions, grading, approval rules,
the .docx report, linking petitions after the decision; consistency flags."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from minsheng.core.errors import Forbidden, InvalidInput, NotFound
from minsheng.orgs.models import Category, Region
from minsheng.petitions.services import PetitionerInput
from minsheng.stability import services as ss
from minsheng.stability.models import ConsistencyFlag, DecisionPetition, MajorDecision, StabilityLog
from minsheng.stability.reports import report_docx
from minsheng.stability.selectors import before_after, evidence, flag_sides

TZ = timezone.get_default_timezone()


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def _district(world: Any) -> Region:
    region = Region.objects.filter(parent=world.city).order_by("code").first()
    assert region is not None
    return region


def _decision(world: Any) -> MajorDecision:
    return ss.decision_register(
        ss.DecisionInput(
            title="幸福片区旧城改造房屋征收",
            kind="demolition",
            organ=world.organs["a-gov"],
            region=_district(world),
            scope="征收幸福片区住宅320户",
            planned_date=dt.date(2026, 4, 1),
            keywords=["征收", "拆迁"],
        ),
        actor=world.users["leader"],
        now=at("2026-03-01"),
    )


def _petition(register: Any, world: Any, day: str, title: str, **extra: Any) -> Any:
    with time_machine.travel(at(day, 10), tick=False):
        return register(
            title=title, request="请求依法补偿", region=_district(world), received_at=at(day, 8), **extra
        )


def _assess(decision: MajorDecision, world: Any, level: str = "medium") -> None:
    leader = world.users["leader"]
    ss.consultation_add(
        decision.pk,
        actor=leader,
        method="meeting",
        held_on=dt.date(2026, 3, 5),
        participants="被征收户代表15人",
        summary="多数同意，关注补偿标准",
        now=at("2026-03-06"),
    )
    for dim in ("legality", "reasonableness", "feasibility", "controllability"):
        ss.finding_record(
            decision.pk,
            actor=leader,
            dimension=dim,
            findings="经分析论证",
            rating="sound",
            now=at("2026-03-06"),
        )
    ss.risk_grade(
        decision.pk,
        actor=leader,
        level=level,
        risk_points="补偿标准争议",
        mitigations="公开补偿标准，一户一策",
        response_plan="设立现场接待点",
        now=at("2026-03-07"),
    )


def test_evidence_counts_trend_and_deidentification(world: Any, register: Any) -> None:
    _petition(
        register, world, "2025-12-10", "幸福片区拆迁补偿不公，张三的电话13800138000", is_collective=True
    )
    _petition(register, world, "2026-01-15", "房屋征收补偿标准过低", is_urgent=True)
    _petition(register, world, "2026-02-20", "小区垃圾清运不及时")  # not on the topic
    decision = _decision(world)
    ev = evidence(decision, at("2026-03-01"))
    assert (ev["total"], ev["collective"], ev["urgent"]) == (2, 1, 1)
    assert ev["from"] == dt.date(2025, 4, 1)
    assert dict(ev["monthly"])["2025-12"] == 1 and dict(ev["monthly"])["2026-01"] == 1
    assert len(ev["monthly"]) == 12
    # The same petitioner twice: one repeat petitioner.
    assert ev["repeat_petitioners"] == 1
    assert ev["baoan"] == 0
    titles = [p.title for p in ev["petitions"]]
    assert all("13800138000" not in t for t in titles)


def test_decide_requires_the_assessment_and_blocks_high_risk(world: Any, register: Any) -> None:
    decision = _decision(world)
    with pytest.raises(InvalidInput) as err:
        ss.decision_decide(
            decision.pk, actor=world.users["leader"], outcome="implement", now=at("2026-03-08")
        )
    assert err.value.field == "findings"
    with pytest.raises(InvalidInput) as err:
        ss.risk_grade(
            decision.pk,
            actor=world.users["leader"],
            level="medium",
            risk_points="x",
            mitigations="",
            now=at("2026-03-07"),
        )
    assert err.value.field == "mitigations"
    _assess(decision, world, level="high")
    with pytest.raises(Forbidden):
        ss.decision_decide(
            decision.pk, actor=world.users["caseworker"], outcome="postpone", now=at("2026-03-08")
        )
    with pytest.raises(InvalidInput) as err:
        ss.decision_decide(
            decision.pk, actor=world.users["leader"], outcome="implement", now=at("2026-03-08")
        )
    assert err.value.field == "outcome"
    assert MajorDecision.objects.get(pk=decision.pk).status == "assessing"
    decided = ss.decision_decide(
        decision.pk, actor=world.users["leader"], outcome="postpone", now=at("2026-03-08")
    )
    assert (decided.status, decided.outcome) == ("decided", "postpone")
    with pytest.raises(InvalidInput):
        ss.finding_record(
            decision.pk, actor=world.users["leader"], dimension="legality", findings="改", rating="sound"
        )
    assert StabilityLog.objects.filter(decision=decision, action="decide").count() == 1


def test_before_after_links_and_report(world: Any, register: Any) -> None:
    before = _petition(register, world, "2026-02-10", "房屋征收补偿标准过低")
    from minsheng.reception.services import baoan_take

    with time_machine.travel(at("2026-02-11"), tick=False):
        baoan_take(before.pk, leader=world.users["leader"])
    decision = _decision(world)
    _assess(decision, world, level="medium")
    ss.decision_decide(
        decision.pk,
        actor=world.users["leader"],
        outcome="implement_adjusted",
        note="按评估意见调整补偿方案",
        now=at("2026-03-10"),
    )
    after1 = _petition(register, world, "2026-03-20", "征收过渡安置费未发放")
    after2 = _petition(register, world, "2026-04-02", "拆迁施工扬尘扰民")
    _petition(register, world, "2026-04-03", "公交线路调整")  # off topic
    assert ss.link_after_petitions(now=at("2026-04-05")) == 2
    assert ss.link_after_petitions(now=at("2026-04-05")) == 0  # idempotent
    links = dict(DecisionPetition.objects.filter(decision=decision).values_list("petition_id", "phase"))
    assert links == {before.pk: "before", after1.pk: "after", after2.pk: "after"}
    decision.refresh_from_db()
    view = before_after(decision, at("2026-04-05"))
    assert view is not None
    assert (view["before_total"], view["after_total"], view["months_after"]) == (1, 2, 2)
    assert view["after_monthly"] == [("2026-03", 1), ("2026-04", 1)]
    data = report_docx(decision)
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "幸福片区旧城改造房屋征收社会稳定风险评估报告" in text
    assert "风险等级：中风险" in text and "决策结果：调整后实施" in text
    assert "本地区同类信访事项共1件" in text and "领导包案1件" in text


OPINION = {"facts_and_reasons": "经调查", "legal_basis": "《国有土地上房屋征收与补偿条例》第十九条"}


def _concluded(register: Any, act: Any, world: Any, outcome: str, text: str) -> Any:
    category = Category.objects.order_by("pk").first()
    petition = register(
        title="拆迁补偿款未足额发放", request=text, facts=text, region=_district(world), category=category
    )
    act(petition, "forward", "dispatcher", organ_id=world.organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    act(petition, "conclude", "caseworker", outcome=outcome, opinion=f"{outcome}意见", **OPINION)
    return act(petition, "sign_opinion", "organ_head")


def test_consistency_flags_opposite_outcomes_of_alike_petitions(world: Any, register: Any, act: Any) -> None:
    text = (
        "我家位于幸福片区12栋，2025年房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"
    )
    a = _concluded(register, act, world, "support", text)
    b = _concluded(register, act, world, "not_support", text.replace("12栋", "14栋"))
    _concluded(
        register, act, world, "support", text.replace("12栋", "16栋")
    )  # same outcome as a: no flag with a
    _concluded(register, act, world, "explain", "小区绿化带被占用为停车位，请求恢复绿化。")
    created = ss.consistency_scan(min_score=0.5)
    flags = list(ConsistencyFlag.objects.all())
    assert created == 2 and len(flags) == 2  # b against each of the two supported petitions
    assert ss.consistency_scan(min_score=0.5) == 0
    flag = next(f for f in flags if {f.first_id, f.second_id} == {a.pk, b.pk})
    assert (flag.first_outcome, flag.second_outcome) == ("support", "not_support")
    assert 0.8 < flag.similarity < 1.0
    sides = flag_sides(flag)
    assert [s["outcome"] for s in sides] == ["予以支持", "不予支持"]
    assert sides[0]["legal_basis"] == "《国有土地上房屋征收与补偿条例》第十九条"
    with pytest.raises(Forbidden):
        ss.flag_resolve(flag.pk, actor=world.users["caseworker"], status="explained", reason="x")
    with pytest.raises(InvalidInput):
        ss.flag_resolve(flag.pk, actor=world.users["supervisor"], status="explained", reason="")
    done = ss.flag_resolve(
        flag.pk, actor=world.users["supervisor"], status="correction", reason="同一补偿协议，应统一处理"
    )
    assert (done.status, done.resolved_by) == ("correction", world.users["supervisor"])
    assert StabilityLog.objects.filter(flag=flag, action="flag_correction").count() == 1


def test_an_accusation_counts_in_no_figure_of_the_evidence_and_is_never_listed(
    world: Any, register: Any
) -> None:
    """R-150: whoever registers a decision chooses its place, category and keywords and can read
    the petitions he may see there elsewhere; a figure moving with an accusation — by its words
    (「好处费」), by its category, or by who made it (a repeat petitioner) — would tell him it
    exists. So an accusation counts in nothing here and is never listed."""
    from minsheng.petitions.models import Petition

    neighbour = PetitionerInput(name="居民甲", phone="13900139011", address="A市")
    _petition(register, world, "2026-01-15", "房屋征收补偿标准过低", petitioner=neighbour)
    accusation = _petition(
        register,
        world,
        "2026-02-15",
        "举报征收办工作人员王某收受好处费",
        nature="accusation",
        accused_organ=world.organs["a-housing"],
        accused_person="王某",
        petitioner=neighbour,  # the accuser is one of the people the evidence lists
    )
    decision = _decision(world)
    assert evidence(decision, at("2026-03-01"))["total"] == 1
    decision.keywords = ["好处费"]
    decision.save()
    probe = evidence(decision, at("2026-03-01"))
    assert (probe["total"], probe["monthly"][-2]) == (0, ("2026-02", 0))
    category = Category.objects.order_by("path").first()
    assert category is not None
    Petition.objects.filter(pk=accusation.pk).update(category=category)
    decision.keywords = ["征收"]
    decision.category = category
    decision.save()
    ev = evidence(decision, at("2026-03-01"))
    assert (ev["total"], ev["repeat_petitioners"], ev["monthly"][-2]) == (1, 0, ("2026-02", 0))
    assert [p.title for p in ev["petitions"]] == ["房屋征收补偿标准过低"]


def test_a_flag_over_an_accusation_against_the_viewer_does_not_exist_for_him(
    world: Any, register: Any, act: Any
) -> None:
    """R-150 (ADR 0006): a flag shows both petitions' texts side by side; when one of them is an
    accusation the supervisor is on the accused side of, the flag is neither listed nor resolvable
    by him, while the same flag stays with an administrator who is not on that side."""
    from minsheng.orgs.selectors import memberships_of
    from minsheng.petitions.models import Petition
    from minsheng.stability.selectors import flags_for

    text = (
        "我家位于幸福片区12栋，2025年房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"
    )
    a = _concluded(register, act, world, "support", text)
    _concluded(register, act, world, "not_support", text.replace("12栋", "14栋"))
    assert ss.consistency_scan(min_score=0.5) == 1
    flag = ConsistencyFlag.objects.get()
    supervisor = world.users["supervisor"]
    assert [f.pk for f in flags_for(supervisor)] == [flag.pk]

    own_organ = next(m.organ_id for m in memberships_of(supervisor))
    Petition.objects.filter(pk=a.pk).update(nature="accusation", accused_organ_id=own_organ)
    assert list(flags_for(supervisor)) == []
    with pytest.raises(NotFound):  # the same answer as for a flag that does not exist
        ss.flag_resolve(flag.pk, actor=supervisor, status="explained", reason="同一补偿协议")
    assert [f.pk for f in flags_for(world.users["admin"])] == [flag.pk]


def test_a_high_risk_is_lowered_only_on_a_new_assessment_and_every_change_is_audited(world: Any) -> None:
    """A-094 (risk_levels high: unblock = a new assessment at a lower level): editing the grade in
    place is refused (and changes nothing); after a new consultation and all four dimensions
    analysed again, the lower grade stands and 实施 may be decided. The log keeps what each
    re-recorded finding and grade replaced."""
    decision = _decision(world)
    _assess(decision, world, level="high")
    leader = world.users["leader"]

    def lower(day: str) -> None:
        ss.risk_grade(
            decision.pk,
            actor=leader,
            level="low",
            risk_points="补偿标准已公开",
            mitigations="",
            now=at(day),
        )

    with pytest.raises(InvalidInput) as refused:
        lower("2026-03-08")
    assert refused.value.field == "level"
    decision.refresh_from_db()
    assert (decision.risk_level, decision.mitigations) == ("high", "公开补偿标准，一户一策")
    with pytest.raises(InvalidInput):
        ss.decision_decide(decision.pk, actor=leader, outcome="implement", now=at("2026-03-09"))
    # a consultation alone is not a new assessment
    ss.consultation_add(
        decision.pk,
        actor=leader,
        method="hearing",
        held_on=dt.date(2026, 3, 10),
        participants="被征收户代表20人",
        summary="补偿方案调整后多数同意",
        now=at("2026-03-10"),
    )
    with pytest.raises(InvalidInput):
        lower("2026-03-10")
    for dim in ("legality", "reasonableness", "feasibility", "controllability"):
        ss.finding_record(
            decision.pk,
            actor=leader,
            dimension=dim,
            findings="补偿方案调整后重新论证",
            rating="sound",
            now=at("2026-03-11"),
        )
    lower("2026-03-12")
    decision.refresh_from_db()
    assert decision.risk_level == "low"
    ss.decision_decide(decision.pk, actor=leader, outcome="implement", now=at("2026-03-13"))
    grades = [
        log.data
        for log in StabilityLog.objects.filter(decision=decision, action="grade").order_by("at", "pk")
    ]
    assert [g["level"] for g in grades] == ["high", "low"]
    assert grades[1]["replaced"]["mitigations"] == "公开补偿标准，一户一策"
    finding = StabilityLog.objects.filter(decision=decision, action="finding").order_by("at", "pk").last()
    assert finding is not None
    assert (finding.data["replaced"]["findings"], finding.data["findings"]) == (
        "经分析论证",
        "补偿方案调整后重新论证",
    )


def test_the_consistency_page_masks_the_names_written_in_the_facts(
    world: Any, register: Any, act: Any
) -> None:
    """同案不同处理 is read by supervisors, who may not reveal identities: the petitioner's name
    written in the facts is masked like his phone number (review of 2026-12-07)."""
    from django.test import Client
    from django.urls import reverse

    from minsheng.stability.services import consistency_scan

    text = "我叫李四，家位于幸福片区12栋，2025年房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"
    _concluded(register, act, world, "support", text)
    _concluded(register, act, world, "not_support", text.replace("12栋", "14栋"))
    assert consistency_scan() == 1
    web = Client()
    web.force_login(world.users["supervisor"])
    page = web.get(reverse("workbench:consistency")).content.decode()
    assert "不予支持" in page and "我叫某某" in page and "李四" not in page
