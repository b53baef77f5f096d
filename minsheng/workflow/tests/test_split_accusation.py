"""A mixed letter (Art. 30; R-150): the bureau splits the accusation part off a grievance. The
grievance goes on to the competent organ without any accusation text; the accusation, a new
petition of the same petitioner, goes to the discipline body; the link is seen only by the
bureau and the discipline body, never by the accused side."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.intelligence.models import SimilarityEntry
from minsheng.orgs.models import Role, StaffMembership
from minsheng.petitions.models import Petition
from minsheng.search.models import SearchDocument
from minsheng.workflow.models import AccusationSplit, PetitionEvent
from minsheng.workflow.services import petition_transition

pytestmark = pytest.mark.django_db

SECRET = "好处费"  # occurs only in the accusation part
MIXED = {
    "title": "申请公租房多年未批，且住建局科长索要好处费",
    "request": "请求尽快审批我的公租房申请；请求查处住建局住房保障科科长索要好处费的问题",
    "facts": "本人2023年申请公租房至今未获审批。住房保障科某科长暗示要交三万元好处费才能排上号。",
}
SPLIT = {
    "accusation_title": "举报住建局住房保障科科长索要好处费",
    "accusation_request": "请求查处住房保障科科长利用分配保障房之机索要好处费的问题",
    "accusation_facts": "某科长暗示要交三万元好处费才能排上号。",
    "accused_person": "住房保障科某科长",
    "grievance_title": "申请公租房多年未获审批",
    "grievance_request": "请求尽快审批我的公租房申请",
    "grievance_facts": "本人2023年申请公租房至今未获审批。",
}


def _staff(username: str, organ: Any, role: str) -> Any:
    user = get_user_model().objects.create_user(username, password="test-password-123")
    StaffMembership.objects.create(user=user, organ=organ, role=role)
    return user


def _auth(user: Any) -> dict[str, str]:
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"username": user.get_username(), "password": "test-password-123"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def _get(user: Any, petition_id: int) -> Any:
    return Client().get(f"/api/v1/petitions/{petition_id}", **_auth(user))


def _search(user: Any, q: str) -> set[int]:
    response = Client().get("/api/v1/petitions", {"q": q}, **_auth(user))
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def split(register: Any, organs: Any, users: Any) -> tuple[Petition, Petition]:
    original = register(**MIXED)
    petition_transition(original.pk, "triage", actor=users["dispatcher"])
    done = petition_transition(
        original.pk,
        "split_accusation",
        actor=users["dispatcher"],
        data={**SPLIT, "accused_organ_id": organs["a-housing"].pk},
    )
    link = AccusationSplit.objects.get(grievance=done)
    return done, link.accusation


def test_the_accusation_becomes_its_own_petition_at_the_discipline_body(
    split: tuple[Petition, Petition], organs: Any
) -> None:
    grievance, accusation = split
    assert accusation.nature == "accusation"
    assert accusation.petitioner_id == grievance.petitioner_id  # the same petitioner record
    assert accusation.received_at == grievance.received_at
    assert accusation.accused_organ == organs["a-housing"]
    assert accusation.state == "routed_discipline"
    assert accusation.current_organ == organs["a-discipline"]
    assert list(accusation.events.values_list("action", flat=True)) == ["register", "route_discipline"]
    # the grievance stays at the bureau, in triage, to be forwarded as usual
    assert grievance.state == "bureau_triage"
    assert grievance.current_organ == organs["a-bureau"]
    assert grievance.nature == "grievance"


def test_no_accusation_text_remains_on_the_grievance(split: tuple[Petition, Petition]) -> None:
    grievance, accusation = split
    grievance.refresh_from_db()
    assert SECRET not in grievance.text + grievance.accused_person
    assert grievance.accused_organ_id is None
    assert SECRET not in json.dumps(grievance.suggestions, ensure_ascii=False)
    assert SECRET not in SimilarityEntry.objects.get(pk=grievance.pk).compact
    assert SECRET in SimilarityEntry.objects.get(pk=accusation.pk).compact
    assert SearchDocument.objects.get(pk=grievance.pk).text_hash != ""
    event = PetitionEvent.objects.get(petition=grievance, action="split_accusation")
    assert event.data == {"split": True, "accusation_petition_id": accusation.pk, "attachments_moved": 0}
    assert event.is_public is False
    for row in PetitionEvent.objects.filter(petition=grievance):
        assert SECRET not in json.dumps(row.data, ensure_ascii=False)


def test_search_for_a_word_of_the_accusation_does_not_find_the_grievance(
    split: tuple[Petition, Petition], users: Any
) -> None:
    grievance, accusation = split
    found = _search(users["dispatcher"], SECRET)
    assert grievance.pk not in found
    assert _search(users["dispatcher"], "公租房") >= {grievance.pk}
    found = _search(users["discipline_caseworker"], SECRET)
    assert accusation.pk in found and grievance.pk not in found


def test_competent_organ_sees_the_grievance_without_accusation_or_link(
    split: tuple[Petition, Petition], organs: Any, users: Any
) -> None:
    grievance, accusation = split
    petition_transition(
        grievance.pk, "forward", actor=users["dispatcher"], data={"organ_id": organs["a-hrss"].pk}
    )
    competent = _staff("split_hrss_cw", organs["a-hrss"], Role.CASEWORKER)
    response = _get(competent, grievance.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["split_links"] == []
    assert "split_accusation" not in [e["action"] for e in body["timeline"]]
    assert SECRET not in response.content.decode()
    assert str(accusation.tracking_code) not in response.content.decode()
    assert _get(competent, accusation.pk).status_code == 404
    page = Client()
    page.force_login(competent)
    html = page.get(f"/workbench/petition/{grievance.pk}/").content.decode()
    assert SECRET not in html and "来信拆分" not in html and accusation.tracking_code not in html


def test_bureau_and_discipline_body_see_the_link(split: tuple[Petition, Petition], users: Any) -> None:
    grievance, accusation = split
    bureau = _get(users["dispatcher"], grievance.pk).json()
    assert [(x["kind"], x["petition_id"]) for x in bureau["split_links"]] == [("accusation", accusation.pk)]
    assert "split_accusation" in [e["action"] for e in bureau["timeline"]]
    discipline = _get(users["discipline_caseworker"], accusation.pk).json()
    assert [(x["kind"], x["petition_id"]) for x in discipline["split_links"]] == [("grievance", grievance.pk)]
    page = Client()
    page.force_login(users["dispatcher"])
    html = page.get(f"/workbench/petition/{grievance.pk}/").content.decode()
    assert "来信拆分" in html and accusation.tracking_code in html


@pytest.mark.parametrize("username", ["caseworker", "organ_head", "leader", "supervisor"])
def test_the_accused_side_sees_nothing(split: tuple[Petition, Petition], users: Any, username: str) -> None:
    grievance, accusation = split
    assert _get(users[username], accusation.pk).status_code == 404
    response = _get(users[username], grievance.pk)
    if response.status_code == 200:  # the grievance is in his scope: no link, no trace
        assert response.json()["split_links"] == []
        assert SECRET not in response.content.decode()
        assert accusation.tracking_code not in response.content.decode()


def test_split_is_refused_outside_the_bureau_and_checks_its_input(
    register: Any, organs: Any, users: Any
) -> None:
    original = register(**MIXED)
    with pytest.raises(Forbidden):
        petition_transition(original.pk, "split_accusation", actor=users["registrar"], data=SPLIT)
    with pytest.raises(InvalidInput) as info:
        petition_transition(
            original.pk,
            "split_accusation",
            actor=users["dispatcher"],
            data={**SPLIT, "discipline_organ_id": organs["a-housing"].pk},
        )
    assert info.value.field == "discipline_organ_id"
    with pytest.raises(InvalidInput) as info:
        petition_transition(
            original.pk,
            "split_accusation",
            actor=users["dispatcher"],
            data={**SPLIT, "grievance_request": ""},
        )
    assert info.value.field == "grievance_request"
    assert Petition.objects.count() == 1
    assert Petition.objects.get(pk=original.pk).request == MIXED["request"]


def test_the_accused_unit_gets_the_grievance_without_the_letter_or_a_trace_of_the_split(
    register: Any, organs: Any, users: Any
) -> None:
    """R-150 after a split, for the accused unit handling the grievance part: the files handed in
    (the letter) went with the accusation; the bureau's notes written before the split (which
    quote the whole letter) are not on its timeline or notes; the ETag counts only the events it
    is shown — so nothing tells it that the petitioner accused it. The bureau still sees it all."""
    from minsheng.petitions.models import Attachment

    original = register(**MIXED)
    Attachment.objects.create(
        petition=original, file="attachments/letter.jpg", original_name="举报信.jpg",
        content_type="image/jpeg", size=10, sha256="0" * 64,
    )  # fmt: skip
    petition_transition(original.pk, "triage", actor=users["dispatcher"])
    petition_transition(
        original.pk, "note", actor=users["dispatcher"], data={"text": f"来信还反映科长索要{SECRET}"}
    )
    petition_transition(
        original.pk,
        "split_accusation",
        actor=users["dispatcher"],
        data={**SPLIT, "accused_organ_id": organs["a-housing"].pk},
    )
    accusation = AccusationSplit.objects.get(grievance_id=original.pk).accusation
    assert list(Attachment.objects.filter(petition=accusation).values_list("original_name", flat=True)) == [
        "举报信.jpg"
    ]
    assert not Attachment.objects.filter(petition_id=original.pk).exists()
    petition_transition(
        original.pk, "forward", actor=users["dispatcher"], data={"organ_id": organs["a-housing"].pk}
    )

    caseworker = _auth(users["caseworker"])
    response = Client().get(f"/api/v1/petitions/{original.pk}", **caseworker)
    assert response.status_code == 200
    body = response.json()
    assert SECRET not in response.content.decode()
    actions = [e["action"] for e in body["timeline"]]
    assert "split_accusation" not in actions and "note" not in actions
    version = response["ETag"].strip('"').split(".")[0]
    assert version == f"{len(body['timeline'])}-{max(e['id'] for e in body['timeline'])}"
    notes = Client().get(f"/api/v1/petitions/{original.pk}/notes", **caseworker).json()
    assert notes == []
    files = Client().get(f"/api/v1/petitions/{original.pk}/attachments", **caseworker)
    assert files.status_code == 200 and files.json() == []
    # his ETag is a valid If-Match for his own act (not a 412 for the events he is not shown)
    added = Client().post(
        f"/api/v1/petitions/{original.pk}/notes", json.dumps({"text": "已收到"}),
        content_type="application/json", HTTP_IF_MATCH=response["ETag"], **caseworker,
    )  # fmt: skip
    assert added.status_code == 201, added.content
    page = Client()
    page.force_login(users["caseworker"])
    assert SECRET not in page.get(f"/workbench/petition/{original.pk}/").content.decode()

    bureau = _get(users["dispatcher"], original.pk).json()
    bureau_actions = [e["action"] for e in bureau["timeline"]]
    assert "split_accusation" in bureau_actions and bureau_actions.count("note") == 2
    # Only what was written before this letter's split is hidden: his own note stays his after
    # later events of this petition and after another letter is split at the bureau.
    petition_transition(original.pk, "receive", actor=users["caseworker"])
    other = register(**MIXED)
    petition_transition(other.pk, "triage", actor=users["dispatcher"])
    petition_transition(
        other.pk,
        "split_accusation",
        actor=users["dispatcher"],
        data={**SPLIT, "accused_organ_id": organs["a-housing"].pk},
    )
    petition_transition(other.pk, "note", actor=users["dispatcher"], data={"text": "另一件来信的备注"})
    mine = Client().get(f"/api/v1/petitions/{original.pk}/notes", **caseworker).json()
    assert [n["text"] for n in mine] == ["已收到"]
    seen = [
        e["action"] for e in Client().get(f"/api/v1/petitions/{original.pk}", **caseworker).json()["timeline"]
    ]
    assert seen[:2] == ["register", "triage"] and seen.count("note") == 1 and "receive" in seen
