"""`minsheng bench TARGET [the target's own options]`: one entry point for the benchmarks.

Each target is an ordinary management command of its own app (``bench-intake``, ``bench-sweep``,
...); ``bench`` only dispatches to it, forwarding the remaining arguments unchanged, so
``minsheng bench sweep --open 1000000`` is ``minsheng bench-sweep --open 1000000``. The hyphenated
commands stay as aliases. ``minsheng bench --help`` lists the targets; ``minsheng bench TARGET
--help`` shows the target's own options.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter

#: target -> (command it runs, one line on what it measures)
TARGETS: dict[str, tuple[str, str]] = {
    "intake": ("bench-intake", "registrations through POST /api/v1/petitions with minsheng serve vs pgbench"),
    "sweep": ("bench-sweep", "the set-based deadline sweep on N open deadlines all falling due"),
    "hot-issues": ("bench-hot-issues", "hot-issue grouping over N synthetic messages (time, memory)"),
    "crash": ("bench-crash", "crash drill: SIGKILL servers and workers under load, then check durability"),
    "similar": ("bench-similar", "the similarity index against datasketch's MinHashLSH"),
    "reads": ("bench-reads", "staff reads through the API stack: worklist pages and case files, per user"),
    "seed": ("bench-seed", "generate a realistic petition history of N petitions (bulk, for 1 M / 10 M)"),
}


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, and the epilog (the list of targets) kept as written."""


def _epilog() -> str:
    width = max(len(t) for t in TARGETS)
    lines = ["targets:"]
    lines += [f"  {target:<{width}}  {about} (alias: {name})" for target, (name, about) in TARGETS.items()]
    lines.append("")
    lines.append("`minsheng bench TARGET --help` shows the options of a target.")
    return "\n".join(lines)


def target_command(target: str) -> BaseCommand:
    """The command object behind ``target`` (CommandError naming the targets if unknown)."""
    if target not in TARGETS:
        raise CommandError(f"unknown bench target {target!r}; targets: {', '.join(TARGETS)}")
    name = TARGETS[target][0]
    app = get_commands()[name]
    return app if isinstance(app, BaseCommand) else load_command_class(app, name)


class Command(BaseCommand):
    help = "Benchmarks: `minsheng bench TARGET [options]` runs TARGET with its own options (JSON)."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("epilog", _epilog())
        kwargs["formatter_class"] = _Formatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", metavar="TARGET", help="one of: " + ", ".join(TARGETS))
        parser.add_argument(
            "args_for_target",
            nargs=argparse.REMAINDER,
            metavar="...",
            help="the target's own options, passed on unchanged",
        )

    def run_from_argv(self, argv: list[str]) -> None:
        """``minsheng bench TARGET ...``: the target parses and runs the rest itself, exactly as its
        hyphenated alias would (its own --help, errors and exit codes)."""
        if len(argv) > 2 and argv[2] in TARGETS:
            command = target_command(argv[2])
            command.run_from_argv([argv[0], f"{argv[1]} {argv[2]}", *argv[3:]])
            return
        if len(argv) > 2 and not argv[2].startswith("-"):
            self._called_from_command_line = True  # the parser prints usage and exits 2
            parser = self.create_parser(argv[0], argv[1])
            parser.error(f"unknown bench target {argv[2]!r} (choose from {', '.join(TARGETS)})")
        super().run_from_argv(argv)

    def handle(self, *args: Any, **options: Any) -> None:
        """Reached through ``call_command("bench", TARGET, "--opt", "value", ...)``."""
        command = target_command(options["target"])
        streams = {key: options[key] for key in ("stdout", "stderr") if options.get(key)}
        call_command(command, *options["args_for_target"], **streams)
