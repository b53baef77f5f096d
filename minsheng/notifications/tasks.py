"""Tasks are interfaces: load by id, call the service."""

from __future__ import annotations

from django_tasks import task

from minsheng.notifications.services import outbox_send


@task()
def outbox_send_task(message_id: int) -> bool:
    return outbox_send(message_id)
