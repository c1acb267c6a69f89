"""Background reloads (XFetch early refresh and stale-while-revalidate).

A value due for a reload is returned to its caller at once; the reload runs as a task
of its own. `reload_due` applies the rule (see `freshness`) and keeps it to at most one
reload per key in a process at a time; a failed reload is counted and logged, never
raised, and the old value stays in place. `aclose` cancels what still runs, so a
service shuts down without stray tasks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from perfkit.cache.freshness import MAX_NEG_LOG, Freshness, freshness
from perfkit.cache.stats import Counters

log = logging.getLogger("perfkit.cache")


class Refresher:
    """When to reload a value read from the cache, and the reloads running now.

    ``clock`` is wall time (soft expiries are shared between processes); ``rand`` draws
    XFetch. A value whose soft expiry is more than ``load_seconds * reach`` away is
    fresh whatever the draw: batch reads skip the rule for those.
    """

    def __init__(self, beta: float, clock: Callable[[], float], rand: Callable[[], float]) -> None:
        self.clock = clock
        self.reach = beta * MAX_NEG_LOG
        self._beta, self._rand = beta, rand
        self._keys: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def reload_due(
        self, key: str, now: float, soft_expiry: float, load_seconds: float, counters: Counters
    ) -> Freshness | None:
        """EARLY or STALE when a reload of ``key`` should start now, else None (fresh, or
        a reload already runs: a stale value served meanwhile is counted)."""
        state = freshness(now, soft_expiry, load_seconds, self._beta, self._rand)
        if state is Freshness.FRESH:
            return None
        if key in self._keys:
            counters.stale_served += state is Freshness.STALE
            return None
        return state

    def start(
        self, keys: list[str], state: Freshness, counters: Counters, work: Awaitable[object]
    ) -> None:
        """Run ``work``, a reload of ``keys`` (each one `reload_due`), in the background."""
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
