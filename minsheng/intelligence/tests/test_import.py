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
