"""The rows a run contributes to the history index (`perfkit.runs.index`).

One row per run (who, when, what it measured, its file's name, size and mtime) and one
row per run x endpoint with a column per figure: the run-level figures the analysis
reads from a run it does not decode in full (`EndpointData.value(metric,
prefer_summary=True)`): the request and error counts and the recorded latency statistics.
A statistic the summary lacks is taken from the run's histogram as the analysis would,
so the index answers exactly what decoding the file answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from perfkit.histogram import LatencyHistogram
from perfkit.runs.model import Run, Stats

#: latency statistics kept per endpoint, and the recorded field each comes from
#: (min: the floor of a latency change, `perfkit.analysis.compare`)
LATENCY_FIELDS = {
    "p50": "p50_ms", "p95": "p95_ms", "p99": "p99_ms", "mean": "mean_ms", "min": "min_ms",
}  # fmt: skip
OVERALL = "overall"
#: the load settings that make two runs comparable (duration and warm-up do not)
COMPARABLE_LOAD = ("model", "concurrency", "rate", "workers", "engine")
#: every metric a run x endpoint has in the index
FIGURES = ("count", "errors", *LATENCY_FIELDS)

RUN_COLUMNS = (
    "file", "run_id", "kind", "started_at", "branch", "commit", "ci_job_url", "target",
    "scenario", "testbed", "host", "load", "duration_s", "origin", "session", "samples",
    "health_score", "size", "mtime_ns",
)  # fmt: skip
FIGURE_COLUMNS = ("file", "position", "endpoint", *FIGURES)


@dataclass(frozen=True)
class FileStamp:
    """What says a run file changed: its name, size and modification time."""

    name: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        st = path.stat()
        return cls(path.name, st.st_size, st.st_mtime_ns)


def _histogram_value(stats: Stats, metric: str) -> float:
    """``metric`` from the run's histogram (`perfkit.analysis.data.HistogramDistribution`)."""
    histogram = LatencyHistogram.decode(stats.histogram)
    low, high = stats.latency.min_ms, stats.latency.max_ms
    if low is not None and high is not None:
        histogram = histogram.with_extremes(low, high)
    if histogram.count == 0:
        return math.nan
    if metric == "mean":
        return histogram.mean_ms
    q = 0.0 if metric == "min" else float(metric.lstrip("p"))
    return histogram.percentiles_ms([q])[q]


def endpoint_figures(stats: Stats) -> dict[str, float]:
    """count, errors and each latency statistic (NaN left out: the run does not know it)."""
    figures = {"count": float(stats.count), "errors": float(stats.errors)}
    for metric, field_name in LATENCY_FIELDS.items():
        value = getattr(stats.latency, field_name)
        if value is None and stats.histogram:
            value = _histogram_value(stats, metric)
        if value is not None and not math.isnan(value):
            figures[metric] = float(value)
    return figures


def _testbed(run: Run) -> str | None:
    """The run's testbed when its environment records one (newer runs), as text."""
    testbed: Any = getattr(run.environment, "testbed", None)
    if testbed is None or isinstance(testbed, str):
        return testbed
    to_dict = getattr(testbed, "to_dict", None)
    return orjson.dumps(to_dict() if callable(to_dict) else str(testbed)).decode()


def run_row(run: Run, stamp: FileStamp) -> dict[str, Any]:
    env = run.environment
    return {
        "file": stamp.name,
        "run_id": run.run_id,
        "kind": run.kind,
        "started_at": run.started_at,
        "branch": env.git_branch,
        "commit": env.git_commit,
        "ci_job_url": env.ci_job_url,
        "target": run.target,
        "scenario": run.scenario,
        "testbed": _testbed(run),
        "host": env.host,
        "load": orjson.dumps(run.load.to_dict(), option=orjson.OPT_SORT_KEYS).decode(),
        "duration_s": run.duration_s,
        "origin": run.origin if run.precision == "summary" else None,
        "session": run.session,
        "samples": None if run.samples is None else run.samples.path,
        "health_score": run.health_score,
        "size": stamp.size,
        "mtime_ns": stamp.mtime_ns,
    }


def figure_rows(run: Run, name: str) -> list[tuple[Any, ...]]:
    """(file, endpoint position, endpoint, then each of `FIGURES`, None where the run does
    not know it): overall first, then each endpoint in the run's order (the order the
    analysis lists them in)."""
    rows = []
    parts = [(OVERALL, run.overall), *((e.name, e.stats) for e in run.endpoints)]
    for position, (endpoint, stats) in enumerate(parts):
        figures = endpoint_figures(stats)
        rows.append((name, position, endpoint, *(figures.get(f) for f in FIGURES)))
    return rows
