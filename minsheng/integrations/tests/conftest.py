from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache() -> Any:
    cache.clear()
    from minsheng.notifications import sms

    sms.sent_messages.clear()
    yield
    cache.clear()


@pytest.fixture
def api_key(world: Any) -> str:
    from minsheng.integrations.keys import integration_create

    _integration, key = integration_create("12345热线")
    return key
