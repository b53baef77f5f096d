"""R-080 / C-EXT at real dates: the 延期告知书 states the new due date the petitioner will hold —
start + 60 + the extension days, rolled over once (rules.yaml extension_arithmetic) — whether it is
printed before the extension is notified (the paper handed over) or after.

Accepted 2026-08-03: D-HANDLE-60 ends 10-02, inside 国庆 2026 (10-01…07), rolled to 10-08. The
organ head approves +30 days on 09-21: 10-02 + 30 = 11-01, a Sunday, rolled to Monday 11-02.
"""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.documents.services import document_issue
from minsheng.petitions.models import Petition
from minsheng.workflow.tests.scenario_api import Office, at

pytestmark = pytest.mark.django_db

OFFICE_START = at("2026-07-20", 8)


def test_the_extension_notice_states_the_rolled_over_due_before_and_after_notification(
    office: Office, organs: Any
) -> None:
    pk = office.register(at("2026-07-27", 9, 30))
    office.act("dispatcher", pk, "forward", "2026-07-28", organ_id=organs["a-housing"].pk)
    office.act("caseworker", pk, "receive", "2026-07-30")
    office.act("caseworker", pk, "accept", "2026-08-03")
    assert office.dues(pk, "D-HANDLE-60") == ("2026-08-03", "2026-10-02", "2026-10-08", "open")
    office.act("caseworker", pk, "start_handling", "2026-08-05", no_conflict_of_interest=True)
    office.act("organ_head", pk, "extend", "2026-09-21", days=30, reason="需委托第三方鉴定")
    handed = document_issue(Petition.objects.get(pk=pk), "extension_notice")
    assert handed.context["new_due_date"] == "2026年11月2日"
    office.act("caseworker", pk, "notify_extension", "2026-09-22", notified_at="2026-09-22")
    assert office.dues(pk, "D-HANDLE-60") == ("2026-08-03", "2026-11-01", "2026-11-02", "open")
    filed = document_issue(Petition.objects.get(pk=pk), "extension_notice")
    assert (filed.pk, filed.number, filed.context["new_due_date"]) == (
        handed.pk,
        handed.number,
        "2026年11月2日",
    )
