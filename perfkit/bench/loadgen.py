"""`perfkit bench loadgen`: the runner beside wrk and Locust, against one trivial target.

The target is a one-route Starlette app in a uvicorn subprocess. Measured in one run:

1. Throughput per generator process, closed model, 50 connections: the runner (aiohttp
   engine, and httpx over httpx-aiohttp), `wrk -t1 -c50`, Locust FastHttpUser (headless,
   one process, 50 users, no wait time).
2. Latency at a fixed moderate load: wrk cannot pace at a rate (wrk2 can; not packaged),
   so wrk runs 10 connections that each pause 20 ms after every response (a Lua `delay`),
   which settles at some rate R; the runner then runs the open model at that same R, and
   the p50/p99 of both are compared. Both measure from the send time of requests the
   server answers promptly, so the figures are comparable.
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

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.loadgen.runner import LoadConfig, run_load
from perfkit.loadgen.scenario import parse_scenario
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
    return PlainTextResponse("hello")


trivial_app = Starlette(routes=[Route("/", _hello)])


@dataclass(frozen=True)
class Row:
    """`cpu_s`: CPU seconds the generator itself used, for req/s per busy core."""

    tool: str
    rps: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    cpu_s: float = 0.0

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
    # the CPU includes Locust's start-up (~1 s of imports), so its per-core figure is low-biased
    return Row("Locust FastHttpUser (1 process)", float(total["Requests/s"]),
               float(total["50%"]), float(total["99%"]), int(total["Request Count"]),
               _children_cpu() - cpu0)  # fmt: skip


def run_runner(url: str, config: LoadConfig, label: str) -> Row:
    scenario = parse_scenario({"name": "bench", "endpoints": [{"name": "hit", "path": "/"}]}, "")
    result = run_load(url, scenario, config)
    lat = result.overall.latency
    return Row(label, result.overall.throughput_rps, lat.p50_ms, lat.p99_ms,
               result.overall.count, result.generator.cpu_seconds)  # fmt: skip


def bench_loadgen(seconds: float = 5.0) -> tuple[list[Row], list[Row]]:
    """(throughput rows, fixed-rate latency rows), all against one target process."""
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
            wrk_row(url, 50, seconds),
        ]
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "delay.lua"
            script.write_text(_WRK_DELAY)
            paced = wrk_row(url, 10, seconds, script)
        rate = round(paced.rps)
        open_model = LoadConfig(model="open", rate=float(rate), concurrency=50,
                                duration_s=seconds, warmup_s=1.0, keep_samples=False)  # fmt: skip
        latency = [paced, run_runner(url, open_model, f"perfkit runner, open model {rate}/s")]
    return throughput, latency


def markdown_table(throughput: list[Row], latency: list[Row]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        "| closed model, 50 connections, one generator process | req/s | req per CPU-second |",
        "|---|---:|---:|",
    ]
    lines += [f"| {r.tool} | {r.rps:,.0f} | {r.per_core:,.0f} |" for r in throughput]
    lines += ["", "| same moderate load | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    lines += [f"| {r.tool} | {r.rps:,.0f} | {ms(r.p50_ms)} | {ms(r.p99_ms)} |" for r in latency]
    return "\n".join(lines)
