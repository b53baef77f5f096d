"""Admin: list and revoke integrations, see the delivery log and replay, disable/enable subscriptions;
the commands that create keys and subscriptions."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from minsheng.integrations.keys import integration_authenticate, integration_create
from minsheng.integrations.models import Integration, IntegrationEvent, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: Any) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def test_admin_lists_and_revokes_keys(admin_client: Client, world: Any) -> None:
    integration, key = integration_create("市民热线App")
    listing = admin_client.get("/admin/integrations/integration/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "市民热线App" in page and integration.key_prefix in page and key not in page
    response = admin_client.post(
        "/admin/integrations/integration/",
        {"action": "revoke", "_selected_action": [str(integration.pk)]},
    )
    assert response.status_code == 302
    assert integration_authenticate(key) is None
    event = IntegrationEvent.objects.get(kind="key_revoked")
    assert event.actor == world.users["admin"]
    assert admin_client.get("/admin/integrations/integrationevent/").status_code == 200
    assert admin_client.get("/admin/integrations/webhookattempt/").status_code == 200


def test_admin_disables_and_enables_a_subscription(admin_client: Client, world: Any) -> None:
    call_command("open311-key", "看板", stdout=StringIO())
    out = StringIO()
    call_command(
        "webhook-subscribe", "看板", "https://example.com/hooks", "--event", "petition.accepted", stdout=out
    )
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["petition.accepted"]
    page = admin_client.get(f"/admin/integrations/webhooksubscription/{subscription.pk}/change/")
    assert page.status_code == 200 and secret not in page.content.decode()
    url = "/admin/integrations/webhooksubscription/"
    admin_client.post(url, {"action": "disable", "_selected_action": [str(subscription.pk)]})
    subscription.refresh_from_db()
    assert subscription.is_active is False
    admin_client.post(url, {"action": "enable", "_selected_action": [str(subscription.pk)]})
    subscription.refresh_from_db()
    assert subscription.is_active is True
    kinds = list(IntegrationEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["key_created", "subscription_created", "subscription_disabled", "subscription_enabled"]


def test_webhook_subscribe_command_errors(world: Any) -> None:
    with pytest.raises(CommandError):
        call_command("webhook-subscribe", "nobody", "https://example.com", stdout=StringIO())
    Integration.objects.create(name="x", key_prefix="x", key_hash="0" * 64)
    with pytest.raises(CommandError, match="events"):
        call_command("webhook-subscribe", "x", "https://example.com", "--event", "nope", stdout=StringIO())
