"""`--engine k6`: the real k6 binary against real servers over loopback."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

from perfkit.cli import main
from perfkit.importers import read_files
from perfkit.loadgen.engines import HttpOptions
from perfkit.loadgen.k6_engine import run_k6
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import parse_scenario
from perfkit.loadgen.worker import Snapshot
from perfkit.runs.histogram import decode
from tests.loadgen.apps import Counter
from tests.loadgen.test_cli import perfkit

SCENARIO = parse_scenario(
    {"name": "k6", "endpoints": [
        {"name": "ok", "path": "/ok", "weight": 3},
        {"name": "boom", "path": "/boom"},
        {"name": "limited", "path": "/limited", "expect": [429]},
    ]},
    "test",
)  # fmt: skip


def test_closed_model_counts_every_request_as_the_target_does(
    status_url: str, counter: Counter
) -> None:
    config = LoadConfig(concurrency=4, requests=250, duration_s=None, warmup_s=0, engine="k6")
    result = run_k6(status_url, SCENARIO, config, HttpOptions())
    by_name = {e.name: e.stats for e in result.endpoints}
    # smooth weighted round robin over k6's global iteration number: exact shares
    assert [by_name[n].count for n in ("ok", "boom", "limited")] == [150, 50, 50]
    assert counter.hits == 150
    assert by_name["boom"].errors_by_class == {"5xx": 50}
    assert by_name["limited"].errors == 0  # 429 is what that endpoint expects
    assert decode(result.overall.histogram).get_total_count() == 250
    assert sum(len(part.latency_ms) for _, part in result.samples) == 250
    assert result.generator.engine == "k6"


def test_open_model_runs_at_the_rate_through_constant_arrival_rate(status_url: str) -> None:
    config = LoadConfig(model="open", rate=100.0, concurrency=50, duration_s=2.0,
                        warmup_s=1.0, engine="k6")  # fmt: skip
    result = run_k6(status_url, SCENARIO, config, HttpOptions())
    # 2 s at 100/s, the warm-up's requests left out: every scheduled request is either sent
    # or, when no VU was free (a loaded machine), counted as dropped and warned about
    dropped = [int(m[1]) for w in result.warnings if (m := re.search(r"dropped (\d+)", w))]
    assert 195 <= result.overall.count + sum(dropped) <= 201
    assert result.generator.saturated == bool(dropped)


def test_progress_comes_from_k6s_points_while_it_runs_and_adds_up(status_url: str) -> None:
    snapshots: list[tuple[float, Snapshot]] = []
    config = LoadConfig(concurrency=4, duration_s=2.5, warmup_s=1.0, engine="k6")
    result = run_k6(status_url, SCENARIO, config, HttpOptions(),
                    progress=lambda s: snapshots.append((time.monotonic(), s)))  # fmt: skip
    assert sum(s.requests for _, s in snapshots) == result.overall.count > 0
    assert sum(s.errors for _, s in snapshots) == result.overall.errors > 0  # the /boom 500s
    # several snapshots carried requests: the figures arrived during the run, not at its end
    live = [t for t, s in snapshots if s.requests]
    assert len(live) >= 3 and live[-1] - live[0] >= 1.0
    assert all(s.p95_ms is not None for _, s in snapshots if s.requests)


def test_a_run_imported_from_k6_output_has_the_recorded_runs_percentiles(
    status_url: str, tmp_path: Path
) -> None:
    points = tmp_path / "points.json"
    config = LoadConfig(concurrency=4, duration_s=1.0, warmup_s=1.0, engine="k6")
    recorded = run_k6(status_url, SCENARIO, config, HttpOptions(), raw_output=points)
    [(imported, samples)] = read_files("k6", [points])
    assert imported.precision == "per-request" and imported.source.mode == "imported"
    assert imported.overall.count == recorded.overall.count > 0
    assert imported.overall.latency == recorded.overall.latency
    assert imported.overall.histogram == recorded.overall.histogram
    for mine in recorded.endpoints:
        theirs = imported.endpoint(mine.name)
        assert theirs.stats.latency == mine.stats.latency
        assert theirs.stats.errors_by_class == mine.stats.errors_by_class
    assert samples is not None and samples.num_rows == recorded.overall.count


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--warmup", "0.5"], "k6 runs a warm-up of at least 1 s"),
        (["--workers", "2"], "--workers is not for k6"),
    ],
)
def test_settings_k6_cannot_run_are_refused_before_anything_starts(
    *, tmp_path: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    out = tmp_path / "out"
    argv = ["perfkit", "baseline", "--engine", "k6", "--duration", "1", *args, "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and message in stderr
    assert not out.exists()


@pytest.mark.slow
def test_baseline_with_k6_against_the_reference_service(tmp_path: Path) -> None:
    result = perfkit("baseline", "--engine", "k6", "--duration", "2", "--warmup", "1",
                     "--concurrency", "4", "--out", str(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(next(tmp_path.glob("baseline-2*.json")).read_text())
    assert run["source"] == {"tool": "k6", "mode": "recorded", "files": []}
    assert run["precision"] == "per-request"
    assert run["load"]["engine"] == run["generator"]["engine"] == "k6"
    assert run["smoke"]["passed"] is True
    assert run["samples"]["rows"] == run["overall"]["count"] > 0
    assert 0 <= run["health"]["score"] <= 100
