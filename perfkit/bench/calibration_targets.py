"""The services `perfkit bench verdicts` calibrates the verdict against (``--target``).

- ``reference``: the reference service on an embedded Redis; a slowdown delays chat's
  answers (``/api/chat``, a simulated 120 ms upstream plus the service's own work).
- ``slow``: `perfkit.bench.slow_service`, every endpoint 10-50 ms; a slowdown delays
  ``lookup`` (10 ms, the fastest endpoint), the case a floor taken from the run's fastest
  request cannot see.

Every instance, the base included, is served through `perfkit.bench.injected_delay`;
the bench makes a slowed instance wait ``size`` times the slowed endpoint's p50 as
measured on the base, so the slowdown is +size of that endpoint's latency at the load the
machine is under (the base and the A/A instance wait nothing, through the same wrapper).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from perfkit.bench import slow_service
from perfkit.bench.injected_delay import PATH_ENV
from perfkit.embedded import EmbeddedServer
from perfkit.loadgen.local_target import REFERENCE_LABEL
from perfkit.loadgen.scenario import Endpoint, Scenario, default_scenario_path, load_scenario
from perfkit.serving import PORT, Served, serve_process

_SLOW_LABEL = "bench-slow-service"


@dataclass(frozen=True)
class CalibrationTarget:
    """A service to calibrate on: how to start one instance (behind `InjectedDelay`, no
    wait yet), the scenario that loads it and the endpoint a slowdown is injected into."""

    name: str
    label: str
    slowed: str
    describe: str
    scenario: Callable[[], Scenario]
    start: Callable[[], AbstractContextManager[str]]


def _serve(factory: str, name: str, env: dict[str, str]) -> AbstractContextManager[Served]:
    """``perfkit.bench.injected_delay:<factory>`` under uvicorn, as `perfkit serve`
    runs the reference service (no access log, no proxy headers)."""
    command = [sys.executable, "-m", "uvicorn", "--factory",
               f"perfkit.bench.injected_delay:{factory}", "--host", "127.0.0.1",
               "--port", PORT, "--no-access-log", "--no-proxy-headers",
               "--log-level", "warning"]  # fmt: skip
    return serve_process(command, name=name, ready_path="/health", env=env, timeout_s=60.0)


def _delay_env(path: str) -> dict[str, str]:
    return {**os.environ, PATH_ENV: path}


@contextlib.contextmanager
def _reference() -> Iterator[str]:
    env = _delay_env("/api/chat")
    env.setdefault("PERFKIT_RATELIMIT_SHADOW", "true")  # one client: measure, never refuse
    with EmbeddedServer() as redis_server:
        env["REDIS_URL"] = redis_server.url
        env["PERFKIT_SELF_URL"] = f"http://127.0.0.1:{PORT}"
        with _serve("reference_app", "the reference service", env) as served:
            yield served.url


@contextlib.contextmanager
def _slow() -> Iterator[str]:
    env = _delay_env(f"/api/{slow_service.SLOWED_DEFAULT}")
    with _serve("slow_app", "the 10-50 ms service", env) as served:
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
        "the reference service (chat: a 120 ms upstream + its own work; a slowdown waits "
        "that share of chat's p50 measured on the base)",
        lambda: load_scenario(default_scenario_path()), _reference,
    ),
    "slow": CalibrationTarget(
        "slow", _SLOW_LABEL, slow_service.SLOWED_DEFAULT,
        "the 10-50 ms service (lookup 10, list 20, search 30, report 50 ms; a slowdown "
        "waits that share of lookup's p50 measured on the base)",
        _slow_scenario, _slow,
    ),
}  # fmt: skip
