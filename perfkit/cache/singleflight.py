"""In-process single-flight: concurrent calls for one key share one execution.

The first caller of a key (the leader) runs the work inline; callers arriving while it
runs wait for its result, or its exception. A waiter that is cancelled leaves only its
own future; a leader that is cancelled hands over: its waiters retry, and one of them
becomes the next leader. The leader's path costs a list and a dict entry, nothing
more, so the cache's hit path can always go through here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class _LeaderGone(Exception):
    """The leader was cancelled before finishing; a waiter takes over."""


class SingleFlight:
    """Deduplicates concurrent async work by key (one instance per event loop user)."""

    def __init__(self) -> None:
        self._flights: dict[str, list[asyncio.Future[Any]]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(self, key: str, work: Callable[[], Awaitable[T]]) -> T:
        while (waiters := self._flights.get(key)) is not None:
            future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            waiters.append(future)
            try:
                return await future
            except _LeaderGone:
                continue
        # the leader, inline: no task and no extra coroutine on the hot path
        waiters = self._flights[key] = []
        try:
            result = await work()
        except Exception as exc:  # re-raised: the waiters get the leader's error too
            self._settle(key, waiters, error=exc)
            raise
        except BaseException:  # cancelled (or exiting): a waiter takes over
            self._settle(key, waiters, error=_LeaderGone())
            raise
        self._settle(key, waiters, result=result)
        return result

    def _settle(
        self,
        key: str,
        waiters: list[asyncio.Future[Any]],
        result: object = None,
        error: BaseException | None = None,
    ) -> None:
        del self._flights[key]
        for future in waiters:
            if future.done():  # its waiter was cancelled
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
