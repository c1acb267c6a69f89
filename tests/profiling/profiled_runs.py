"""Two real baseline runs that kept profiles, the head's route slower by `slow_function`.

Two processes of `tests.profiling.slow_app` (its sampler on), the head's ``GET /work/{n}``
spinning ``SLOW_MS`` more CPU, recorded by the real ``perfkit baseline --repeat N
--base-target`` as interleaved trials: the base's run first, the head's second, each with
its ``<run>.profile.json.gz``. What compare, notebook 02 and the dashboard tests read.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.serving import PORT, Served, serve_process

SLOW_MS = 4.0
SCENARIO = 'name = "work"\n[[endpoints]]\nname = "work"\npath = "/work/7"\n'
ROUTE = "GET /work/{n}"
ADDED = "tests.profiling.slow_app.slow_function"

# The tests that read the session's `profiled_pair` (profiling, notebooks, reports) stay on
# one xdist worker, so the pair (six trials a side) is recorded once, not once per worker.
READS_THE_PROFILED_PAIR = pytest.mark.xdist_group("profiled-pair")


def serve(slow_ms: float) -> contextlib.AbstractContextManager[Served]:
    command = [
        sys.executable, "-m", "uvicorn", "tests.profiling.slow_app:create_app", "--factory",
        "--port", PORT, "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {**os.environ, "SLOW_MS": str(slow_ms)}
    return serve_process(command, name=f"the app ({slow_ms} ms)", ready_path="/health", env=env)


def perfkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfkit", *args], capture_output=True,
                          text=True, timeout=300, check=False, cwd=cwd)  # fmt: skip


def record_pair(out: Path, *, trials: int = 6, duration_s: float = 1.0) -> tuple[Path, Path]:
    """The base's run and the head's, written into ``out`` (created) with their profiles.

    Six trials: with four, one trial stalled by a loaded machine (load 15 on a CI runner)
    widened the paired t interval (3 degrees of freedom) past Holm's cut over 12 tests."""
    out.mkdir(parents=True, exist_ok=True)
    scenario = out.parent / f"{out.name}-scenario.toml"
    scenario.write_text(SCENARIO)
    with serve(0.0) as base, serve(SLOW_MS) as head:
        done = perfkit(
            "baseline", "--base-target", base.url, "--target", head.url,
            "--target-label", "work", "--repeat", str(trials), "--duration", str(duration_s),
            "--warmup", "0.3", "--concurrency", "2", "--scenario", str(scenario),
            "--out", str(out),
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    runs = sorted(out.glob("baseline-*[0-9]Z.json"))
    assert len(runs) == 2, runs
    return runs[0], runs[1]


def copy_pair(pair: tuple[Path, Path], into: Path) -> Path:
    """A private copy of ``pair``'s folder (its runs and kept profiles) at ``into``."""
    shutil.copytree(pair[0].parent, into)
    return into
