"""The load generators behind `perfkit baseline --engine`: one interface, three kinds.

- perfkit's asyncio runner (`--engine aiohttp|httpx-aiohttp|httpx`, `perfkit.loadgen.runner`),
- k6 (`--engine k6`, `perfkit.loadgen.k6_engine`),
- a Locust master with worker processes (`--engine locust`, `perfkit.loadgen.locust_engine`).

Each checks what it needs (`check`: the tool installed, the settings it supports) before
anything starts, and returns a `LoadResult` with per-endpoint HdrHistograms and
per-request samples, so a `Run` does not depend on which generator made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.runner import LoadConfig, LoadResult, run_load
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.worker import Snapshot

Progress = Callable[[Snapshot], None] | None


class LoadGenerator(Protocol):
    #: the `source.tool` of the runs it records
    tool: str

    def check(self, config: LoadConfig, options: HttpOptions) -> None:
        """`InputError` when the tool is missing or cannot run these settings."""

    def run(self, base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions,
            progress: Progress) -> LoadResult:  # fmt: skip
        """Load the target and return what was measured."""


class RunnerGenerator:
    tool = "perfkit"

    def check(self, config: LoadConfig, options: HttpOptions) -> None:
        options.check_engine(config.engine)

    def run(self, base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions,
            progress: Progress) -> LoadResult:  # fmt: skip
        return run_load(base_url, scenario, config, options, progress)


class K6Generator:
    tool = "k6"

    def check(self, config: LoadConfig, options: HttpOptions) -> None:
        from perfkit.loadgen import k6_engine  # noqa: PLC0415  (only when asked for)

        k6_engine.check(config, options)

    def run(self, base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions,
            progress: Progress) -> LoadResult:  # fmt: skip
        from perfkit.loadgen import k6_engine  # noqa: PLC0415

        return k6_engine.run_k6(base_url, scenario, config, options, progress=progress)


class LocustGenerator:
    tool = "locust"

    def check(self, config: LoadConfig, options: HttpOptions) -> None:
        from perfkit.loadgen import locust_engine  # noqa: PLC0415  (imports gevent)

        locust_engine.check(config, options)

    def run(self, base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions,
            progress: Progress) -> LoadResult:  # fmt: skip
        from perfkit.loadgen import locust_engine  # noqa: PLC0415

        return locust_engine.run_locust(base_url, scenario, config, options)


def generator_for(engine: str) -> LoadGenerator:
    if engine == "k6":
        return K6Generator()
    if engine == "locust":
        return LocustGenerator()
    return RunnerGenerator()
