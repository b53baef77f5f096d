"""Personal data (review of 2026-12-07): the names recorded with petitions are masked in the texts
shown beside a 稳评 decision and on the 同案不同处理 page (readers who may not open the cases, or may
not reveal identities); a phone number written in a petition's text is no search term (an oracle
for whoever may not see identities); a refused e-mail's address is not kept in clear in the
outbox's error or the log."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from minsheng.api.tests.auth import api_token
from minsheng.intelligence.similarity import similarity_index_petition
from minsheng.orgs.models import Region
from minsheng.petitions.services import PetitionerInput
from minsheng.stability.models import MajorDecision

pytestmark = pytest.mark.django_db


def test_a_decisions_evidence_masks_the_names_of_the_petitions_it_lists(world: Any, register: Any) -> None:
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    petition = register(title="李四反映旧城改造征收补偿过低", request="请求提高补偿", region=district)
    web = Client()
    web.force_login(world.users["hrss_caseworker"])
    assert web.get(f"/workbench/petition/{petition.pk}/").status_code == 404  # not his to open
    web.post(
        reverse("workbench:stability"),
        {
            "title": "旧城改造房屋征收",
            "kind": "demolition",
            "organ": world.organs["a-hrss"].pk,
            "region": district.pk,
            "keywords": "征收，拆迁",
            "scope": "征收住宅320户",
            "planned_date": "2026-12-31",
            "legal_basis": "《重大行政决策程序暂行条例》第二十二条",
        },
    )
    decision = MajorDecision.objects.get()
    page = web.get(reverse("workbench:stability_decision", args=[decision.pk])).content.decode()
    assert "某某反映旧城改造征收补偿过低" in page and "李四" not in page


def test_a_phone_number_in_the_text_is_no_search_term(world: Any, register: Any, client: Client) -> None:
    register(
        petitioner=PetitionerInput(name="李四", phone="13800138000"),
        facts="本人李四，手机13800138000。幸福小区旁的工地夜间施工。",
    )
    register(petitioner=PetitionerInput(name="王五", phone="13900139000"))
    auth = api_token(client, "supervisor")
    counts = [
        client.get("/api/v1/petitions", {"q": q}, **auth).json()["count"]
        for q in ("13800138000", "13900139000")
    ]
    assert counts == [0, 0]
    assert client.get("/api/v1/petitions", {"q": "夜间施工"}, **auth).json()["count"] == 2


def test_a_refused_address_is_not_kept_in_the_outbox_error(
    register: Any, monkeypatch: Any, caplog: Any
) -> None:
    from minsheng.notifications import services as ns
    from minsheng.notifications.models import OutboxMessage

    register(petitioner=PetitionerInput(name="李四", email="lisi.petitioner@example.com"))

    def refuse(subject: str, text: str, sender: Any, recipients: list[str]) -> None:
        raise smtplib.SMTPRecipientsRefused(dict.fromkeys(recipients, (550, b"5.1.1 mailbox unavailable")))

    monkeypatch.setattr(ns, "send_mail", refuse)
    OutboxMessage.objects.filter(channel="email").update(status="pending", attempts=0)
    ns.outbox_send_pending()
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_error FROM notifications_outboxmessage WHERE channel = 'email'")
        errors = [row[0] for row in cursor.fetchall()]
    assert errors and all(e.startswith("SMTPRecipientsRefused") for e in errors)
    assert not any("lisi.petitioner" in e for e in errors)
    assert "lisi.petitioner" not in caplog.text


def test_the_identity_right_comes_from_a_post_that_covers_the_petition(world: Any, register: Any) -> None:
    """A supervisor of the city government sees the city's petitions but may not reveal their
    petitioners; a caseworker post in an unrelated district government gives him no right over
    them (it did: any identity-role post anywhere counted). His post there covers that district's
    petitions only."""
    from django.contrib.auth import get_user_model

    from minsheng.orgs.models import Role, StaffMembership
    from minsheng.petitions.selectors import access_petition, can_see_identity

    city = register()  # at the city bureau
    local = register(actor=world.users["a5_caseworker"], receiving_organ=world.organs["a5-gov"])
    supervisor = world.users["supervisor"]
    assert not can_see_identity(supervisor, access_petition(supervisor, city.pk))
    StaffMembership.objects.create(user=supervisor, organ=world.organs["a5-gov"], role=Role.CASEWORKER)
    supervisor = get_user_model().objects.get(pk=supervisor.pk)
    assert not can_see_identity(supervisor, access_petition(supervisor, city.pk))
    assert can_see_identity(supervisor, access_petition(supervisor, local.pk))


def test_identity_written_in_the_texts_is_masked_for_whoever_may_not_reveal_it(
    world: Any, register: Any, client: Client
) -> None:
    """The petitioner card is masked for a supervisor; the facts must not spell out what it hides.
    Whoever may reveal the petitioner (the bureau's dispatcher) reads them as written."""
    petition = register(
        facts="本人李四，身份证号110101199003074514，手机13800138000。幸福小区旁的工地夜间施工。"
    )
    secrets = ("110101199003074514", "13800138000", "李四")
    web = Client()
    web.force_login(world.users["supervisor"])
    page = web.get(f"/workbench/petition/{petition.pk}/").content.decode()
    assert "幸福小区旁的工地夜间施工" in page and not any(s in page for s in secrets)
    detail = client.get(f"/api/v1/petitions/{petition.pk}", **api_token(client, "supervisor")).json()
    assert detail["facts"] == "本人某某，身份证号＊＊＊，手机＊＊＊。幸福小区旁的工地夜间施工。"
    own = client.get(f"/api/v1/petitions/{petition.pk}", **api_token(client, "dispatcher")).json()
    assert own["facts"].startswith("本人李四，身份证号110101199003074514")


def test_the_identity_right_reaches_the_organs_a_petition_involves(
    world: Any, register: Any, act: Any, organs: Any
) -> None:
    """Forwarded by the bureau to the housing bureau with the environment bureau assisting: the
    city leader may unmask (his post covers the organs below), and so may the assisting bureau's
    caseworker (an organ the petition involves through its assignment, not its own columns)."""
    from minsheng.petitions.selectors import access_petition, can_see_identity

    petition = register()
    act(
        petition,
        "forward",
        "dispatcher",
        organ_id=organs["a-housing"].pk,
        assisting_organ_ids=[organs["a-env"].pk],
    )
    for username in ("leader", "env_caseworker"):
        user = world.users[username]
        assert can_see_identity(user, access_petition(user, petition.pk)), username
    # the government's head holds no post that reaches below his own organ
    assert not can_see_identity(world.users["gov_head"], petition)


def test_a_lists_titles_are_masked_as_their_case_pages_mask_them(
    world: Any, register: Any, client: Client
) -> None:
    """A supervisor may not reveal petitioners: the titles in his lists (workbench, API, similar
    search) mask what the case page masks — and each title only with its own petition's names: a
    title naming someone recorded with *another* petition of the page reads as on its own case
    page, or narrowing the list would tell which petition that person is recorded with."""
    own = register(title="李四 13800138000 反映工地夜间施工噪音")
    other = register(
        petitioner=PetitionerInput(name="王五", phone="13900139000"), title="反映李四家门口工地夜间施工"
    )
    auth = api_token(client, "supervisor")
    listed = {r["id"]: r["title"] for r in client.get("/api/v1/petitions", **auth).json()["results"]}
    assert listed[own.pk] == "某某 ＊＊＊ 反映工地夜间施工噪音"
    assert listed[other.pk] == "反映李四家门口工地夜间施工"
    for petition in (own, other):
        assert client.get(f"/api/v1/petitions/{petition.pk}", **auth).json()["title"] == listed[petition.pk]
    for petition in (own, other):
        similarity_index_petition(petition)
    detail = client.get(f"/api/v1/petitions/{own.pk}", **auth).json()
    text = "\n".join(detail[name] for name in ("title", "request", "facts", "reasons"))
    similar = client.get("/api/v1/similar", {"text": text}, **auth).json()
    assert {r["id"]: r["title"] for r in similar}[own.pk] == listed[own.pk]
    web = Client()
    web.force_login(world.users["supervisor"])
    page = web.get(reverse("workbench:petitions")).content.decode()
    assert "某某 ＊＊＊ 反映工地夜间施工噪音" in page and "13800138000" not in page
    assert "反映李四家门口工地夜间施工" in page
    # a representative recorded with the petition is masked as its petitioner is
    collective = register(
        title="欧阳锋等12人反映工地夜间施工",
        channel="visit",
        is_collective=True,
        persons_involved=12,
        representatives=[{"name": "欧阳锋", "phone": "13700137000"}],
    )
    listed = {r["id"]: r["title"] for r in client.get("/api/v1/petitions", **auth).json()["results"]}
    assert listed[collective.pk] == "某某等12人反映工地夜间施工"
    # and the accused person named in an accusation's title, as its case page masks its texts
    accusation = register(nature="accusation", accused_person="赵六", title="举报赵六收受贿赂")
    listed = {r["id"]: r["title"] for r in client.get("/api/v1/petitions", **auth).json()["results"]}
    detail = client.get(f"/api/v1/petitions/{accusation.pk}", **auth).json()
    assert listed[accusation.pk] == detail["title"] == "举报某某收受贿赂"
    # whoever may reveal the petitioner reads the titles as written
    mine = client.get("/api/v1/petitions", **api_token(client, "dispatcher")).json()["results"]
    assert {r["id"]: r["title"] for r in mine}[own.pk] == "李四 13800138000 反映工地夜间施工噪音"


def test_a_petitioners_name_in_the_text_is_no_search_term(world: Any, register: Any, client: Client) -> None:
    """Typing a name into the search must not tell a supervisor whether that person petitioned:
    the index holds the texts as his case page shows them (names recorded with the petition masked)."""
    register(facts="本人李四，幸福小区旁的工地夜间施工。")
    auth = api_token(client, "supervisor")
    assert client.get("/api/v1/petitions", {"q": "李四"}, **auth).json()["count"] == 0
    assert client.get("/api/v1/petitions", {"q": "夜间施工"}, **auth).json()["count"] == 1


def test_a_similarity_score_does_not_tell_whether_a_guessed_identity_is_right(
    world: Any, register: Any, client: Client
) -> None:
    """A supervisor reads the facts masked (本人某某，手机＊＊＊). Swapping a guess into them and asking
    for similar petitions must give the same scores whether the guess is right or wrong: the
    index holds the texts de-identified (it held them as written, and the right guess scored 1.0)."""
    petition = register(facts="本人李四，手机13800138000。幸福小区旁的工地连续一个月夜间施工。")
    similarity_index_petition(petition)
    auth = api_token(client, "supervisor")
    masked = client.get(f"/api/v1/petitions/{petition.pk}", **auth).json()

    def score(name: str, phone: str) -> float:
        facts = masked["facts"].replace("某某", name).replace("＊＊＊", phone)
        text = "\n".join((masked["title"], masked["request"], facts, masked["reasons"]))
        hits = client.get("/api/v1/similar", {"text": text}, **auth).json()
        return next(h["score"] for h in hits if h["id"] == petition.pk)

    assert score("李四", "13800138000") == score("王五", "13900139000") == score("赵六", "13700137000")


def test_names_by_petition_reads_each_petitions_own_names(register: Any) -> None:
    """Read without their petitioners joined (a workbench list), each petition gets the names
    recorded with it and no other's — with other people's petitions in the database."""
    from minsheng.analytics.selectors import names_by_petition
    from minsheng.petitions.models import Petition

    mine = register(channel="visit", is_collective=True, persons_involved=3, representatives=[{"name": "甲"}])
    other = register(petitioner=PetitionerInput(name="王五", phone="13900139000"))
    register(petitioner=PetitionerInput(name="赵六", phone="13700137000"))
    rows = list(Petition.objects.filter(pk__in=[mine.pk, other.pk]).order_by("pk"))
    # a one-character name is no name to mask (it would mask that character everywhere)
    assert names_by_petition(rows) == {mine.pk: {"李四"}, other.pk: {"王五"}}
