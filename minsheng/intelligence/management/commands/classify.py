"""`minsheng classify train|evaluate|predict`: the petition category classifier.

* ``train --data CSV [--unlabelled CSV] [--output PATH]`` trains on a deployment's own
  handled cases (columns of messages_labeled.csv: 留言主题, 留言详情, 一级分类) and saves the
  model to ``--output`` or ``<MINSHENG_MODEL_DIR>/classifier.npz``; prints a JSON summary.
  Messages of ``--unlabelled`` that carry an official reply (答复意见) are weakly labelled
  from the department the reply names.
* ``evaluate --data CSV`` scores the model in use (the deployment's retrained model if it
  exists, else the shipped default) on CSV without learning from it; prints one JSON object.
* ``predict --title T [--body B]`` prints the category and nature of one petition as JSON.
* ``export --output CSV [--since DATE] [--until DATE]`` writes the deployment's own cases whose
  category staff set, in the columns ``train`` reads: the retraining loop is
  ``export`` → ``train --data`` → ``evaluate`` on a later period.
* ``quality [--since DATE] [--until DATE]`` prints how often the category and routing
  suggestions matched what staff decided (the live accuracy of a deployment).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.intelligence.nlp.classify import (
    MODEL_FILENAME,
    Classifier,
    active_model_path,
    evaluate,
    predict_nature,
    read_rows,
    train_from_csv,
)


def _date_option(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def model_dir() -> Path:
    configured = getattr(settings, "MINSHENG_MODEL_DIR", None)
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[4] / "var" / "models"


class Command(BaseCommand):
    help = "Train, evaluate or apply the petition category classifier (JSON output)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        train = sub.add_parser("train", help="train on labelled cases and save the deployment's model")
        train.add_argument(
            "--data", required=True, help="CSV (optionally .gz) with 留言主题, 留言详情, 一级分类"
        )
        train.add_argument(
            "--unlabelled",
            default=None,
            help=(
                "CSV with 留言主题, 留言详情 and optionally 答复意见 (the official reply): replied "
                "messages are weakly labelled from the department the reply names"
            ),
        )
        train.add_argument(
            "--output", default=None, help=f"model file (default <model dir>/{MODEL_FILENAME})"
        )
        ev = sub.add_parser("evaluate", help="score the model in use on a labelled CSV (no learning)")
        ev.add_argument(
            "--data", required=True, help="CSV (optionally .gz) with 留言主题, 留言详情, 一级分类"
        )
        ev.add_argument("--model", default=None, help="score this model file instead of the model in use")
        pr = sub.add_parser("predict", help="classify one petition")
        pr.add_argument("--title", required=True)
        pr.add_argument("--body", default="")
        ex = sub.add_parser("export", help="write the cases whose category staff set as a training CSV")
        ex.add_argument("--output", required=True, help="CSV file to write (UTF-8; .gz to compress)")
        ex.add_argument("--since", default=None, help="received on or after YYYY-MM-DD")
        ex.add_argument("--until", default=None, help="received on or before YYYY-MM-DD")
        qa = sub.add_parser(
            "quality", help="how often category and routing suggestions matched what staff decided"
        )
        qa.add_argument("--since", default=None, help="received on or after YYYY-MM-DD")
        qa.add_argument("--until", default=None, help="received on or before YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "train":
                result = self._train(options)
            elif action == "evaluate":
                result = self._evaluate(options)
            elif action == "export":
                result = self._export(options)
            elif action == "quality":
                from minsheng.intelligence.selectors import suggestion_quality

                since, until = (_date_option(options[name], f"--{name}") for name in ("since", "until"))
                result = suggestion_quality(since=since, until=until)
            else:
                result = self._predict(options)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _load_model(self, explicit: str | None) -> tuple[Classifier, Path]:
        path = Path(explicit) if explicit else active_model_path(model_dir())
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: {path}")
        return Classifier.load(path), path

    def _train(self, options: dict[str, Any]) -> dict[str, Any]:
        output = Path(options["output"]) if options["output"] else model_dir() / MODEL_FILENAME
        t0 = time.perf_counter()
        clf = train_from_csv(options["data"], options["unlabelled"], output)
        return {
            "model": str(output),
            "labels": clf.labels,
            "n_labelled": clf.info.n_labelled,
            "n_unlabelled_used": clf.info.n_unlabelled_used,
            "n_weak_labelled": clf.info.n_weak,
            "n_features": clf.extractor.n_features,
            "seconds": round(time.perf_counter() - t0, 2),
        }

    def _evaluate(self, options: dict[str, Any]) -> dict[str, Any]:
        rows = read_rows(options["data"], require_label=True)
        clf, path = self._load_model(options.get("model"))
        t0 = time.perf_counter()
        result = evaluate(clf, rows)
        result["model"] = str(path)
        result["seconds"] = round(time.perf_counter() - t0, 3)
        return result

    def _export(self, options: dict[str, Any]) -> dict[str, Any]:
        from minsheng.core.spreadsheet import neutralise_mapping
        from minsheng.intelligence.selectors import CASE_COLUMNS, labelled_cases

        since, until = (_date_option(options[name], f"--{name}") for name in ("since", "until"))
        if since and until and since > until:
            raise CommandError("--since is after --until")
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"no such directory: {output.parent}")
        t0 = time.perf_counter()
        counts: dict[str, int] = {}
        tmp = output.with_name(output.name + ".part")
        opener = gzip.open if output.suffix == ".gz" else open
        with opener(tmp, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
            writer = csv.DictWriter(fh, fieldnames=list(CASE_COLUMNS))
            writer.writeheader()
            for row in labelled_cases(since=since, until=until):
                writer.writerow(neutralise_mapping(row))  # no formula from a citizen's text
                counts[row["一级分类"]] = counts.get(row["一级分类"], 0) + 1
        tmp.replace(output)  # never a half-written training file
        return {
            "output": str(output),
            "rows": sum(counts.values()),
            "by_category": dict(sorted(counts.items())),
            "seconds": round(time.perf_counter() - t0, 2),
        }

    def _predict(self, options: dict[str, Any]) -> dict[str, Any]:
        title: str = options["title"]
        body: str = options["body"]
        if not (title.strip() or body.strip()):
            raise CommandError("--title is empty: give the text of a petition")
        clf, path = self._load_model(None)
        return {
            "category": clf.predict(title, body).to_dict(),
            "nature": predict_nature(title, body).to_dict(),
            "model": str(path),
        }
