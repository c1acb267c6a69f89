"""A small Starlette app and the recipe that recorded the runs in ``data/``.

Regenerate the recorded runs with ``.venv/bin/python -m tests.analysis.recording``: two
runs of the app as it is (``/items`` sleeps 20 ms) and one with 30 ms added to ``/items``,
each a real closed-model run of the perfkit runner over loopback (4 users, 3 s).
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import tempfile
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from perfkit.loadgen.baseline import RunPlan, execute
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import parse_scenario
from perfkit.runs.artifacts import ArtifactPaths, write_run
from perfkit.serving import serve_app

DATA = Path(__file__).parent / "data"
BASE_DELAY_S = 0.020
SLOWDOWN_S = 0.030
SCENARIO = parse_scenario(
    {
        "name": "items",
        "endpoints": [
            {"name": "items", "path": "/items", "weight": 3},
            {"name": "health", "path": "/health", "category": "health", "weight": 1},
        ],
    },
    "recording",
)


def make_app(extra_delay_s: float = 0.0) -> Starlette:
    async def items(request: Request) -> JSONResponse:
        await asyncio.sleep(BASE_DELAY_S + extra_delay_s)
        return JSONResponse({"items": [1, 2, 3]})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/items", items), Route("/health", health)])


def record(out_dir: Path, extra_delay_s: float = 0.0, duration_s: float = 3.0) -> ArtifactPaths:
    """One real run against the app on loopback, written as a run artifact in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    load = LoadConfig(
        model="closed", concurrency=4, duration_s=duration_s, warmup_s=1.0, timeout_s=5.0
    )
    with serve_app(make_app(extra_delay_s)) as url:
        run, samples = execute(RunPlan(scenario=SCENARIO, load=load, target_url=url))
    # the app gets a free port each time: label the target so runs stay comparable
    run = dataclasses.replace(run, target="analysis-test-app")
    return write_run(run, out_dir, samples)


def main() -> None:
    shutil.rmtree(DATA, ignore_errors=True)
    # The first run in a fresh process is slower in the tail (imports, first connections):
    # one throw-away run first, so the kept runs differ only by what we changed.
    with tempfile.TemporaryDirectory() as scratch:
        record(Path(scratch))
    # oldest first: the tests read them back in this order
    for name, delay in (("base-1", 0.0), ("base-2", 0.0), ("slow", SLOWDOWN_S)):
        paths = record(DATA, delay)
        print(name, paths.json.name, paths.run.overall.count, "requests")


if __name__ == "__main__":
    main()
