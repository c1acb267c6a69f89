"""The charts shared by notebooks and reports; each function returns a matplotlib Figure.

Figures are built with `matplotlib.figure.Figure` directly (the Agg canvas, no pyplot
state), so they work headless and never accumulate in a global registry. One style for
all: the `STYLE` rc settings, one colour per series in `PALETTE` order, milliseconds on
latency axes, and a title that says what is plotted.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Wedge

from perfkit.analysis.changepoints import segments
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.trends import Trend
from perfkit.errors import InputError

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]  # fmt: skip
STYLE: dict[str, Any] = {
    "figure.figsize": (9.0, 4.8),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "legend.fontsize": 9,
}
STATUS_COLOURS = {"good": "#2ca02c", "warning": "#ff7f0e", "critical": "#d62728"}
OVERALL_COLOUR = "#333333"


class RunLabel(NamedTuple):
    """How a trend chart names a run: the series it belongs to (runs of one target and
    scenario are joined by a line, never runs of another) and its commit (short SHA)."""

    series: str
    commit: str


def endpoint_colours(names: Sequence[str]) -> dict[str, str]:
    """One colour per endpoint, the same in every chart drawn from the same endpoints:
    ``overall`` dark grey, the others in `PALETTE` order of their sorted names."""
    others = sorted({n for n in names if n != "overall"})
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(others)}
    colours["overall"] = OVERALL_COLOUR
    return colours


def legend_outside(ax: Any, **kwargs: Any) -> None:
    """The legend to the right of the axes, never over the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


@contextlib.contextmanager
def _styled() -> Iterator[None]:
    with matplotlib.style.context(STYLE):
        yield


def _run_colours(run: RunData) -> dict[str, str]:
    return endpoint_colours([*run.endpoints, "overall"])


def _selected(run: RunData, endpoints: Sequence[str] | None) -> list[EndpointData]:
    names = list(run.endpoints) if endpoints is None else list(endpoints)
    unknown = [n for n in names if n not in run.endpoints and n != "overall"]
    if unknown:
        raise InputError(f"run {run.run_id} has no endpoint {unknown[0]!r}")
    return [run.overall if n == "overall" else run.endpoints[n] for n in names]


def _cdf_points(ep: EndpointData) -> tuple[np.ndarray, np.ndarray] | None:
    """Sorted latencies and their cumulative fraction (from a histogram when no samples)."""
    if ep.latencies_ms is not None and ep.latencies_ms.size:
        values = np.sort(ep.latencies_ms)
        return values, np.arange(1, values.size + 1) / values.size
    dist = ep.distribution()
    if dist is None or dist.count == 0:
        return None
    q = np.linspace(0.0, 100.0, 201)
    return np.array([dist.percentile(p) for p in q]), q / 100.0


def latency_cdf(run: RunData, endpoints: Sequence[str] | None = None) -> Figure:
    """Cumulative distribution of latency per endpoint (log x axis), p50/p95/p99 marked."""
    with _styled():
        fig = Figure()
        ax = fig.subplots()
        colours = _run_colours(run)
        for ep in _selected(run, endpoints):
            points = _cdf_points(ep)
            if points is not None:
                ax.plot(points[0], points[1], label=ep.name, linewidth=1.6, color=colours[ep.name])
        for q in (0.5, 0.95, 0.99):
            ax.axhline(q, color="#999999", linewidth=0.8, linestyle=":")
        _cdf_axes(ax, f"Latency CDF - run {run.run_id}", "latency (ms, log scale)")
    return fig


def _cdf_axes(ax: Any, title: str, xlabel: str) -> None:
    """A CDF's axes: log-scale latency, the fraction of requests from 0 to 1, the legend."""
    ax.set_xscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel="fraction of requests at or below", ylim=(0, 1.01))
    legend_outside(ax)


def latency_histogram(
    run: RunData, endpoints: Sequence[str] | None = None, bins: int = 60
) -> Figure:
    """Histogram of latency per endpoint on log-spaced bins (samples only)."""
    selected = [ep for ep in _selected(run, endpoints) if ep.has_samples]
    if not selected:
        raise InputError(f"run {run.run_id} has no per-request samples to draw a histogram")
    values = np.concatenate([ep.latencies_ms for ep in selected if ep.latencies_ms is not None])
    lo, hi = max(float(values.min()), 1e-3), float(values.max()) * 1.01
    edges = np.geomspace(lo, max(hi, lo * 1.01), bins + 1)
    with _styled():
        fig = Figure()
        ax = fig.subplots()
        colours = _run_colours(run)
        for ep in selected:
            assert ep.latencies_ms is not None
            ax.hist(
                ep.latencies_ms.tolist(),
                bins=edges.tolist(),
                histtype="step",
                linewidth=1.5,
                label=ep.name,
                color=colours[ep.name],
            )
        ax.set_xscale("log")
        ax.set(
            title=f"Latency histogram - run {run.run_id}",
            xlabel="latency (ms, log scale)",
            ylabel="requests",
        )
        legend_outside(ax)
    return fig


def latency_over_time(
    run: RunData, endpoints: Sequence[str] | None = None, window_s: float = 1.0
) -> Figure:
    """Each request as a dot at its completion time, with a rolling p95 line per endpoint."""
    selected = [ep for ep in _selected(run, endpoints) if ep.latency_times_s is not None]
    if not selected:
        raise InputError(f"run {run.run_id} has no per-request samples to draw over time")
    with _styled():
        fig = Figure()
        ax = fig.subplots()
        colours = _run_colours(run)
        for ep in selected:
            colour = colours[ep.name]
            assert ep.latencies_ms is not None and ep.latency_times_s is not None
            answered = ep.latency_times_s
            ax.scatter(answered, ep.latencies_ms, s=3, alpha=0.25, color=colour)
            edges = np.arange(0.0, max(ep.duration_s, window_s) + window_s, window_s)
            idx = np.digitize(answered, edges)
            centres = [
                (edges[i - 1] + edges[i]) / 2 for i in range(1, edges.size) if np.any(idx == i)
            ]
            p95 = [
                np.percentile(ep.latencies_ms[idx == i], 95)
                for i in range(1, edges.size)
                if np.any(idx == i)
            ]
            ax.plot(centres, p95, color=colour, linewidth=1.8, label=f"{ep.name} p95")
        ax.set_yscale("log")
        ax.set(
            title=f"Latency over time - run {run.run_id}",
            xlabel="seconds into the run",
            ylabel="latency (ms, log scale)",
        )
        legend_outside(ax)
    return fig


def runs_overlay(base: RunData, candidate: RunData, endpoint: str = "overall") -> Figure:
    """Two runs' latency CDFs of one endpoint, overlaid, with their p50/p95/p99."""
    with _styled():
        fig = Figure()
        ax = fig.subplots()
        for colour, run in zip(PALETTE[:2], (base, candidate), strict=True):
            ep = _selected(run, [endpoint])[0]
            points = _cdf_points(ep)
            if points is None:
                continue
            ax.plot(points[0], points[1], color=colour, linewidth=1.8, label=run.run_id)
            for q in (50, 95, 99):
                ax.axvline(ep.value(f"p{q}"), color=colour, linewidth=0.8, linestyle="--")
        _cdf_axes(
            ax,
            f"{endpoint}: {base.run_id} vs {candidate.run_id}",
            "latency (ms, log scale; dashed: p50, p95, p99)",
        )
    return fig


METRIC_AXES = {"throughput": "throughput (requests/s)",
               "error_rate": "error rate (fraction of requests)"}  # fmt: skip


def metric_axis(metric: str) -> str:
    """The axis label of a run metric, with its unit (latencies are in ms)."""
    return METRIC_AXES.get(metric, f"{metric} latency (ms)")


def _date_axis(ax: Any, times: Sequence[datetime]) -> list[float]:
    """``times`` as matplotlib date numbers, and the x axis formatted as dates."""
    numbers = [float(x) for x in mdates.date2num(list(times))]  # type: ignore[no-untyped-call]
    ax.xaxis_date()
    locator = ax.xaxis.get_major_locator()
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    return numbers


def _series_of(trend: Trend, labels: Mapping[str, RunLabel]) -> dict[str, list[int]]:
    series: dict[str, list[int]] = {}
    for i, run_id in enumerate(trend.run_ids):
        series.setdefault(labels[run_id].series if run_id in labels else "", []).append(i)
    return series


def _label_commits(ax: Any, trend: Trend, labels: Mapping[str, RunLabel]) -> None:
    """A dotted line and the short SHA where each commit's first run starts."""
    previous = None
    for time, run_id in zip(_date_axis(ax, trend.times), trend.run_ids, strict=True):
        commit = labels[run_id].commit if run_id in labels else None
        if commit is None or commit == previous:
            continue
        previous = commit
        ax.axvline(time, color="#999999", linewidth=0.6, linestyle=":")
        ax.annotate(commit, (time, 0.0), xycoords=("data", "axes fraction"), xytext=(2, 2),
                    textcoords="offset points", rotation=90, fontsize=7, color="#555555",
                    ha="left", va="bottom")  # fmt: skip


def trend_chart(
    trend: Trend, labels: Mapping[str, RunLabel] | None = None, colour: str | None = None
) -> Figure:
    """A metric on a time axis: one line per series (runs of another target or scenario
    are never joined to these), each level between change points drawn flat, change points
    marked, and the first run of each commit labelled with its short SHA (``labels``)."""
    labels = labels or {}
    with _styled():
        fig = Figure()
        ax = fig.subplots()
        times = _date_axis(ax, trend.times)
        series = _series_of(trend, labels)
        styles = ["-", "--", "-.", ":"]
        for n, (name, idx) in enumerate(series.items()):
            ax.plot([times[i] for i in idx], trend.values[idx], marker="o", markersize=3,
                    linewidth=1.0, linestyle=styles[n % len(styles)],
                    color=colour or PALETTE[0],
                    label=f"{trend.metric}, {name}" if name else trend.metric)  # fmt: skip
        for k, (lo, hi, mean) in enumerate(segments(trend.values, trend.change_points)):
            ax.hlines(mean, times[lo], times[hi - 1], color=PALETTE[1], linewidth=2.2,
                      label="level between change points" if k == 0 else "_")  # fmt: skip
        for cp in trend.change_points:
            at = times[cp.index - 1] + (times[cp.index] - times[cp.index - 1]) / 2
            ax.axvline(at, color=STATUS_COLOURS["critical"], linestyle="--")
            ax.annotate(f"{cp.change:+.0%}", (at, 1.0), xycoords=("data", "axes fraction"),
                        ha="left", va="top", color=STATUS_COLOURS["critical"])  # fmt: skip
        _label_commits(ax, trend, labels)
        ax.set(
            title=f"{trend.endpoint} {trend.metric} over {len(times)} runs "
            f"({len(trend.change_points)} change points)",
            xlabel="run start (UTC); dotted lines: first run of a commit",
            ylabel=metric_axis(trend.metric),
        )
        legend_outside(ax)
    return fig


def health_gauge(score: float, status: str | None = None) -> Figure:
    """A half-circle gauge 0-100 with the bands coloured and the score as a needle."""
    status = status or ("good" if score >= 85 else "warning" if score >= 60 else "critical")
    with _styled():
        fig = Figure(figsize=(5.0, 3.0))
        ax = fig.subplots()
        for lo, hi, band in ((0, 60, "critical"), (60, 85, "warning"), (85, 100, "good")):
            ax.add_patch(
                Wedge(
                    (0, 0),
                    1.0,
                    180 - hi * 1.8,
                    180 - lo * 1.8,
                    width=0.3,
                    color=STATUS_COLOURS[band],
                    alpha=0.85,
                )
            )
        angle = math.radians(180 - max(0.0, min(score, 100.0)) * 1.8)
        ax.plot(
            [0, 0.8 * math.cos(angle)], [0, 0.8 * math.sin(angle)], color="#333333", linewidth=3
        )
        ax.text(
            0,
            -0.15,
            f"{score:.0f}",
            ha="center",
            va="center",
            fontsize=22,
            fontweight="bold",
            color=STATUS_COLOURS.get(status, "#333333"),
        )
        ax.set(xlim=(-1.1, 1.1), ylim=(-0.3, 1.1), title=f"Health score: {status}")
        ax.set_aspect("equal")
        ax.axis("off")
    return fig


def p95_sparkline(times: Sequence[datetime], p95_ms: Sequence[float], colour: str) -> Figure:
    """A small p95 chart for the dashboard: the recent runs evenly spaced, oldest first,
    the first and last run's date under the ends (a glance, not a time axis: the trend
    charts of the trends report carry time and commits)."""
    with _styled():
        fig = Figure(figsize=(3.2, 1.3))
        ax = fig.subplots()
        x = list(range(len(p95_ms)))
        ax.plot(x, list(p95_ms), marker="o", markersize=2.5, linewidth=1.2, color=colour)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("p95 (ms)", fontsize=8)
        ends = sorted({0, len(x) - 1})
        ax.set_xticks(ends, [f"{times[i]:%m-%d %H:%M}" for i in ends])
        ax.tick_params(labelsize=7)
    return fig


def svg_text(figure: Figure) -> str:
    """``figure`` as an inline ``<svg>`` element (text drawn as paths: no font to fetch)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]
