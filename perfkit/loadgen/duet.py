"""Duet loading: two builds loaded at the same time, every request paired in time.

Each of ``concurrency`` users takes the scenario's next endpoint and sends it to the base
and to the head at the same moment (alternating which send starts first, so neither
build always gets the head start), then waits for both answers before its next pair.
Whatever the machine does to one request of a pair (a neighbour's burst, a frequency
step, a GC pause of the generator) it does to the other, so shared noise falls on both
builds alike and cancels in their comparison (Bulej et al., "Duet benchmarking",
Empirical Software Engineering 2020).

The measured window is cut into ``blocks`` equal time blocks; each block is one trial of
each build, and the two runs share a session id and their trials' time windows. The
verdict sees that and compares them pair by pair (`perfkit.analysis.verdict`, "paired
trials": a t-test on the per-block log ratios), so only the noise that did not hit both
builds alike is left. Because every user waits for both answers, the two builds
see the same request rate: a duet compares latency and errors, not throughput.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import uvloop

from perfkit.errors import InputError
from perfkit.loadgen.engines import (
    Engine,
    HttpOptions,
    TransportFailure,
    classify_status,
    open_engine,
)
from perfkit.loadgen.runner import LoadConfig, LoadResult
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.worker import Samples
from perfkit.runs.histogram import Tally
from perfkit.runs.model import GeneratorStats

DEFAULT_BLOCKS = 10
_START_DELAY_S = 0.1


@dataclass
class _Block:
    """One time block of one build: a tally per endpoint and its per-request samples."""

    tallies: list[Tally]
    samples: Samples


class _Duet:
    def __init__(self, urls: Sequence[str], scenario: Scenario, config: LoadConfig, blocks: int,
                 options: HttpOptions) -> None:  # fmt: skip
        self.scenario, self.config, self.options = scenario, config, options
        assert config.duration_s is not None
        self.urls = [[u.rstrip("/") + e.target for e in scenario.endpoints] for u in urls]
        self.headers = [{**scenario.headers, **e.headers} for e in scenario.endpoints]
        self.t0 = time.perf_counter() + _START_DELAY_S
        self.measure_start = self.t0 + config.warmup_s
        self.block_s = config.duration_s / blocks
        self.deadline = self.measure_start + config.duration_s
        self.blocks = [
            [_Block([Tally() for _ in scenario.endpoints], Samples()) for _ in range(blocks)]
            for _ in urls
        ]
        self.warm, self.measured = scenario.schedule(), scenario.schedule()

    async def _send(self, engine: Engine, side: int, index: int) -> tuple[float, int, str | None]:
        endpoint = self.scenario.endpoints[index]
        start = time.perf_counter()
        try:
            status = await engine.send(
                endpoint.method, self.urls[side][index], self.headers[index], endpoint.body
            )
            error = classify_status(status, endpoint.expect)
        except TransportFailure as failure:
            return math.nan, 0, failure.error_class
        return (time.perf_counter() - start) * 1000.0, status, error

    async def _pair(self, engines: Sequence[Engine], index: int, first: int) -> None:
        start = time.perf_counter()
        order = [first, 1 - first]
        sends = [asyncio.ensure_future(self._send(engines[s], s, index)) for s in order]
        answers = await asyncio.gather(*sends)
        if start < self.measure_start:
            return
        block = min(int((start - self.measure_start) / self.block_s), len(self.blocks[0]) - 1)
        for side, (latency_ms, status, error) in zip(order, answers, strict=True):
            record = self.blocks[side][block]
            got = not math.isnan(latency_ms)
            record.tallies[index].record(status, error, latency_ms if got else None)
            t = start - self.measure_start - block * self.block_s
            s = record.samples
            s.t_intended.append(t)
            s.t_start.append(t)
            s.latency_ms.append(latency_ms)
            s.endpoint.append(index)
            s.status.append(status)
            s.error_class.append(error)

    async def run(self) -> float:
        """Load both builds until the window ends; the generator's CPU seconds."""
        await asyncio.sleep(max(self.t0 - time.perf_counter(), 0.0))
        cpu0 = time.thread_time()
        engines = [open_engine(self.config.engine, self.options, self.config.concurrency)
                   for _ in self.urls]  # fmt: skip

        async def user(k: int) -> None:
            turn = k
            while (now := time.perf_counter()) < self.deadline:
                index = next(self.warm if now < self.measure_start else self.measured)
                await self._pair(engines, index, turn % 2)
                turn += 1

        try:
            await asyncio.gather(*(user(k) for k in range(self.config.concurrency)))
        finally:
            for engine in engines:
                await engine.aclose()
        return time.thread_time() - cpu0


def check_duet(config: LoadConfig, blocks: int) -> None:
    """`InputError` for load settings a duet cannot run."""
    config.validate()
    if config.model != "closed" or config.duration_s is None or config.requests is not None:
        raise InputError("a duet runs the closed model for a duration (--concurrency, --duration)")
    if config.workers != 1 or config.engine not in ("aiohttp", "httpx-aiohttp", "httpx"):
        raise InputError("a duet runs one in-process worker (no --workers, k6 or Locust)")
    if blocks < 2:
        raise InputError(f"a duet needs at least 2 blocks to estimate its noise, got {blocks}")


def run_duet(
    base_url: str,
    head_url: str,
    scenario: Scenario,
    config: LoadConfig,
    *,
    blocks: int = DEFAULT_BLOCKS,
    options: HttpOptions | None = None,
) -> tuple[list[LoadResult], list[LoadResult]]:
    """Load both builds at once; each build's results, one per time block (its trials)."""
    check_duet(config, blocks)
    options = options or HttpOptions(timeout_s=config.timeout_s)
    options.check_engine(config.engine)
    duet = _Duet([base_url, head_url], scenario, config, blocks, options)
    wall0 = time.time() - time.perf_counter()  # perf_counter -> wall clock
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        cpu_s = runner.run(duet.run())
    busy = max(time.perf_counter() - duet.t0, 1e-9)
    generator = GeneratorStats(
        engine=config.engine, workers=1, cpu_seconds=round(cpu_s / blocks, 3),
        cpu_utilisation=round(cpu_s / busy, 3), send_lag_p99_ms=0.0,
        saturated=cpu_s / busy > 0.9,
    )  # fmt: skip
    warnings = [] if not generator.saturated else [
        f"the load generator was saturated ({cpu_s / busy:.0%} of a core): its own queueing "
        "is in the latency figures of both builds; use less --concurrency"
    ]  # fmt: skip
    results = []
    for side in duet.blocks:
        per_block = []
        for k, block in enumerate(side):
            start = wall0 + duet.measure_start + k * duet.block_s
            per_block.append(LoadResult.from_tallies(
                scenario, block.tallies, (start, start + duet.block_s), generator=generator,
                samples=[(0, block.samples)], warnings=warnings,
            ))  # fmt: skip
        results.append(per_block)
    return results[0], results[1]
