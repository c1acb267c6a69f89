"""The machine a measurement ran on: one describer for run artifacts and benchmarks."""

from __future__ import annotations

import os
import platform
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    """CPU architecture, cores, Python, OS, host, and the 1-minute load when described."""

    machine: str
    cpu_count: int
    python: str
    implementation: str
    platform: str
    host: str
    load_1m: float | None

    def line(self) -> str:
        """``x86_64, 2 cores, Python 3.11.7, load 1.3``: what a benchmark prints under its table."""
        load = f", load {self.load_1m:.1f}" if self.load_1m is not None else ""
        return f"{self.machine}, {self.cpu_count} cores, Python {self.python}{load}"


def describe_machine() -> Machine:
    try:
        load: float | None = os.getloadavg()[0]
    except OSError:  # not available on this platform
        load = None
    return Machine(
        machine=platform.machine(),
        cpu_count=os.cpu_count() or 1,
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        platform=platform.platform(),
        host=socket.gethostname(),
        load_1m=load,
    )
