"""`perfkit bench middleware --peers`: perfkit's stacks beside slowapi and
prometheus-fastapi-instrumentator, on the same app and the same Redis, in one run.

Every stack of `middleware_peer_apps` is served at once by its own uvicorn process and
loaded in turn for several rounds (`run_rounds`). A row's cost is measured against the
app without middleware in the same round: the req/s cost is one minus the median of the
per-round ratios, the CPU cost the median of the per-round differences in server CPU per
request (user + system time of the server process, the figure other load on the machine
disturbs least). The goals of the issue that asked for this benchmark are checked below
the table with the figures measured.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from perfkit.bench.middleware import BenchOptions, Round, check_options, run_rounds
from perfkit.bench.middleware_peer_apps import BASELINE, VARIANTS
from perfkit.config import Settings
from perfkit.embedded import redis_target
from perfkit.machine import Machine, describe_machine

PEER_APP = "perfkit.bench.middleware_peer_apps:create_app"


@dataclass
class PeersResult:
    options: BenchOptions
    tool: str
    rounds: dict[str, list[Round]] = field(default_factory=dict)
    date: str = ""
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    machine: Machine = field(default_factory=describe_machine)

    def rps(self, name: str) -> float:
        return statistics.median(r.requests_per_s for r in self.rounds[name])

    def cpu_us(self, name: str) -> float | None:
        cpus = [r.server_cpu_us for r in self.rounds[name] if r.server_cpu_us is not None]
        return statistics.median(cpus) if cpus else None

    def rps_ratio(self, name: str, base: str = BASELINE) -> float:
        """Median of the per-round req/s ratios ``name / base``."""
        pairs = zip(self.rounds[name], self.rounds[base], strict=True)
        return statistics.median(a.requests_per_s / b.requests_per_s for a, b in pairs)

    def cost(self, name: str) -> float:
        """Share of the baseline's req/s lost to the stack (0.15 = 15 %)."""
        return 1.0 - self.rps_ratio(name)

    def extra_cpu_us(self, name: str) -> float | None:
        """Median per-round difference in server CPU per request against the baseline."""
        diffs = [
            a.server_cpu_us - b.server_cpu_us
            for a, b in zip(self.rounds[name], self.rounds[BASELINE], strict=True)
            if a.server_cpu_us is not None and b.server_cpu_us is not None
        ]
        return statistics.median(diffs) if diffs else None

    def failed(self) -> dict[str, int]:
        return {n: sum(r.failed for r in rs) for n, rs in self.rounds.items() if any(
            r.failed for r in rs)}  # fmt: skip


def run_peers(opts: BenchOptions) -> PeersResult:
    """Every stack of `VARIANTS`, side by side, on one Redis (``REDIS_URL`` or embedded)."""
    opts = dataclasses.replace(opts, app=PEER_APP)
    tool = check_options(opts)
    result = PeersResult(opts, tool, date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    with redis_target(Settings.from_env()) as target:
        saved = os.environ.get("REDIS_URL")
        os.environ["REDIS_URL"] = target.url  # the server processes inherit it
        try:
            result.rounds = run_rounds(opts, tool, {name: name for name in VARIANTS})
        finally:
            if saved is None:
                os.environ.pop("REDIS_URL", None)
            else:
                os.environ["REDIS_URL"] = saved
    result.load_average = os.getloadavg()
    return result


def _goal(met: bool) -> str:
    return "met" if met else "**not met**"


def goals(result: PeersResult) -> list[tuple[str, str]]:
    """(goal, verdict with the measured figure) for each goal of issue 17, and issue 25's
    (the tutorial's stack; route limits' headers)."""
    rows: list[tuple[str, str]] = []

    def cpu_goal(name: str, limit_us: float, label: str) -> None:
        extra = result.extra_cpu_us(name)
        verdict = "-" if extra is None else f"{_goal(extra <= limit_us)}: {extra:+.1f} µs"
        rows.append((f"{label}: at most +{limit_us:g} µs server CPU per request", verdict))

    def cost_goal(name: str, limit: float, label: str) -> None:
        cost = result.cost(name)
        rows.append((f"{label}: at most {limit:.0%} req/s cost",
                     f"{_goal(cost <= limit)}: {cost:.1%}"))  # fmt: skip

    cpu_goal("measure", 8, "measurement middleware")
    cost_goal("measure", 0.15, "measurement middleware")
    cpu_goal("limiter", 30, "limiter, exact mode")
    cpu_goal("lease", 8, "limiter, lease mode")
    cost_goal("limiter+measure", 0.40, "full stack, exact mode")
    cost_goal("lease+measure", 0.20, "full stack, lease mode")
    times = result.rps_ratio("limiter+measure", "slowapi+instrumentator")
    rows.append(("full stack (exact) at least 3x the req/s of slowapi + instrumentator",
                 f"{_goal(times >= 3.0)}: {times:.2f}x"))  # fmt: skip
    times = result.rps_ratio("limiter+measure+cache", "slowapi+instrumentator+cashews")
    rows.append(("the tutorial's stack (limiter, measurement, cache) at least 3x the req/s "
                 "of slowapi + instrumentator + cashews",
                 f"{_goal(times >= 3.0)}: {times:.2f}x"))  # fmt: skip
    headers = 1.0 - result.rps_ratio("route", "route-quiet")
    rows.append(("a route limit's RateLimit headers on every response: at most 5% req/s "
                 "against the same limit without them",
                 f"{_goal(headers <= 0.05)}: {headers:.1%}"))  # fmt: skip
    return rows


def markdown(result: PeersResult) -> str:
    o = result.options
    load = ", ".join(f"{x:.2f}" for x in result.load_average)
    lines = [
        f"{result.date}, {result.machine.line()}, "
        f"{result.tool} with {o.connections} connections, {o.rounds} rounds x "
        f"{o.duration_s:g} s per stack, `GET {o.path}`; load average after the run: {load}.",
        "",
        "| stack on the same app | req/s (median) | req/s cost | server CPU µs/request "
        "| extra CPU µs/request | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    fmt: Callable[[float | None, str], str] = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    for name, label in VARIANTS.items():
        rounds = result.rounds[name]
        p50 = statistics.median(r.p50_ms for r in rounds if r.p50_ms is not None)
        p99 = statistics.median(r.p99_ms for r in rounds if r.p99_ms is not None)
        cost = "" if name == BASELINE else f"{result.cost(name):.0%}"
        extra = "" if name == BASELINE else fmt(result.extra_cpu_us(name), "+.0f")
        lines.append(
            f"| {label} | {result.rps(name):,.0f} | {cost} | {fmt(result.cpu_us(name), '.0f')} "
            f"| {extra} | {p50:.2f} | {p99:.2f} |"
        )
    lines += ["", "| goal | measured |", "|---|---|"]
    lines += [f"| {goal} | {verdict} |" for goal, verdict in goals(result)]
    failed = result.failed()
    if failed:
        lines += ["", f"WARNING: non-2xx responses or socket errors: {failed}"]
    return "\n".join(lines)
