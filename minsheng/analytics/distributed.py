"""The runner of the analytics jobs: a Dask cluster when ``MINSHENG_DASK_SCHEDULER`` names its
scheduler (``tcp://host:8786``), else this process (docs/operations.md "Analytics on Dask").

The jobs (``minsheng hot-issues`` over the database, the weekly spike detection) read their
petitions once, from the replica when one is configured (minsheng.core.replica), split them by
district and month, map the pure per-partition step on the runner and merge here.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from minsheng.analytics.nlp.runner import DaskRunner, LocalRunner, Runner

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_runners: dict[str, DaskRunner] = {}


def analytics_runner() -> Runner:
    """A Dask runner connected to ``MINSHENG_DASK_SCHEDULER`` (one client per process), or local."""
    address = settings.MINSHENG_DASK_SCHEDULER
    if not address:
        return LocalRunner()
    with _lock:
        runner = _runners.get(address)
        if runner is None:
            logger.info("analytics: connecting to the Dask scheduler at %s", address)
            runner = _runners[address] = DaskRunner(address, timeout=settings.MINSHENG_DASK_TIMEOUT_SECONDS)
    return runner


def close_runners() -> None:
    with _lock:
        for runner in _runners.values():
            runner.close()
        _runners.clear()
