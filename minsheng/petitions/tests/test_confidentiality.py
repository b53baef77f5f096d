"""R-150 (条例 Art. 30(3), Art. 46(5); 监察法 Art. 74): the leaks found in review, one test each, at
API and workbench level. The world: an accusation against A市住房和城乡建设局 (a-housing) by 李四,
forwarded to A市人民政府 (a-gov). Demo staff ``caseworker`` and ``organ_head`` sit in both a-gov
and a-housing; ``leader`` and ``supervisor`` oversee a-gov and everything under it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

from minsheng.api.tests.auth import api_token as _token
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.notifications.models import OutboxMessage
from minsheng.orgs.models import Organ, Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.petitions.services import PetitionerInput
from minsheng.workflow.models import PetitionEvent
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db

ACCUSER_PHONE = "13800138000"
ACCUSER_ID = "110101199003074514"
OTHER_PHONE = "13911112222"
ACCUSED_SIDE = ("caseworker", "organ_head", "leader", "supervisor")
TEXT = {
    "title": "举报住建局某科长在保障房分配中索要好处费",
    "request": "请求查处住建局住房保障科某科长利用分配保障房之机索要好处费的问题",
    "facts": "本人申请公租房，住房保障科某科长暗示要交三万元好处费才能排上号，其他申请人也有类似遭遇。",
}


def _web(users: dict[str, Any], username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


def _staff(username: str, organ: Organ, role: str) -> Any:
    user = get_user_model().objects.create_user(username, password="test-password-123")
    StaffMembership.objects.create(user=user, organ=organ, role=role)
    return user


@pytest.fixture
def accusation(register: Any, act: Any, organs: Any) -> Petition:
    petition = register(nature="accusation", accused_organ=organs["a-housing"], **TEXT)
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    return Petition.objects.get(pk=petition.pk)


@pytest.fixture
def grievance(register: Any, act: Any, organs: Any) -> Petition:
    """The accuser's own grievance, handled by the accused organ (its staff may see it)."""
    petition = register(title="小区电梯长期停运无人维修", request="请求督促物业修复电梯")
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return Petition.objects.get(pk=petition.pk)


def _draft_body(phone: str = "", id_number: str = "") -> dict[str, Any]:
    return {**TEXT, "petitioner_phone": phone, "petitioner_id_number": id_number}


def _similar_of(client: Client, headers: dict[str, str], phone: str = "", id_number: str = "") -> Any:
    response = client.post(
        "/api/v1/suggestions/draft", _draft_body(phone, id_number), content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    return response.json()["similar"]


# -- finding 1: the 预检 is an oracle -----------------------------------------------------------


@pytest.mark.parametrize("username", ["caseworker", "organ_head"])
def test_precheck_api_is_no_oracle_for_the_accused_side(
    accusation: Petition, client: Client, username: str
) -> None:
    headers = _token(client, username)
    with_accuser = _similar_of(client, headers, phone=ACCUSER_PHONE)
    with_other = _similar_of(client, headers, phone=OTHER_PHONE)
    with_id = _similar_of(client, headers, id_number=ACCUSER_ID)
    assert with_accuser == with_other == with_id == _similar_of(client, headers)
    assert accusation.tracking_code not in str(with_accuser)


def test_precheck_in_the_workbench_is_no_oracle(accusation: Petition, users: Any, organs: Any) -> None:
    """A registrar of the city government who also sits in the accused organ."""
    two_posts = _staff("two_posts", organs["a-gov"], Role.REGISTRAR)
    StaffMembership.objects.create(user=two_posts, organ=organs["a-housing"], role=Role.CASEWORKER)
    client = Client()
    client.force_login(two_posts)
    url = reverse("workbench:register", args=["letter"])
    answers = []
    for phone in (ACCUSER_PHONE, OTHER_PHONE, ""):
        response = client.post(
            url, {**TEXT, "phone": phone, "action": "check", "receiving_organ": organs["a-gov"].pk}
        )
        assert response.status_code == 200
        answers.append(response.context["suggested_similar"])
        assert accusation.tracking_code not in response.content.decode()
    assert answers[0] == answers[1] == answers[2]


def test_precheck_through_a_decoy_is_no_oracle(
    accusation: Petition, register: Any, users: Any, organs: Any, client: Client
) -> None:
    """A registrar who cannot see the accusation files decoys with the same text: whether the
    candidate is the accuser must not change what the draft check answers."""
    outsider = _staff("a5_registrar", organs["a5-gov"], Role.REGISTRAR)
    for i in range(2):
        register(
            actor=outsider,
            receiving_organ=organs["a5-gov"],
            petitioner=PetitionerInput(name=f"诱饵{i}", phone=f"1370000000{i}", address="A5区"),
            **TEXT,
        )
    headers = _token(client, "a5_registrar")
    with_accuser = _similar_of(client, headers, phone=ACCUSER_PHONE)
    with_other = _similar_of(client, headers, phone=OTHER_PHONE)
    assert with_accuser == with_other
    assert accusation.tracking_code not in str(with_accuser)
    assert all(item["relation"] != "same_petitioner_repeat" for item in with_accuser)


def test_a_precheck_that_finds_the_accuser_is_logged_as_an_access(
    accusation: Petition, client: Client
) -> None:
    """The registrar may see the accuser, so the link is shown; but it tells him who the accuser is,
    as a reveal would: one flagged row in the personal-data access log (external client review).
    A phone that matches nobody leaves no row."""
    from minsheng.petitions.models import AccessKind, PersonalDataAccess

    headers = _token(client, "registrar")
    _similar_of(client, headers, phone=OTHER_PHONE)
    assert not PersonalDataAccess.objects.filter(petition=accusation).exists()
    _similar_of(client, headers, phone=ACCUSER_PHONE)
    row = PersonalDataAccess.objects.get(petition=accusation)
    assert (row.kind, row.flagged, row.fields, row.user.username) == (
        AccessKind.MATCH,
        True,
        ["phone"],
        "registrar",
    )


def test_a_precheck_logs_the_accusation_only(accusation: Petition, register: Any, client: Client) -> None:
    """The accuser's own grievance, linked by the same phone, tells nothing an accusation hides: it
    leaves no row; only the accusation does."""
    from minsheng.petitions.models import PersonalDataAccess

    grievance = register(
        petitioner=PetitionerInput(name="李四", phone=ACCUSER_PHONE, address="A市A3区别的地址5号"), **TEXT
    )
    similar = _similar_of(client, _token(client, "registrar"), phone=ACCUSER_PHONE)
    linked = {i["tracking_code"] for i in similar if i["relation"] == "same_petitioner_repeat"}
    assert {accusation.tracking_code, grievance.tracking_code} <= linked
    assert list(PersonalDataAccess.objects.values_list("petition_id", flat=True)) == [accusation.pk]


@override_settings(MINSHENG_PORTAL_LIMITS={"draft_identity_user": (2, 3600)})
def test_typed_identities_beyond_the_hourly_allowance_are_not_compared(
    accusation: Petition, client: Client
) -> None:
    """Guesses cannot be tested in bulk: past the allowance the 预检 answers as for no phone."""
    headers = _token(client, "registrar")
    blank = _similar_of(client, headers)
    first, second = (_similar_of(client, headers, phone=p) for p in (OTHER_PHONE, OTHER_PHONE))
    assert first == second
    response = client.post(
        "/api/v1/suggestions/draft",
        _draft_body(ACCUSER_PHONE, ""),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200 and response.json()["identity_checked"] is False
    assert response.json()["similar"] == blank
    assert all(item["relation"] != "same_petitioner_repeat" for item in response.json()["similar"])


def test_legitimate_registrar_still_recognises_the_repeat(accusation: Petition, client: Client) -> None:
    """The bureau's registrar (no post on the accused side) may see the accuser: he gets the link."""
    similar = _similar_of(client, _token(client, "registrar"), phone=ACCUSER_PHONE)
    top = next(item for item in similar if item["tracking_code"] == accusation.tracking_code)
    assert top["relation"] == "same_petitioner_repeat" and top["visible"]
    other = _similar_of(client, _token(client, "registrar"), phone=OTHER_PHONE)
    assert next(i for i in other if i["tracking_code"] == accusation.tracking_code)["relation"] != (
        "same_petitioner_repeat"
    )


def test_first_time_flag_does_not_reveal_an_earlier_accusation(
    accusation: Petition, register: Any, users: Any, client: Client
) -> None:
    later = register(title="路灯不亮", request="请求修复路灯")
    assert later.is_first_time is True
    body = client.get(f"/api/v1/petitions/{later.pk}", **_token(client, "registrar")).json()
    assert body["is_first_time"] is True
    # but a second accusation by the same person is not a first one
    again = register(
        nature="accusation", accused_organ=accusation.accused_organ, title="再次举报", request="请求查处"
    )
    assert again.is_first_time is False


# -- finding 2: linkage through the same person's other petitions ------------------------------


def test_accusation_is_not_linked_from_the_accusers_grievance(
    accusation: Petition, grievance: Petition, users: Any, client: Client
) -> None:
    from minsheng.intelligence.services import petition_enrich

    petition_enrich(grievance)
    Petition.objects.filter(pk=grievance.pk).update(
        suggestions={
            "similar": [{"id": accusation.pk, "tracking_code": accusation.tracking_code, "score": 0.9}]
        }
    )
    page = _web(users, "caseworker").get(reverse("workbench:petition", args=[grievance.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert accusation.tracking_code not in text and accusation.title not in text
    assert accusation.pk not in [p.pk for p in page.context["related"]]
    body = client.get(f"/api/v1/petitions/{grievance.pk}/suggestions", **_token(client, "caseworker")).json()
    assert accusation.tracking_code not in str(body)
    detail = client.get(f"/api/v1/petitions/{grievance.pk}", **_token(client, "caseworker")).json()
    assert accusation.tracking_code not in str(detail)


def test_second_petitioner_record_with_the_same_phone_links_only_for_those_who_may_see(
    register: Any, act: Any, organs: Any, users: Any, client: Client
) -> None:
    same_person = PetitionerInput(name="李四", phone=ACCUSER_PHONE, address="A市A3区别的地址5号")
    accusation = register(
        nature="accusation", accused_organ=organs["a-housing"], petitioner=same_person, **TEXT
    )
    act(accusation, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    grievance = register(title="小区电梯长期停运无人维修", request="请求督促物业修复电梯")
    act(grievance, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    assert accusation.petitioner_id != grievance.petitioner_id  # two records, one person
    # the bureau's dispatcher links them by the blind index
    page = _web(users, "dispatcher").get(reverse("workbench:petition", args=[grievance.pk]))
    assert accusation.pk in [p.pk for p in page.context["related"]]
    # the accused side does not
    page = _web(users, "caseworker").get(reverse("workbench:petition", args=[grievance.pk]))
    assert page.context["related"] == []
    assert accusation.tracking_code not in page.content.decode()


def test_not_accept_cannot_probe_or_store_invisible_petitions(
    accusation: Petition, register: Any, act: Any, organs: Any, users: Any, client: Client
) -> None:
    other = register(title="另一件事", request="请求处理")
    act(other, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(other, "receive", "caseworker")
    headers = _token(client, "caseworker")
    answers = []
    for ref in (accusation.pk, accusation.tracking_code, 987654, "XXXXXXXX"):
        response = client.post(
            f"/api/v1/petitions/{other.pk}/actions/not_accept",
            {"reason": "duplicate_in_progress", "related_petition_id": ref},
            content_type="application/json",
            **headers,
        )
        answers.append((response.status_code, response.json()["field"], response.json()["message"]))
    assert len(set(answers)) == 1 and answers[0][0] == 422
    assert Petition.objects.get(pk=other.pk).related_petition_id is None


def test_timeline_keeps_no_tracking_code_of_the_referenced_petition(
    register: Any, act: Any, organs: Any, users: Any, client: Client
) -> None:
    first = register(title="同一事项", request="请求处理")
    act(first, "forward", "dispatcher", organ_id=organs["a-hrss"].pk)
    Petition.objects.filter(pk=first.pk).update(state="final")
    second = register(title="同一事项", request="请求处理")
    act(second, "not_accept", "dispatcher", reason="final_after_recheck", related_petition_id=first.pk)
    event = PetitionEvent.objects.get(petition=second, action="not_accept")
    assert first.tracking_code not in str(event.data)
    assert event.data["related_petition_id"] == first.pk
    # a viewer who may not open ``first`` reads no reference to it
    from minsheng.petitions.selectors import timeline_data_for

    outsider = _staff("a5_caseworker_x", organs["a5-gov"], Role.CASEWORKER)
    assert timeline_data_for(outsider, event.data)["related_petition_id"] is None
    assert timeline_data_for(users["dispatcher"], event.data)["related_petition_id"] == first.pk


# -- finding 3: the organ tree -----------------------------------------------------------------


@pytest.mark.parametrize("username", ACCUSED_SIDE)
def test_accused_side_cannot_read_the_accusation(
    accusation: Petition, users: Any, client: Client, username: str
) -> None:
    api = client.get(f"/api/v1/petitions/{accusation.pk}", **_token(client, username))
    assert api.status_code == 404
    listing = client.get("/api/v1/petitions", **_token(client, username))
    assert accusation.tracking_code not in listing.content.decode()
    page = _web(users, username).get(reverse("workbench:petition", args=[accusation.pk]))
    assert page.status_code == 404
    found = _web(users, username).get(reverse("workbench:petitions"), {"q": "好处费"})
    assert accusation.tracking_code not in found.content.decode()


def test_staff_outside_the_accused_side_still_work_on_it(
    accusation: Petition, users: Any, client: Client
) -> None:
    for username in ("registrar", "dispatcher"):
        assert client.get(f"/api/v1/petitions/{accusation.pk}", **_token(client, username)).status_code == 200


@pytest.mark.parametrize(
    ("username", "action", "data"),
    [
        ("leader", "take_charge", {}),
        ("supervisor", "supervise", {"kind": "urge", "suggestion": "请加快办理"}),
        ("organ_head", "note", {"text": "x"}),
        ("caseworker", "receive", {}),
    ],
)
def test_accused_side_cannot_act(
    accusation: Petition, users: Any, username: str, action: str, data: dict[str, Any]
) -> None:
    count = PetitionEvent.objects.filter(petition=accusation).count()
    with pytest.raises(NotFound):
        petition_transition(accusation.pk, action, actor=users[username], data=data)
    assert PetitionEvent.objects.filter(petition=accusation).count() == count


def test_urgent_notification_never_reaches_the_accused_side(
    register: Any, act: Any, organs: Any, users: Any
) -> None:
    """An urgent accusation registered at the city bureau is reported at once to the city government
    (Art. 25): its staff on the accused side of a-housing are not told."""
    accusation = register(nature="accusation", accused_organ=organs["a-housing"], is_urgent=True, **TEXT)
    recipients = set(
        OutboxMessage.objects.filter(petition=accusation, kind="urgent").values_list("recipient", flat=True)
    )
    assert recipients  # somebody is told
    for username in ACCUSED_SIDE:
        assert f"user:{users[username].pk}" not in recipients


def test_appeal_of_an_accusation_never_lands_in_the_accused_subtree(
    register: Any, act: Any, organs: Any, users: Any
) -> None:
    from minsheng.workflow.services import _review_organ

    hrss = organs["a-hrss"]
    # an accusation against the city government, handled by a unit whose reviewer is configured
    # inside the accused subtree: the reviewer is the first organ up the chain outside it
    petition = register(nature="accusation", accused_organ=organs["a-gov"], title="举报", request="请求查处")
    Petition.objects.filter(pk=petition.pk).update(current_organ=hrss)
    petition.refresh_from_db()
    reviewer = _review_organ(petition)
    assert reviewer is not None
    assert reviewer.pk not in organs["a-gov"].subtree_ids()
    assert reviewer == organs["a-gov"].parent


def test_received_inside_the_accused_subtree_goes_to_the_discipline_body(
    register: Any, organs: Any, users: Any, client: Client
) -> None:
    """A letter to the city bureau accusing the city government: the bureau sits under it, so the
    system passes the accusation to the discipline body at once."""
    petition = register(
        nature="accusation", accused_organ=organs["a-gov"], title="举报市政府", request="请求查处"
    )
    petition.refresh_from_db()
    assert petition.state == "routed_discipline"
    assert petition.current_organ == organs["a-discipline"]
    assert client.get(f"/api/v1/petitions/{petition.pk}", **_token(client, "dispatcher")).status_code == 404
    assert (
        client.get(f"/api/v1/petitions/{petition.pk}", **_token(client, "discipline_caseworker")).status_code
        == 200
    )


def test_the_registered_petition_names_the_organ_it_was_passed_to(register: Any, organs: Any) -> None:
    """The petition ``petition_register`` hands back is the one in the database: the related rows
    it was created with are kept only where the key did not change — an accusation passed to the
    discipline body at registration names that body, not the bureau that received it."""
    petition = register(
        nature="accusation", accused_organ=organs["a-gov"], title="举报市政府", request="请求查处"
    )
    assert petition.current_organ_id == organs["a-discipline"].pk
    assert petition.current_organ == organs["a-discipline"]  # no refresh_from_db here
    assert petition.receiving_organ != organs["a-discipline"]


@pytest.mark.parametrize("target", ["a-housing", "a-housing-child"])
def test_forwarding_to_the_accused_subtree_is_refused(
    register: Any, organs: Any, users: Any, target: str
) -> None:
    if target == "a-housing-child":
        organs[target] = Organ.objects.create(
            code="a-housing-child",
            name="A市住房保障服务中心",
            kind=Organ.Kind.STATE_ENTERPRISE,
            level=Organ.Level.CITY,
            region=organs["a-housing"].region,
            parent=organs["a-housing"],
        )
    accusation = register(nature="accusation", accused_organ=organs["a-housing"], **TEXT)
    with pytest.raises(InvalidInput) as info:
        petition_transition(
            accusation.pk, "forward", actor=users["dispatcher"], data={"organ_id": organs[target].pk}
        )
    assert info.value.field == "organ_id"
    assert Petition.objects.get(pk=accusation.pk).current_organ_id == organs["a-bureau"].pk


# -- finding 5: analysts and /similar ----------------------------------------------------------


def test_analysts_get_no_titles_or_scores_from_similar(
    accusation: Petition, grievance: Petition, client: Client
) -> None:
    response = client.get("/api/v1/similar", {"text": "\n".join(TEXT.values())}, **_token(client, "analyst"))
    assert response.status_code == 403
    assert accusation.title not in response.content.decode()


def test_similar_search_hides_the_accusation_from_the_accused_side(
    accusation: Petition, client: Client
) -> None:
    response = client.get(
        "/api/v1/similar", {"text": "\n".join(TEXT.values())}, **_token(client, "caseworker")
    )
    assert response.status_code == 200
    assert accusation.tracking_code not in response.content.decode()
    response = client.get(
        "/api/v1/similar", {"text": "\n".join(TEXT.values())}, **_token(client, "dispatcher")
    )
    assert accusation.tracking_code in response.content.decode()


# -- red-team review of 2026-12-08: the registration's is_first_time -----------------------------


@pytest.mark.parametrize("username", ["organ_head", "caseworker"])
def test_is_first_time_is_no_oracle_for_the_accused_side(
    client: Client, accusation: Petition, organs: Any, username: str
) -> None:
    """Staff of the accused unit register a probe of their own (an accusation against another
    organ, the accusation's words, a suspect's phone): the stored flag finds the hidden accusation
    (R-050 matches across all petitions), but what they are told must be the same for the
    accuser's phone and for any other — the registration answer, the read, and 简易办理's refusal."""
    headers = _token(client, username)
    seen = {}
    for phone in (ACCUSER_PHONE, OTHER_PHONE):
        body = {
            "channel": "letter",
            "nature": "accusation",
            "accused_organ_id": organs["a-edu"].pk,
            "receiving_organ_id": organs["a-housing"].pk,
            **TEXT,
            "petitioner": {"name": "某甲", "phone": phone},
        }
        response = client.post("/api/v1/petitions", body, content_type="application/json", **headers)
        assert response.status_code == 201, response.content
        probe = Petition.objects.get(pk=response.json()["id"])
        read = client.get(f"/api/v1/petitions/{probe.pk}", **headers).json()
        seen[phone] = (response.json()["is_first_time"], read["is_first_time"])
        if phone == ACCUSER_PHONE:
            assert (probe.is_first_time, probe.first_item_id) == (False, accusation.pk)  # matched
    assert seen[ACCUSER_PHONE] == seen[OTHER_PHONE] == (True, True)


def test_is_first_time_shows_an_earlier_petition_to_whoever_may_see_it(
    client: Client, grievance: Petition, register: Any, users: Any
) -> None:
    from minsheng.petitions.selectors import first_time_for

    repeat = register(title="小区电梯长期停运无人维修", request="请求督促物业修复电梯")
    assert (repeat.is_first_time, repeat.first_item_id) == (False, grievance.pk)
    assert first_time_for(users["dispatcher"], repeat) is False  # the bureau sees both
    assert first_time_for(None, repeat) is False  # the system: the stored flag
    assert first_time_for(users["edu_caseworker"], repeat) is True  # sees neither petition
    body = client.get(f"/api/v1/petitions/{repeat.pk}", **_token(client, "dispatcher")).json()
    assert body["is_first_time"] is False
