"""`minsheng serve`: the production web server (gunicorn), with the settings operations.md gives.

* gunicorn with ``--workers`` processes (default 2 × CPUs + 1, at most 8) and, with
  ``--threads`` > 1, threads in each (gthread workers);
* static files collected first (``collectstatic``) and served by WhiteNoise from memory-mapped,
  compressed, far-future-cached files;
* persistent database connections: ``CONN_MAX_AGE`` (environment; 600 s here when unset) with
  ``CONN_HEALTH_CHECKS``, closed before the workers are forked;
* enrichment after the commit (``MINSHENG_ENRICH=task`` unless set): registration queues the
  suggestions in its transaction, ``minsheng worker`` computes them;
* the shared cache of the settings (Redis when ``REDIS_URL``/``CACHE_URL`` is set).

The process is gunicorn's arbiter itself: SIGTERM/SIGINT stop it gracefully, SIGHUP reloads the
workers.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

DEFAULT_CONN_MAX_AGE = 600


def default_workers() -> int:
    return min(8, 2 * (os.cpu_count() or 1) + 1)


class Command(BaseCommand):
    help = "Run the production web server (gunicorn + WhiteNoise, persistent database connections)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default 127.0.0.1:8000)")
        parser.add_argument("--workers", type=int, default=default_workers(), help="worker processes")
        parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread if > 1)")
        parser.add_argument(
            "--timeout", type=int, default=30, help="seconds before a silent worker is restarted"
        )
        parser.add_argument(
            "--max-requests", type=int, default=0, help="restart a worker after N requests (0: never)"
        )
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collectstatic at start")
        parser.add_argument("--access-log", action="store_true", help="log every request to stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from gunicorn.app.base import BaseApplication
        except ImportError as exc:  # pragma: no cover - gunicorn is in requirements/base.txt
            raise CommandError("gunicorn is not installed") from exc
        if options["workers"] < 1 or options["threads"] < 1 or options["timeout"] < 1:
            raise CommandError("--workers, --threads and --timeout must be >= 1")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        database = settings.DATABASES["default"]
        for alias_settings in settings.DATABASES.values():  # the primary and, if set, the replica
            if "CONN_MAX_AGE" not in os.environ and "DB_CONN_MAX_AGE" not in os.environ:
                alias_settings["CONN_MAX_AGE"] = DEFAULT_CONN_MAX_AGE
            alias_settings["CONN_HEALTH_CHECKS"] = True
        if "MINSHENG_ENRICH" not in os.environ:
            # Suggestions are computed by `minsheng worker` after the commit (registration.py).
            settings.MINSHENG_ENRICH = "task"
        connections.close_all()  # nothing opened here may be shared by the forked workers

        from django.core.wsgi import get_wsgi_application

        from minsheng.core.metrics import mark_process_dead

        config = {
            "bind": options["bind"],
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread" if options["threads"] > 1 else "sync",
            "timeout": options["timeout"],
            "graceful_timeout": options["timeout"],
            "max_requests": options["max_requests"],
            "max_requests_jitter": options["max_requests"] // 10,
            "accesslog": "-" if options["access_log"] else None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "minsheng",
            "child_exit": lambda _arbiter, worker: mark_process_dead(worker.pid),
        }
        application = get_wsgi_application()

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    if value is not None:
                        self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stdout.write(
            f"minsheng serve: http://{options['bind']}/ ({options['workers']} workers × "
            f"{options['threads']} threads, CONN_MAX_AGE={database['CONN_MAX_AGE']}, "
            f"MINSHENG_ENRICH={settings.MINSHENG_ENRICH})"
        )
        self.stdout.flush()
        Server().run()
