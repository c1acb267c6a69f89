"""Process health beside the request figures: resident memory and event-loop lag.

`LoopLagSampler` is a small task that sleeps ``interval`` seconds and measures how much
later than asked it woke up: that delay is how long the loop was busy with something
else (a blocking call, a long computation), which every request waiting on the loop
paid too. `LagWindow` keeps the last samples and is pure, so it is tested directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import sys
from collections import deque
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size of this process: Linux's ``/proc/self/statm`` (what psutil reads,
    without making the runtime depend on psutil), else the peak from ``getrusage``."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak) * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, else KiB


class LagWindow:
    """The last ``size`` loop-lag samples in ms, with summary figures."""

    def __init__(self, size: int = 240) -> None:
        self._samples: deque[float] = deque(maxlen=size)
        self.total_samples = 0

    def add(self, lag_ms: float) -> None:
        self._samples.append(max(lag_ms, 0.0))
        self.total_samples += 1

    def summary(self) -> dict[str, Any]:
        samples = sorted(self._samples)
        if not samples:
            return {"samples": 0, "last_ms": None, "mean_ms": None, "p99_ms": None, "max_ms": None}
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        return {
            "samples": len(samples),
            "last_ms": round(self._samples[-1], 3),
            "mean_ms": round(sum(samples) / len(samples), 3),
            "p99_ms": round(p99, 3),
            "max_ms": round(samples[-1], 3),
        }


class LoopLagSampler:
    """Measures event-loop lag every ``interval`` seconds into a `LagWindow`."""

    def __init__(self, interval: float, window: LagWindow | None = None) -> None:
        self.interval = interval
        self.window = window if window is not None else LagWindow()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start sampling on the running loop; idempotent."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="perfkit-loop-lag"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.interval)
            self.window.add((loop.time() - started - self.interval) * 1000.0)
