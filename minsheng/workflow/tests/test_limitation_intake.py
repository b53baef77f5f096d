"""R-073 at intake (Art. 31 routes): the bureau records when the petitioner learned of the act and
which external procedure applies; a window that may close before the bureau's own D-BUREAU-15
due date raises "limitation closing" with the conditions that may lengthen it. Fixed dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.core.errors import InvalidInput
from minsheng.workflow.rulesets import limitation_status
from minsheng.workflow.selectors import limitation_for
from minsheng.workflow.services import (
    PetitionerInput,
    RegistrationInput,
    petition_register,
    petition_transition,
)

pytestmark = pytest.mark.django_db

RECEIVED = timezone.make_aware(dt.datetime(2025, 3, 3, 9, 0))
LATER = timezone.make_aware(dt.datetime(2025, 3, 4, 10, 0))


def test_limitation_status_at_fixed_dates() -> None:
    closing = limitation_status(
        "admin_review", dt.date(2025, 1, 10), dt.date(2025, 3, 4), dt.date(2025, 3, 18)
    )
    assert closing.earliest_end == dt.date(2025, 3, 11)
    assert closing.days_left == 7 and closing.closing
    assert any("第二十条第三款" in c for c in closing.conditions)
    calm = limitation_status(
        "labour_arbitration", dt.date(2024, 6, 1), dt.date(2025, 3, 4), dt.date(2025, 3, 18)
    )
    assert calm.earliest_end == dt.date(2025, 6, 1) and not calm.closing
    assert any("第二十七条第四款" in c for c in calm.conditions)


@pytest.fixture
def petition(world: Any) -> Any:
    done, _password = petition_register(
        RegistrationInput(
            channel="letter",
            receiving_organ=world.bureau,
            title="对区市场监管局罚款决定不服",
            request="请求撤销罚款决定",
            received_at=RECEIVED,
            petitioner=PetitionerInput(name="王五", phone="13700137000", address="A市A1区"),
        ),
        actor=world.users["registrar"],
        now=RECEIVED,
    )
    return done


def test_closing_window_is_flagged_on_the_api_and_case_page(petition: Any, users: Any) -> None:
    petition_transition(
        petition.pk,
        "record_limitation",
        actor=users["dispatcher"],
        data={"limitation": "admin_review", "known_date": "2025-01-10"},
        now=LATER,
    )
    status = limitation_for(petition, today=dt.date(2025, 3, 4))
    assert status is not None
    assert status["earliest_end"] == dt.date(2025, 3, 11) and status["days_left"] == 7
    assert status["closing"] and status["bureau_due"] > dt.date(2025, 3, 11)
    assert "还剩7日" in str(status["warning"]) and "立即告知信访人" in str(status["warning"])
    assert "第二十条第三款" in str(status["warning"])
    client = Client()
    client.force_login(users["dispatcher"])
    html = client.get(f"/workbench/petition/{petition.pk}/").content.decode()
    assert "data-limitation-closing" in html and "2025-03-11" in html
    # the guidance comes first among the suggested actions
    first = html.index('data-action="')
    assert html[first : first + 40].startswith(('data-action="refer_elsewhere"', 'data-action="forward"'))


def test_window_after_the_bureau_due_date_is_not_closing(petition: Any, users: Any) -> None:
    petition_transition(
        petition.pk,
        "record_limitation",
        actor=users["registrar"],
        data={"limitation": "civil_claim", "known_date": "2024-12-01"},
        now=LATER,
    )
    status = limitation_for(petition, today=dt.date(2025, 3, 4))
    assert status is not None and not status["closing"] and status["warning"] == ""
    assert status["earliest_end"] == dt.date(2027, 12, 1)


def test_known_date_is_required_and_not_in_the_future(petition: Any, users: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        petition_transition(
            petition.pk,
            "record_limitation",
            actor=users["dispatcher"],
            data={"limitation": "admin_review"},
            now=LATER,
        )
    assert info.value.field == "known_date"
    with pytest.raises(InvalidInput) as info:
        petition_transition(
            petition.pk,
            "record_limitation",
            actor=users["dispatcher"],
            data={"limitation": "admin_review", "known_date": "2025-03-09"},
            now=LATER,
        )
    assert info.value.field == "known_date"
