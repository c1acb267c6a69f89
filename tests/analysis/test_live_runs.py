"""Fresh runs of the runner against the test app over loopback (the recorded data's recipe)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.analysis.adapt import stored_run_data
from perfkit.analysis.compare import compare_runs
from perfkit.runs.history import History

from .recording import SLOWDOWN_S, record


@pytest.mark.slow
def test_a_fresh_slowdown_is_detected_as_a_regression(tmp_path: Path) -> None:
    record(tmp_path / "warm-up", duration_s=1.0)
    record(tmp_path / "runs", duration_s=2.0)
    record(tmp_path / "runs", SLOWDOWN_S, duration_s=2.0)
    base, slow = (stored_run_data(s) for s in History(tmp_path / "runs").runs())
    result = compare_runs(base, slow)
    assert result.regressed
    items = next(e for e in result.endpoints if e.endpoint == "items")
    assert items.metrics["p50"].verdict == "regressed"
    assert items.metrics["p50"].evidence.method == "mann-whitney-u"
