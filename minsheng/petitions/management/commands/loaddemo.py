"""`minsheng loaddemo`: the demo city, its organs, one user per role, and 500+ petitions made from
real messages, spread over all channels and states. Idempotent; refused in production."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.orgs.demo import DEMO_USERS, build_demo_world
from minsheng.petitions.demo import DemoBuilder
from minsheng.workflow.deadlines import uncovered_years_in_use


class Command(BaseCommand):
    help = "Load the demo data (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--petitions", type=int, default=600, help="target number of demo petitions")
        parser.add_argument("--seed", type=int, default=20251129)

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("loaddemo is refused in production mode (MINSHENG_PRODUCTION=true)")
        password = settings.MINSHENG_DEMO_PASSWORD
        started = time.monotonic()
        world = build_demo_world(password=password)
        deadline_log = logging.getLogger("minsheng.workflow.deadlines")
        previous = deadline_log.level
        deadline_log.setLevel(logging.ERROR)  # one summary below instead of a warning per petition
        try:
            builder = DemoBuilder(world, seed=options["seed"])
            created = builder.build(options["petitions"])
            drafts = builder.drafts_awaiting_signoff()
        finally:
            deadline_log.setLevel(previous)
        from minsheng.accountability.demo import load_accountability_demo

        accountability = load_accountability_demo(world)
        self.stdout.write(f"demo: {created} new petitions in {time.monotonic() - started:.1f}s")
        if drafts:
            self.stdout.write(f"demo: {drafts} draft opinions await signature, with reply quality advice")
        self.stdout.write(
            f"demo: {accountability['portfolios']} new leader portfolios, {accountability['proposals']} "
            f"accountability proposals, {accountability['listed']} new listed supervision"
        )
        from minsheng.reception.demo import build_reception_demo
        from minsheng.stability.demo import build_stability_demo

        days = build_reception_demo(world)
        stability = build_stability_demo(world)
        self.stdout.write(
            f"demo: {days} reception days, {stability['decisions']} major decisions, "
            f"{stability['linked_after']} petitions linked after a decision, {stability['flags']} consistency flags"
        )
        from minsheng.integrations.demo import demo_integration

        hotline, hotline_key = demo_integration()
        self.stdout.write(
            f"Integration key of {hotline.name} (/api/v1, registers at a-bureau, adds notes, "
            f"no personal data; docs/api.md): {hotline_key}"
        )
        missing = uncovered_years_in_use()
        if missing:
            years = ", ".join(map(str, missing))
            self.stdout.write(
                f"note: some due dates fall in {years}, which no holiday calendar covers yet; they are shown as "
                "provisional until an administrator loads that year's schedule (admin → 节假日安排)."
            )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {password}):")
        for username, (name, posts) in DEMO_USERS.items():
            if not posts and username != "admin":
                continue
            where = ", ".join(sorted({p[0] for p in posts})) or "all (administrator)"
            self.stdout.write(f"  {username:<22} {name:<8} {where}")
            if username == "admin":
                break
