"""The demo's integration: a 12345 hotline that registers petitions and adds notes through
/api/v1 with a scoped key (docs/api.md "Integration keys"). Demo only: its key is fixed and
printed by ``minsheng loaddemo`` like the demo password; idempotent."""

from __future__ import annotations

from django.db import transaction

from minsheng.integrations.keys import hash_key
from minsheng.integrations.models import Integration, IntegrationEvent
from minsheng.integrations.scopes import integration_set_scope

DEMO_NAME = "12345热线（演示）"
DEMO_KEY = "msk_demo-12345-hotline-not-for-production"
DEMO_SCOPE = {"organ_codes": ["a-bureau"], "role": "registrar", "actions": ["register", "note"]}


def demo_integration() -> tuple[Integration, str]:
    """The demo hotline integration and its key, with its /api/v1 scope (created once)."""
    with transaction.atomic():
        integration, created = Integration.objects.get_or_create(
            name=DEMO_NAME, defaults={"key_prefix": DEMO_KEY[:10], "key_hash": hash_key(DEMO_KEY)}
        )
        if created:
            IntegrationEvent.objects.create(
                integration=integration,
                kind=IntegrationEvent.Kind.KEY_CREATED,
                detail={"key_prefix": integration.key_prefix, "demo": True},
            )
        if integration.api_user_id is None and integration.is_active:
            integration = integration_set_scope(integration.pk, personal_data=False, **DEMO_SCOPE)  # type: ignore[arg-type]
    return integration, DEMO_KEY
