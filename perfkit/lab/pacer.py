"""Send requests at a fixed rate and record every answer, with timed events in between.

The lab's open-model client: requests leave on the load runner's schedule
(`perfkit.loadgen.pacing`) whatever the server does, so an outage shows as slow or failed
requests, never as fewer requests, and each is timed from its intended send time, as the
runner times them. Round-robin over the given requests. It runs its event loop on a
thread of its own, so it works inside a Jupyter kernel (whose loop is already running).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pandas as pd

from perfkit.errors import InputError
from perfkit.loadgen.pacing import send_on_schedule


@dataclass(frozen=True)
class Request:
    """One request of the mix; ``name`` labels it in the results."""

    name: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    json: object = None


@dataclass(frozen=True)
class Event:
    """``action`` runs ``at`` seconds into the run, on the caller's thread (sending goes on
    meanwhile). Not on a short-lived worker thread: an embedded Redis started there would
    die with that thread (``PR_SET_PDEATHSIG`` follows the thread that forked it)."""

    at: float
    action: Callable[[], None]


async def _send(
    client: httpx.AsyncClient, request: Request, intended: float, t0: float,
    rows: list[tuple[object, ...]],
) -> None:  # fmt: skip
    try:
        response = await client.request(
            request.method, request.path, headers=request.headers, json=request.json
        )
        status = response.status_code
    except httpx.HTTPError:
        status = 0
    done = time.perf_counter()
    rows.append((intended - t0, request.name, status, (done - intended) * 1000))


async def _run(
    url: str, mix: Sequence[Request], rate: float, duration: float, started: _Start
) -> pd.DataFrame:
    rows: list[tuple[object, ...]] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=10.0, limits=limits) as client:
        t0 = started.set()
        numbers = iter(range(int(rate * duration)))

        async def send(i: int, intended: float) -> None:
            await _send(client, mix[i % len(mix)], intended, t0, rows)

        await send_on_schedule(t0, 1.0 / rate, lambda _: next(numbers, None), send)
    frame = pd.DataFrame(rows, columns=["t_s", "request", "status", "latency_ms"])
    return frame.sort_values("t_s").reset_index(drop=True)


class _Start:
    """The moment sending began, handed from the sending thread to the caller's."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.t0 = 0.0

    def set(self) -> float:
        self.t0 = time.perf_counter()
        self._event.set()
        return self.t0

    def wait(self, future: Future[pd.DataFrame]) -> float:
        """The start time; the sender's error if it failed before it started."""
        while not self._event.wait(0.05):
            if future.done():
                future.result()
        return self.t0


def send_paced(
    url: str,
    mix: Sequence[Request],
    *,
    rate: float,
    duration: float,
    events: Sequence[Event] = (),
) -> pd.DataFrame:
    """One row per request: t_s (intended send time, s), request (name), status (0: no
    answer), latency_ms (from the intended send time). Events run at their times; all
    are done when this returns."""
    if not mix:
        raise InputError("the request mix is empty")
    if not rate > 0 or not duration > 0:
        raise InputError(f"rate and duration must be > 0 (got {rate:g}/s for {duration:g} s)")
    started = _Start()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfkit-lab") as pool:
        future = pool.submit(asyncio.run, _run(url, mix, rate, duration, started))
        t0 = started.wait(future)
        for event in sorted(events, key=lambda e: e.at):
            delay = t0 + event.at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            event.action()
        return future.result()
