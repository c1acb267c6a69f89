"""Each chart builds headless from real recorded runs and draws what it says."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib import dates as mdates
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
    trend = Trend("items", "p95", [str(i) for i in range(40)], _hours(40), [None] * 40, values,
                  points)  # fmt: skip
    fig = plots.trend_chart(trend)
    assert "1 change points" in fig.axes[0].get_title()
    assert len(points) == 1 and points[0].index == 20
    assert [t.get_text() for t in fig.axes[0].texts] == [f"{points[0].change:+.0%}"]
    _renders(fig)


def _hours(n: int) -> list[datetime]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [start + timedelta(hours=i) for i in range(n)]


def test_trend_chart_is_dated_labels_commits_and_never_joins_two_targets() -> None:
    times = _hours(6)
    ids = [f"r{i}" for i in range(6)]
    labels = {
        run_id: plots.RunLabel("a / default" if i % 2 == 0 else "b / default",
                               "1234567" if i < 3 else "89abcde+dirty")
        for i, run_id in enumerate(ids)
    }  # fmt: skip
    trend = Trend("overall", "p95", ids, times, [None] * 6, np.arange(6.0) + 10, [])
    fig = plots.trend_chart(trend, labels)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label().startswith("p95")]
    assert sorted(len(line.get_xdata()) for line in lines) == [3, 3]  # one line per target
    assert [t.get_text() for t in ax.texts] == ["1234567", "89abcde+dirty"]  # first runs only
    first_x = float(np.asarray(lines[0].get_xdata(), dtype=float)[0])
    assert abs(first_x - mdates.date2num(times[0])) < 1e-9  # a time axis, not run numbers
    assert ax.get_ylabel() == "p95 latency (ms)"
    _legend_is_outside(fig)


def _legend_is_outside(fig: Figure) -> None:
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    box, axes_box = legend.get_window_extent(), ax.get_window_extent()
    assert box.x0 >= axes_box.x1  # right of the plotting area, over no data


def test_legends_sit_outside_and_endpoints_keep_their_colour(runs: list[RunData]) -> None:
    cdf, hist = plots.latency_cdf(runs[0]), plots.latency_histogram(runs[0])
    for fig in (cdf, hist, plots.latency_over_time(runs[0])):
        _legend_is_outside(fig)
    colours = plots.endpoint_colours([*runs[0].endpoints, "overall"])
    for line in cdf.axes[0].get_lines():
        if not line.get_label().startswith("_"):
            assert line.get_color() == colours[line.get_label()]
    assert colours["overall"] == plots.OVERALL_COLOUR
    assert plots.endpoint_colours(["b", "a"]) == plots.endpoint_colours(["a", "b", "a"])


def test_sparkline_is_inline_svg_with_units() -> None:
    svg = plots.svg_text(plots.p95_sparkline(_hours(5), [3.0, 4.0, 3.5, 9.0, 4.0], "#1f77b4"))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<text" not in svg  # glyphs drawn as paths: no font to fetch


def test_charts_without_samples_fall_back_or_refuse(runs: list[RunData]) -> None:
    bare = stored_run_data(History(DATA).runs()[0], with_samples=False)
    _renders(plots.latency_cdf(bare))  # from the histogram
    with pytest.raises(InputError, match="no per-request samples"):
        plots.latency_over_time(bare)
    with pytest.raises(InputError, match="no endpoint"):
        plots.latency_cdf(runs[0], ["nope"])
