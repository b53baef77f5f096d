"""Security review of the workbench: the accuser's identity never reaches the accused organ
(条例 Art. 30(3)) — not through related petitions, suggestions, representatives or documents —
analysts see no case texts, and issued documents keep no plain personal data at rest."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.petitions.models import Petition

pytestmark = pytest.mark.django_db


def _client(users: dict[str, Any], username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


@pytest.fixture
def gov_caseworker(users: dict[str, Any], organs: Any) -> Any:
    """A caseworker of the city government only: not on the accused side of a-housing."""
    from django.contrib.auth import get_user_model

    from minsheng.orgs.models import Role, StaffMembership

    user = get_user_model().objects.create_user("gov_only_caseworker", password="test-password-123")
    StaffMembership.objects.create(user=user, organ=organs["a-gov"], role=Role.CASEWORKER)
    users["gov_only_caseworker"] = user
    return user


@pytest.fixture
def accusation(register: Any, act: Any, organs: Any) -> Petition:
    """An accusation against a-housing, forwarded to the city government. ``caseworker`` (posts in
    both a-gov and a-housing) and the city's leader and supervisor (oversight above a-housing) are
    on the accused side: for them it does not exist."""
    petition = register(
        nature="accusation",
        accused_organ=organs["a-housing"],
        title="举报住建局某科长索要好处费",
        request="请求查处住建局某科长",
    )
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    return Petition.objects.get(pk=petition.pk)


@pytest.fixture
def grievance(register: Any, act: Any, organs: Any) -> Petition:
    """Another petition of the same petitioner, handled by the accused organ itself."""
    petition = register(title="小区电梯长期停运无人维修")
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return Petition.objects.get(pk=petition.pk)


def test_related_petitions_of_the_accuser_are_hidden_from_the_accused_organ(
    users: Any, accusation: Petition, grievance: Petition
) -> None:
    assert accusation.petitioner_id == grievance.petitioner_id
    for accused_side in ("caseworker", "organ_head", "supervisor", "leader"):
        page = _client(users, accused_side).get(reverse("workbench:petition", args=[accusation.pk]))
        assert page.status_code == 404, accused_side
    # The grievance (handled by the accused organ) does not lead to the accusation.
    page = _client(users, "caseworker").get(reverse("workbench:petition", args=[grievance.pk]))
    assert page.status_code == 200
    assert accusation.pk not in [p.pk for p in page.context["related"]]
    assert accusation.tracking_code not in page.content.decode()
    # Staff outside the accused side still see the petitioner's other petitions.
    page = _client(users, "dispatcher").get(reverse("workbench:petition", args=[accusation.pk]))
    assert [p.pk for p in page.context["related"]] == [grievance.pk]


def test_same_petitioner_suggestions_are_hidden_from_the_accused_organ(
    users: Any, accusation: Petition, grievance: Petition
) -> None:
    accusation.suggestions = {
        "similar": [{"id": grievance.pk, "tracking_code": grievance.tracking_code, "score": 0.91}]
    }
    accusation.save(update_fields=["suggestions"])
    grievance.suggestions = {
        "similar": [{"id": accusation.pk, "tracking_code": accusation.tracking_code, "score": 0.91}]
    }
    grievance.save(update_fields=["suggestions"])
    text = (
        _client(users, "caseworker").get(reverse("workbench:petition", args=[grievance.pk])).content.decode()
    )
    assert accusation.tracking_code not in text
    assert "同一信访人重复信访" not in text
    text = (
        _client(users, "dispatcher").get(reverse("workbench:petition", args=[accusation.pk])).content.decode()
    )
    assert grievance.tracking_code in text and "同一信访人重复信访" in text


def test_suggestions_link_only_to_visible_petitions(
    users: Any, register: Any, act: Any, organs: Any, grievance: Petition
) -> None:
    """An invisible similar petition is shown by its tracking code only: no link, no title."""
    other = register(title="另一机关办理的相似事项", petitioner=None)
    act(other, "forward", "dispatcher", organ_id=organs["a-hrss"].pk)
    grievance.suggestions = {
        "similar": [
            {"id": other.pk, "tracking_code": other.tracking_code, "score": 0.8, "relation": "similar"}
        ]
    }
    grievance.save(update_fields=["suggestions"])
    html = _client(users, "caseworker").get(reverse("workbench:petition", args=[grievance.pk])).content
    text = html.decode()
    assert other.tracking_code in text
    assert reverse("workbench:petition", args=[other.pk]) not in text
    assert other.title not in text


def test_representatives_are_hidden_from_the_accused_organ(
    register: Any, act: Any, organs: Any, users: Any
) -> None:
    petition = register(
        nature="accusation",
        accused_organ=organs["a-housing"],
        title="举报住建局某科长",
        is_collective=True,
        persons_involved=6,
        representatives=[{"name": "欧阳锋", "phone": "13900139000"}],
    )
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    response = _client(users, "caseworker").get(reverse("workbench:petition", args=[petition.pk]))
    assert response.status_code == 404
    assert "欧" not in response.content.decode()
    html = _client(users, "dispatcher").get(reverse("workbench:petition", args=[petition.pk])).content
    assert "欧**" in html.decode()


def _docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_documents_of_an_accusation_never_reach_the_accused_side(
    users: Any, act: Any, accusation: Petition, gov_caseworker: Any
) -> None:
    act(accusation, "receive", "gov_only_caseworker")
    act(accusation, "accept", "gov_only_caseworker")
    url = reverse("workbench:document", args=[accusation.pk, "accept_notice", "docx"])
    response = _client(users, "caseworker").post(url)
    assert response.status_code == 404
    assert "李" not in response.content.decode("utf-8", "replace")
    # The city government's own caseworker issues the petitioner's copy, which names him.
    response = _client(users, "gov_only_caseworker").post(url)
    assert response.status_code == 200
    assert "李四" in _docx_text(response.content)


def test_issued_documents_keep_no_plain_name_at_rest(
    users: Any, act: Any, accusation: Petition, gov_caseworker: Any
) -> None:
    from minsheng.documents.models import IssuedDocument
    from minsheng.documents.services import render_document

    act(accusation, "receive", "gov_only_caseworker")
    act(accusation, "accept", "gov_only_caseworker")
    data, _name, _type = render_document(Petition.objects.get(pk=accusation.pk), "accept_notice", "docx")
    assert "李四" in _docx_text(data)  # the petitioner's own copy names him
    issued = IssuedDocument.objects.get(petition=accusation)
    assert "李四" not in str(issued.context)


def test_issued_documents_are_read_only_in_the_admin(
    users: Any, act: Any, accusation: Petition, gov_caseworker: Any
) -> None:
    from minsheng.documents.models import IssuedDocument
    from minsheng.documents.services import document_issue

    act(accusation, "receive", "gov_only_caseworker")
    act(accusation, "accept", "gov_only_caseworker")
    issued = document_issue(Petition.objects.get(pk=accusation.pk), "accept_notice")
    client = _client(users, "admin")
    url = reverse("admin:documents_issueddocument_delete", args=[issued.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert IssuedDocument.objects.filter(pk=issued.pk).exists()


@pytest.mark.parametrize("name", ["workbench:petition", "workbench:petitioner"])
def test_analysts_do_not_read_case_pages(users: Any, grievance: Petition, name: str) -> None:
    response = _client(users, "analyst").get(reverse(name, args=[grievance.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 404


def test_analysts_do_not_export_or_list_case_texts(users: Any, grievance: Petition) -> None:
    client = _client(users, "analyst")
    assert client.get(reverse("workbench:export")).status_code == 403
    response = client.get(reverse("workbench:petitions"))
    assert response.status_code == 403 or grievance.title not in response.content.decode()
