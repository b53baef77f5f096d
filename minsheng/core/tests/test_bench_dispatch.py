"""`minsheng bench TARGET ...` dispatches to the target's command with its options unchanged."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connections

from minsheng.__main__ import main
from minsheng.core.management.commands.bench import TARGETS


def test_every_target_and_its_alias_is_a_command() -> None:
    commands = get_commands()
    assert {"intake", "sweep", "hot-issues", "crash", "similar"} <= set(TARGETS)
    for name, _about in TARGETS.values():
        assert name in commands


def test_help_lists_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["minsheng", "bench", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for target, (alias, _about) in TARGETS.items():
        assert f"\n  {target} " in out
        assert alias in out


def test_target_help_is_the_targets_own(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["minsheng", "bench", "similar", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: minsheng bench similar")
    assert "--no-datasketch" in out


def test_unknown_target_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["minsheng", "bench", "nope", "--n", "3"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unknown bench target 'nope'" in err
    assert "intake, sweep, hot-issues" in err
    with pytest.raises(CommandError, match="unknown bench target 'nope'"):
        call_command("bench", "nope")


@pytest.mark.django_db
def test_options_are_forwarded_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_from_argv closes every connection when done: not the test's own (PostgreSQL).
    monkeypatch.setattr(connections, "close_all", lambda: None)
    args = ["--n", "200", "--queries", "200", "--no-datasketch", "--no-ground-truth", "--seed", "3"]
    main(["minsheng", "bench", "similar", *args, "--skip-checks"])
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == 200
    assert result["minsheng"]["indexed"] == 200
    assert "datasketch" not in result
    # The alias gives the same figures for the same seed.
    main(["minsheng", "bench-similar", *args, "--skip-checks"])
    alias = json.loads(capsys.readouterr().out)
    assert alias["corpus"]["near_duplicates_planted"] == result["corpus"]["near_duplicates_planted"]


@pytest.mark.django_db
def test_options_are_forwarded_through_call_command() -> None:
    out = StringIO()
    call_command(
        "bench",
        "similar",
        "--n",
        "200",
        "--queries",
        "200",
        "--no-datasketch",
        "--no-ground-truth",
        stdout=out,
    )
    assert json.loads(out.getvalue())["n"] == 200
    with pytest.raises(CommandError, match="--queries"):  # the target's own validation
        call_command("bench", "similar", "--n", "100", "--queries", "10")
