"""Metric series over many runs: trends with change points, and the history gate on runs.

Both read each run's recorded statistics (``prefer_summary``), so a history of 1,000 runs
needs no samples files and is analysed in well under a second per metric. pandas (the
long table) and the verdict (the gate) are imported when used: a trend read from the
history's index (`perfkit.analysis.indexed_trends`) needs neither.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from perfkit.analysis.changepoints import ChangePoint, detect_change_points
from perfkit.analysis.data import EndpointData, RunData

if TYPE_CHECKING:
    import pandas as pd

    from perfkit.analysis.compare import CompareOptions, Comparison

OVERALL = "overall"


@dataclass(frozen=True)
class Trend:
    endpoint: str
    metric: str
    run_ids: list[str]
    times: list[datetime]
    commits: list[str | None]
    values: NDArray[np.float64]
    change_points: list[ChangePoint]

    def to_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "metric": self.metric,
            "runs": len(self.run_ids),
            "change_points": [
                {
                    **cp.to_dict(),
                    "run_id": self.run_ids[cp.index],
                    "started_at": self.times[cp.index].isoformat(),
                    "commit": self.commits[cp.index],
                }
                for cp in self.change_points
            ],
        }


def _endpoints(run: RunData) -> Iterable[tuple[str, EndpointData]]:
    yield OVERALL, run.overall
    yield from run.endpoints.items()


def ordered(runs: Iterable[RunData]) -> list[RunData]:
    return sorted(runs, key=lambda r: (r.started_at, r.run_id))


def trend_frame(runs: Sequence[RunData], metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Long table: run_id, started_at, commit, endpoint, metric, value (oldest run first);
    every metric a comparison judges unless ``metrics`` are given."""
    import pandas as pd  # noqa: PLC0415  (see the module docstring)

    if metrics is None:
        from perfkit.analysis.compare import METRICS  # noqa: PLC0415

        metrics = tuple(METRICS)
    rows = [
        (
            run.run_id,
            run.started_at,
            run.commit,
            name,
            metric,
            ep.value(metric, prefer_summary=True),
        )
        for run in ordered(runs)
        for name, ep in _endpoints(run)
        for metric in metrics
    ]
    frame = pd.DataFrame(
        rows, columns=["run_id", "started_at", "commit", "endpoint", "metric", "value"]
    )
    return frame.dropna(subset=["value"]).reset_index(drop=True)


def unavailable(runs: Sequence[RunData], metrics: Sequence[str]) -> list[str]:
    """One note per run whose tool's summary lacks some of `metrics` (left out of the
    series rather than invented): "p95 of run X: not available from a wrk summary"."""
    notes = []
    for run in ordered(runs):
        missing = [m for m in metrics if math.isnan(run.overall.value(m, prefer_summary=True))]
        if run.origin is not None and missing:
            notes.append(
                f"{', '.join(missing)} of run {run.run_id}: not available from {run.origin}"
            )
    return notes


def trends(
    runs: Sequence[RunData],
    metrics: Sequence[str] = ("p50", "p95", "p99", "throughput", "error_rate"),
    *,
    endpoints: Sequence[str] | None = None,
    window: int = 50,
    max_pvalue: float = 0.001,
    min_magnitude: float = 0.10,
) -> list[Trend]:
    """One `Trend` per (endpoint, metric), with its change points marked.

    Each point of a series is one run's value, so the t-test behind a change point compares
    runs with runs (never requests); a step smaller than ``min_magnitude`` (relative, the
    compare threshold) is not reported however significant, as in otava's magnitude gate."""
    return trends_of_frame(
        trend_frame(runs, metrics),
        endpoints=endpoints,
        window=window,
        max_pvalue=max_pvalue,
        min_magnitude=min_magnitude,
    )


def trends_of_frame(
    frame: pd.DataFrame,
    *,
    endpoints: Sequence[str] | None = None,
    window: int = 50,
    max_pvalue: float = 0.001,
    min_magnitude: float = 0.10,
) -> list[Trend]:
    """`trends` of a `trend_frame` (or the same long table read from the history's index:
    `perfkit.analysis.indexed.indexed_trend_frame`), one `Trend` per (endpoint, metric) in
    the order they first appear.

    A run's id, time and commit are made into Python objects once and shared by every
    series it is a point of (10,000 runs x 55 series would otherwise be 550,000 of each)."""
    import pandas as pd  # noqa: PLC0415  (see the module docstring)

    if frame.empty:
        return []
    groups = frame.groupby(["endpoint", "metric"], sort=False).ngroup().to_numpy()
    order = np.argsort(groups, kind="stable")  # each group's rows, in the frame's order
    order = order[groups[order] >= 0]  # a row without an endpoint or metric is in no group
    if order.size == 0:
        return []
    ids = _shared(frame["run_id"], str)
    times = _shared(frame["started_at"], lambda t: t.to_pydatetime())
    commits = _shared(frame["commit"], lambda c: None if pd.isna(c) else str(c))
    values = frame["value"].to_numpy(dtype=np.float64)
    out: list[Trend] = []
    for rows in np.split(order, np.flatnonzero(np.diff(groups[order])) + 1):
        endpoint, metric = frame["endpoint"].iat[rows[0]], frame["metric"].iat[rows[0]]
        if endpoints is not None and endpoint not in endpoints:
            continue
        out.append(series_trend(str(endpoint), str(metric), values[rows], run_ids=ids(rows),
                                times=times(rows), commits=commits(rows), window=window,
                                max_pvalue=max_pvalue, min_magnitude=min_magnitude))  # fmt: skip
    return out


def series_trend(
    endpoint: str,
    metric: str,
    values: NDArray[np.float64],
    *,
    run_ids: list[str],
    times: list[datetime],
    commits: list[str | None],
    window: int,
    max_pvalue: float,
    min_magnitude: float,
) -> Trend:
    """The `Trend` of one series (a value per run, oldest first) with its change points."""
    points = detect_change_points(
        values, window=window, max_pvalue=max_pvalue, min_magnitude=min_magnitude
    )
    return Trend(endpoint, metric, run_ids, times, commits, values, points)


def _shared(
    column: pd.Series, convert: Callable[[Any], Any]
) -> Callable[[NDArray[np.intp]], list[Any]]:
    """``rows -> [convert(column[r]) for r in rows]``, converting each distinct value once."""
    import pandas as pd  # noqa: PLC0415  (see the module docstring)

    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    converted = np.empty(len(uniques), dtype=object)
    converted[:] = [convert(u) for u in uniques]
    return lambda rows: list(converted.take(codes[rows]))


def gate_run(
    candidate: RunData, history: Sequence[RunData], options: CompareOptions | None = None
) -> Comparison:
    """The history gate: ``candidate`` against the current level of its earlier comparable
    runs (`perfkit.analysis.compare.compare_to_history`, the one decision rule).

    ``history`` may hold anything: runs that are not comparable (another target, scenario
    or load) or not earlier than the candidate are left out."""
    from perfkit.analysis.compare import compare_to_history  # noqa: PLC0415  (scipy.stats)

    return compare_to_history(candidate, history, options)
