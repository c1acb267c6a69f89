"""The open model's schedule: requests leave at fixed intended times, whatever the server
does, and each is timed from its intended time, not from when it actually left.

A late send (the generator itself was busy) then shows in the latency, as it would for
a real client arriving on schedule; timing from the actual send would hide it (the
coordinated-omission bias). The load runner's workers and the lab's client both send
through `send_on_schedule`.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
_EARLY_S = 0.0005  # closer than this to its time, a send goes at once (a sleep overshoots)


async def send_on_schedule(
    first: float,
    interval: float,
    next_item: Callable[[float], T | None],
    send: Callable[[T, float], Coroutine[Any, Any, None]],
    on_due: Callable[[T, float], None] | None = None,
) -> None:
    """Send ``next_item(intended)`` at ``first + i * interval`` (``time.perf_counter``
    seconds) until it returns None, each as a task ``send(item, intended)``; wait for all.

    ``on_due(item, intended)`` runs when an item's time has come, just before its task
    starts (the runner measures its own lag there).
    """
    running: set[asyncio.Task[None]] = set()
    for i in itertools.count():
        intended = first + i * interval
        item = next_item(intended)
        if item is None:
            break
        delay = intended - time.perf_counter()
        if delay > _EARLY_S:
            await asyncio.sleep(delay)
        if on_due is not None:
            on_due(item, intended)
        task = asyncio.create_task(send(item, intended))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
