"""`perfkit bench history`: the history index at scale, against reading every file.

A history of N runs is generated from the shipped runs (``data/history``: each copied
with a new id and start time, one minute apart, without samples, as a team recording a
run per push would accumulate them). Each step runs in a fresh process importing only
what the step uses; its time is taken after those imports and includes opening the
index, and its peak memory is that process's (``wait4``'s maximum RSS): the index built
from scratch, ``trends`` (`indexed_trends`), ``compare previous latest``, the same two
over every file (the way before the index, on a smaller history when N is large: it
needs ~0.4 MB and ~10 ms per run), and an MCP ``compare_runs`` call to a running
``perfkit mcp`` with the MCP SDK's own client.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import psutil
from mcp import Client, StdioServerParameters

from perfkit.machine import describe_machine

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "history"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
GOALS = {"build": 60.0, "trends": 3.0, "compare": 1.0, "mcp compare_runs": 0.5}


@dataclass(frozen=True)
class Step:
    name: str
    runs: int
    seconds: float
    peak_mb: float | None


def generate(folder: Path, n: int, shipped: Path = SHIPPED) -> None:
    """``n`` baseline runs in ``folder``: the shipped runs copied round-robin, new ids and
    start times, no samples."""
    templates = [orjson.loads(p.read_bytes()) for p in sorted(shipped.glob("baseline-2*.json"))]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        data = dict(templates[i % len(templates)])
        took = datetime.fromisoformat(data["finished_at"]) - datetime.fromisoformat(
            data["started_at"]
        )
        start = T0 + timedelta(minutes=i)
        stamp = start.strftime("%Y-%m-%dT%H-%M-%SZ")
        data |= {"run_id": f"{start:%Y%m%dT%H%M%SZ}-{i:06x}", "samples": None,
                 "started_at": start.isoformat(),
                 "finished_at": (start + took).isoformat()}  # fmt: skip
        (folder / f"baseline-{stamp}.json").write_bytes(orjson.dumps(data))


def _probe(step: str, folder: Path) -> tuple[float, float]:
    """(seconds inside the process, its peak RSS in MB)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfkit.bench.history_probe", step, str(folder)],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"history probe {step} failed ({proc.returncode})")
    return float(orjson.loads(out)["seconds"]), usage.ru_maxrss / 1024


async def _mcp_calls(folder: Path, calls: int) -> tuple[list[float], float]:
    """Seconds of each ``compare_runs`` call after a first one, and the server's RSS (MB)."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "perfkit", "mcp", "--runs", str(folder)], cwd=folder
    )
    async with Client(params, read_timeout_seconds=300) as client:
        await client.call_tool("compare_runs", {})  # the server is up and the index fresh
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            result = await client.call_tool("compare_runs", {})
            times.append(time.perf_counter() - start)
            if result.is_error:
                raise RuntimeError(f"compare_runs failed: {result.content}")
        server = [c for c in psutil.Process().children(recursive=True) if "mcp" in c.cmdline()]
        rss = max((c.memory_info().rss for c in server), default=0) / 2**20
    return times, rss


def run_bench(n: int, files_runs: int, mcp_calls: int = 5) -> list[Step]:
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="perfkit-bench-history-") as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        generate(big, n)
        for name in ("build", "trends", "compare"):
            seconds, peak = _probe(name, big)
            steps.append(Step(name, n, seconds, peak))
        times, rss = asyncio.run(_mcp_calls(big, mcp_calls))
        steps.append(Step("mcp compare_runs", n, statistics.median(times), rss))
        if files_runs:
            generate(small, files_runs)
            _probe("build", small)
            for name in ("trends", "compare"):
                seconds, peak = _probe(name, small)
                steps.append(Step(name, files_runs, seconds, peak))
                seconds, peak = _probe(f"{name}-files", small)
                steps.append(Step(f"{name} (every file)", files_runs, seconds, peak))
    return steps


def markdown(steps: list[Step]) -> str:
    lines = ["| step | runs | seconds | peak RSS (MB) | goal |", "|---|---|---|---|---|"]
    for s in steps:
        goal = GOALS.get(s.name)
        mark = "" if goal is None or s.runs < 10_000 else f"<= {goal:g} s"
        peak = "-" if s.peak_mb is None else f"{s.peak_mb:.0f}"
        lines.append(f"| {s.name} | {s.runs:,} | {s.seconds:.2f} | {peak} | {mark} |")
    by = {(s.name, s.runs): s for s in steps}
    for name in ("trends", "compare"):
        for (step, runs), files in by.items():
            if step == f"{name} (every file)" and (name, runs) in by:
                ratio = files.seconds / max(by[name, runs].seconds, 1e-9)
                lines.append(f"\n{name} over {runs:,} runs: the index is {ratio:.0f}x faster")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f"\n{stamp}; {describe_machine().line()}")
    return "\n".join(lines)
