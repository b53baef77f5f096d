"""Demo data for 稳评 and 一碗水端平: one major decision (a school-zoning change, the demo's most
petitioned topic) assessed four months ago and decided three months ago, so that petitions exist
before and after it; and the consistency scan over the demo's concluded petitions, with one
constructed alike pair with opposite outcomes when the real data has none. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from minsheng.orgs.demo import DemoWorld
from minsheng.orgs.models import Category, Region
from minsheng.stability import services as ss
from minsheng.stability.models import ConsistencyFlag, MajorDecision

TITLE = "A市中心城区义务教育学区划分调整"
KEYWORDS = ["学区", "入学", "学校"]


def build_stability_demo(world: DemoWorld, now: dt.datetime | None = None) -> dict[str, int]:
    moment = now or timezone.now()
    result = {"decisions": 0, "linked_after": 0, "flags": 0}
    if not MajorDecision.objects.filter(title=TITLE).exists():
        result["decisions"] = 1
        _decision(world, moment)
    result["linked_after"] = ss.link_after_petitions(now=moment)
    if not ConsistencyFlag.objects.exists():
        result["flags"] = ss.consistency_scan(min_score=0.5, now=moment)
        if result["flags"] == 0:
            result["flags"] = _constructed_pair(world, moment)
    return result


def _decision(world: DemoWorld, moment: dt.datetime) -> None:
    """A city-wide school-zoning decision, assessed four months ago and decided three months ago."""
    leader = world.users["leader"]
    start = moment - dt.timedelta(days=120)
    decision = ss.decision_register(
        ss.DecisionInput(
            title=TITLE,
            kind="school_zoning",
            organ=world.organs["a-gov"],
            region=world.city,
            place="中心城区",
            keywords=KEYWORDS,
            scope="调整中心城区42所公办小学、18所公办初中的招生范围，涉及约3.6万名适龄儿童；新建学校划片入学。",
            planned_date=timezone.localdate(moment - dt.timedelta(days=90)),
            legal_basis="《重大行政决策程序暂行条例》第三条、第二十二条至第二十四条；《中华人民共和国义务教育法》第十二条",
        ),
        actor=leader,
        now=start,
    )
    ss.consultation_add(
        decision.pk,
        actor=leader,
        method="hearing",
        held_on=timezone.localdate(start + dt.timedelta(days=5)),
        participants="家长代表25人、人大代表和政协委员6人、学校校长8人",
        summary="多数赞成就近入学；关注跨区路程、已购学区房家庭的过渡安排和新建学校开学时间。",
        adoption="设三年过渡期：已在读学生的弟妹可随读；新建学校开学前暂维持原划片。",
        now=start + dt.timedelta(days=5),
    )
    ss.consultation_add(
        decision.pk,
        actor=leader,
        method="opinion",
        held_on=timezone.localdate(start + dt.timedelta(days=8)),
        participants="网络舆情监测（政务平台留言、本地论坛）",
        summary="相关留言集中在划片边界小区和上学路程。",
        now=start + dt.timedelta(days=8),
    )
    for dim, text, rating in (
        ("legality", "教育行政部门依法确定招生范围；方案已公开征求意见30日并举行听证，程序合法。", "sound"),
        ("reasonableness", "多数适龄儿童就近入学；边界小区家庭与相邻小区比较，存在攀比情绪。", "concern"),
        ("feasibility", "新建学校已竣工验收，学位供给充足，时机适宜。", "sound"),
        ("controllability", "近一年学区、入学类信访持续出现；已制定过渡安排和现场解释预案。", "concern"),
    ):
        ss.finding_record(
            decision.pk,
            actor=leader,
            dimension=dim,
            findings=text,
            rating=rating,
            now=start + dt.timedelta(days=15),
        )
    ss.risk_grade(
        decision.pk,
        actor=leader,
        level="medium",
        risk_points="划片边界小区家长攀比、已购学区房家庭不满，招生季可能出现集体访。",
        mitigations="设三年过渡期；公布划片地图和学位测算；招生季开通专线和现场咨询点。",
        response_plan="教育局牵头成立工作专班，出现集体访时2小时内到场接待，一校一策化解。",
        now=start + dt.timedelta(days=20),
    )
    ss.decision_decide(
        decision.pk,
        actor=leader,
        outcome="implement_adjusted",
        note="经市政府常务会议集体讨论，按评估意见增设过渡期后实施。",
        dissent="一名与会人员建议新建学校投用满一年后再调整。",
        now=moment - dt.timedelta(days=90),
    )


def _constructed_pair(world: DemoWorld, moment: dt.datetime) -> int:
    """Two alike grievances, same category and district, answered 支持 and 不予支持."""
    from minsheng.workflow.services import (
        PetitionerInput,
        RegistrationInput,
        petition_register,
        petition_transition,
    )

    district = Region.objects.filter(parent=world.city).order_by("code").first()
    category = Category.objects.filter(level=1).order_by("path").first()
    if district is None:
        return 0
    users = world.users
    text = "我家在{b}栋，2025年6月房屋被征收，协议约定补偿款86万元，至今只发放了60万元，剩余26万元一直未支付，请求依法补足剩余补偿款。"
    pairs = (("support", "3", "李桂兰", "13700000031"), ("not_support", "5", "周志强", "13700000032"))
    start = moment - dt.timedelta(days=40)
    for outcome, building, name, phone in pairs:
        petition, _pw = petition_register(
            RegistrationInput(
                channel="letter",
                receiving_organ=world.bureau,
                title="房屋征收补偿款未足额支付",
                request=text.format(b=building),
                facts=text.format(b=building),
                region=district,
                category=category,
                received_at=start,
                petitioner=PetitionerInput(
                    name=name, phone=phone, address=f"{district.name}老城片区{building}栋"
                ),
            ),
            actor=users["registrar"],
            now=start,
        )
        steps: list[tuple[str, str, dict[str, object]]] = [
            ("forward", "dispatcher", {"organ_id": world.organs["a-housing"].pk}),
            ("receive", "caseworker", {}),
            ("accept", "caseworker", {}),
            ("start_handling", "caseworker", {"no_conflict_of_interest": True}),
            (
                "conclude",
                "caseworker",
                {
                    "outcome": outcome,
                    "facts_and_reasons": "经调查，征收补偿协议属实。",
                    "opinion": "责令征收实施单位限期支付剩余补偿款。"
                    if outcome == "support"
                    else "剩余款项待产权核实后支付，现阶段请求不予支持。",
                    "legal_basis": "《国有土地上房屋征收与补偿条例》第二十五条、第二十七条",
                },
            ),
            ("sign_opinion", "organ_head", {}),
        ]
        for day, (action, who, data) in enumerate(steps, start=1):
            petition_transition(
                petition.pk, action, actor=users[who], data=data, now=start + dt.timedelta(days=day)
            )
    return ss.consistency_scan(min_score=0.5, now=moment)
