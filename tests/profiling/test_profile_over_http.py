"""A real sampler in a real uvicorn process, loaded over real HTTP: the function a build
added is the top gain of the differential profile, and the SVG shows it in red."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from perfkit.profiling.capture import fetch_profile, keep_with_run
from perfkit.profiling.diff import diff_profiles
from perfkit.profiling.flamegraph import diff_flamegraph
from perfkit.profiling.profile import ProfileSet, profile_path_for
from perfkit.serving import PORT, serve_process

ROUTE = "GET /work/{n}"
ROOT = Path(__file__).resolve().parents[2]
DOCS_SVG = ROOT / "docs" / "img" / "differential-flamegraph.svg"
RECORDED = ROOT / "perfkit" / "resources" / "profiles"  # notebook 06 and the MCP tests read


def _profile(slow_ms: float, requests: int = 300) -> ProfileSet:
    command = [
        sys.executable, "-m", "uvicorn", "tests.profiling.slow_app:create_app", "--factory",
        "--port", PORT, "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {**os.environ, "SLOW_MS": str(slow_ms)}
    with serve_process(command, name="the profiled app", ready_path="/health", env=env) as s:
        with httpx.Client(base_url=s.url) as client:
            for n in range(requests):
                assert client.get(f"/work/{n}").status_code == 200
        profile = fetch_profile(s.url, reset=True)
    assert profile is not None
    return profile


@pytest.mark.slow
def test_the_added_function_is_the_top_gain(tmp_path: Path) -> None:
    base, head = _profile(0.0), _profile(3.0)
    assert base.routes[ROUTE].requests == 300
    assert "GET /health" not in base.routes or base.routes["GET /health"].requests <= 2

    (diff,) = diff_profiles(base, head, [ROUTE])
    assert diff.top is not None
    assert diff.top.frame == "tests.profiling.slow_app.slow_function"
    assert 1.5 < diff.change_ms < 4.5, diff.summary()
    assert "slow_function" in diff.summary()

    svg = diff_flamegraph(diff, base.routes[ROUTE], head.routes[ROUTE])
    root = ET.fromstring(svg)  # well-formed, and nothing outside the file
    assert "href" not in svg and "<script" not in svg
    titles = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert any(t.startswith("tests.profiling.slow_app.slow_function") for t in titles)
    if os.environ.get("PERFKIT_RECORD_PROFILES") == "1":  # make docs-flamegraph
        DOCS_SVG.write_text(svg, encoding="utf-8")
        base.write(RECORDED / "base.profile.json.gz")
        head.write(RECORDED / "head.profile.json.gz")

    run_json = tmp_path / "baseline-20260101T000000Z.json"
    written = keep_with_run(head, run_json)
    assert written == profile_path_for(run_json)
    assert ProfileSet.read(written).routes[ROUTE].requests == 300


def test_a_service_without_the_sampler_has_no_profile() -> None:
    command = [
        sys.executable, "-m", "uvicorn", "tests.profiling.slow_app:create_app", "--factory",
        "--port", PORT, "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "PROFILE": "0"}
    with serve_process(command, name="an unprofiled app", ready_path="/health", env=env) as s:
        assert fetch_profile(s.url) is None


@pytest.mark.slow
def test_a_baseline_of_a_profiling_service_keeps_its_profile(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('name = "work"\n[[endpoints]]\nname = "work"\npath = "/work/7"\n')
    command = [
        sys.executable, "-m", "uvicorn", "tests.profiling.slow_app:create_app", "--factory",
        "--port", PORT, "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "SLOW_MS": "1"}
    with serve_process(command, name="the profiled app", ready_path="/health", env=env) as s:
        done = subprocess.run(
            [sys.executable, "-m", "perfkit", "baseline", "--target", s.url, "--scenario",
             str(scenario), "--duration", "1", "--concurrency", "2", "--out", str(tmp_path)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run_json,) = tmp_path.glob("baseline-*.json")
    profile = ProfileSet.read(profile_path_for(run_json))
    assert profile.routes[ROUTE].requests > 10
