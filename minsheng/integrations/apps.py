from typing import Any

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "minsheng.integrations"
    label = "integrations"
    verbose_name = "对外接口"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from minsheng.workflow.models import PetitionEvent
        from minsheng.workflow.signals import events_inserted

        post_save.connect(_petition_event_saved, sender=PetitionEvent, dispatch_uid="integrations.webhooks")
        events_inserted.connect(_events_inserted, sender=PetitionEvent, dispatch_uid="integrations.bulk")


def _petition_event_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Each new timeline event reaches the webhook outbox in the same transaction (the engine writes
    every event through PetitionEvent, so this one hook sees all of them)."""
    if created and not raw:
        from minsheng.integrations.webhooks import webhook_enqueue

        webhook_enqueue(instance)


def _events_inserted(sender: Any, action: str, after_pk: int, **kwargs: Any) -> None:
    """Events the set-based sweep inserted in one statement (deadline_breached → ``overdue``):
    each reaches the subscriptions that want it, as one saved by the engine would."""
    from minsheng.integrations.webhooks import webhooks_for_inserted_events

    webhooks_for_inserted_events(action, after_pk)
