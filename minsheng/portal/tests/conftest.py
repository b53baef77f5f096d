"""Fixtures for the portal tests: a clean cache and a private media root."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _portal_env(settings: Any, tmp_path: Any) -> Any:
    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from minsheng.notifications import sms

    sms.sent_messages.clear()
    yield
    cache.clear()
