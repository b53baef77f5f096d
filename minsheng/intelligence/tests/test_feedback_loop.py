"""Staff decisions feed back: routing choices are recorded at dispatch, staff-set categories
are exported as training data, and the live agreement of suggestions is measured."""

from __future__ import annotations

import csv
import gzip
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.intelligence.selectors import labelled_cases, suggestion_quality
from minsheng.orgs.models import Category
from minsheng.workflow.models import PetitionEvent

pytestmark = pytest.mark.django_db


def _forward_event(petition: Any) -> PetitionEvent:
    return PetitionEvent.objects.filter(petition=petition, action="forward").latest("pk")


def test_dispatch_records_whether_the_routing_suggestion_was_taken(
    register: Any, act: Any, organs: Any
) -> None:
    taken = register()
    top = taken.suggestions["routing"][0]["organ_id"]
    act(taken, "forward", "dispatcher", organ_id=top)
    choice = _forward_event(taken).data["routing_suggestion"]
    assert choice == {
        "suggested_organ_id": top,
        "top": [r["organ_id"] for r in taken.suggestions["routing"][:3]],
        "accepted": True,
        "rank": 1,
    }
    overridden = register()
    suggested = [r["organ_id"] for r in overridden.suggestions["routing"][:3]]
    other = next(organs[c] for c in ("a-edu", "a-health", "a-transport") if organs[c].pk not in suggested)
    act(overridden, "forward", "dispatcher", organ_id=other.pk)
    choice = _forward_event(overridden).data["routing_suggestion"]
    assert choice["accepted"] is False and choice["rank"] is None


def test_no_suggestion_no_record(register: Any, act: Any, organs: Any) -> None:
    petition = register()
    type(petition).objects.filter(pk=petition.pk).update(suggestions={})
    petition.refresh_from_db()
    act(petition, "forward", "dispatcher", organ_id=organs["a-housing"].pk)
    assert "routing_suggestion" not in _forward_event(petition).data


def test_export_writes_staff_labels_in_the_training_columns(register: Any, tmp_path: Path) -> None:
    housing = Category.objects.filter(level=2, path__startswith="城乡建设").first()
    assert housing is not None
    labelled = register(category=housing)
    register()  # no category: not exported
    rows = list(labelled_cases())
    assert [r["留言编号"] for r in rows] == [labelled.tracking_code]
    assert rows[0]["一级分类"] == "城乡建设"
    assert labelled.title == rows[0]["留言主题"] and labelled.request in rows[0]["留言详情"]
    assert "13800138000" not in json.dumps(rows, ensure_ascii=False)  # no identity fields
    out = StringIO()
    target = tmp_path / "cases.csv.gz"
    call_command("classify", "export", "--output", str(target), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["rows"] == 1 and summary["by_category"] == {"城乡建设": 1}
    with gzip.open(target, "rt", encoding="utf-8") as fh:
        written = list(csv.DictReader(fh))
    assert written[0]["一级分类"] == "城乡建设"
    assert not (tmp_path / "cases.csv.gz.part").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "2025-13-01"],
        ["--since", "2025-02-01", "--until", "2025-01-01"],
    ],
)
def test_export_rejects_bad_dates(world: Any, tmp_path: Path, args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("classify", "export", "--output", str(tmp_path / "x.csv"), *args)
    assert not (tmp_path / "x.csv").exists()


def test_quality_counts_agreement(register: Any, act: Any) -> None:
    housing = Category.objects.filter(level=2, path__startswith="城乡建设").first()
    health = Category.objects.filter(level=1, name="卫生计生").first()
    assert housing is not None and health is not None
    right = register(category=housing)  # noise from a building site: predicted 城乡建设 or 环境保护
    wrong = register(category=health)
    predicted = right.suggestions["category"]["label"]
    act(right, "forward", "dispatcher", organ_id=right.suggestions["routing"][0]["organ_id"])
    report = suggestion_quality()
    assert report["category"]["n"] == 2
    expected = (predicted == "城乡建设") + (wrong.suggestions["category"]["label"] == "卫生计生")
    assert report["category"]["accuracy"] == expected / 2
    assert report["routing"] == {"n": 1, "top1": 1.0, "top3": 1.0}
    out = StringIO()
    call_command("classify", "quality", "--since", "2000-01-01", stdout=out)
    assert json.loads(out.getvalue())["routing"]["n"] == 1
