"""Fixtures of the workflow tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from minsheng.workflow.tests.scenario_api import Office, at


@pytest.fixture
def office(world: Any, client: Client, request: pytest.FixtureRequest) -> Iterator[Office]:
    """The records office of the statute scenarios (scenario_api.Office) with its clock frozen at
    the test module's ``OFFICE_START`` (default 2025-03-24 08:00, Asia/Shanghai)."""
    start = getattr(request.module, "OFFICE_START", at("2025-03-24", 8))
    with time_machine.travel(start, tick=False) as traveller:
        yield Office(client=client, traveller=traveller, now=start)
