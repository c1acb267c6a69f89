"""Background reloads (XFetch early refresh and stale-while-revalidate).

A value due for a reload is returned to its caller at once; the reload runs as a task
of its own. At most one reload per key runs in a process at a time (`running`); a
failed one is counted and logged, never raised, and the old value stays in place.
`aclose` cancels what still runs, so a service shuts down without stray tasks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from perfkit.cache.freshness import Freshness
from perfkit.cache.stats import Counters

log = logging.getLogger("perfkit.cache")


class Refresher:
    """The background reload tasks of one cache."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def running(self, key: str) -> bool:
        return key in self._keys

    def start(
        self, keys: list[str], state: Freshness, counters: Counters, work: Awaitable[object]
    ) -> None:
        """Run ``work``, a reload of ``keys`` (none of them `running`), in the background."""
        if state is Freshness.STALE:
            counters.stale_served += len(keys)
        counters.early_refreshes += len(keys)
        self._keys.update(keys)

        async def run() -> None:
            await work

        task = asyncio.create_task(run())
        self._tasks.add(task)

        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._keys.difference_update(keys)
            if not task.cancelled() and task.exception() is not None:
                counters.refresh_errors += 1
                log.warning("background cache refresh failed", exc_info=task.exception())

        task.add_done_callback(done)

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
