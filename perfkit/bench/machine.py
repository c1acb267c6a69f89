"""The line every benchmark table carries: date, machine and how loaded it was."""

from __future__ import annotations

import os
import platform
import time


def describe_machine() -> dict[str, str]:
    """Date, ``uname -m`` with cores and Python, and the 1-minute load average."""
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {cores} cores, Python {platform.python_version()}",
        "load": f"load average {load:.1f} on {cores} cores at the start",
    }
