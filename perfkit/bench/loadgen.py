"""`perfkit bench loadgen`: the runner beside wrk and Locust, against one trivial target.

The target is a one-route Starlette app in a uvicorn subprocess. Measured in one run:

1. Throughput per generator process, closed model, 50 connections: the runner (aiohttp
   engine, and httpx over httpx-aiohttp), `wrk -t1 -c50`, Locust FastHttpUser (headless,
   one process, 50 users, no wait time).
   Beside them the generators of `perfkit baseline --engine`: k6 (50 VUs).
2. Latency at one moderate rate R, in `rounds` rounds with the order rotated; each ratio
   is the median of the per-round ratios to the reference's. The reference is wrk, a C
   generator timing from each request's actual write: 10 connections that pause a random
   0 to 2 x (10/R - 0.5 ms) after each response (a Lua `delay`), so they do not fall into
   step and send in bursts (a fixed pause does: 10 requests at once queue behind each
   other), and the arrivals come at about R. Beside it, at R on a fixed schedule: wrk2
   (``-R``, built from tools/wrk2), the runner's open model and the k6 engine's
   constant-arrival-rate. wrk2 counts from each request's intended send time but waits
   for a send with millisecond timers rounded up, so below a few ms its figures carry
   its own lateness; the runner and k6 count from the intended send time too.
3. Locust via perfkit (`--engine locust`, no warm-up) with one and with two worker
   processes at 50 users, `rounds` times each in alternating order: req/s, the run's
   request count beside the count of requests the target served (its `/hits` counter),
   and the CPU the generator (master and workers) and the target used per request: on a
   machine whose cores they share, the sum is the ceiling on how far more workers scale.
"""

from __future__ import annotations

import contextlib
import csv
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.errors import PerfkitError
from perfkit.loadgen import locust_engine
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.k6_engine import run_k6
from perfkit.loadgen.runner import LoadConfig, run_load
from perfkit.loadgen.scenario import Scenario, parse_scenario
from perfkit.loadgen.wrk import WrkResult, run_wrk, run_wrk2
from perfkit.serving import PORT, Served, serve_process

_LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Hit(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/")
"""


async def _hello(request: Request) -> Response:
    request.app.state.hits += 1
    return PlainTextResponse("hello")


async def _hits(request: Request) -> Response:
    return PlainTextResponse(str(request.app.state.hits))


trivial_app = Starlette(routes=[Route("/", _hello), Route("/hits", _hits)])
trivial_app.state.hits = 0


@dataclass(frozen=True)
class Row:
    """`cpu_s`: CPU seconds the generator itself used, for req/s per busy core."""

    tool: str
    rps: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    cpu_s: float = 0.0
    served: int | None = None  # requests the target counted during the measurement
    target_cpu_s: float = 0.0  # CPU seconds the target used during the measurement

    @property
    def per_core(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s > 0 else 0.0

    def cpu_us_per_request(self, seconds: float) -> float:
        return seconds / self.requests * 1e6 if self.requests else 0.0


@dataclass(frozen=True)
class LatencyRow:
    """One generator at the rate: medians over the rounds, and of the per-round ratios of
    its p50 and p99 to the reference's (wrk's)."""

    tool: str
    rps: float
    p50_ms: float
    p99_ms: float
    p50_ratio: float
    p99_ratio: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def trivial_target() -> Iterator[Served]:
    """The trivial app under uvicorn in a subprocess (its own core, not the bench's)."""
    command = [
        sys.executable, "-m", "uvicorn", "perfkit.bench.loadgen:trivial_app", "--port", PORT,
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with serve_process(command, name="the benchmark target (uvicorn)") as served:
        yield served


def _wrk_result_row(label: str, result: WrkResult, cpu_s: float = 0.0) -> Row:
    return Row(label, result.requests_per_s, result.percentile_ms(50.0),
               result.percentile_ms(99.0), result.requests, cpu_s)  # fmt: skip


def wrk_row(url: str, connections: int, seconds: float) -> Row:
    cpu0 = _children_cpu()
    result = run_wrk(url, connections=connections, seconds=seconds)
    return _wrk_result_row(f"wrk -t1 -c{connections}", result, _children_cpu() - cpu0)


def _random_pause(rate: float, connections: int) -> str:
    top = max(1, round(2 * (1000.0 * connections / rate - 0.5)))
    return f"function delay()\n  return math.random(0, {top})\nend\n"


def wrk_paced_row(url: str, rate: float, seconds: float, connections: int = 10) -> Row:
    """wrk at about ``rate``: ``connections`` that pause a random time after each response."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "pause.lua"
        script.write_text(_random_pause(rate, connections))
        result = run_wrk(url, connections=connections, seconds=seconds, script=script)
    return _wrk_result_row(f"wrk -t1 -c{connections}, random pause (~{rate:g}/s)", result)


def wrk2_row(url: str, rate: float, seconds: float) -> Row:
    """wrk2 at ``rate`` with 10 connections; its p50/p99 from the recorded histogram
    (after its calibration period, so ``seconds`` are measured)."""
    result = run_wrk2(url, rate=rate, connections=10, seconds=seconds)
    return _wrk_result_row(f"wrk2 -t1 -c10 -R{rate:g}", result)


def run_locust(url: str, users: int, seconds: float) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(_LOCUSTFILE)
        cpu0 = _children_cpu()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u",
             str(users), "-r", str(users), "-t", f"{int(seconds)}s", "--host", url, "--csv",
             f"{tmp}/out", "--only-summary", "--loglevel", "ERROR"],
            capture_output=True, check=True, timeout=seconds + 60,
        )  # fmt: skip
        with open(f"{tmp}/out_stats.csv", newline="") as handle:
            total = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    if int(total["Request Count"]) == 0:  # its start-up took the whole (short) run
        raise PerfkitError(f"Locust sent no request in {seconds:g} s: use a longer --duration")
    # the CPU includes Locust's start-up (~1 s of imports), so its per-core figure is low-biased
    return Row("Locust FastHttpUser (1 process)", float(total["Requests/s"]),
               float(total["50%"]), float(total["99%"]), int(total["Request Count"]),
               _children_cpu() - cpu0)  # fmt: skip


def _scenario() -> Scenario:
    return parse_scenario({"name": "bench", "endpoints": [{"name": "hit", "path": "/"}]}, "")


def run_k6_engine(url: str, config: LoadConfig, label: str) -> Row:
    """The k6 engine with the runner's settings (k6 writes per-request points; perfkit
    reads them into the run's histograms)."""
    k6 = LoadConfig(**{**config.__dict__, "engine": "k6"})
    result = run_k6(url, _scenario(), k6, HttpOptions(timeout_s=k6.timeout_s))
    lat = result.overall.latency
    return Row(label, result.overall.throughput_rps, lat.p50_ms, lat.p99_ms,
               result.overall.count, result.generator.cpu_seconds)  # fmt: skip


def _served(url: str) -> int:
    return int(httpx.get(f"{url}/hits", timeout=5).text)


def _cpu_of(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def run_locust_engine(target: Served, workers: int, users: int, seconds: float) -> Row:
    """A Locust master and `workers` worker processes; no warm-up, so every request sent
    is in the run and the target's count must equal the run's."""
    config = LoadConfig(concurrency=users, duration_s=seconds, warmup_s=0.0, workers=workers,
                        engine="locust", keep_samples=False)  # fmt: skip
    before, target_cpu = _served(target.url), _cpu_of(target.pid)
    result = locust_engine.run_locust(target.url, _scenario(), config, HttpOptions())
    served = _served(target.url) - before
    label = f"{workers} worker process" + ("es" if workers > 1 else "")
    return Row(label, result.overall.throughput_rps, result.overall.latency.p50_ms,
               result.overall.latency.p99_ms, result.overall.count,
               result.generator.cpu_seconds, served,
               _cpu_of(target.pid) - target_cpu)  # fmt: skip


def locust_scaling(target: Served, seconds: float, rounds: int) -> list[Row]:
    """One and two workers, ``rounds`` times each in alternating order: per worker count,
    the median req/s and the sums of the requests, served counts and CPU seconds."""
    measured: dict[int, list[Row]] = {1: [], 2: []}
    for round_ in range(rounds):
        for workers in (1, 2) if round_ % 2 == 0 else (2, 1):
            measured[workers].append(run_locust_engine(target, workers, 50, seconds))
    return [
        Row(
            rows[0].tool,
            statistics.median(r.rps for r in rows),
            requests=sum(r.requests for r in rows),
            cpu_s=sum(r.cpu_s for r in rows),
            served=sum(r.served or 0 for r in rows),
            target_cpu_s=sum(r.target_cpu_s for r in rows),
        )
        for rows in measured.values()
    ]


def fixed_rate_latency(url: str, rate: float, seconds: float, rounds: int) -> list[LatencyRow]:
    """wrk (the reference), wrk2, the runner and the k6 engine at ``rate``, ``rounds`` times
    in rotating order."""
    config = LoadConfig(model="open", rate=rate, concurrency=50, duration_s=seconds,
                        warmup_s=1.0, keep_samples=False)  # fmt: skip
    generators: list[Callable[[], Row]] = [
        lambda: wrk_paced_row(url, rate, seconds),
        lambda: wrk2_row(url, rate, seconds),
        lambda: run_runner(url, config, f"perfkit runner, open model {rate:g}/s"),
        lambda: run_k6_engine(url, config, f"k6 engine, open model {rate:g}/s"),
    ]
    measured: list[list[Row]] = [[] for _ in generators]
    for round_ in range(rounds):
        for offset in range(len(generators)):
            index = (round_ + offset) % len(generators)
            measured[index].append(generators[index]())
    return [_latency_row(rows, measured[0]) for rows in measured]


def _latency_row(rows: list[Row], reference: list[Row]) -> LatencyRow:
    def ratios(value: Callable[[Row], float | None]) -> float:
        pairs = zip(rows, reference, strict=True)
        return statistics.median((value(a) or 0.0) / (value(b) or 1.0) for a, b in pairs)

    return LatencyRow(
        rows[0].tool,
        statistics.median(r.rps for r in rows),
        statistics.median(r.p50_ms or 0.0 for r in rows),
        statistics.median(r.p99_ms or 0.0 for r in rows),
        ratios(lambda r: r.p50_ms),
        ratios(lambda r: r.p99_ms),
    )


def run_runner(url: str, config: LoadConfig, label: str) -> Row:
    result = run_load(url, _scenario(), config)
    lat = result.overall.latency
    return Row(label, result.overall.throughput_rps, lat.p50_ms, lat.p99_ms,
               result.overall.count, result.generator.cpu_seconds)  # fmt: skip


def bench_loadgen(
    seconds: float = 5.0, rate: float = 500.0, rounds: int = 3
) -> tuple[list[Row], list[LatencyRow], list[Row]]:
    """(throughput, fixed-rate latency, Locust scaling rows), all against one target."""
    closed = LoadConfig(concurrency=50, duration_s=seconds, warmup_s=1.0, keep_samples=False)
    with trivial_target() as target:
        url = target.url
        throughput = [
            run_runner(url, closed, "perfkit runner, aiohttp engine"),
            run_runner(
                url,
                LoadConfig(**{**closed.__dict__, "engine": "httpx-aiohttp"}),
                "perfkit runner, httpx-aiohttp engine",
            ),
            run_locust(url, 50, seconds),
            run_k6_engine(url, closed, "k6 engine, 50 VUs"),
            wrk_row(url, 50, seconds),
        ]
        latency = fixed_rate_latency(url, rate, seconds, rounds)
        scaling = locust_scaling(target, seconds, rounds)
    return throughput, latency, scaling


def markdown_table(throughput: list[Row], latency: list[LatencyRow], scaling: list[Row]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        "| closed model, 50 connections, one generator process | req/s | req per CPU-second |",
        "|---|---:|---:|",
    ]
    lines += [f"| {r.tool} | {r.rps:,.0f} | {r.per_core:,.0f} |" for r in throughput]
    lines += ["", "| same moderate rate (medians over the rounds) | req/s | p50 ms | p99 ms "
              "| p50 vs wrk | p99 vs wrk |", "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    lines += [f"| {r.tool} | {r.rps:,.0f} | {ms(r.p50_ms)} | {ms(r.p99_ms)} | "
              f"{r.p50_ratio:.2f}x | {r.p99_ratio:.2f}x |" for r in latency]  # fmt: skip
    lines += ["", "| Locust via perfkit, 50 users (all rounds) | req/s (median) "
              "| requests in the runs | target served "
              "| generator CPU µs/request | target CPU µs/request |",
              "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    lines += [f"| {r.tool} | {r.rps:,.0f} | {r.requests:,} | {r.served:,} | "
              f"{r.cpu_us_per_request(r.cpu_s):,.0f} | "
              f"{r.cpu_us_per_request(r.target_cpu_s):,.0f} |" for r in scaling]  # fmt: skip
    if len(scaling) == 2 and scaling[0].rps:
        lines += [
            "",
            f"2 workers / 1 worker: {scaling[1].rps / scaling[0].rps:.2f}x req/s (medians).",
        ]
    return "\n".join(lines)
