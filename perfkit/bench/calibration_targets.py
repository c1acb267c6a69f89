"""The services `perfkit bench verdicts` calibrates the verdict against (``--target``).

- ``reference``: the reference service on an embedded Redis; a slowdown raises the
  simulated latency of the chat model (``PERFKIT_CHAT_LATENCY_MS``, 120 ms), one
  endpoint's upstream, so chat's p50 moves by a little less than the injected size.
- ``slow``: `perfkit.bench.slow_service`, every endpoint 10-50 ms; a slowdown multiplies
  the latency of ``lookup`` (10 ms, the fastest endpoint), the case a floor taken from the
  run's fastest request cannot see.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from perfkit.bench import slow_service
from perfkit.loadgen.local_target import REFERENCE_LABEL, reference_target
from perfkit.loadgen.scenario import Endpoint, Scenario, default_scenario_path, load_scenario
from perfkit.serving import PORT, serve_process

_CHAT_MS = 120.0
_SLOW_LABEL = "bench-slow-service"


@dataclass(frozen=True)
class CalibrationTarget:
    """A service to calibrate on: how to start one instance slowed by ``size`` (None:
    unchanged), the scenario that loads it and the endpoint a slowdown is injected into."""

    name: str
    label: str
    slowed: str
    describe: str
    scenario: Callable[[], Scenario]
    start: Callable[[float | None], AbstractContextManager[str]]


def _reference(size: float | None) -> AbstractContextManager[str]:
    env = {} if size is None else {"PERFKIT_CHAT_LATENCY_MS": f"{_CHAT_MS * (1 + size):g}"}
    return reference_target(env)


@contextlib.contextmanager
def _slow(size: float | None) -> Iterator[str]:
    env = {**os.environ, "PERFKIT_SLOW_FACTOR": f"{1 + (size or 0.0):g}"}
    command = [sys.executable, "-m", "uvicorn", "perfkit.bench.slow_service:app",
               "--host", "127.0.0.1", "--port", PORT, "--no-access-log",
               "--log-level", "warning"]  # fmt: skip
    with serve_process(command, name="the 10-50 ms service", ready_path="/health",
                       env=env, timeout_s=30.0) as served:  # fmt: skip
        yield served.url


def _slow_scenario() -> Scenario:
    return Scenario(
        name="bench-slow",
        endpoints=tuple(Endpoint(name, f"/api/{name}") for name in slow_service.LATENCY_MS),
        description="every endpoint 10-50 ms (perfkit.bench.slow_service)",
    )


TARGETS = {
    "reference": CalibrationTarget(
        "reference", REFERENCE_LABEL, "chat",
        "the reference service (chat's upstream 120 ms; slowdowns raise it)",
        lambda: load_scenario(default_scenario_path()), _reference,
    ),
    "slow": CalibrationTarget(
        "slow", _SLOW_LABEL, slow_service.SLOWED_DEFAULT,
        "the 10-50 ms service (lookup 10, list 20, search 30, report 50 ms; slowdowns "
        "multiply lookup's latency)",
        _slow_scenario, _slow,
    ),
}  # fmt: skip
