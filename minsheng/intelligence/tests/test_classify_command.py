"""Tests of the `classify` management command (train / evaluate / predict)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest

django = pytest.importorskip("django")

try:
    from django.core.management import CommandError, call_command
    from django.test import override_settings

    from minsheng.intelligence.nlp.classify import DEFAULT_MODEL_PATH, MODEL_FILENAME
except Exception as exc:  # pragma: no cover - only before the Django project exists
    pytest.skip(f"Django settings not importable: {exc}", allow_module_level=True)

ROWS = [
    ("A市某小学乱收费", "学校要求每个学生交补课费和资料费", "教育文体"),
    ("化工厂偷排废气", "工厂每天晚上偷排废气，臭味刺鼻，污染环境", "环境保护"),
    ("公司拖欠工资不交社保", "公司拖欠我们三个月工资，也不给我们交养老保险", "劳动和社会保障"),
    ("出租车拒载绕路", "出租车司机拒载，还绕路多收车费", "交通运输"),
    ("景区门票乱涨价", "旅游景区门票价格上涨，游客被宰", "商贸旅游"),
    ("小区物业乱收停车费", "物业公司违规收取停车费，小区业主不满", "城乡建设"),
]


def _write_csv(path: Path, rows: list[tuple[str, str, str]], header: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header or ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级分类"])
        for i, (t, b, y) in enumerate(rows):
            w.writerow([i, "U1", t, "2020/1/1 0:00:00", b, y])
    return path


def _run(*args: str) -> dict:
    out = StringIO()
    call_command("classify", *args, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1, out.getvalue()
    return json.loads(lines[0])


def test_evaluate_prints_one_json_object(tmp_path: Path) -> None:
    data = _write_csv(tmp_path / "eval.csv", ROWS)
    with override_settings(MINSHENG_MODEL_DIR=tmp_path / "models"):
        res = _run("evaluate", "--data", str(data))
    assert res["n"] == len(ROWS)
    assert res["model"] == str(DEFAULT_MODEL_PATH)
    for key in ("macro_f1", "accuracy", "per_class", "confusion_matrix", "labels"):
        assert key in res
    assert set(res["per_class"]["教育文体"]) == {"precision", "recall", "f1", "support"}
    assert res["accuracy"] >= 5 / 6
    # the shipped model is sure of all of these clear messages: no one to ask, nothing unsure
    assert res["unsure"] == {
        "threshold": 0.8,
        "share_unsure": 0.0,
        "macro_f1_sure": 1.0,
        "accuracy_unsure": None,
    }


def test_evaluate_bad_input(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not found"):
        call_command("classify", "evaluate", "--data", str(tmp_path / "missing.csv"), stdout=StringIO())
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("classify", "evaluate", "--data", str(bad), stdout=StringIO())


def test_train_then_evaluate_uses_retrained_model(tmp_path: Path) -> None:
    train = _write_csv(tmp_path / "train.csv", ROWS * 3)
    model_dir = tmp_path / "models"
    with override_settings(MINSHENG_MODEL_DIR=model_dir):
        summary = _run("train", "--data", str(train))
        assert summary["model"] == str(model_dir / MODEL_FILENAME)
        assert summary["n_labelled"] == len(ROWS) * 3
        assert summary["n_weak_labelled"] == 0
        assert (model_dir / MODEL_FILENAME).is_file()
        res = _run("evaluate", "--data", str(_write_csv(tmp_path / "ev.csv", ROWS)))
    assert res["model"] == str(model_dir / MODEL_FILENAME)
    assert res["n"] == len(ROWS)


def test_predict_outputs_category_and_nature(tmp_path: Path) -> None:
    with override_settings(MINSHENG_MODEL_DIR=tmp_path):
        res = _run("predict", "--title", "举报某小学乱收费", "--body", "学校违规收取补课费")
    assert res["category"]["label"] == "教育文体"
    assert res["nature"]["label"] == "accusation"
    with pytest.raises(CommandError):
        call_command("classify", "predict", "--title", " ", stdout=StringIO())
