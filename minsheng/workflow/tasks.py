"""Tasks are interfaces: they call services."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from minsheng.workflow.sweeps import deadlines_sweep


@task()
def deadlines_sweep_task() -> dict[str, int]:
    return asdict(deadlines_sweep())
