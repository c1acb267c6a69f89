"""Trends over the history's index, read column-wise: 10,000 runs within 300 MB.

The series of a trend are cut straight from the index's figures (`Figures`: numpy
columns, a row per run x endpoint): no pandas frame, Arrow table, `RunData` or Python
object per value. `indexed_trends` gives what `trends` gives for the same runs read from
their files (`trends_of_frame` of `trend_frame`), and each run's id, time and commit is
one Python object shared by every series it is a point of. `indexed_trend_frame` is the
same long table as `trend_frame` for those who want the table (the notebooks, the MCP
server); building it for 10,000 runs takes ~140 MB more than the trends themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from perfkit.analysis.trends import Trend, series_trend
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry
from perfkit.runs.index_figures import Figures
from perfkit.runs.index_rows import LATENCY_FIELDS
from perfkit.runs.index_store import EPOCH

if TYPE_CHECKING:
    import pandas as pd
    from pandas.api.extensions import ExtensionArray

DEFAULT_METRICS = ("p50", "p95", "p99", "throughput", "error_rate")


@dataclass(frozen=True)
class _Points:
    """Every (run x endpoint, metric) value that exists, in `trend_frame`'s order (run,
    endpoint, then metric): ``row`` into the figures, ``metric`` into the metrics."""

    order: list[RunEntry]
    figures: Figures
    row: NDArray[np.intp]
    metric: NDArray[np.intp]
    value: NDArray[np.float64]

    def run(self) -> NDArray[np.int64]:
        """The rank in ``order`` of each point's run."""
        return self.figures.run[self.row]


def _points(catalog: Catalog, entries: Sequence[RunEntry], metrics: Sequence[str]) -> _Points:
    order = sorted(entries, key=lambda e: (e.started_at, e.run_id))
    figures = catalog.figures(order)
    duration = np.asarray([e.duration_s for e in order], dtype=np.float64)[figures.run]
    by_metric = [_metric_values(m, figures.values, duration) for m in metrics]
    stacked = np.column_stack(by_metric).ravel()  # row, then metric: trend_frame's order
    keep = np.flatnonzero(~np.isnan(stacked))
    rows, metric = np.divmod(keep, len(metrics))
    return _Points(order, figures, rows, metric, stacked[keep])


def indexed_trends(
    catalog: Catalog,
    entries: Sequence[RunEntry],
    metrics: Sequence[str] = DEFAULT_METRICS,
    *,
    endpoints: Sequence[str] | None = None,
    window: int = 50,
    max_pvalue: float = 0.001,
    min_magnitude: float = 0.10,
) -> list[Trend]:
    """`trends` of ``entries`` read from the index: one `Trend` per (endpoint, metric), in
    the order they first appear (oldest run first, endpoints in the run's order)."""
    if not metrics:
        return []
    points = _points(catalog, entries, metrics)
    if points.value.size == 0:
        return []
    names, endpoint_code = _factorized(points.figures.endpoint)
    code = endpoint_code[points.row]
    group = code * len(metrics) + points.metric
    first = np.unique(group, return_index=True)  # each group's first point
    numbered = np.empty(int(group.max()) + 1, dtype=np.int64)
    numbered[first[0]] = np.argsort(np.argsort(first[1]))  # groups in order of appearance
    rank = numbered[group]
    sort = np.argsort(rank, kind="stable")  # each group's points, oldest run first
    ids = _shared([e.run_id for e in points.order])
    times = _shared([e.started_at for e in points.order])
    commits = _shared([e.commit for e in points.order])
    runs = points.run()
    out: list[Trend] = []
    for chosen in np.split(sort, np.flatnonzero(np.diff(rank[sort])) + 1):
        endpoint = names[code[chosen[0]]]
        if endpoints is not None and endpoint not in endpoints:
            continue
        at = runs[chosen]
        out.append(series_trend(endpoint, metrics[points.metric[chosen[0]]],
                                points.value[chosen], run_ids=ids(at), times=times(at),
                                commits=commits(at), window=window, max_pvalue=max_pvalue,
                                min_magnitude=min_magnitude))  # fmt: skip
    return out


def indexed_trend_frame(
    catalog: Catalog, entries: Sequence[RunEntry], metrics: Sequence[str]
) -> pd.DataFrame:
    """`trend_frame` of ``entries`` built column-wise from their index rows: the same long
    table (oldest run first, endpoints in the run's order, metrics in the given order)."""
    import pandas as pd  # noqa: PLC0415  (only the table needs pandas)

    columns = ["run_id", "started_at", "commit", "endpoint", "metric", "value"]
    if not metrics:
        return pd.DataFrame(columns=columns)
    points = _points(catalog, entries, metrics)
    runs = points.run()
    micros = np.asarray([_micros(e.started_at) for e in points.order], dtype=np.int64)
    return pd.DataFrame({
        "run_id": _strings([e.run_id for e in points.order], runs),
        "started_at": pd.to_datetime(micros[runs], unit="us", utc=True),
        "commit": _strings([e.commit for e in points.order], runs),
        "endpoint": pd.array(points.figures.endpoint[points.row], dtype="str"),
        "metric": _strings(list(metrics), points.metric),
        "value": points.value,
    })  # fmt: skip


def _strings(distinct: list[str | None], codes: NDArray[np.integer[Any]]) -> ExtensionArray:
    """``[distinct[c] for c in codes]`` as pandas' string column, built in Arrow."""
    import pandas as pd  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415

    column: ExtensionArray = pd.array(pa.array(distinct, pa.string()).take(codes), dtype="str")
    return column


def _factorized(values: NDArray[np.object_]) -> tuple[list[str], NDArray[np.int64]]:
    """The distinct names among ``values`` and the code of each value, through a dict (a
    numpy string array of 110,000 endpoint names would take as many times their longest
    name's size)."""
    codes: dict[str, int] = {}
    found = [codes.setdefault(v, len(codes)) for v in values.tolist()]
    return list(codes), np.asarray(found, dtype=np.int64)


def _shared(distinct: list[Any]) -> Callable[[NDArray[np.int64]], list[Any]]:
    """``ranks -> [distinct[r] for r in ranks]``: the same objects, never copies."""
    objects = np.empty(len(distinct), dtype=object)
    objects[:] = distinct
    return lambda ranks: list(objects.take(ranks))


def _metric_values(
    metric: str, figures: dict[str, NDArray[np.float64]], duration: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``metric`` of every row as `EndpointData.value(metric, prefer_summary=True)`."""
    count, errors = figures["count"], figures["errors"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "throughput":
            return np.where(duration > 0, count / duration, 0.0)
        if metric == "error_rate":
            return np.where(count > 0, errors / count, 0.0)
    if metric in LATENCY_FIELDS:
        return figures[metric]
    return np.full(count.shape, np.nan)


def _micros(moment: datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
