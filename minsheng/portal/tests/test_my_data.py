"""我的个人信息 (PIPL Arts. 44-45, R-156): a petitioner signed in by phone gets his own data and
who viewed it, minus what is withheld (with reasons); never another person's data, never
accusation materials; every request is recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from minsheng.core.crypto import blind_index
from minsheng.petitions.models import DataAccessRequest, Petition
from minsheng.petitions.services import PetitionerInput

pytestmark = pytest.mark.django_db

A_PHONE = "13800138000"  # 李四, the register fixture's petitioner
B_PHONE = "13900139000"


def _citizen(phone: str) -> Client:
    user, _created = get_user_model().objects.get_or_create(username="citizen-" + blind_index(phone))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cases(register: Any, act: Any, organs: Any, users: Any) -> dict[str, Petition]:
    """A (李四) files a grievance; B (王五) accuses 李四 of the housing bureau; the dispatcher
    reveals A's identity once (a logged view)."""
    from minsheng.petitions.selectors import petitioner_reveal

    mine = register(title="小区电梯长期停运无人维修")
    other = register(
        nature="accusation",
        accused_organ=organs["a-housing"],
        accused_person="李四",
        title="举报住建局李四索要好处费",
        request="请求查处李四",
        petitioner=PetitionerInput(
            name="王五", phone=B_PHONE, address="A市A1区东风路8号", id_number="110101198001011232"
        ),
    )
    petitioner_reveal(users["dispatcher"], mine, reason="电话告知受理情况")
    return {"mine": mine, "other": other}


def test_the_page_needs_a_citizen_sign_in(client: Client, users: Any) -> None:
    assert client.get(reverse("portal:my_data")).url == reverse("portal:login")
    staff = Client()
    staff.force_login(users["dispatcher"])
    assert staff.post(reverse("portal:my_data"), {"scope": "own_data"}).status_code == 302
    assert DataAccessRequest.objects.count() == 0


def test_get_shows_the_form_and_the_reasons_only(cases: dict[str, Petition]) -> None:
    page = _citizen(A_PHONE).get(reverse("portal:my_data")).content.decode()
    assert "关于我的检举控告材料" in page and "第三十条第三款" in page and "第三十五条" in page
    assert "李四" not in page and cases["mine"].tracking_code not in page
    assert DataAccessRequest.objects.count() == 0


def test_own_data_is_released_without_other_peoples_data(
    cases: dict[str, Petition], organs: Any, users: Any
) -> None:
    response = _citizen(A_PHONE).post(reverse("portal:my_data"), {"scope": "own_data", "format": "html"})
    assert response.status_code == 200
    page = response.content.decode()
    # Own data: name, phone, address, ID number partly masked, the petition, who viewed it.
    assert "李四" in page and A_PHONE in page and "幸福小区3栋" in page
    assert "1101**********4514" in page and "110101199003074514" not in page
    assert cases["mine"].tracking_code in page and "小区电梯长期停运无人维修" in page
    assert organs["a-bureau"].name in page
    # Never the staff member, his reason, the accuser or the accusation about him.
    assert "李转办" not in page and "dispatcher" not in page and "电话告知受理情况" not in page
    assert "王五" not in page and B_PHONE not in page and cases["other"].tracking_code not in page
    assert "好处费" not in page
    row = DataAccessRequest.objects.get()
    assert (row.scope, row.outcome, row.phone_index) == ("own_data", "released", blind_index(A_PHONE))
    assert row.released["petitions"] == [cases["mine"].tracking_code]
    assert row.released["access_rows"] == 1 and "李四" not in json.dumps(row.released, ensure_ascii=False)


def test_the_accuser_gets_only_his_own_data(cases: dict[str, Petition]) -> None:
    page = _citizen(B_PHONE).post(reverse("portal:my_data"), {"scope": "own_data"}).content.decode()
    assert "王五" in page and cases["other"].tracking_code in page
    assert A_PHONE not in page and "幸福小区" not in page and cases["mine"].tracking_code not in page
    assert "110101199003074514" not in page and "1101**********4514" not in page


def test_a_stranger_gets_nothing(cases: dict[str, Petition]) -> None:
    page = _citizen("13700137000").post(reverse("portal:my_data"), {"scope": "own_data"}).content.decode()
    assert "没有以此手机号码登记的信访人信息" in page
    for value in (
        "李四",
        "王五",
        A_PHONE,
        B_PHONE,
        cases["mine"].tracking_code,
        cases["other"].tracking_code,
    ):
        assert value not in page


def test_json_download(cases: dict[str, Petition]) -> None:
    response = _citizen(A_PHONE).post(reverse("portal:my_data"), {"scope": "own_data", "format": "json"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["petitioners"][0]["name"] == "李四"
    assert data["petitioners"][0]["id_number"] == "1101**********4514"
    assert [p["tracking_code"] for p in data["petitions"]] == [cases["mine"].tracking_code]
    assert data["accesses"][0]["organ"] and "user" not in data["accesses"][0]
    assert {w["what"] for w in data["withheld"]} and "王五" not in response.content.decode()
    assert DataAccessRequest.objects.get().output_format == "json"


@pytest.mark.parametrize("phone", [A_PHONE, "13700137000"])
def test_accusation_materials_about_me_are_always_refused_and_recorded(
    cases: dict[str, Petition], phone: str
) -> None:
    """The same refusal whether or not an accusation names the requester (no oracle)."""
    response = _citizen(phone).post(reverse("portal:my_data"), {"scope": "about_me"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "不予提供" in page and "第三十条第三款" in page
    assert "王五" not in page and cases["other"].tracking_code not in page and "好处费" not in page
    assert "李四" not in page
    row = DataAccessRequest.objects.get()
    assert (row.scope, row.outcome, row.released) == ("about_me", "refused", {})
    assert "第三十条第三款" in row.refusal_basis


def test_an_unknown_scope_is_an_error(cases: dict[str, Petition]) -> None:
    response = _citizen(A_PHONE).post(reverse("portal:my_data"), {"scope": "everything"})
    assert response.status_code == 422 and DataAccessRequest.objects.count() == 0
