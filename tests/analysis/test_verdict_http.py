"""The fixed cases over real HTTP: two small apps on loopback whose fastest endpoint takes
10 ms, recorded by ``perfkit baseline --repeat 8 --base-target`` (interleaved trials), then
judged by ``perfkit compare`` as a CI log shows it (piped, not a terminal).

The candidate's ``/fast`` takes 18 ms: +8 ms, less than the whole run's fastest request
(10 ms and more), which the old rule's floor hid ("unchanged: below the 10.4 ms floor").
+20 % (12 ms) is the benchmark's job (`perfkit bench verdicts`): on this shared 2-core
machine at load 10-15 the trials swing too much for a test to catch it every time (5 + 5
trials measured +12 % and +15 %, smallest detectable change +35 %, p 0.008 before Holm's
correction over 18 tests); the rule's part of that case, no floor hiding it, is tested on
synthetic trials in test_verdict_cases.py."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from perfkit.runs.history import History
from perfkit.serving import serve_app

# one recorded pair of runs shared by the tests below: on one xdist worker, recorded once
pytestmark = pytest.mark.xdist_group("verdict-http-runs")

SCENARIO = """
name = "two-endpoints"
[[endpoints]]
name = "fast"
path = "/fast"
weight = 1
[[endpoints]]
name = "other"
path = "/other"
weight = 1
"""


def make_app(fast_ms: float, *, fail_every: int = 0) -> Starlette:
    """``/fast`` answers in ``fast_ms``; ``/other`` in 20 ms, a 500 every ``fail_every``-th."""
    calls = itertools.count(1)

    async def fast(request: Request) -> JSONResponse:
        await asyncio.sleep(fast_ms / 1000)
        return JSONResponse({"ok": True})

    async def other(request: Request) -> JSONResponse:
        await asyncio.sleep(0.020)
        if fail_every and next(calls) % fail_every == 0:
            return JSONResponse({"error": "injected"}, status_code=500)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/fast", fast), Route("/other", other)])


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """(runs folder, base run id, candidate run id): base 10 ms; candidate 18 ms on /fast
    and a 500 on 1 in 20 requests of /other (errors 0 -> 5 %)."""
    folder = tmp_path_factory.mktemp("runs")
    scenario = folder / "scenario.toml"
    scenario.write_text(SCENARIO)
    out = folder / "performance"
    # 8 trials a side: with 5, a load of 15 once left +56 % on /fast "unchanged" (4 degrees
    # of freedom against Holm's cut over 18 tests); recorded once for the three tests
    # the load generator in its own process, as in CI: the apps' threads do not share its GIL
    with serve_app(make_app(10.0)) as base, serve_app(make_app(18.0, fail_every=20)) as cand:
        done = subprocess.run([
            sys.executable, "-m", "perfkit", "baseline", "--target", cand, "--base-target", base,
            "--repeat", "8", "--duration", "1.5", "--warmup", "0.3", "--concurrency", "4",
            "--scenario", str(scenario), "--out", str(out), "--target-label", "two-endpoints",
        ], capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    runs = {s.run.target_url: s.run.run_id for s in History(out).runs()}
    return out, runs[base], runs[cand]


def _compare(folder: Path, base: str, cand: str, *extra: str) -> tuple[int, str]:
    """``perfkit compare`` in its own process, its output piped as in a CI log."""
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "compare", base, cand, "--runs", str(folder), *extra],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout


def test_8_ms_on_a_10_ms_endpoint_is_caught_on_its_latency(
    session: tuple[Path, str, str],
) -> None:
    code, out = _compare(*session, "--json")
    result = orjson.loads(out)
    fast = next(e for e in result["endpoints"] if e["endpoint"] == "fast")
    assert fast["metrics"]["p50"]["verdict"] == "regressed", fast["metrics"]["p50"]
    assert 0.25 < fast["metrics"]["p50"]["change"] < 1.0
    assert fast["metrics"]["p50"]["floor"] is None  # no whole-run floor hides it
    assert result["evidence"] == "interleaved trials" and code == 1
    assert result["outcome"] == "regressed"


def test_errors_from_0_to_5_percent_are_regressed(session: tuple[Path, str, str]) -> None:
    _, out = _compare(*session, "--json")
    other = next(e for e in orjson.loads(out)["endpoints"] if e["endpoint"] == "other")
    errors = other["metrics"]["error_rate"]
    assert errors["base"] == 0 and 0.04 < errors["candidate"] < 0.06
    assert errors["verdict"] == "regressed", errors


def test_piped_verdict_says_the_answer_first_and_fits_100_columns(
    session: tuple[Path, str, str],
) -> None:
    code, out = _compare(*session)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("REGRESSED: fast p"), lines[0]  # p50 when it moved
    assert "95 % CI" in lines[0] and "other errors 0.0 % -> " in out
    assert max(len(line) for line in lines) <= 100, out
    rows = [line for line in lines if line.startswith(("fast ", "other ", "overall "))]
    assert rows and all(line.rstrip().endswith(("regressed", "improved")) for line in rows)
    _, everything = _compare(*session, "--all")
    assert len(everything.splitlines()) > len(lines)
    assert max(len(line) for line in everything.splitlines()) <= 100
