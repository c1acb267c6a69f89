"""The machine a measurement ran on: one describer for run artifacts and benchmarks, and
the testbed identity that decides which runs may be compared.

A *testbed* is what a latency figure belongs to (Bencher's term): the same code is 30 %
slower on another runner, so runs of different testbeds are not evidence about the code.
Its identity is a label (``PERFKIT_TESTBED``, else the CI runner's name where the CI gives
a stable one, else the host name), the CPU model and the number of cores.
"""

from __future__ import annotations

import os
import platform
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TESTBED_VARIABLE = "PERFKIT_TESTBED"


@dataclass(frozen=True)
class Machine:
    """CPU architecture and model, cores, Python, OS, host, and the 1-minute load."""

    machine: str
    cpu_count: int
    python: str
    implementation: str
    platform: str
    host: str
    load_1m: float | None
    cpu_model: str | None = None

    def line(self) -> str:
        """``x86_64, 2 cores, Python 3.11.7, load 1.3``: what a benchmark prints under its table."""
        load = f", load {self.load_1m:.1f}" if self.load_1m is not None else ""
        return f"{self.machine}, {self.cpu_count} cores, Python {self.python}{load}"


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str | None:
    """The CPU's marketing name (``AMD EPYC 7763 64-Core Processor``) where the OS tells."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or None


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
        cpu_model=cpu_model(),
    )


def testbed_label(env: Mapping[str, str]) -> str | None:
    """The testbed's label: ``PERFKIT_TESTBED``, else a CI runner name that names one
    machine (or one class of machine), else None (the host name stands in).

    GitHub's hosted runners get a new name and host every job, so they are one class,
    ``github-hosted Linux-X64``, told apart by CPU model and cores; a self-hosted runner's
    ``RUNNER_NAME`` is its machine. On GitLab the runner's description names it."""
    if env.get(TESTBED_VARIABLE):
        return env[TESTBED_VARIABLE]
    if env.get("GITHUB_ACTIONS") == "true":
        if env.get("RUNNER_ENVIRONMENT") == "self-hosted" and env.get("RUNNER_NAME"):
            return env["RUNNER_NAME"]
        return f"github-hosted {env.get('RUNNER_OS', '?')}-{env.get('RUNNER_ARCH', '?')}"
    if env.get("GITLAB_CI") == "true":
        return env.get("CI_RUNNER_DESCRIPTION") or env.get("CI_RUNNER_ID") or None
    return None


@dataclass(frozen=True)
class Testbed:
    """Where a run was measured, as far as it is known (older runs lack label and model)."""

    host: str
    cores: int
    cpu_model: str | None = None
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.host

    def describe(self) -> str:
        """``ci-large (AMD EPYC 7763, 4 cores)``: how a verdict names it."""
        model = f"{self.cpu_model}, " if self.cpu_model else ""
        return f"{self.name} ({model}{self.cores} cores)"

    def differences(self, other: Testbed) -> list[str]:
        """What tells the two apart; empty when they are the same testbed. A field one of
        them lacks (a run recorded before it was kept) is not held against them."""
        found = []
        if self.name != other.name:
            found.append(f"{self.name} vs {other.name}")
        if self.cpu_model and other.cpu_model and self.cpu_model != other.cpu_model:
            found.append(f"CPU {self.cpu_model} vs {other.cpu_model}")
        if self.cores != other.cores:
            found.append(f"{self.cores} vs {other.cores} cores")
        return found

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "host": self.host, "cpu_model": self.cpu_model,
                "cores": self.cores}  # fmt: skip
