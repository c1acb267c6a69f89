"""The load runner: validates the load settings, runs the workers, merges what they saw.

`run_load(base_url, scenario, config)` runs one worker on a thread of this process, or
`config.workers` worker processes (spawned, so it is safe beside threads such as an
in-process server) started at the same wall-clock instant, their histograms merged
exactly. The open model's rate is split between workers, their schedules interleaved.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from perfkit.errors import InputError
from perfkit.histogram import LatencyHistogram
from perfkit.loadgen.engines import DEFAULT_ENGINE, ENGINES, EXTERNAL_ENGINES, HttpOptions
from perfkit.loadgen.scenario import Scenario
from perfkit.loadgen.worker import Samples, Snapshot, WorkerPlan, WorkerResult, run_worker
from perfkit.runs.histogram import Tally, run_stats
from perfkit.runs.model import EndpointStats, GeneratorStats, LoadSettings, Model, Stats

SATURATED_CPU = 0.9
SATURATED_LAG_MS = 20.0
_START_DELAY_S = 0.2
_SPAWN_DELAY_S = 2.5


@dataclass(frozen=True)
class LoadConfig:
    """How hard and how long: the closed model needs `duration_s` or `requests`."""

    model: Model = "closed"
    concurrency: int = 10
    rate: float | None = None
    duration_s: float | None = 10.0
    requests: int | None = None
    warmup_s: float = 1.0
    timeout_s: float = 10.0
    workers: int = 1
    engine: str = DEFAULT_ENGINE
    keep_samples: bool = True
    #: Locust engine only: workers started here (default all), the master's listen address
    local_workers: int | None = None
    master_bind: tuple[str, int] | None = None

    def validate(self) -> None:
        """`InputError` naming the first bad setting."""
        if self.duration_s is not None and not self.duration_s > 0:
            raise InputError(f"duration must be > 0 seconds (got {self.duration_s:g})")
        if self.requests is not None and self.requests < 1:
            raise InputError(f"requests must be >= 1 (got {self.requests})")
        if self.duration_s is None and self.requests is None:
            raise InputError("give a duration or a request count")
        if self.model == "open" and (self.rate is None or not self.rate > 0):
            raise InputError(f"rate must be > 0 requests/s (got {self.rate})")
        if self.model == "closed" and self.rate is not None:
            raise InputError("a rate needs the open model (--rate), not --concurrency")
        if self.concurrency < 1:
            raise InputError(f"concurrency must be >= 1 (got {self.concurrency})")
        if self.workers < 1:
            raise InputError(f"workers must be >= 1 (got {self.workers})")
        if not self.warmup_s >= 0:
            raise InputError(f"warm-up must be >= 0 seconds (got {self.warmup_s:g})")
        if not self.timeout_s > 0:
            raise InputError(f"timeout must be > 0 seconds (got {self.timeout_s:g})")
        if self.engine not in (*ENGINES, *EXTERNAL_ENGINES):
            known = ", ".join((*ENGINES, *EXTERNAL_ENGINES))
            raise InputError(f"unknown engine {self.engine!r} (use one of: {known})")

    def settings(self) -> LoadSettings:
        return LoadSettings(
            model=self.model,
            concurrency=self.concurrency,
            rate=self.rate,
            duration_s=self.duration_s,
            requests=self.requests,
            warmup_s=self.warmup_s,
            timeout_s=self.timeout_s,
            workers=self.workers,
            engine=self.engine,
        )


@dataclass
class LoadResult:
    """What the runner measured; `perfkit.loadgen.baseline` wraps it into a `Run`."""

    started_at: datetime
    finished_at: datetime
    overall: Stats
    endpoints: list[EndpointStats]
    generator: GeneratorStats
    samples: list[tuple[int, Samples]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_tallies(
        cls,
        scenario: Scenario,
        tallies: Sequence[Tally],
        span: tuple[float, float],
        *,
        generator: GeneratorStats,
        samples: list[tuple[int, Samples]],
        warnings: list[str] | None = None,
    ) -> LoadResult:
        """The result of one tally per endpoint of ``scenario``, measured over ``span``
        (the first and last wall-clock instant, epoch seconds)."""
        start, end = span
        overall, endpoints = run_stats(scenario.endpoints, tallies, max(end - start, 1e-9))
        return cls(
            started_at=datetime.fromtimestamp(start, UTC),
            finished_at=datetime.fromtimestamp(end, UTC),
            overall=overall,
            endpoints=endpoints,
            generator=generator,
            samples=samples,
            warnings=warnings or [],
        )


def _share(total: int | None, workers: int, k: int) -> int | None:
    return None if total is None else total // workers + (k < total % workers)


def _plans(base_url: str, scenario: Scenario, config: LoadConfig, options: HttpOptions,
           start_wall: float) -> list[WorkerPlan]:  # fmt: skip
    n = config.workers
    rate = None if config.rate is None else config.rate / n
    return [
        WorkerPlan(
            worker=k,
            base_url=base_url,
            scenario=scenario,
            model=config.model,
            concurrency=_share(config.concurrency, n, k) or 1,
            rate=rate,
            duration_s=config.duration_s,
            requests=_share(config.requests, n, k),
            warmup_s=config.warmup_s,
            engine=config.engine,
            options=options,
            start_wall=start_wall,
            phase_s=0.0 if config.rate is None else k / config.rate,
            keep_samples=config.keep_samples,
        )
        for k in range(n)
        if _share(config.requests, n, k) != 0
    ]


def _process_main(plan: WorkerPlan, channel: multiprocessing.Queue[object]) -> None:
    channel.put(run_worker(plan, channel.put))


def _run_processes(plans: list[WorkerPlan], progress: Callable[[Snapshot], None] | None,
                   timeout_s: float) -> list[WorkerResult]:  # fmt: skip
    ctx = multiprocessing.get_context("spawn")
    channel: multiprocessing.Queue[object] = ctx.Queue()
    procs = [ctx.Process(target=_process_main, args=(p, channel), daemon=True) for p in plans]
    for proc in procs:
        proc.start()
    results: list[WorkerResult] = []
    try:
        while len(results) < len(plans):
            try:
                message = channel.get(timeout=timeout_s)
            except queue.Empty:
                dead = [p.pid for p in procs if not p.is_alive()]
                raise InputError(
                    f"a load worker process stopped without a result: {dead}"
                ) from None
            if isinstance(message, Snapshot) and progress is not None:
                progress(message)
            elif isinstance(message, WorkerResult):
                results.append(message)
    finally:
        for proc in procs:
            proc.join(timeout=5)
    return results


def _run_thread(plan: WorkerPlan, progress: Callable[[Snapshot], None] | None) -> WorkerResult:
    """A worker on its own thread: works even when the caller runs an event loop (Jupyter)."""
    box: list[WorkerResult | BaseException] = []

    def work() -> None:
        try:
            box.append(run_worker(plan, progress))
        except BaseException as exc:  # handed to the calling thread, raised there
            box.append(exc)

    thread = threading.Thread(target=work, name="perfkit-loadgen")
    thread.start()
    thread.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def run_load(
    base_url: str,
    scenario: Scenario,
    config: LoadConfig,
    options: HttpOptions | None = None,
    progress: Callable[[Snapshot], None] | None = None,
) -> LoadResult:
    config.validate()
    options = options or HttpOptions(timeout_s=config.timeout_s)
    options.check_engine(config.engine)
    delay = _START_DELAY_S if config.workers == 1 else _SPAWN_DELAY_S
    plans = _plans(base_url, scenario, config, options, time.time() + delay)
    if len(plans) == 1 and config.workers == 1:
        results = [_run_thread(plans[0], progress)]
    else:
        longest = (config.duration_s or 3600.0) + config.warmup_s + config.timeout_s + 30.0
        results = _run_processes(plans, progress, longest)
    return merge_results(scenario, config, results)


def merge_results(
    scenario: Scenario, config: LoadConfig, results: list[WorkerResult]
) -> LoadResult:
    start = min(r.measured_start_wall for r in results)
    end = max(r.measured_end_wall for r in results)
    per_endpoint = [Tally() for _ in scenario.endpoints]
    lag = LatencyHistogram()
    for result in results:
        for tally, wire in zip(per_endpoint, result.tallies, strict=True):
            tally.add(Tally.from_wire(wire))
        lag.merge(LatencyHistogram.decode(result.send_lag))
    busiest = max(r.cpu_seconds / max(r.busy_wall_s, 1e-9) for r in results)
    lag_p99 = lag.percentiles_ms([99.0])[99.0]
    saturated = busiest > SATURATED_CPU or lag_p99 > SATURATED_LAG_MS
    warnings = []
    if saturated:
        warnings.append(
            f"the load generator was saturated (busiest worker {busiest:.0%} of a core, "
            f"send lag p99 {lag_p99:.1f} ms): its own queueing is in the latency figures; "
            "use more --workers or less load"
        )
    return LoadResult.from_tallies(
        scenario,
        per_endpoint,
        (start, end),
        generator=GeneratorStats(
            engine=config.engine,
            workers=len(results),
            cpu_seconds=round(sum(r.cpu_seconds for r in results), 3),
            cpu_utilisation=round(busiest, 3),
            send_lag_p99_ms=round(lag_p99, 3),
            saturated=saturated,
        ),
        samples=[(r.worker, r.samples) for r in results if r.samples is not None],
        warnings=warnings,
    )
