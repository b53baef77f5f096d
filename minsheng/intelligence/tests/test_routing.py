"""Routing suggestions: the pure algorithm and the database-backed routing_suggest."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.intelligence.nlp.routing import (
    OrganInfo,
    ResponsibilityRow,
    RoutingQuery,
    RoutingWorld,
    find_organ_mentions,
    is_about_officials,
    suggest,
)

# region tree: 1 province > 2 city > 3 district > 4 street
REGIONS = {1: None, 2: 1, 3: 2, 4: 3, 5: 2}
NAMES = {1: "西地省", 2: "A市", 3: "A3区", 4: "洋湖街道", 5: "A2区"}
LEVELS = {1: 1, 2: 2, 3: 3, 4: 4, 5: 3}


def make_world(**overrides: OrganInfo) -> RoutingWorld:
    organs = {
        10: OrganInfo(10, "A市人民政府", "A市政府", ("市政府",), "government", 2, None, 2),
        11: OrganInfo(11, "A市住房和城乡建设局", "A市住建局", ("住建局",), "department", 2, 10, 2),
        12: OrganInfo(12, "A市生态环境局", "A市生态环境局", ("环保局",), "department", 2, 10, 2),
        13: OrganInfo(13, "A3区人民政府", "A3区政府", ("A3区政府",), "government", 3, 10, 3),
        14: OrganInfo(14, "A市公安局", "A市公安局", ("公安局", "派出所"), "political_legal", 2, 10, 2),
        15: OrganInfo(15, "A市中级人民法院", "A市中院", ("法院",), "court", 2, None, 2),
        16: OrganInfo(16, "A市纪委监委", "A市纪委监委", ("纪委",), "discipline", 2, None, 2),
        17: OrganInfo(17, "A市信访局", "A市信访局", ("信访局",), "petition_bureau", 2, 10, 2),
        18: OrganInfo(18, "A市住建局房屋科", "", (), "department", 2, 11, 2),
    }
    organs.update({o.id: o for o in overrides.values()})
    rows = [
        ResponsibilityRow(11, "城乡建设", 2, 100),
        ResponsibilityRow(12, "环境保护", 2, 100),
        ResponsibilityRow(13, "城乡建设", 3, 150),
        ResponsibilityRow(13, "环境保护", 3, 150),
        ResponsibilityRow(17, "城乡建设", 2, 50),  # a bureau is never suggested
    ]
    return RoutingWorld(organs, rows, REGIONS, NAMES, LEVELS)


def q(**kw: Any) -> RoutingQuery:
    base: dict[str, Any] = {"text": "", "category_scores": [("城乡建设", 0.93)], "region_id": 4}
    base.update(kw)
    return RoutingQuery(**base)


def test_department_first_then_territorial_government_with_reasons() -> None:
    result = suggest(make_world(), q())
    assert [s.organ_id for s in result][:2] == [11, 13]
    assert 0.0 < result[1].score < result[0].score <= 1.0
    assert "分类：城乡建设（置信度0.93）" in result[0].reasons
    assert "地点：A3区洋湖街道" in result[0].reasons
    assert all(s.organ_id != 17 for s in result)


def test_region_scope_covers_descendants_only() -> None:
    result = suggest(make_world(), q(region_id=5))  # A2区: A3区's government is out of scope
    assert 13 not in [s.organ_id for s in result]


def test_registered_full_path_matches_level1_row() -> None:
    result = suggest(
        make_world(), q(category_scores=[("城乡建设/城乡规划/违章建筑", 1.0)], category_source="registered")
    )
    assert result[0].organ_id == 11 and result[0].reasons[0].startswith("已登记分类")


def test_mention_raises_score_and_explains() -> None:
    world = make_world()
    plain = suggest(world, q(category_scores=[("环境保护", 0.5)]))
    named = suggest(world, q(category_scores=[("环境保护", 0.5)], text="环保局一直不处理"))
    assert named[0].organ_id == 12 and named[0].score > plain[0].score
    assert "文中提及：环保局" in named[0].reasons
    assert find_organ_mentions(world, "去派出所报案") == [(14, "派出所", False)]


def test_accused_organ_and_subtree_are_never_suggested() -> None:
    world = make_world()
    result = suggest(
        world,
        q(
            text="举报住建局房屋科不作为",
            nature="accusation",
            excluded_organ_ids=frozenset({11, 18}),
            accused_organ_id=11,
        ),
    )
    ids = [s.organ_id for s in result]
    assert 11 not in ids and 18 not in ids
    assert 10 in ids  # the accused organ's superior is offered instead


def test_litigation_goes_to_political_legal_organs() -> None:
    result = suggest(make_world(), q(text="法院判决后一直不执行", nature="litigation_related"))
    assert world_kind(result[0].organ_id) in {"political_legal", "court", "procuratorate"}
    assert result[0].organ_id == 15  # the court is named
    assert any("涉法涉诉" in r for r in result[0].reasons)


def test_accusation_about_officials_goes_to_discipline_body() -> None:
    assert is_about_officials("举报某局长受贿")
    assert not is_about_officials("举报某公司偷排废水")
    result = suggest(make_world(), q(text="举报住建局某科长收受贿赂", nature="accusation"))
    assert result[0].organ_id == 16


def test_merged_organ_resolves_to_successor() -> None:
    world = make_world(
        old=OrganInfo(
            11,
            "A市住房和城乡建设局",
            "A市住建局",
            (),
            "department",
            2,
            10,
            2,
            is_active=False,
            successor_id=12,
        )
    )
    result = suggest(world, q())
    assert result[0].organ_id == 12 and any("承继" in r for r in result[0].reasons)


def test_fallback_is_the_territorial_government() -> None:
    result = suggest(make_world(), q(category_scores=[("教育文体", 0.9)], region_id=4))
    assert [s.organ_id for s in result] == [13]
    assert result[0].reasons == ["属地管理：A3区洋湖街道"]


def world_kind(organ_id: int) -> str:
    return make_world().organs[organ_id].kind


# -- database ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_routing_suggest_on_a_registered_petition(register: Any, organs: Any) -> None:
    from minsheng.intelligence.routing import routing_suggest, routing_world_clear

    routing_world_clear()
    petition = register(
        title="A3区洋湖街道小区违章建筑", request="请求住建局拆除小区内违章建筑", facts="小区内有人私搭乱建。"
    )
    result = routing_suggest(petition)
    assert result and all(hasattr(s, a) for s in result for a in ("organ_id", "organ", "score", "reasons"))
    assert result[0].organ_id == organs["a-housing"].pk
    assert any("地点：A3区洋湖街道" in r for r in result[0].reasons)


@pytest.mark.django_db
def test_routing_suggest_excludes_accused_organ(register: Any, organs: Any) -> None:
    from minsheng.intelligence.routing import routing_suggest, routing_world_clear

    routing_world_clear()
    petition = register(
        title="举报A市住建局违规审批",
        request="请求查处住建局违规审批小区规划",
        facts="住建局为开发商违规审批。",
        nature="accusation",
        accused_organ=organs["a-housing"],
    )
    ids = [s.organ_id for s in routing_suggest(petition)]
    assert organs["a-housing"].pk not in ids
    assert ids  # something else is suggested


def test_organs_that_cannot_act_are_never_suggested() -> None:
    world = make_world()
    everyone = frozenset(world.organs)
    world.able_organ_ids = everyone - {11}  # the housing bureau has no staff
    ids = [s.organ_id for s in suggest(world, q(text="请求住建局处理"))]
    assert 11 not in ids and ids[0] == 13  # its district government, competent and staffed
    world.able_organ_ids = everyone
    assert next(s.organ_id for s in suggest(world, q())) == 11


@pytest.mark.django_db
def test_routing_world_leaves_out_organs_without_staff_or_competence(register: Any, organs: Any) -> None:
    from minsheng.intelligence.routing import routing_suggest, routing_world, routing_world_clear
    from minsheng.orgs.models import StaffMembership

    routing_world_clear()
    able = routing_world().able_organ_ids
    assert able is not None and organs["a-housing"].pk in able
    petition = register(
        title="A3区洋湖街道小区违章建筑", request="请求住建局拆除小区内违章建筑", facts="小区内有人私搭乱建。"
    )
    assert routing_suggest(petition)[0].organ_id == organs["a-housing"].pk
    StaffMembership.objects.filter(organ=organs["a-housing"]).delete()
    routing_world_clear()
    assert organs["a-housing"].pk not in (routing_world().able_organ_ids or ())
    assert organs["a-housing"].pk not in [s.organ_id for s in routing_suggest(petition)]


def test_routing_world_counts_only_active_members_who_receive_cases(organs: Any) -> None:
    """An organ whose only members are inactive, or hold a role that receives no case (an analyst),
    cannot act on a case: it is not in the routing world's able organs."""
    from django.contrib.auth import get_user_model

    from minsheng.intelligence.routing import routing_world, routing_world_clear
    from minsheng.orgs.models import Role, StaffMembership

    housing = organs["a-housing"]
    members = StaffMembership.objects.filter(organ=housing)
    user_ids = list(members.values_list("user_id", flat=True))
    assert user_ids
    routing_world_clear()
    assert housing.pk in (routing_world().able_organ_ids or ())

    members.update(role=Role.ANALYST)
    routing_world_clear()
    assert housing.pk not in (routing_world().able_organ_ids or ())

    members.update(role=Role.CASEWORKER)
    get_user_model().objects.filter(pk__in=user_ids).update(is_active=False)
    routing_world_clear()
    assert housing.pk not in (routing_world().able_organ_ids or ())


def test_the_pure_router_knows_the_political_legal_organs_the_workflow_knows() -> None:
    """Art. 22(2): the router suggests, and the workflow accepts, the same three organ kinds."""
    from minsheng.intelligence.nlp import routing
    from minsheng.orgs.models import POLITICAL_LEGAL_KINDS

    assert set(routing.POLITICAL_LEGAL_KINDS) == set(POLITICAL_LEGAL_KINDS)
