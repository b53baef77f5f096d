"""Attachments on the workbench and the API (masked names, download with a logged reason), the
document reveal log, and the access-log pages (workbench and admin)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.petitions.attachments import attachment_store
from minsheng.petitions.models import PersonalDataAccess, Petition

pytestmark = pytest.mark.django_db

ORIGINAL = "李四_身份证正反面.jpg"
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 100
PASSWORD = "test-password-123"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _client(users: dict[str, Any], username: str) -> Client:
    client = Client()
    client.force_login(users[username])
    return client


@pytest.fixture
def grievance(register: Any, act: Any, organs: Any) -> Petition:
    petition = register()
    attachment_store(petition, content=JPEG, content_type="image/jpeg", original_name=ORIGINAL)
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    return Petition.objects.get(pk=petition.pk)


@pytest.fixture
def accusation(register: Any, act: Any, organs: Any) -> Petition:
    """An accusation against A市住房和城乡建设局, forwarded to the city government; the caseworker
    holds posts in both, so he is on the accused side."""
    from minsheng.petitions.services import PetitionerInput

    petition = register(
        nature="accusation",
        accused_organ=organs["a-housing"],
        title="举报住建局某科长索要好处费",
        request="请求查处住建局某科长",
        petitioner=PetitionerInput(name="王五", phone="13900139000", address="A市A1区"),
    )
    attachment_store(petition, content=JPEG, content_type="image/jpeg", original_name=ORIGINAL)
    act(petition, "forward", "dispatcher", organ_id=organs["a-gov"].pk)
    return Petition.objects.get(pk=petition.pk)


def _download_url(petition: Petition) -> str:
    return reverse("workbench:attachment", args=[petition.pk, petition.attachments.get().pk])


# ---- workbench ------------------------------------------------------------------------------


def test_identity_staff_see_a_masked_name_and_download_with_a_logged_reason(
    users: Any, organs: Any, grievance: Petition
) -> None:
    client = _client(users, "dispatcher")
    page = client.get(reverse("workbench:petition", args=[grievance.pk])).content.decode()
    assert "附件1.jpg" in page and ORIGINAL not in page and "身份证正反面" not in page
    form = client.get(_download_url(grievance))
    assert form.status_code == 200 and ORIGINAL not in form.content.decode()
    assert PersonalDataAccess.objects.count() == 0

    refused = client.post(_download_url(grievance), {"reason": "  "})
    assert refused.status_code == 422 and PersonalDataAccess.objects.count() == 0

    response = client.post(_download_url(grievance), {"reason": "核实身份证明"})
    assert response.status_code == 200
    assert response.content == JPEG
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    row = PersonalDataAccess.objects.get()
    assert (row.kind, row.reason, row.user, row.attachment_id) == (
        "download",
        "核实身份证明",
        users["dispatcher"],
        grievance.attachments.get().pk,
    )
    assert row.organ == organs["a-bureau"] and row.flagged is False


@pytest.mark.parametrize("username", ["admin", "supervisor"])
def test_masked_staff_see_the_masked_name_and_may_not_download(
    users: Any, grievance: Petition, username: str
) -> None:
    client = _client(users, username)
    page = client.get(reverse("workbench:petition", args=[grievance.pk])).content.decode()
    assert "附件1.jpg" in page and ORIGINAL not in page
    assert _download_url(grievance) not in page
    assert client.post(_download_url(grievance), {"reason": "看看"}).status_code == 403
    assert PersonalDataAccess.objects.count() == 0


def test_staff_who_may_not_see_the_petition_get_404(users: Any, grievance: Petition) -> None:
    client = _client(users, "hrss_caseworker")
    assert client.get(_download_url(grievance)).status_code == 404
    assert client.post(_download_url(grievance), {"reason": "看看"}).status_code == 404
    assert PersonalDataAccess.objects.count() == 0


def test_the_accused_organ_never_sees_the_attachments(users: Any, accusation: Petition) -> None:
    client = _client(users, "caseworker")
    page = client.get(reverse("workbench:petition", args=[accusation.pk]))
    text = page.content.decode()
    assert page.status_code in (200, 404)  # hidden completely, or shown without the accuser
    assert ORIGINAL not in text and "附件1.jpg" not in text
    assert client.get(_download_url(accusation)).status_code == 404
    assert client.post(_download_url(accusation), {"reason": "核实"}).status_code == 404
    assert PersonalDataAccess.objects.count() == 0


def test_downloads_about_an_accuser_are_flagged(users: Any, accusation: Petition) -> None:
    response = _client(users, "dispatcher").post(_download_url(accusation), {"reason": "转送前核实材料"})
    assert response.status_code == 200 and response.content == JPEG
    assert PersonalDataAccess.objects.get().flagged is True


# ---- API ------------------------------------------------------------------------------------


def _token(username: str) -> dict[str, str]:
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def test_api_lists_masked_names_and_downloads_with_a_reason(
    client: Client, users: Any, grievance: Petition
) -> None:
    auth = _token("dispatcher")
    listed = client.get(f"/api/v1/petitions/{grievance.pk}/attachments", **auth)
    assert listed.status_code == 200
    [item] = listed.json()
    assert item["name"] == "附件1.jpg" and item["downloadable"] is True
    assert ORIGINAL not in listed.content.decode()

    url = f"/api/v1/petitions/{grievance.pk}/attachments/{item['id']}"
    assert client.get(url, **auth).status_code == 422
    assert client.get(url, {"reason": " "}, **auth).status_code == 422
    assert PersonalDataAccess.objects.count() == 0
    response = client.get(url, {"reason": "电话核实"}, **auth)
    assert response.status_code == 200 and response.content == JPEG
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    row = PersonalDataAccess.objects.get()
    assert row.kind == "download" and row.reason == "电话核实"


def test_api_refuses_masked_and_invisible_callers(client: Client, users: Any, grievance: Petition) -> None:
    aid = grievance.attachments.get().pk
    url = f"/api/v1/petitions/{grievance.pk}/attachments/{aid}"
    supervisor = _token("supervisor")
    listed = client.get(f"/api/v1/petitions/{grievance.pk}/attachments", **supervisor).json()
    assert [i["name"] for i in listed] == ["附件1.jpg"] and listed[0]["downloadable"] is False
    assert client.get(url, {"reason": "看看"}, **supervisor).status_code == 403
    assert client.get(url, {"reason": "看看"}, **_token("hrss_caseworker")).status_code == 404
    assert PersonalDataAccess.objects.count() == 0


def test_api_hides_attachments_from_the_accused_organ(
    client: Client, users: Any, accusation: Petition
) -> None:
    auth = _token("caseworker")
    aid = accusation.attachments.get().pk
    listed = client.get(f"/api/v1/petitions/{accusation.pk}/attachments", **auth)
    assert listed.status_code == 404 or listed.json() == []
    response = client.get(f"/api/v1/petitions/{accusation.pk}/attachments/{aid}", {"reason": "核实"}, **auth)
    assert response.status_code == 404
    assert PersonalDataAccess.objects.count() == 0


# ---- documents ------------------------------------------------------------------------------


def test_a_document_with_the_full_name_is_logged(users: Any, act: Any, grievance: Petition) -> None:
    from minsheng.documents.services import render_document

    act(grievance, "receive", "caseworker")
    act(grievance, "accept", "caseworker")
    url = reverse("workbench:document", args=[grievance.pk, "accept_notice", "docx"])
    assert _client(users, "caseworker").post(url).status_code == 200
    row = PersonalDataAccess.objects.get()
    assert row.kind == "document" and row.user == users["caseworker"] and row.fields == ["name"]
    assert "受理告知书" in row.reason or row.reason.startswith("出具文书")
    # The masked copy (a supervisor) and the petitioner's own copy (no actor) are not logged.
    assert _client(users, "supervisor").post(url).status_code == 200
    render_document(Petition.objects.get(pk=grievance.pk), "accept_notice", "pdf")
    assert PersonalDataAccess.objects.count() == 1


# ---- the log --------------------------------------------------------------------------------


@pytest.fixture
def logged(users: Any, grievance: Petition, accusation: Petition) -> None:
    from minsheng.petitions.access_log import record_access

    record_access(users["dispatcher"], grievance, kind="reveal", reason="电话告知受理", fields=["name"])
    record_access(users["registrar"], accusation, kind="download", reason="核实材料", fields=["attachment"])


def test_the_access_log_page_filters_and_highlights(
    users: Any, logged: None, grievance: Petition, accusation: Petition
) -> None:
    client = _client(users, "admin")
    page = client.get(reverse("workbench:access_log"))
    assert page.status_code == 200
    text = page.content.decode()
    assert grievance.tracking_code in text and accusation.tracking_code in text
    assert text.count('class="dl-overdue flagged"') == 1
    flagged = client.get(reverse("workbench:access_log"), {"flagged": "1"}).content.decode()
    assert accusation.tracking_code in flagged and grievance.tracking_code not in flagged
    by_kind = client.get(reverse("workbench:access_log"), {"kind": "reveal"}).content.decode()
    assert grievance.tracking_code in by_kind and accusation.tracking_code not in by_kind
    by_code = client.get(reverse("workbench:access_log"), {"q": grievance.tracking_code}).content.decode()
    assert grievance.tracking_code in by_code and accusation.tracking_code not in by_code
    by_user = client.get(reverse("workbench:access_log"), {"user": "registrar"}).content.decode()
    assert accusation.tracking_code in by_user and grievance.tracking_code not in by_user
    by_date = client.get(reverse("workbench:access_log"), {"to": "2000-01-01"}).content.decode()
    assert grievance.tracking_code not in by_date


def test_a_supervisor_on_the_accused_side_reads_nothing_of_the_accusation_in_the_log(
    users: Any, register: Any, act: Any, organs: Any, accusation: Petition
) -> None:
    """R-150: the supervisor of A市政府 oversees 住建局, the accused unit, so for him the accusation
    does not exist — nor do the reads of it, nor the fact that a petitioner he can see accused
    someone (the stored flag says so: an administrator still sees it)."""
    from minsheng.petitions.access_log import access_log_rows, record_access
    from minsheng.petitions.selectors import petitions_visible_to

    same_person = register(petitioner=None, existing_petitioner=accusation.petitioner, title="小区噪音")
    act(same_person, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    record_access(users["registrar"], accusation, kind="reveal", reason="电话联系举报人王五", fields=["name"])
    record_access(users["dispatcher"], same_person, kind="reveal", reason="电话告知受理", fields=["name"])
    supervisor = users["supervisor"]
    assert not petitions_visible_to(supervisor).filter(pk=accusation.pk).exists()
    rows = list(access_log_rows(supervisor))
    assert [(r.petition_id, r.flag_shown) for r in rows] == [(same_person.pk, False)]
    page = _client(users, "supervisor").get(reverse("workbench:access_log")).content.decode()
    assert accusation.tracking_code not in page and "王五" not in page and 'class="flag red"' not in page
    assert same_person.tracking_code in page
    from minsheng.petitions.access_log import AccessLogFilters

    assert not access_log_rows(supervisor, AccessLogFilters(flagged=True)).exists()
    admin = {r.petition_id: r.flag_shown for r in access_log_rows(users["admin"])}
    assert admin == {accusation.pk: True, same_person.pk: True}


def test_the_access_log_page_is_for_admins_and_supervisors(users: Any, logged: None) -> None:
    assert _client(users, "supervisor").get(reverse("workbench:access_log")).status_code == 200
    for username in ("caseworker", "dispatcher", "analyst"):
        assert _client(users, username).get(reverse("workbench:access_log")).status_code == 403


def test_the_admin_log_is_read_only(users: Any, logged: None) -> None:
    client = _client(users, "admin")
    row = PersonalDataAccess.objects.first()
    assert row is not None
    listing = client.get(reverse("admin:petitions_personaldataaccess_changelist"), {"flagged__exact": "1"})
    assert listing.status_code == 200
    assert (
        client.get(reverse("admin:petitions_personaldataaccess_changelist"), {"q": "registrar"}).status_code
        == 200
    )
    assert client.get(reverse("admin:petitions_personaldataaccess_add")).status_code == 403
    change = reverse("admin:petitions_personaldataaccess_change", args=[row.pk])
    assert client.get(change).status_code == 200  # view only
    assert client.post(change, {"reason": "改写"}).status_code == 403
    delete = reverse("admin:petitions_personaldataaccess_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert PersonalDataAccess.objects.filter(pk=row.pk, reason=row.reason).exists()
