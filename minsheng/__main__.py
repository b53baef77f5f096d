"""The `minsheng` console command: Django's management commands with the project's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "minsheng"
    if len(args) > 1 and args[1] == "serve" and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus_client picks its multiprocess mode when first imported: before Django loads.
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="minsheng-metrics-")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
