"""Percentiles over many runs' samples, queried in place, equal the analysis's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfkit.analysis import stored_run_data
from perfkit.analysis.sample_query import sample_percentiles
from perfkit.errors import InputError
from perfkit.runs.history import History, StoredRun

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "history"


def test_per_run_and_pooled_percentiles_match_the_samples() -> None:
    stored = History(SHIPPED).runs(kind="baseline")[-6:]
    frame = sample_percentiles([SHIPPED], "chat", (50, 95, 99), last=6)
    assert list(frame["run_id"]) == [s.run.run_id for s in stored]
    for row, s in zip(frame.itertuples(), stored, strict=True):
        chat = stored_run_data(s).endpoints["chat"]
        dist = chat.distribution()
        assert dist is not None and row.requests == dist.count
        assert (row.p50, row.p95, row.p99) == tuple(dist.percentile(q) for q in (50, 95, 99))
    pooled = sample_percentiles([SHIPPED], None, (99,), last=6, pooled=True)
    assert len(pooled) == 1 and pooled["requests"][0] == _answered(stored)


def _answered(stored: list[StoredRun]) -> int:
    """Answered requests of every run together."""
    sizes = [stored_run_data(s).overall.latencies_ms for s in stored]
    return sum(0 if a is None else a.size for a in sizes)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InputError, match=r"within 0\.\.100"):
        sample_percentiles([SHIPPED], "chat", (101,))
    with pytest.raises(InputError, match="at least 1"):
        sample_percentiles([SHIPPED], "chat", last=0)
    assert sample_percentiles([SHIPPED], "chat", branch="no-such-branch").empty
