"""`perfkit bench loadgen`: the runner beside wrk and Locust, against one trivial target.

The target is a one-route Starlette app in a uvicorn subprocess. Measured in one run:

1. Throughput per generator process, closed model, 50 connections: the runner (aiohttp
   engine, and httpx over httpx-aiohttp), `wrk -t1 -c50`, Locust FastHttpUser (headless,
   one process, 50 users, no wait time).
   Beside them the generators of `perfkit baseline --engine`: k6 (50 VUs).
2. Latency at a fixed moderate load: wrk cannot pace at a rate (wrk2 can; not packaged),
   so wrk runs 10 connections that each pause 20 ms after every response (a Lua `delay`),
   which settles at some rate R; the runner and the k6 engine then run the open model at
   that same R, and the p50/p99 are compared. All measure from the send time of requests
   the server answers promptly, so the figures are comparable.
3. Locust via perfkit (`--engine locust`, no warm-up) with one and with two worker
   processes at 50 users: req/s, and the run's request count beside the count of
   requests the target served (its `/hits` counter).
"""

from __future__ import annotations

import contextlib
import csv
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
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
from perfkit.loadgen.wrk import run_wrk
from perfkit.serving import PORT, serve_process

_LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Hit(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/")
"""
_WRK_DELAY = "function delay()\n  return 20\nend\n"


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

    @property
    def per_core(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s > 0 else 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def trivial_target() -> Iterator[str]:
    """The trivial app under uvicorn in a subprocess (its own core, not the bench's)."""
    command = [
        sys.executable, "-m", "uvicorn", "perfkit.bench.loadgen:trivial_app", "--port", PORT,
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with serve_process(command, name="the benchmark target (uvicorn)") as served:
        yield served.url


def wrk_row(url: str, connections: int, seconds: float, script: Path | None = None) -> Row:
    cpu0 = _children_cpu()
    result = run_wrk(url, connections=connections, seconds=seconds, script=script)
    cpu = _children_cpu() - cpu0
    label = f"wrk -t1 -c{connections}" + (" (20 ms pause)" if script else "")
    return Row(
        label,
        result.requests_per_s,
        result.percentile_ms(50.0),
        result.percentile_ms(99.0),
        result.requests,
        cpu,
    )


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


def run_locust_engine(url: str, workers: int, users: int, seconds: float) -> Row:
    """A Locust master and `workers` worker processes; no warm-up, so every request sent
    is in the run and the target's count must equal the run's."""
    config = LoadConfig(concurrency=users, duration_s=seconds, warmup_s=0.0, workers=workers,
                        engine="locust", keep_samples=False)  # fmt: skip
    before = _served(url)
    result = locust_engine.run_locust(url, _scenario(), config, HttpOptions())
    served = _served(url) - before
    label = f"{workers} worker process" + ("es" if workers > 1 else "")
    return Row(label, result.overall.throughput_rps, result.overall.latency.p50_ms,
               result.overall.latency.p99_ms, result.overall.count,
               result.generator.cpu_seconds, served)  # fmt: skip


def run_runner(url: str, config: LoadConfig, label: str) -> Row:
    result = run_load(url, _scenario(), config)
    lat = result.overall.latency
    return Row(label, result.overall.throughput_rps, lat.p50_ms, lat.p99_ms,
               result.overall.count, result.generator.cpu_seconds)  # fmt: skip


def bench_loadgen(seconds: float = 5.0) -> tuple[list[Row], list[Row], list[Row]]:
    """(throughput, fixed-rate latency, Locust scaling rows), all against one target."""
    closed = LoadConfig(concurrency=50, duration_s=seconds, warmup_s=1.0, keep_samples=False)
    with trivial_target() as url:
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
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "delay.lua"
            script.write_text(_WRK_DELAY)
            paced = wrk_row(url, 10, seconds, script)
        rate = round(paced.rps)
        open_model = LoadConfig(model="open", rate=float(rate), concurrency=50,
                                duration_s=seconds, warmup_s=1.0, keep_samples=False)  # fmt: skip
        latency = [
            paced,
            run_runner(url, open_model, f"perfkit runner, open model {rate}/s"),
            run_k6_engine(url, open_model, f"k6 engine, open model {rate}/s"),
        ]
        scaling = [run_locust_engine(url, workers, 50, seconds) for workers in (1, 2)]
    return throughput, latency, scaling


def markdown_table(throughput: list[Row], latency: list[Row], scaling: list[Row]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        "| closed model, 50 connections, one generator process | req/s | req per CPU-second |",
        "|---|---:|---:|",
    ]
    lines += [f"| {r.tool} | {r.rps:,.0f} | {r.per_core:,.0f} |" for r in throughput]
    lines += ["", "| same moderate load | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    lines += [f"| {r.tool} | {r.rps:,.0f} | {ms(r.p50_ms)} | {ms(r.p99_ms)} |" for r in latency]
    lines += ["", "| Locust via perfkit, 50 users | req/s | requests in the run | target served |",
              "|---|---:|---:|---:|"]  # fmt: skip
    lines += [f"| {r.tool} | {r.rps:,.0f} | {r.requests:,} | {r.served:,} |" for r in scaling]
    return "\n".join(lines)
