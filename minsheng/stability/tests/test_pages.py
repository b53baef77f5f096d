"""The 稳评 pages: register a decision, evidence shown, assessment forms, approval, report download;
the consistency page with both sides and the supervisor's resolution."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.orgs.models import Region
from minsheng.stability.models import ConsistencyFlag, MajorDecision
from minsheng.stability.services import consistency_scan
from minsheng.stability.tests.test_services import _concluded

pytestmark = pytest.mark.django_db


def _web(world: Any, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def test_assessment_through_the_pages(world: Any, register: Any) -> None:
    district = Region.objects.filter(parent=world.city).order_by("code").first()
    assert district is not None
    register(title="旧城改造征收补偿过低", request="请求提高补偿", region=district)
    leader = _web(world, "leader")
    leader.post(
        reverse("workbench:stability"),
        {
            "title": "旧城改造房屋征收",
            "kind": "demolition",
            "organ": world.organs["a-gov"].pk,
            "region": district.pk,
            "keywords": "征收，拆迁",
            "scope": "征收住宅320户",
            "planned_date": "2026-12-31",
            "legal_basis": "《重大行政决策程序暂行条例》第二十二条",
        },
    )
    decision = MajorDecision.objects.get()
    url = reverse("workbench:stability_decision", args=[decision.pk])
    page = leader.get(url).content.decode()
    assert 'id="ev-total">1<' in page and "旧城改造征收补偿过低" in page
    act = lambda name, data: leader.post(reverse("workbench:stability_act", args=[decision.pk, name]), data)  # noqa: E731
    act("decide", {"outcome": "implement"})
    assert MajorDecision.objects.get().status == "assessing"
    act(
        "consult",
        {
            "method": "hearing",
            "held_on": timezone.localdate().isoformat(),
            "participants": "被征收户",
            "summary": "关注补偿",
        },
    )
    for dim in ("legality", "reasonableness", "feasibility", "controllability"):
        act("finding", {"dimension": dim, "findings": "经论证", "rating": "sound"})
    act("grade", {"level": "low", "risk_points": "个别户诉求较高"})
    act("decide", {"outcome": "implement", "note": "同意实施"})
    decision.refresh_from_db()
    assert (decision.status, decision.outcome, decision.risk_level) == ("decided", "implement", "low")
    page = leader.get(url).content.decode()
    assert "决策前后对比" in page and 'id="decision-outcome"><b>实施' in page
    report = leader.get(reverse("workbench:stability_report", args=[decision.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(report.content)).paragraphs)
    assert "风险等级：低风险" in text
    # Another organ's staff does not see it.
    assert _web(world, "hrss_caseworker").get(url).status_code == 404


def test_consistency_page_side_by_side_and_resolution(world: Any, register: Any, act: Any) -> None:
    text = (
        "我家位于幸福片区12栋，2025年房屋被征收，约定补偿款80万元，至今只发放了50万元，请求补足剩余补偿款。"
    )
    _concluded(register, act, world, "support", text)
    _concluded(register, act, world, "not_support", text.replace("12栋", "14栋"))
    assert consistency_scan() == 1
    flag = ConsistencyFlag.objects.get()
    supervisor = _web(world, "supervisor")
    page = supervisor.get(reverse("workbench:consistency")).content.decode()
    assert "予以支持" in page and "不予支持" in page and "《国有土地上房屋征收与补偿条例》第十九条" in page
    assert "13800138000" not in page
    supervisor.post(
        reverse("workbench:consistency_resolve", args=[flag.pk]),
        {"status": "explained", "reason": "14栋已另行领取安置房"},
    )
    flag.refresh_from_db()
    assert (flag.status, flag.reason) == ("explained", "14栋已另行领取安置房")
    done = supervisor.get(reverse("workbench:consistency") + "?status=explained").content.decode()
    assert "14栋已另行领取安置房" in done
