from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from perfkit.analysis.changepoints import detect_change_points
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.trends import Trend, gate_run, trend_frame, trends, trends_of_frame

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _run(i: int, p95: float, target: str = "svc") -> RunData:
    """A run as the history store gives it without samples: recorded statistics only."""
    ep = EndpointData(
        "items",
        count=1000,
        errors=0,
        duration_s=10.0,
        summary={"p50": p95 / 2, "p95": p95, "p99": p95 * 1.5},
    )
    return RunData(
        run_id=f"r{i:04d}",
        started_at=T0 + timedelta(hours=i),
        target=target,
        scenario="s",
        load={"model": "closed"},
        endpoints={"items": ep},
        overall=ep,
    )


def _series(n: int, step_at: int, seed: int = 0) -> list[RunData]:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(np.log(50.0), 0.03, n)
    values[step_at:] *= 1.3
    return [_run(i, float(v)) for i, v in enumerate(values)]


def test_a_step_in_1000_runs_is_marked_at_its_run() -> None:
    runs = _series(1000, 640)
    found = {(t.endpoint, t.metric): t for t in trends(runs, ["p95", "throughput"])}
    p95 = found[("items", "p95")]
    assert [p.index for p in p95.change_points] == [640]
    assert p95.run_ids[640] == "r0640"
    assert found[("items", "throughput")].change_points == []


def test_trend_frame_is_long_and_ordered() -> None:
    runs = _series(5, 3)[::-1]  # given newest first
    frame = trend_frame(runs, ["p95"])
    items = frame[frame["endpoint"] == "items"]
    assert items["run_id"].tolist() == ["r0000", "r0001", "r0002", "r0003", "r0004"]
    assert len(frame) == 10  # overall and items for each run


def test_gate_run_uses_only_earlier_comparable_runs() -> None:
    history = _series(20, 20)  # no step yet
    foreign = [_run(100 + i, 500.0, target="other") for i in range(10)]
    candidate = _run(50, 70.0)  # +40 %
    gate = gate_run(candidate, history + foreign)
    assert gate.base_id == "history (20 runs)"
    moved = {(e, m.metric) for e, m in gate.regressions()}
    assert ("items", "p95") in moved
    alone = gate_run(candidate, foreign)
    assert alone.verdict == "unchanged" and "0 comparable earlier runs" in alone.notes[0]


def test_a_tiny_but_certain_step_is_not_a_change_point() -> None:
    """A -0.8 % step in a metric that hardly varies is real, and below the threshold."""
    runs = _series(40, 40)
    values = [r.endpoints["items"].summary["p95"] for r in runs]
    stepped = [_run(i, v * (0.992 if i >= 20 else 1.0)) for i, v in enumerate(values)]
    found = {(t.endpoint, t.metric): t for t in trends(stepped, ["p95"])}
    assert found[("items", "p95")].change_points == []


def _grouped_trends(frame: pd.DataFrame, endpoints: list[str] | None) -> list[Trend]:
    """`trends_of_frame` as it was: a pandas group per series, its columns made into lists."""
    out = []
    for (endpoint, metric), group in frame.groupby(["endpoint", "metric"], sort=False):
        if endpoints is not None and endpoint not in endpoints:
            continue
        values = group["value"].to_numpy(dtype=np.float64)
        out.append(
            Trend(
                str(endpoint),
                str(metric),
                group["run_id"].tolist(),
                [t.to_pydatetime() for t in group["started_at"]],
                [None if pd.isna(c) else str(c) for c in group["commit"]],
                values,
                detect_change_points(values, min_magnitude=0.1),
            )
        )
    return out


@pytest.mark.parametrize("endpoints", [None, ["items"]])
def test_trends_of_frame_gives_the_series_of_each_group(endpoints: list[str] | None) -> None:
    runs = [  # some runs without a commit, some with one more endpoint
        replace(run, commit=None if i % 3 else f"c{i % 7}",
                endpoints=run.endpoints | ({"other": run.overall} if i % 4 == 0 else {}))
        for i, run in enumerate(_series(300, 180))
    ]  # fmt: skip
    frame = trend_frame(runs, ["p95", "throughput", "error_rate"])
    found = trends_of_frame(frame, endpoints=endpoints)
    expected = _grouped_trends(frame, endpoints)
    assert [t.change_points for t in found] == [t.change_points for t in expected]
    for got, want in zip(found, expected, strict=True):
        assert (got.endpoint, got.metric, got.run_ids, got.times, got.commits) == (
            want.endpoint, want.metric, want.run_ids, want.times, want.commits)  # fmt: skip
        assert got.times[0].tzinfo == want.times[0].tzinfo
        np.testing.assert_array_equal(got.values, want.values)
    assert any(t.change_points for t in found)
    assert trends_of_frame(frame.iloc[:0]) == []
