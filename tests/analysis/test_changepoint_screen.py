"""The window screen changes no answer: the weak and the final change points are the
same as E-Divisive run in every window (the algorithm before the screen), on the shipped
history, on a generated one with steps and on random series built to be hard for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pytest
from numpy.typing import NDArray

from perfkit.analysis import stored_run_data
from perfkit.analysis.changepoint_screen import quiet_windows
from perfkit.analysis.changepoints import _divisive, _merge, _split, detect_change_points
from perfkit.analysis.trends import trend_frame
from perfkit.bench.history import generate
from perfkit.runs.history import History

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "history"
METRICS = ("p50", "p95", "p99", "mean", "throughput", "error_rate")
WEAK = 0.01  # the first pass of the default max_pvalue 0.001


def _every_window(series: NDArray[np.float64], window: int, max_pvalue: float) -> list[int]:
    """`_split` as it was before the screen: E-Divisive in every window."""
    found: set[int] = set()
    start, step = 0, max(window // 2, 1)
    while start < series.size:
        end = min(start + window, series.size)
        new = [start + i for i in _divisive(series[start:end], max_pvalue)]
        found.update(new)
        start = max(max(new, default=0), start + step)
    return sorted(found)


def _assert_same(series: NDArray[np.float64]) -> None:
    for window, weak in ((50, WEAK), (50, 0.002), (20, WEAK)):
        assert _split(series, window, weak) == _every_window(series, window, weak)
    before = _merge(series, _every_window(series, 50, WEAK), 0.001, 0.1)
    assert detect_change_points(series, min_magnitude=0.1) == before


def _history_series(folder: Path) -> list[NDArray[np.float64]]:
    runs = [stored_run_data(s, with_samples=False) for s in History(folder).runs()]
    frame = trend_frame(runs, METRICS)
    return [g["value"].to_numpy(np.float64) for _, g in frame.groupby(["endpoint", "metric"])]


def _generated(folder: Path, n: int) -> Path:
    """``n`` generated runs; from a third on the first endpoint is 40 % slower, from two
    thirds on every endpoint is 20 % faster."""
    generate(folder, n, SHIPPED)
    for i, path in enumerate(sorted(folder.glob("*.json"))):
        data = orjson.loads(path.read_bytes())
        for k, ep in enumerate(data["endpoints"]):
            factor = (1.4 if k == 0 and i >= n // 3 else 1.0) * (0.8 if i >= 2 * n // 3 else 1.0)
            lat = ep["stats"]["latency"]
            lat.update({key: None if v is None else v * factor for key, v in lat.items()})
        path.write_bytes(orjson.dumps(data))
    return folder


def test_the_shipped_history_gives_the_same_change_points() -> None:
    for series in _history_series(SHIPPED):
        _assert_same(series)


def test_a_generated_history_gives_the_same_change_points(tmp_path: Path) -> None:
    series = _history_series(_generated(tmp_path / "generated", 600))
    assert len(series) > 20
    found = 0
    for values in series:
        _assert_same(values)
        found += len(detect_change_points(values, min_magnitude=0.1))
    assert found > 0  # the steps are there to be found


def _hard_series(rng: np.random.Generator, kind: str, n: int) -> NDArray[np.float64]:
    if kind == "steps":
        values = rng.normal(100.0, 3.0, n)
        for at in rng.integers(0, n, 6):
            values[at:] += rng.normal(0.0, 8.0)
        return values
    if kind == "lognormal":
        return rng.lognormal(np.log(20.0), 0.3, n)
    if kind == "spikes":
        values = rng.normal(50.0, 0.5, n)
        values[rng.integers(0, n, n // 20)] *= 10.0
        return values
    if kind == "quantised":  # HDR-like percentiles: few distinct levels, long flat stretches
        return np.round(rng.normal(10.0, 0.4, n) * 2.0) / 2.0
    if kind == "error_rate":  # zero but for a few runs
        values = np.zeros(n)
        values[rng.integers(0, n, 5)] = rng.uniform(0.001, 0.05, 5)
        return values
    if kind == "flat_then_step":  # constant stretches, zero and non-zero
        return np.repeat(rng.choice([0.0, 0.1, 3.7, 1e6], 8), n // 8)
    # a large level with tiny noise: the cumulative sums' worst rounding
    return 1e9 + np.cumsum(rng.choice([0.0, 1e-3], n)) + rng.normal(0.0, 1e-6, n)


@pytest.mark.parametrize(
    "kind",
    ["steps", "lognormal", "spikes", "quantised", "error_rate", "flat_then_step", "offset"],
)
def test_random_series_give_the_same_change_points(kind: str) -> None:
    rng = np.random.default_rng(len(kind))
    for _ in range(6):
        series = _hard_series(rng, kind, int(rng.integers(60, 700)))
        _assert_same(series)


def test_noise_is_screened_out_and_a_step_is_not() -> None:
    rng = np.random.default_rng(11)
    noise = rng.normal(100.0, 2.0, 2000)
    starts = np.arange(0, noise.size - 50 + 1, 25)
    assert quiet_windows(noise, starts, 50, WEAK).mean() > 0.9
    stepped = noise.copy()
    stepped[1000:] += 20.0
    assert not quiet_windows(stepped, np.array([975]), 50, WEAK)[0]
