"""With MINSHENG_ENRICH=task a registration queues its enrichment in its own transaction
(django-tasks-db) and `minsheng worker` computes the suggestions afterwards (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(MINSHENG_ENRICH="task", TASKS=DB_TASKS)
def test_registration_queues_enrichment_and_the_worker_fills_the_suggestions(register: Any) -> None:
    petition = register(title="某公司拖欠工资三个月", request="请求督促公司支付拖欠的工资")
    assert "generated_at" not in (petition.suggestions or {})
    queued = DBTaskResult.objects.filter(task_path="minsheng.intelligence.tasks.petition_enrich_task")
    assert [row.args_kwargs["kwargs"] for row in queued] == [{"petition_id": petition.pk}]

    call_command("worker", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115

    petition.refresh_from_db()
    suggestions = petition.suggestions
    assert "generated_at" in suggestions and suggestions["category"]["label"]
    assert [row.status for row in queued.all()] == ["SUCCESSFUL"]


@override_settings(MINSHENG_ENRICH="inline")
def test_inline_enrichment_is_done_at_registration(register: Any) -> None:
    petition = register(title="某公司拖欠工资三个月", request="请求督促公司支付拖欠的工资")
    assert "generated_at" in petition.suggestions
    assert not DBTaskResult.objects.filter(task_path__endswith="petition_enrich_task").exists()
