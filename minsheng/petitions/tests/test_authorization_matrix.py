"""The authorization matrix of R-150, generated: every role × every organ relation to an accusation
× every read surface, and every action of the transition table.

The accusation is against A市住房和城乡建设局 (a-housing), which has a unit under it, and is held
by A市人民政府 (a-gov, a-housing's superior). The expected answer comes from the rule as the law
states it, written here independently of the code: a person is on the accused side when he holds
any post in the accused unit or a unit under it, or an oversight post (leader, supervisor) above
it — whatever other posts he holds. For the accused side the accusation does not exist: the same
answer as for a petition that was never filed, on every surface, and no action succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from minsheng.core.errors import NotFound
from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import TRANSITIONS, petition_transition

pytestmark = pytest.mark.django_db

TEXT = {
    "title": "实名举报住建局某处长违规插手工程招投标",
    "request": "请求纪检部门调查住建局某处长违规插手保障房工程招投标的问题",
    "facts": "某处长多次打招呼要求将保障房二期工程交给其亲属控股的公司，评标过程走过场。",
}


@dataclass(frozen=True)
class Relation:
    """A place in the organ tree relative to the accusation, and whether it is the accused side."""

    name: str
    posts: tuple[str, ...]  # organ codes the person holds the role in (several: both sides)
    accused_side_roles: frozenset[str]  # for which roles this place is the accused side


ALL_ROLES = frozenset(Role.values)
OVERSIGHT = frozenset({Role.LEADER, Role.SUPERVISOR})

RELATIONS = [
    Relation("accused unit", ("a-housing",), ALL_ROLES),
    Relation("unit under the accused", ("a-housing-unit",), ALL_ROLES),
    Relation("both sides (holder + unit under the accused)", ("a-gov", "a-housing-unit"), ALL_ROLES),
    Relation("holding organ, superior of the accused", ("a-gov",), OVERSIGHT),
    Relation("province above the holder", ("xd-gov",), OVERSIGHT),
    Relation("sibling department", ("a-hrss",), frozenset()),
    Relation("registering bureau", ("a-bureau",), frozenset()),
    Relation("discipline body", ("a-discipline",), frozenset()),
    Relation("district government (another subtree)", ("a5-gov",), frozenset()),
]


@pytest.fixture
def case(world: Any, register: Any, act: Any) -> Petition:
    organs = world.organs
    organs["a-housing-unit"] = Organ.objects.create(
        code="a-housing-unit",
        name="A市住房保障服务中心",
        kind=Organ.Kind.STATE_ENTERPRISE,
        level=Organ.Level.CITY,
        region=organs["a-housing"].region,
        parent=organs["a-housing"],
    )
    petition = register(nature="accusation", accused_organ=organs["a-housing"], is_urgent=True, **TEXT)
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    return Petition.objects.get(pk=petition.pk)


def _person(world: Any, relation: Relation, role: str) -> Any:
    name = f"m-{role}-{'-'.join(relation.posts)}"[:150]
    user = get_user_model().objects.create_user(name, password="test-password-123")
    for code in relation.posts:
        StaffMembership.objects.create(user=user, organ=world.organs[code], role=role)
    return user


def _api(client: Client, user: Any) -> dict[str, str]:
    client.force_login(user)  # session auth is not the API's: issue a token
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.get_username(), "password": "test-password-123"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def _surfaces(client: Client, headers: dict[str, str], petition: Petition) -> dict[str, tuple[int, str]]:
    """What a person gets from every read surface that could mention ``petition``."""
    code = petition.tracking_code
    text = "\n".join(TEXT.values())
    out: dict[str, tuple[int, str]] = {}

    def get(name: str, url: str, **params: Any) -> None:
        response = client.get(url, params, **headers) if headers else client.get(url, params)
        out[name] = (response.status_code, response.content.decode("utf-8", "replace"))

    def post(name: str, url: str, body: dict[str, Any]) -> None:
        response = client.post(url, body, content_type="application/json", **headers)
        out[name] = (response.status_code, response.content.decode("utf-8", "replace"))

    if headers:  # the API
        get("api detail", f"/api/v1/petitions/{petition.pk}")
        get("api suggestions", f"/api/v1/petitions/{petition.pk}/suggestions")
        get("api list", "/api/v1/petitions", q=code)
        get("api list (all)", "/api/v1/petitions")
        get("api similar", "/api/v1/similar", text=text)
        post("api 预检", "/api/v1/suggestions/draft", {**TEXT, "petitioner_phone": "13800138000"})
        return out
    get("case page", reverse("workbench:petition", args=[petition.pk]))
    get("petitioner panel", reverse("workbench:petitioner", args=[petition.pk]))
    get("list", reverse("workbench:petitions"))
    get("search", reverse("workbench:petitions"), q="招投标")
    get("export", reverse("workbench:export"))
    get("dashboard", reverse("workbench:dashboard"))
    get("analytics drill-down", reverse("workbench:analytics_petitions"))
    get("analytics", reverse("workbench:analytics"))
    document = reverse("workbench:document", args=[petition.pk, "register_receipt", "docx"])
    response = client.post(document)
    if response.status_code == 405:
        response = client.get(document)
    out["document"] = (response.status_code, "")
    return out


def _leaks(surfaces: dict[str, tuple[int, str]], petition: Petition) -> list[str]:
    """Surfaces that tell anything about ``petition``: its code, title or request, or anything but
    404 on its own URLs."""
    found = []
    for name, (status, body) in surfaces.items():
        own_url = name in ("api detail", "api suggestions", "case page", "petitioner panel", "document")
        if own_url and status != 404:
            found.append(f"{name}: {status}")
        if petition.tracking_code in body or TEXT["title"] in body or TEXT["request"] in body:
            found.append(f"{name}: mentions it")
    return found


@pytest.mark.parametrize("relation", RELATIONS, ids=[r.name for r in RELATIONS])
def test_read_surfaces(world: Any, case: Petition, relation: Relation) -> None:
    for role in sorted(ALL_ROLES):
        user = _person(world, relation, role)
        web = Client()
        web.force_login(user)
        surfaces = {**_surfaces(web, {}, case), **_surfaces(Client(), _api(Client(), user), case)}
        leaks = _leaks(surfaces, case)
        if role in relation.accused_side_roles:
            assert leaks == [], f"{relation.name} / {role}: {leaks}"
        for name, (status, _body) in surfaces.items():
            assert status < 500, f"{relation.name} / {role}: {name} answered {status}"


@pytest.mark.parametrize("relation", RELATIONS, ids=[r.name for r in RELATIONS])
def test_every_action(world: Any, case: Petition, relation: Relation) -> None:
    """Every action of the transition table: the accused side gets NotFound (as for a missing
    petition) and nothing is written; others get whatever the table says, never a leak."""
    events = PetitionEvent.objects.filter(petition=case).count()
    for role in sorted(ALL_ROLES):
        user = _person(world, relation, role)
        for action in TRANSITIONS:
            if role not in relation.accused_side_roles:
                continue
            with pytest.raises(NotFound) as missing:
                petition_transition(case.pk, action, actor=user, data={})
            with pytest.raises(NotFound) as never_filed:
                petition_transition(10**9, action, actor=user, data={})
            assert str(missing.value) == str(never_filed.value), (relation.name, role, action)
    assert PetitionEvent.objects.filter(petition=case).count() == events


def test_notifications_reach_no_one_on_the_accused_side(world: Any, case: Petition) -> None:
    """The urgent report of the case went to the city government (Art. 25): every person there
    who is on the accused side was left out, every other one was told."""
    people = {(r.name, role): _person(world, r, role) for r in RELATIONS for role in sorted(ALL_ROLES)}
    from minsheng.notifications.services import outbox_notify_organ

    OutboxMessage.objects.filter(petition=case).delete()
    for code in ("a-gov", "a-housing", "a-housing-unit", "xd-gov", "a-bureau"):
        outbox_notify_organ(case.pk, world.organs[code].pk, "urgent")
    told = {
        int(r.split(":")[1])
        for r in OutboxMessage.objects.filter(petition=case).values_list("recipient", flat=True)
    }
    for (name, role), user in people.items():
        relation = next(r for r in RELATIONS if r.name == name)
        if role in relation.accused_side_roles:
            assert user.pk not in told, (name, role)
    bureau_person = people[("registering bureau", Role.DISPATCHER)]
    assert bureau_person.pk in told
