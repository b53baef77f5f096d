"""`minsheng import-petitions`: creation, idempotence, bad rows with line numbers."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from minsheng.petitions.models import Petition

pytestmark = pytest.mark.django_db

HEADER = "留言编号,留言用户,留言主题,留言时间,留言时间_iso,留言详情,一级分类\n"
GOOD = [
    '101,U1,A3区洋湖街道工地夜间施工扰民,2020/1/8 13:54:22,2020-01-08 13:54:22,"工地每天夜里施工，\n噪音很大，请求查处。",环境保护\n',
    "102,U2,A5区小区物业乱收费,2020/1/9 9:00:00,2020-01-09 09:00:00,物业公司违规收取停车费。,城乡建设\n",
]
BAD = [
    "103,U3,,2020/1/9 9:00:00,2020-01-09 09:00:00,正文,城乡建设\n",
    "104,U4,标题,bad,bad,正文,城乡建设\n",
]


def run(path: Path, *extra: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("import-petitions", str(path), "--format", "tipdm", "--no-progress", *extra, stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_import_creates_skips_and_reports(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_text(HEADER + "".join(GOOD + BAD), encoding="utf-8")
    summary = run(path)
    assert summary["created"] == 2 and summary["skipped_existing"] == 0
    # line 2-3 hold record 101 (embedded newline), 4 holds 102, 5 and 6 the bad rows
    assert [e["line"] for e in summary["errors"]] == [5, 6]
    imported = Petition.objects.filter(suggestions__import_source__startswith="tipdm:messages:")
    assert imported.count() == 2
    first = imported.get(suggestions__import_source="tipdm:messages:101")
    assert first.receiving_organ == world.bureau and first.channel == "online"
    assert first.received_at.year == 2020 and first.category is not None and first.category.name == "环境保护"
    assert "generated_at" in first.suggestions and first.suggestions["import_user"] == "U1"
    assert first.events.filter(action="register").exists()
    # nothing of the bad rows was written
    assert Petition.objects.count() == 2
    again = run(path)
    assert again["created"] == 0 and again["skipped_existing"] == 2 and len(again["errors"]) == 2
    assert Petition.objects.count() == 2


def test_import_into_a_named_organ(world: Any, organs: Any, tmp_path: Path) -> None:
    path = tmp_path / "other.csv.gz"
    import gzip

    path.write_bytes(gzip.compress((HEADER + GOOD[1]).encode("utf-8")))
    summary = run(path, "--organ", "a-gov", "--channel", "letter")
    assert summary["created"] == 1
    petition = Petition.objects.get(suggestions__import_source="tipdm:other:102")
    assert petition.receiving_organ == organs["a-gov"] and petition.channel == "letter"
    assert petition.suggestions["category"]["label"]  # enriched once, at registration


def test_missing_column_is_refused(world: Any, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "broken.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError):
        run(path)


# -- --historical ------------------------------------------------------------------------------

REPLY_HEADER = "留言编号,留言用户,留言主题,留言时间,留言时间_iso,留言详情,答复意见,答复时间,答复时间_iso\n"
HISTORICAL = [
    # line 2: answered 15 days later
    "201,U1,A2区小区物业管理混乱,2019/4/25 9:32:09,2019-04-25 09:32:09,物业公司乱收费。,"
    '"网友您好，经调查核实，\n已责令物业公司整改。",2019/5/10 14:56:53,2019-05-10 14:56:53\n',
    # line 4: no reply in the source
    "202,U2,A3区道路积水严重,2019/6/1 8:00:00,2019-06-01 08:00:00,一下雨就积水。,,,\n",
    # line 5: reply dated before the message (bad row)
    "203,U3,A5区路灯不亮,2019/6/2 8:00:00,2019-06-02 08:00:00,路灯坏了。,已修复。,2019/6/1 8:00:00,2019-06-01 08:00:00\n",
    # line 6: reply with an unreadable date (bad row)
    "204,U4,A5区公交太少,2019/6/3 8:00:00,2019-06-03 08:00:00,公交车太少。,已增加班次。,bad,bad\n",
]


def test_historical_import_closes_answered_rows_and_silences_the_sweep(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    from minsheng.notifications.models import OutboxMessage
    from minsheng.workflow.models import Deadline, Opinion, PetitionEvent, SupervisionOrder
    from minsheng.workflow.sweeps import deadlines_sweep

    path = tmp_path / "messages_with_replies.csv"
    path.write_text(REPLY_HEADER + "".join(HISTORICAL), encoding="utf-8")
    summary = run(path, "--historical")
    assert summary["created"] == 2
    assert [e["line"] for e in summary["errors"]] == [5, 6]
    assert "replied_at" in summary["errors"][0]["error"] and "答复时间" in summary["errors"][1]["error"]
    assert Petition.objects.count() == 2  # nothing of the bad rows

    answered = Petition.objects.get(suggestions__import_source="tipdm:messages_with_replies:201")
    assert answered.state == "duty_performed" and answered.route == "perform_duty"
    assert answered.is_historical is True and "import_historical" not in answered.suggestions
    replied_at = answered.concluded_at
    assert replied_at is not None
    assert timezone.localtime(replied_at).isoformat().startswith("2019-05-10T14:56:53")
    opinion = Opinion.objects.get(petition=answered)
    assert opinion.stage == "duty" and opinion.issued_at == replied_at and opinion.issued_by is None
    assert opinion.opinion.startswith("网友您好，经调查核实") and "整改" in opinion.opinion
    event = answered.events.get(action="import_reply")
    assert event.actor_role == "system" and event.occurred_at == replied_at
    assert (event.from_state, event.to_state) == ("registered", "duty_performed")
    assert event.data["source"] == "tipdm:messages_with_replies:201" and event.data["imported_at"]
    assert answered.state_changed_at == replied_at
    assert not answered.deadlines.filter(status=Deadline.Status.OPEN).exists()

    unanswered = Petition.objects.get(suggestions__import_source="tipdm:messages_with_replies:202")
    assert unanswered.state == "registered" and unanswered.is_historical is True
    clock = unanswered.deadlines.get(rule="D-BUREAU-15")
    assert clock.status == Deadline.Status.OPEN and clock.start.isoformat() == "2019-06-01"

    # The sweep after the import: no breach, no due-soon, no supervision, no notification.
    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_sweep()
    assert (result.breached, result.due_soon, result.supervision_orders) == (0, 0, 0)
    for petition in Petition.objects.all():
        petition.refresh_from_db()
        assert not petition.has_overdue and not petition.has_due_soon and not petition.is_supervised
    assert clock.__class__.objects.get(pk=clock.pk).status == Deadline.Status.OPEN
    assert not SupervisionOrder.objects.exists()
    assert not PetitionEvent.objects.filter(action="deadline_breached").exists()
    assert not OutboxMessage.objects.filter(kind__in=["overdue", "due_soon"]).exists()

    # Idempotent: a second run creates nothing and reports the same bad lines.
    again = run(path, "--historical")
    assert again["created"] == 0 and again["skipped_existing"] == 2
    assert [e["line"] for e in again["errors"]] == [5, 6]
    assert Petition.objects.count() == 2 and Opinion.objects.count() == 1


def test_live_petitions_are_still_swept(world: Any, register: Any, tmp_path: Path) -> None:
    """The historical flag silences only the imported rows."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.workflow.sweeps import deadlines_sweep

    path = tmp_path / "messages_with_replies.csv"
    path.write_text(REPLY_HEADER + HISTORICAL[2], encoding="utf-8")
    run(path, "--historical")
    live = register(received_at=timezone.now() - dt.timedelta(days=40))
    result = deadlines_sweep()
    assert result.breached == 1
    live.refresh_from_db()
    assert live.has_overdue


def test_without_historical_replies_are_ignored_and_clocks_run(world: Any, tmp_path: Path) -> None:
    from minsheng.workflow.sweeps import deadlines_sweep

    path = tmp_path / "messages_with_replies.csv"
    path.write_text(REPLY_HEADER + HISTORICAL[0], encoding="utf-8")
    assert run(path)["created"] == 1
    petition = Petition.objects.get()
    assert petition.state == "registered" and petition.is_historical is False
    assert deadlines_sweep().breached == 1  # the documented reason for --historical


def test_the_system_cannot_import_a_reply_into_a_live_petition(register: Any) -> None:
    from minsheng.core.errors import InvalidInput
    from minsheng.workflow.services import petition_transition

    petition = register()
    with pytest.raises(InvalidInput):
        petition_transition(petition.pk, "import_reply", actor=None, as_system=True, data={"reply": "已处理"})


def test_historical_flag_is_in_the_help() -> None:
    from django.core.management import load_command_class

    command = load_command_class("minsheng.intelligence", "import-petitions")
    text = command.create_parser("minsheng", "import-petitions").format_help()
    assert "--historical" in text and "答复意见" in text


@pytest.mark.django_db
def test_migration_moves_the_old_historical_mark_to_the_field(register: Any) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("minsheng.petitions.migrations.0002_petition_is_historical")
    old = register()
    Petition.objects.filter(pk=old.pk).update(suggestions={"import_source": "x:1", "import_historical": True})
    other = register()
    migration.flag_from_suggestions(apps, None)
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.is_historical is True and old.suggestions == {"import_source": "x:1"}
    assert other.is_historical is False
