"""`minsheng webhook-subscribe NAME URL [--event petition.registered ...]`: subscribe an integration's
endpoint to petition events; prints the signing secret (whsec_…) on its last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.errors import ApplicationError
from minsheng.integrations.models import Integration
from minsheng.integrations.webhooks import webhook_subscribe


class Command(BaseCommand):
    help = "Subscribe an integration's URL to petition events and print the signing secret (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the integration's name (minsheng open311-key NAME)")
        parser.add_argument("url", help="the receiver's http(s) URL")
        parser.add_argument("--event", action="append", default=[], help="an event type; repeat; none: all")

    def handle(self, *args: Any, **options: Any) -> None:
        integration = Integration.objects.filter(
            name=options["name"].strip(), revoked_at__isnull=True
        ).first()
        if integration is None:
            raise CommandError(f"no active integration named {options['name']!r}")
        try:
            subscription, secret = webhook_subscribe(integration.pk, options["url"], options["event"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
        events = ", ".join(subscription.events) or "all events"
        self.stdout.write(f"subscription {subscription.pk} → {subscription.url} ({events}); signing secret:")
        self.stdout.write(secret)
