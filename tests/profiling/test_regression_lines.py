"""After a "regressed", compare and trends --gate print the profile line of each regressed
route (terminal, ``--json``, Markdown summary) when both runs kept a profile; nothing when
they did not. Real runs of a real profiled service, recorded over real HTTP."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from perfkit.profiling.regressions import route_for
from tests.profiling.profiled_runs import (
    ADDED,
    READS_THE_PROFILED_PAIR,
    ROUTE,
    SCENARIO,
    perfkit,
    serve,
)

LINE = "profile: work: GET /work/{n} +"


@pytest.fixture
def pair(profiled_pair: tuple[Path, Path]) -> tuple[Path, Path]:
    return profiled_pair


def test_an_endpoint_finds_its_route_literal_first_then_the_narrowest_template() -> None:
    routes = ["GET /api/users/{id}", "GET /api/users/me", "POST /api/chat", "GET /{rest:path}"]
    assert route_for("GET", "/api/users/me", routes) == "GET /api/users/me"
    assert route_for("GET", "/api/users/u42?x=1", routes) == "GET /api/users/{id}"
    assert route_for("post", "/api/chat", routes) == "POST /api/chat"
    assert route_for("GET", "/api/chat", routes) is None  # another method
    assert route_for("GET", "/work/7", [ROUTE]) == ROUTE
    assert route_for("GET", "/work/7/more", [ROUTE]) is None


@READS_THE_PROFILED_PAIR
@pytest.mark.slow
def test_compare_names_the_added_function_after_the_verdict(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    runs = str(pair[0].parent)
    summary = tmp_path / "summary.md"
    text = perfkit("compare", "previous", "latest", "--runs", runs, "--summary", str(summary))
    assert text.returncode == 1, text.stdout + text.stderr
    lines = text.stdout.splitlines()
    (line,) = [n for n in lines if n.startswith("profile:")]
    assert line.startswith(LINE) and line.endswith(f"of it in `{ADDED}`")
    assert lines[0].startswith("REGRESSED") and lines.index(line) > 0  # after the verdict
    assert f"- {line}" in summary.read_text()

    as_json = perfkit("compare", "previous", "latest", "--runs", runs, "--json")
    (found,) = json.loads(as_json.stdout)["profiles"]
    assert (found["endpoint"], found["route"], found["top_frame"]) == ("work", ROUTE, ADDED)
    assert found["change_ms_per_request"] > 2.0 and found["summary"] == line[len("profile: ") :]
    assert len(found["frames"]) <= 10


@READS_THE_PROFILED_PAIR
@pytest.mark.slow
def test_runs_without_profiles_get_the_verdict_alone(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    bare = tmp_path / "runs"
    shutil.copytree(pair[0].parent, bare, ignore=shutil.ignore_patterns("*.profile.json.gz"))
    text = perfkit("compare", "previous", "latest", "--runs", str(bare))
    assert text.returncode == 1 and "profile:" not in text.stdout + text.stderr
    as_json = perfkit("compare", "previous", "latest", "--runs", str(bare), "--json")
    assert json.loads(as_json.stdout)["profiles"] == []


@READS_THE_PROFILED_PAIR
@pytest.mark.slow
def test_an_unreadable_profile_is_a_note_and_the_verdict_stands(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "runs"
    shutil.copytree(pair[0].parent, broken)
    (broken / (pair[1].stem + ".profile.json.gz")).write_bytes(b"not gzip")
    text = perfkit("compare", "previous", "latest", "--runs", str(broken))
    assert text.returncode == 1 and "REGRESSED" in text.stdout
    assert "profile:" not in text.stdout
    assert "note: profile: cannot read the profile" in text.stderr


@pytest.mark.slow
def test_the_history_gate_profiles_against_the_newest_earlier_profiled_run(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO)
    runs = tmp_path / "runs"
    common = ("--target-label", "work", "--duration", "0.6", "--warmup", "0.2",
              "--concurrency", "2", "--scenario", str(scenario), "--out", str(runs))  # fmt: skip
    with serve(0.0) as base, serve(30.0) as head:  # far past a loaded machine's run-to-run spread
        # 12 base runs: the gate judges on history from 10 runs, and its outlier cut may drop
        # a run or two that a loaded machine stalled
        for url in [base.url] * 12 + [head.url]:
            done = perfkit("baseline", "--target", url, *common)
            assert done.returncode == 0, done.stderr
    gate = perfkit("trends", "--gate", "--runs", str(runs))
    assert gate.returncode == 1, gate.stdout + gate.stderr
    (line,) = [n for n in gate.stdout.splitlines() if n.startswith("profile:")]
    assert line.startswith(LINE) and line.endswith(f"`{ADDED}`")
    as_json = json.loads(perfkit("trends", "--gate", "--runs", str(runs), "--json").stdout)
    assert [p["top_frame"] for p in as_json["gate"]["profiles"]] == [ADDED]
