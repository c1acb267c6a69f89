"""Each chart builds headless from real recorded runs and draws what it says."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from perfkit.analysis.adapt import stored_run_data
from perfkit.analysis.changepoints import detect_change_points
from perfkit.analysis.data import RunData
from perfkit.analysis.trends import Trend
from perfkit.errors import InputError
from perfkit.reports import plots
from perfkit.runs.history import History

DATA = Path(__file__).parent / "analysis" / "data"


@pytest.fixture(scope="module")
def runs() -> list[RunData]:
    return [stored_run_data(s) for s in History(DATA).runs()]


def _renders(fig: Figure) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_cdf_and_histogram_have_one_line_per_endpoint(runs: list[RunData]) -> None:
    cdf = plots.latency_cdf(runs[0])
    labels = [line.get_label() for line in cdf.axes[0].get_lines()]
    assert [name for name in labels if not name.startswith("_")] == ["items", "health"]
    _renders(cdf)
    hist = plots.latency_histogram(runs[0], ["items"])
    assert len(hist.axes[0].patches) == 1  # one step outline
    _renders(hist)


def test_over_time_overlay_and_gauge_render(runs: list[RunData]) -> None:
    _renders(plots.latency_over_time(runs[2]))
    overlay = plots.runs_overlay(runs[0], runs[2], "items")
    assert runs[2].run_id in overlay.axes[0].get_title()
    _renders(overlay)
    gauge = plots.health_gauge(70)
    assert "warning" in gauge.axes[0].get_title()
    _renders(gauge)


def test_trend_chart_marks_each_change_point() -> None:
    values = np.r_[np.full(20, 10.0), np.full(20, 14.0)] + np.random.default_rng(0).normal(
        0, 0.2, 40
    )
    points = detect_change_points(values)
    trend = Trend("items", "p95", [str(i) for i in range(40)], [], values, points)
    fig = plots.trend_chart(trend)
    assert "1 change points" in fig.axes[0].get_title()
    assert len(points) == 1 and points[0].index == 20
    assert [t.get_text() for t in fig.axes[0].texts] == [f"{points[0].change:+.0%}"]
    _renders(fig)


def test_charts_without_samples_fall_back_or_refuse(runs: list[RunData]) -> None:
    bare = stored_run_data(History(DATA).runs()[0], with_samples=False)
    _renders(plots.latency_cdf(bare))  # from the histogram
    with pytest.raises(InputError, match="no per-request samples"):
        plots.latency_over_time(bare)
    with pytest.raises(InputError, match="no endpoint"):
        plots.latency_cdf(runs[0], ["nope"])
