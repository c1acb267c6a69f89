"""``compare_runs`` over stdio names the code of a regression: two real runs of a profiled
app over loopback (the head build adds `slow_function` to the route), each keeping the
profile its service sampled, and the regressed endpoint carries their difference."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.profiling.profile import profile_path_for
from perfkit.serving import PORT, serve_process
from tests.mcp.conftest import call_ok, mcp_client

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
SCENARIO = 'name = "work"\n[[endpoints]]\nname = "work"\npath = "/work/7"\n'


def _record(history: Path, scenario: Path, slow_ms: float) -> Path:
    """One baseline run of the profiled app with ``SLOW_MS`` of added CPU work per request;
    the run's JSON, its profile beside it."""
    command = [
        sys.executable, "-m", "uvicorn", "tests.profiling.slow_app:create_app", "--factory",
        "--port", PORT, "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {**os.environ, "SLOW_MS": str(slow_ms)}
    before = set(history.glob("baseline-*.json"))
    with serve_process(command, name="the profiled app", ready_path="/health", env=env) as s:
        done = subprocess.run(
            [sys.executable, "-m", "perfkit", "baseline", "--target", s.url, "--scenario",
             str(scenario), "--duration", "2", "--warmup", "0.5", "--concurrency", "2",
             "--target-label", "work-app", "--out", str(history)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run_json,) = set(history.glob("baseline-*.json")) - before
    assert profile_path_for(run_json).is_file()
    return run_json


async def test_a_regressed_endpoint_names_the_function_its_profiles_gained(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO)
    history = tmp_path / "history"
    history.mkdir()
    base = _record(history, scenario, 0.0)
    head = _record(history, scenario, 8.0)

    async with mcp_client(tmp_path, "--runs", str(history)) as client:
        found = await call_ok(client, "compare_runs", {"base": base.name, "candidate": head.name})
        profile_path_for(base).write_bytes(b"not gzip")  # a profile that cannot be read
        unreadable = await call_ok(client, "compare_runs", {"base": base.name,
                                                            "candidate": head.name})  # fmt: skip
        profile_path_for(base).unlink()  # a run without a kept profile
        without = await call_ok(client, "compare_runs", {"base": base.name, "candidate": head.name})

    assert found["outcome"] == "regressed", found["headline"]
    (work,) = found["regressions"]
    assert work["endpoint"] == "work" and "p50" in work["metrics"]
    assert work["route"] == "GET /work/{n}"
    line = work["profile"]
    assert line.startswith("work: GET /work/{n} +") and "ms CPU per request" in line
    assert line.endswith("of it in `tests.profiling.slow_app.slow_function`")
    change_ms = float(line.split("+", 1)[1].split(" ", 1)[0])
    assert 4.0 < change_ms < 12.0, line  # 8 ms of CPU added per request, sampled
    (kept,) = found["comparison"]["profiles"]  # as `perfkit compare --json` gives them
    assert kept["summary"] == line and kept["top_frame"].endswith("slow_function")
    (bare,) = without["regressions"]
    assert (bare["endpoint"], bare["route"], bare["profile"]) == ("work", None, None)
    assert not any("profile" in note for note in without["notes"])
    assert unreadable["regressions"] == without["regressions"]  # the verdict stands
    assert unreadable["outcome"] == "regressed"
    assert any(n.startswith("profile: cannot read the profile") for n in unreadable["notes"])
