"""Reply quality advice (答复质量提示) on the draft form, the working and pending draft and the
sign-off form; advice never blocks (minsheng.intelligence.replies)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from minsheng.intelligence.replies import reply_advice
from minsheng.workflow.models import Deadline, OpinionDraft

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)

GOOD = {
    "outcome": "support",
    "facts_and_reasons": "经现场核查，幸福小区旁工地3月1日至3月20日确有夜间施工行为。因未取得夜间施工许可，",
    "opinion": "责令施工单位停止夜间施工，噪音扰民问题已整改。",
    "legal_basis": "《中华人民共和国噪声污染防治法》第四十三条",
}
STOCK = {
    "outcome": "support",
    "facts_and_reasons": "您反映的问题已收悉，我局高度重视。",
    "opinion": "已转有关部门调查处理，感谢您的监督！",
    "legal_basis": "根据有关规定",
}


def in_handling(register: Any, act: Any, organs: Any) -> Any:
    petition = register(received_at=START)
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    act(petition, "receive", "caseworker")
    act(petition, "accept", "caseworker")
    act(petition, "start_handling", "caseworker", no_conflict_of_interest=True)
    return petition


def codes(advice: Any) -> list[str]:
    return [a.code for a in advice.items]


def test_service_advice_on_a_complete_and_a_stock_draft(register, act, organs):
    with time_machine.travel(START, tick=False):
        petition = in_handling(register, act, organs)
    due = Deadline.objects.get(petition=petition, rule="D-HANDLE-60").statutory_due
    good = reply_advice(petition, GOOD, day=due - dt.timedelta(days=20))
    assert good.checked and good.clean and good.due == due
    stock = reply_advice(petition, STOCK, day=due - dt.timedelta(days=20))
    # 「根据有关规定」 reads as a (vague) reason, never as a basis
    assert codes(stock) == ["off_topic", "stock_only", "missing_facts", "missing_basis"]
    late = reply_advice(petition, GOOD, day=due + dt.timedelta(days=2))
    assert codes(late) == ["overdue"] and "2 天" in late.items[0].message
    assert not reply_advice(petition, {"opinion": " "}).checked


def test_draft_form_shows_advice_and_still_submits(client, users, register, act, organs):
    with time_machine.travel(START, tick=False):
        petition = in_handling(register, act, organs)
    with time_machine.travel(START + dt.timedelta(days=5), tick=False):
        client.force_login(users["caseworker"])
        check = client.post(reverse("workbench:reply_check", args=[petition.pk]), STOCK).content.decode()
        assert "答复质量提示" in check and "套话" in check and 'data-code="missing_basis"' in check
        assert (
            "未发现问题"
            in client.post(reverse("workbench:reply_check", args=[petition.pk]), GOOD).content.decode()
        )
        form = client.get(reverse("workbench:action", args=[petition.pk, "draft_opinion"])).content.decode()
        assert "检查答复质量" in form
        # advice, not a block: the stock draft goes to the signer
        url = reverse("workbench:action", args=[petition.pk, "draft_opinion"])
        assert client.post(url, {**STOCK, "submit": "on"}).status_code == 302
    pending = OpinionDraft.objects.get(petition=petition, status=OpinionDraft.Status.PENDING)
    assert pending.opinion == STOCK["opinion"]
    with time_machine.travel(START + dt.timedelta(days=6), tick=False):
        client.force_login(users["organ_head"])
        case = client.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
        assert 'class="reply-advice has-findings"' in case and 'data-code="stock_only"' in case
        sign = client.get(reverse("workbench:action", args=[petition.pk, "sign_opinion"])).content.decode()
        assert 'data-code="off_topic"' in sign and "不影响提交和签发" in sign
        assert (
            client.post(reverse("workbench:action", args=[petition.pk, "sign_opinion"]), {}).status_code
            == 302
        )


def test_working_draft_advice_on_the_case_page(client, users, register, act, organs):
    with time_machine.travel(START, tick=False):
        petition = in_handling(register, act, organs)
        act(petition, "draft_opinion", "caseworker", submit=False, **GOOD)
        client.force_login(users["caseworker"])
        case = client.get(reverse("workbench:petition", args=[petition.pk])).content.decode()
    assert "处理意见草稿" in case and "未发现问题" in case
