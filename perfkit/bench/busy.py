"""Noise for the verdict's calibration: busy processes, and the load average they cause.

`busy_processes(n)` starts ``n`` CPU spinners (plain Python loops, one process each, so
each can take a core) for one block and stops them by their process ids when it ends;
`LoadSampler` keeps the 1-minute load average seen during the measurement, which is the
figure printed beside the results (the spinners' effect adds to whatever else the
machine is doing).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from perfkit.embedded import spawn

_SPIN = "while True:\n    pass\n"
_STOP_TIMEOUT_S = 5.0


@contextlib.contextmanager
def busy_processes(count: int) -> Iterator[list[int]]:
    """``count`` CPU spinners running for the block; yields their process ids."""
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            processes.append(
                spawn(
                    [sys.executable, "-c", _SPIN],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def load_average() -> float | None:
    """The 1-minute load average now (None where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


@dataclass
class LoadSampler:
    """1-minute load averages sampled during a measurement (between its sessions)."""

    samples: list[float] = field(default_factory=list)

    def sample(self) -> None:
        now = load_average()
        if now is not None:
            self.samples.append(now)

    def summary(self) -> str:
        """``load average 3.9-4.6 (median 4.2) during the run`` or ``load average unknown``."""
        if not self.samples:
            return "load average unknown"
        low, high = min(self.samples), max(self.samples)
        median = statistics.median(self.samples)
        return f"load average {low:.1f}-{high:.1f} (median {median:.1f}) during the run"
