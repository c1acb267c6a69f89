"""`perfkit bench profiler`: what `PERFKIT_PROFILE` costs the reference service.

Two uvicorn processes of the reference service (`create_bench_app`: the whole middleware
stack, the limiter in shadow mode), one with the sampler on, served at the same time and
loaded one at a time, alternating for several rounds (the machinery of `perfkit bench
middleware`), so drifting machine load hits both alike. The cost is the median of the
per-round req/s ratios; p50 and server CPU per request are reported beside it, and the
profiled server's profile is fetched at the end to show that it sampled.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from perfkit.bench.middleware import BenchOptions, Round, Server, check_options, load, serve
from perfkit.machine import Machine, describe_machine
from perfkit.profiling.capture import fetch_profile

DEFAULT_APP = "perfkit.bench.profiler_app:create_app"
DEFAULT_PATH = "/api/spotify/audio-features?ids=t1,t2,t3"
VARIANTS = {"off": "profiler off", "on": "profiler on (PERFKIT_PROFILE=true)"}


@dataclass
class ProfilerBench:
    options: BenchOptions
    tool: str
    rounds: dict[str, list[Round]] = field(default_factory=dict)
    samples: int = 0
    interval_ms: float = 0.0
    cpu_ms: float = 0.0  # CPU the profile holds
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    date: str = ""
    machine: Machine = field(default_factory=describe_machine)

    def ratio(self, attr: str) -> float:
        """Median over rounds of on / off for ``attr`` (a `Round` field)."""
        pairs = zip(self.rounds["on"], self.rounds["off"], strict=True)
        return float(
            statistics.median(
                getattr(on, attr) / getattr(off, attr) for on, off in pairs if getattr(off, attr)
            )
        )

    @property
    def cost(self) -> float:
        """Throughput lost to the sampler: 0.05 means 5 % fewer requests/s."""
        return 1.0 - self.ratio("requests_per_s")


@contextmanager
def _servers(opts: BenchOptions) -> Iterator[dict[str, Server]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(serve(opts, name)) for name in VARIANTS}


def run_bench(opts: BenchOptions) -> ProfilerBench:
    tool = check_options(opts)
    result = ProfilerBench(opts, tool, date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    result.rounds = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    with _servers(opts) as servers:
        for name in names:
            load(servers[name], opts, tool, opts.warmup_s)
        fetch_profile(servers["on"].url.split("/api/")[0], reset=True)
        for n in range(opts.rounds):
            order = names if n % 2 == 0 else names[::-1]
            for name in order:
                result.rounds[name].append(load(servers[name], opts, tool, opts.duration_s))
        profile = fetch_profile(servers["on"].url.split("/api/")[0])
    if profile is not None:
        result.samples, result.interval_ms = profile.samples, profile.interval_ms
        result.cpu_ms = sum(p.cpu_us for p in profile.routes.values()) / 1000
    result.load_average = os.getloadavg()
    return result


def markdown_table(result: ProfilerBench) -> str:
    o = result.options
    load1, load5, _ = result.load_average
    lines = [
        f"{result.date}, {result.machine.line()}, load average {load1:.1f} / {load5:.1f} "
        f"(1 / 5 min), {result.tool} with {o.connections} connections, {o.rounds} x "
        f"{o.duration_s:g} s per variant (alternating), `GET {o.path}` of `{o.app}`:",
        "",
        "| variant | requests/s (median) | p50 ms | server CPU µs/request |",
        "|---|---:|---:|---:|",
    ]
    for name, label in VARIANTS.items():
        rounds = result.rounds[name]
        rps = statistics.median(r.requests_per_s for r in rounds)
        p50 = statistics.median(r.p50_ms for r in rounds if r.p50_ms is not None)
        cpus = [r.server_cpu_us for r in rounds if r.server_cpu_us is not None]
        cpu = f"{statistics.median(cpus):.0f}" if cpus else "-"
        lines.append(f"| {label} | {rps:.0f} | {p50:.2f} | {cpu} |")
    lines += [
        "",
        f"Cost of the sampler: **{result.cost * 100:.1f} % of requests/s**, p50 x "
        f"{result.ratio('p50_ms'):.3f}, server CPU per request x "
        f"{result.ratio('server_cpu_us'):.3f} (medians of per-round ratios); it took "
        f"{result.samples} samples (one per {result.interval_ms:g} ms) holding "
        f"{result.cpu_ms:.0f} ms of the routes' CPU.",
    ]
    return "\n".join(lines)
