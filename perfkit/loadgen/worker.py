"""One worker: an asyncio loop that sends a scenario's requests and tallies them.

Closed model: `concurrency` users, each sending its next request when the previous one
answered (latency from the actual send). Open model: requests are started on a fixed
schedule (`rate` per second) whatever the server does, and latency is measured from the
*intended* start, so a server stall shows as the queue it really causes (no coordinated
omission); `concurrency` only caps the requests in flight.

Requests that start before the warm-up ends are sent but not tallied. Endpoints come from
the scenario's weighted round robin, a fresh one for the measured window, so counts are
exact. The worker reports its own CPU time (this thread only) and, in the open model, how
late each send started: the two signs of a saturated generator.
"""

from __future__ import annotations

import asyncio
import math
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field

import uvloop

from perfkit.histogram import LatencyHistogram
from perfkit.loadgen.engines import (
    Engine,
    HttpOptions,
    TransportFailure,
    classify_status,
    open_engine,
)
from perfkit.loadgen.pacing import send_on_schedule
from perfkit.loadgen.scenario import Scenario
from perfkit.runs.histogram import Tally

PROGRESS_INTERVAL_S = 0.5


@dataclass(frozen=True)
class WorkerPlan:
    """Everything one worker needs; picklable, so it can cross to a worker process."""

    worker: int
    base_url: str
    scenario: Scenario
    model: str
    concurrency: int
    rate: float | None
    duration_s: float | None
    requests: int | None
    warmup_s: float
    engine: str
    options: HttpOptions
    start_wall: float
    phase_s: float = 0.0
    keep_samples: bool = True


@dataclass(frozen=True)
class Snapshot:
    """Live progress of one worker since its previous snapshot."""

    worker: int
    requests: int
    errors: int
    p95_ms: float | None


@dataclass
class Samples:
    """Per-request columns, times in seconds since the measured window began."""

    t_intended: array[float] = field(default_factory=lambda: array("d"))
    t_start: array[float] = field(default_factory=lambda: array("d"))
    latency_ms: array[float] = field(default_factory=lambda: array("d"))
    endpoint: array[int] = field(default_factory=lambda: array("H"))
    status: array[int] = field(default_factory=lambda: array("H"))
    error_class: list[str | None] = field(default_factory=list)


@dataclass
class WorkerResult:
    worker: int
    tallies: list[dict[str, object]]
    samples: Samples | None
    cpu_seconds: float
    busy_wall_s: float
    measured_start_wall: float
    measured_end_wall: float
    send_lag: str


class _Worker:
    def __init__(self, plan: WorkerPlan, progress: Callable[[Snapshot], None] | None) -> None:
        self.plan = plan
        self.progress = progress
        self.tallies = [Tally() for _ in plan.scenario.endpoints]
        self.samples = Samples() if plan.keep_samples else None
        self.lag = LatencyHistogram()
        self.window = LatencyHistogram()
        self.window_requests = 0
        self.window_errors = 0
        self.urls = [plan.base_url.rstrip("/") + e.target for e in plan.scenario.endpoints]
        self.headers = [{**plan.scenario.headers, **e.headers} for e in plan.scenario.endpoints]
        # perf_counter time at which the run starts, aligned across processes by wall clock
        self.t0 = time.perf_counter() + (plan.start_wall - time.time())
        self.measure_start = self.t0 + plan.warmup_s
        self.deadline = (
            self.measure_start + plan.duration_s if plan.duration_s is not None else math.inf
        )
        self.warm = plan.scenario.schedule()
        self.measured = plan.scenario.schedule()
        self.tickets = plan.requests if plan.requests is not None else -1

    def _take(self, when: float) -> tuple[int, bool] | None:
        """The next endpoint and whether it is measured, or None when the run is over."""
        if when >= self.deadline:
            return None
        if when < self.measure_start:
            return next(self.warm), False
        if self.tickets == 0:
            return None
        self.tickets -= 1
        return next(self.measured), True

    async def _one(self, engine: Engine, index: int, intended: float, measured: bool) -> None:
        endpoint = self.plan.scenario.endpoints[index]
        start = time.perf_counter()
        try:
            status = await engine.send(
                endpoint.method, self.urls[index], self.headers[index], endpoint.body
            )
            error = classify_status(status, endpoint.expect)
            got_response = True
        except TransportFailure as failure:
            status, error, got_response = 0, failure.error_class, False
        latency_ms = (time.perf_counter() - intended) * 1000.0
        if not measured:
            return
        self.tallies[index].record(status, error, latency_ms if got_response else None)
        self.window_requests += 1
        self.window_errors += error is not None
        if got_response:
            self.window.record_ms(latency_ms)
        if self.samples is not None:
            s = self.samples
            s.t_intended.append(intended - self.measure_start)
            s.t_start.append(start - self.measure_start)
            s.latency_ms.append(latency_ms)
            s.endpoint.append(index)
            s.status.append(status)
            s.error_class.append(error)

    async def _closed(self, engine: Engine) -> None:
        async def user() -> None:
            while (taken := self._take(time.perf_counter())) is not None:
                await self._one(engine, taken[0], time.perf_counter(), taken[1])

        await asyncio.gather(*(user() for _ in range(self.plan.concurrency)))

    async def _open(self, engine: Engine) -> None:
        assert self.plan.rate is not None
        in_flight = asyncio.Semaphore(self.plan.concurrency)

        async def send(taken: tuple[int, bool], intended: float) -> None:
            async with in_flight:
                await self._one(engine, taken[0], intended, taken[1])

        def due(taken: tuple[int, bool], intended: float) -> None:
            if taken[1]:
                self.lag.record_ms(max(time.perf_counter() - intended, 0.0) * 1000.0)

        first = self.t0 + self.plan.phase_s
        await send_on_schedule(first, 1.0 / self.plan.rate, self._take, send, due)

    async def _report(self) -> None:
        assert self.progress is not None
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL_S)
            self._flush()

    def _flush(self) -> None:
        if self.progress is None:
            return
        p95 = self.window.percentiles_ms([95.0])[95.0] if self.window_requests else None
        self.progress(Snapshot(self.plan.worker, self.window_requests, self.window_errors, p95))
        self.window.reset()
        self.window_requests = self.window_errors = 0

    async def run(self) -> WorkerResult:
        await asyncio.sleep(max(self.t0 - time.perf_counter(), 0.0))
        cpu0, wall0 = time.thread_time(), time.perf_counter()
        engine = open_engine(self.plan.engine, self.plan.options, self.plan.concurrency)
        reporter = asyncio.create_task(self._report()) if self.progress is not None else None
        try:
            await (self._open(engine) if self.plan.model == "open" else self._closed(engine))
        finally:
            if reporter is not None:
                reporter.cancel()
            await engine.aclose()
        self._flush()
        end = time.perf_counter()
        offset = time.time() - end  # perf_counter -> wall clock
        return WorkerResult(
            worker=self.plan.worker,
            tallies=[t.to_wire() for t in self.tallies],
            samples=self.samples,
            cpu_seconds=time.thread_time() - cpu0,
            busy_wall_s=end - wall0,
            measured_start_wall=self.measure_start + offset,
            measured_end_wall=end + offset,
            send_lag=self.lag.encode(),
        )


def run_worker(plan: WorkerPlan, progress: Callable[[Snapshot], None] | None) -> WorkerResult:
    """Run one worker to completion on a new uvloop event loop in the calling thread
    (uvloop, which uvicorn[standard] brings, halves the loop's own cost per request)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_Worker(plan, progress).run())
