"""`perfkit bench middleware`: requests/s of an app with and without its perfkit stack.

Both variants run at the same time as two uvicorn processes (one worker each, same
environment), and are loaded one at a time, alternating, for several short rounds, so
drifting machine load hits both alike; the cost figure is the median of the per-round
ratios. The load
comes from ``wrk`` when installed, else from an httpx loop (slower: it measures the
client as much as the server, so its ratios are only indicative).

The app under test is an import string ``module:factory``; ``factory(stack=True)``
returns the app with its middleware stack, ``factory(stack=False)`` without it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import psutil

from perfkit.bench.middleware_server import load_factory
from perfkit.errors import InputError
from perfkit.loadgen.wrk import run_wrk
from perfkit.machine import Machine, describe_machine
from perfkit.serving import PORT, serve_process

DEFAULT_APP = "perfkit.bench.middleware_app:create_app"
VARIANTS = ("without", "with")


@dataclass(frozen=True)
class BenchOptions:
    app: str = DEFAULT_APP
    path: str = "/api/users/42"
    duration_s: float = 3.0
    connections: int = 32
    rounds: int = 8
    warmup_s: float = 2.0
    tool: str = "auto"  # "wrk", "httpx" or "auto" (wrk when installed)


@dataclass(frozen=True)
class Round:
    requests_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    failed: int  # non-2xx/3xx responses and socket errors
    requests: int = 0
    server_cpu_us: float | None = None  # server CPU time (user + system) per request


@dataclass
class BenchResult:
    options: BenchOptions
    tool: str
    rounds: dict[str, list[Round]] = field(default_factory=dict)
    date: str = ""
    machine: Machine = field(default_factory=describe_machine)

    def median_rps(self, variant: str) -> float:
        return statistics.median(r.requests_per_s for r in self.rounds[variant])

    @property
    def overhead(self) -> float:
        """Throughput lost to the stack: 0.05 means the stack costs 5 % of requests/s.

        The median of per-round ratios: the two runs of a round are back to back, so a
        shift in the machine's background load between rounds cancels out.
        """
        pairs = zip(self.rounds["with"], self.rounds["without"], strict=True)
        return 1.0 - statistics.median(w.requests_per_s / wo.requests_per_s for w, wo in pairs)

    @property
    def cpu_overhead(self) -> float | None:
        """Extra server CPU per request with the stack: 0.05 means 5 % more.

        Less sensitive to other processes on the machine than requests/s: it counts the
        server's own CPU seconds, not wall time shared with everyone else.
        """
        pairs = [
            (w.server_cpu_us, wo.server_cpu_us)
            for w, wo in zip(self.rounds["with"], self.rounds["without"], strict=True)
        ]
        ratios = [w / wo for w, wo in pairs if w is not None and wo]
        return statistics.median(ratios) - 1.0 if ratios else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["median_rps"] = {v: self.median_rps(v) for v in VARIANTS}
        data["overhead"] = self.overhead
        data["cpu_overhead"] = self.cpu_overhead
        return data


def _wrk(url: str, opts: BenchOptions, duration_s: float) -> Round:
    result = run_wrk(url, connections=opts.connections, seconds=duration_s)
    failed = result.non_2xx + result.socket_errors.get("timeout", 0)
    return Round(
        result.requests_per_s,
        result.percentile_ms(50.0),
        result.percentile_ms(99.0),
        failed,
        result.requests,
    )


async def _httpx_load(url: str, connections: int, duration_s: float) -> Round:
    latencies: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits) as client:
        deadline = time.perf_counter() + duration_s

        async def worker() -> None:
            nonlocal failed
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    failed += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000.0)
                if response.status_code >= 400:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return Round(0.0, None, None, failed)
    return Round(
        len(latencies) / elapsed,
        latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        failed,
        len(latencies),
    )


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


def _cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def load(server: Server, opts: BenchOptions, tool: str, duration_s: float) -> Round:
    """One load run against ``server``, with the server's CPU time per request."""
    cpu_before = _cpu_seconds(server.pid)
    if tool == "wrk":
        result = _wrk(server.url, opts, duration_s)
    else:
        result = asyncio.run(_httpx_load(server.url, opts.connections, duration_s))
    cpu = _cpu_seconds(server.pid) - cpu_before
    per_request = cpu / result.requests * 1e6 if result.requests else None
    return dataclasses.replace(result, server_cpu_us=per_request)


@contextmanager
def serve(opts: BenchOptions, stack: str) -> Iterator[Server]:
    """A uvicorn process serving ``opts.app`` with ``stack`` ("on", "off", or a stack
    name for a factory that takes one); yields the URL of ``opts.path``."""
    command = [
        sys.executable, "-m", "perfkit.bench.middleware_server",
        "--app", opts.app, "--stack", stack, "--port", PORT,
    ]  # fmt: skip
    with serve_process(command, name="the benchmark server", ready_path=opts.path) as served:
        yield Server(f"{served.url}{opts.path}", served.pid)


def check_options(opts: BenchOptions) -> str:
    """Refuse bad options before anything starts; the load tool to use."""
    if opts.rounds < 1 or opts.duration_s <= 0 or opts.connections < 1:
        raise InputError("--rounds, --duration and --connections must be positive")
    if not opts.path.startswith("/"):
        raise InputError(f"--path {opts.path!r} must start with '/'")
    load_factory(opts.app)  # a bad --app fails here, with one line, not in the subprocess
    tool = opts.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "httpx"
    if tool not in ("wrk", "httpx"):
        raise InputError(f"--tool {tool!r} must be wrk, httpx or auto")
    return tool


def run_rounds(opts: BenchOptions, tool: str, stacks: dict[str, str]) -> dict[str, list[Round]]:
    """Every stack served at once (``{name: --stack value}``), loaded one at a time in
    ``opts.rounds`` rounds; each round starts one stack later than the previous one, so
    no stack always follows the same neighbour."""
    names = list(stacks)
    rounds: dict[str, list[Round]] = {name: [] for name in names}
    with ExitStack() as stack:
        servers = {name: stack.enter_context(serve(opts, stacks[name])) for name in names}
        for name in names:
            load(servers[name], opts, tool, opts.warmup_s)
        for n in range(opts.rounds):
            shift = n % len(names)
            for name in names[shift:] + names[:shift]:
                rounds[name].append(load(servers[name], opts, tool, opts.duration_s))
    return rounds


def run_bench(opts: BenchOptions) -> BenchResult:
    """Both variants side by side, alternating for ``opts.rounds`` rounds."""
    tool = check_options(opts)
    result = BenchResult(
        options=opts,
        tool=tool,
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
    )
    result.rounds = run_rounds(opts, tool, {"without": "off", "with": "on"})
    return result


def markdown_table(result: BenchResult) -> str:
    """The README table: one line per variant, plus the conditions of the run."""
    o = result.options
    lines = [
        f"{result.date}, {result.machine.line()}, "
        f"{result.tool} with {o.connections} connections, {o.rounds} x {o.duration_s:g} s "
        f"per variant (alternating), `GET {o.path}` of `{o.app}`:",
        "",
        "| variant | requests/s (median) | p50 ms | p99 ms | server CPU µs/request "
        "| rounds (req/s) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for variant in VARIANTS:
        rounds = result.rounds[variant]
        p50 = statistics.median(r.p50_ms for r in rounds if r.p50_ms is not None)
        p99 = statistics.median(r.p99_ms for r in rounds if r.p99_ms is not None)
        each = ", ".join(f"{r.requests_per_s:.0f}" for r in rounds)
        cpus = [r.server_cpu_us for r in rounds if r.server_cpu_us is not None]
        cpu = f"{statistics.median(cpus):.0f}" if cpus else "-"
        label = "without middleware" if variant == "without" else "with the perfkit stack"
        lines.append(
            f"| {label} | {result.median_rps(variant):.0f} | {p50:.2f} | {p99:.2f} | {cpu} "
            f"| {each} |"
        )
    cpu_cost = result.cpu_overhead
    lines += [
        "",
        f"Throughput cost of the stack: **{result.overhead * 100:.1f} %** "
        "(median of the per-round ratios)"
        + (
            f"; server CPU per request: **{cpu_cost * 100:+.1f} %**."
            if cpu_cost is not None
            else "."
        ),
    ]
    return "\n".join(lines)
