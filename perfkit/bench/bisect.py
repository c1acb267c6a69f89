"""`perfkit bench bisect`: how often `perfkit bisect` names the slow commit, and how fast.

Each try builds a fresh demo repository (`perfkit.bisect.demo`: 16 commits, commit 11
adds ``added_ms`` of CPU to a route of about 5 ms), runs a whole bisect with the default
options (the metric chosen), and records whether it named commit 11, how long it took,
and whether the differential profile's top frame is the function commit 11 added.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from perfkit.bisect.demo import make_demo_repo
from perfkit.bisect.options import BisectOptions
from perfkit.bisect.session import run_bisect
from perfkit.errors import PerfkitError
from perfkit.loadgen.scenario import load_scenario
from perfkit.project import Project


@dataclass(frozen=True)
class Try:
    named: bool
    profile_named: bool
    seconds: float
    commits_tried: int
    load: float  # 1-minute load average when the try ended
    outcome: str


def one_try(commits: int, bad_at: int, added_ms: float, metric: str = "p50") -> Try:
    with tempfile.TemporaryDirectory(prefix="perfkit-bench-bisect-") as folder:
        demo = make_demo_repo(Path(folder) / "repo", commits=commits, bad_at=bad_at,
                              added_ms=added_ms)  # fmt: skip
        project = Project.find(demo.root)
        started = time.monotonic()
        try:
            result = run_bisect(project, demo.good, demo.bad, load_scenario(project.scenario()),
                                BisectOptions(metric=metric), say=lambda _: None)  # fmt: skip
        except PerfkitError as exc:
            return Try(False, False, time.monotonic() - started, 0, os.getloadavg()[0], str(exc))
        diff = result.profile_diff()
        top = diff.top.frame if diff is not None and diff.top is not None else ""
        named = result.first_bad == demo.culprit
        outcome = "named" if named else f"{result.first_bad or result.stopped}"
        return Try(named, top == "app.checksum", time.monotonic() - started,
                   len(result.tried), os.getloadavg()[0], outcome)  # fmt: skip


def markdown(tries: list[Try], commits: int, bad_at: int, added_ms: float, metric: str) -> str:
    named = sum(t.named for t in tries)
    lines = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {commits} commits, commit {bad_at} adds "
        f"{added_ms:g} ms CPU to a ~5 ms route, default options but --metric {metric}:",
        "",
        "| try | named commit | profile's top frame is checksum | seconds | builds tried | load |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for i, t in enumerate(tries, 1):
        lines.append(f"| {i} | {t.outcome} | {'yes' if t.profile_named else 'no'} "
                     f"| {t.seconds:.0f} | {t.commits_tried} | {t.load:.1f} |")  # fmt: skip
    slowest = max((t.seconds for t in tries), default=0.0)
    lines += ["", f"Named commit {bad_at} in **{named} of {len(tries)}** tries; the slowest "
              f"took {slowest:.0f} s."]  # fmt: skip
    return "\n".join(lines)
