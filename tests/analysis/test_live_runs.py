"""Fresh interleaved runs of the runner against two builds of the test app over loopback."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from perfkit.analysis.adapt import compare_stored
from perfkit.loadgen.baseline import RunPlan, write_session
from perfkit.loadgen.runner import LoadConfig
from perfkit.runs.history import History
from perfkit.serving import serve_app

from .recording import SCENARIO, SLOWDOWN_S, make_app


def _session(tmp_path: Path, extra_delay_s: float) -> tuple[History, int]:
    load = LoadConfig(model="closed", concurrency=4, duration_s=1.0, warmup_s=0.3, timeout_s=5.0)
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(serve_app(make_app()))
        cand = stack.enter_context(serve_app(make_app(extra_delay_s)))
        plan = RunPlan(scenario=SCENARIO, load=load, target_url=cand, base_target_url=base,
                       repeat=5, target_label="test-app")  # fmt: skip
        written = write_session(plan, tmp_path)
    return History(tmp_path), len(written)


@pytest.mark.slow
def test_interleaved_trials_catch_a_slowdown_and_name_the_route(tmp_path: Path) -> None:
    history, written = _session(tmp_path, SLOWDOWN_S)  # /items: 20 -> 50 ms
    assert written == 2
    base, cand = history.runs()
    assert base.run.session == cand.run.session and len(cand.run.trials) == 5
    assert base.run.target == cand.run.target == "test-app"
    result = compare_stored(history.runs(), base, cand)
    assert result.evidence.startswith("interleaved trials")
    moved = {(e, m.metric) for e, m in result.regressions()}
    assert ("items", "p50") in moved
    # closed model: busy users send fewer health checks (throughput), no slower ones
    assert not {("health", m) for m in ("p50", "p95", "p99", "mean")} & moved


@pytest.mark.slow
def test_interleaved_trials_of_one_build_are_unchanged(tmp_path: Path) -> None:
    history, _ = _session(tmp_path, 0.0)
    base, cand = history.runs()
    assert compare_stored(history.runs(), base, cand).verdict == "unchanged"
