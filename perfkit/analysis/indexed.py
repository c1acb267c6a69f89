"""The analysis over the history index: runs as `RunData` without opening their files.

A run of the history that only contributes to the noise between runs, to a trend or to
the history gate is read as its index rows (`perfkit.runs.index_rows`): the counts and
the recorded latency statistics, exactly what `stored_run_data(..., with_samples=False)`
gives those analyses. Only the two runs of a comparison are decoded in full (their
histograms and samples). `compare_entries` and `history_data` are what the CLI, the
notebooks, the dashboard and the MCP tools call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from pandas.api.extensions import ExtensionArray

from perfkit.analysis.adapt import stored_run_data
from perfkit.analysis.compare import HISTORY_WINDOW, CompareOptions, Comparison, compare_runs
from perfkit.analysis.data import EndpointData, RunData
from perfkit.runs.catalog import Catalog
from perfkit.runs.history import StoredRun, read_run
from perfkit.runs.index import RunEntry
from perfkit.runs.index_rows import FIGURES, LATENCY_FIELDS, OVERALL
from perfkit.runs.index_store import EPOCH
from perfkit.runs.names import COMPARABLE_LOAD, comparable


def _endpoint(name: str, figures: dict[str, float | None], entry: RunEntry) -> EndpointData:
    return EndpointData(
        name,
        int(figures["count"] or 0),
        int(figures["errors"] or 0),
        entry.duration_s,
        summary={k: v for k in LATENCY_FIELDS if (v := figures[k]) is not None},
        origin=entry.origin,
    )


def _light(entry: RunEntry, endpoints: dict[str, dict[str, float | None]]) -> RunData:
    overall = endpoints.pop(OVERALL, dict.fromkeys(FIGURES))
    return RunData(
        run_id=entry.run_id,
        started_at=entry.started_at,
        target=entry.target,
        scenario=entry.scenario,
        load={k: entry.load.get(k) for k in COMPARABLE_LOAD},
        endpoints={name: _endpoint(name, f, entry) for name, f in endpoints.items()},
        overall=_endpoint(OVERALL, overall, entry),
        source=f"{entry.folder}/{entry.file}",
        commit=entry.commit,
        session=entry.session,
        origin=entry.origin,
    )


def _grouped(table: pa.Table) -> dict[str, dict[str, dict[str, float | None]]]:
    """file -> endpoint (in the run's order) -> metric -> value."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    columns: dict[str, list[Any]] = table.to_pydict()
    values = [columns[name] for name in FIGURES]
    for i, (file, endpoint) in enumerate(zip(columns["file"], columns["endpoint"], strict=True)):
        out.setdefault(file, {})[endpoint] = {
            name: v[i] for name, v in zip(FIGURES, values, strict=True)
        }
    return out


def history_data(catalog: Catalog, entries: Sequence[RunEntry]) -> list[RunData]:
    """`RunData` of ``entries`` from their index rows, in the order given."""
    rows = {folder: _grouped(t) for folder, t in catalog.figures(entries).items()}
    return [_light(e, dict(rows[e.folder].get(e.file, {}))) for e in entries]


def full_run(entry: RunEntry) -> StoredRun:
    """The run decoded from its file (what a comparison's two runs need)."""
    return StoredRun(entry.path, read_run(entry.path))


def same_testbed(a: RunEntry, b: RunEntry) -> bool:
    """Measured on the same testbed as far as the index knows (its label, else its host):
    a run read from its index rows carries no `Testbed`, so `compare_runs` and the gate
    could not leave another runner's runs out of the history themselves."""
    return (a.testbed or a.host) == (b.testbed or b.host)


def noise_runs(catalog: Catalog, base: RunEntry, *exclude: RunEntry) -> list[RunData]:
    """The runs `compare_runs` takes the noise from: the newest comparable runs of the
    base's testbed other than ``base`` and ``exclude`` (it looks at `HISTORY_WINDOW` of
    them; the rest are never read)."""
    skip = {base.run_id, *(e.run_id for e in exclude)}
    return history_data(catalog, newest_comparable(catalog.entries, base, skip))


def newest_comparable(
    entries: Sequence[RunEntry], like: RunEntry, skip: set[str]
) -> list[RunEntry]:
    """The newest `HISTORY_WINDOW` of ``entries`` (ordered by start time) comparable with
    ``like`` and of its testbed, not in ``skip``, ordered by (start, run id); walked from
    the newest, so a long history is not scanned. The walk stops at a run that started
    before all those found: runs started at the same moment are all looked at before the
    newest are chosen."""
    found: list[RunEntry] = []
    for e in reversed(entries):
        if len(found) >= HISTORY_WINDOW and e.started_at < found[-1].started_at:
            break
        if e.run_id not in skip and comparable(e, like) and same_testbed(e, like):
            found.append(e)
    found.sort(key=lambda e: (e.started_at, e.run_id))
    return found[-HISTORY_WINDOW:]


def compare_entries(
    catalog: Catalog,
    base: RunEntry,
    candidate: RunEntry,
    options: CompareOptions | None = None,
    *,
    force: bool = False,
) -> Comparison:
    """`compare_stored` of two runs of the catalog, the same verdict, reading two files."""
    return compare_runs(
        stored_run_data(full_run(base)),
        stored_run_data(full_run(candidate)),
        options,
        history=noise_runs(catalog, base, candidate),
        force=force,
    )


_FRAME_COLUMNS = ["run_id", "started_at", "commit", "endpoint", "metric", "value"]


def indexed_trend_frame(
    catalog: Catalog, entries: Sequence[RunEntry], metrics: Sequence[str]
) -> pd.DataFrame:
    """`trend_frame` of ``entries`` built column-wise from their index rows: the same long
    table (oldest run first, endpoints in the run's order, metrics in the given order),
    without a `RunData` per run or a Python object per value (the string columns are
    taken as Arrow arrays, a run's id and commit stored once and repeated by index)."""
    order = sorted(entries, key=lambda e: (e.started_at, e.run_id))
    tables = catalog.figures(order)
    if not tables:
        return pd.DataFrame(columns=_FRAME_COLUMNS)
    parts: dict[str, list[Any]] = {"rank": [], "position": [], "endpoint": []}
    parts |= {name: [] for name in FIGURES}
    for folder, table in tables.items():
        mine = [(i, e.file) for i, e in enumerate(order) if e.folder == folder]
        files = pa.array([file for _, file in mine], pa.string())
        ranks = np.asarray([i for i, _ in mine], dtype=np.int64)
        parts["rank"].append(ranks[pc.index_in(table["file"], value_set=files).to_numpy()])
        parts["position"].append(table["position"].to_numpy())
        parts["endpoint"].append(table["endpoint"])
        for name in FIGURES:  # null -> NaN
            parts[name].append(table[name].to_numpy(zero_copy_only=False).astype(np.float64))
    rank, position = np.concatenate(parts["rank"]), np.concatenate(parts["position"])
    sort = np.lexsort((position, rank))
    runs = rank[sort]
    figures = {n: np.concatenate(parts[n])[sort] for n in FIGURES}
    duration = np.asarray([e.duration_s for e in order], dtype=np.float64)[runs]
    values = [_metric_values(m, figures, duration) for m in metrics]
    stacked = np.column_stack(values).ravel()  # run, endpoint, then metric: trend_frame's order
    keep = ~np.isnan(stacked)
    each = np.repeat(np.arange(runs.size), len(metrics))[keep]  # the endpoint row of a value
    micros = np.asarray([_micros(e.started_at) for e in order], dtype=np.int64)[runs]
    endpoint = pa.chunked_array(parts["endpoint"], pa.string()).combine_chunks().take(sort)
    frame = pd.DataFrame({
        "run_id": _strings([e.run_id for e in order], runs[each]),
        "started_at": pd.to_datetime(micros[each], unit="us", utc=True),
        "commit": _strings([e.commit for e in order], runs[each]),
        "endpoint": pd.array(endpoint.take(each), dtype="str"),
        "metric": _strings(list(metrics), np.tile(np.arange(len(metrics)), runs.size)[keep]),
        "value": stacked[keep],
    })  # fmt: skip
    return frame


def _strings(distinct: list[str | None], codes: NDArray[np.int64]) -> ExtensionArray:
    """``[distinct[c] for c in codes]`` as pandas' string column, built in Arrow."""
    column: ExtensionArray = pd.array(pa.array(distinct, pa.string()).take(codes), dtype="str")
    return column


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


def gate_history(catalog: Catalog, entries: Sequence[RunEntry]) -> tuple[RunData, list[RunData]]:
    """The newest of ``entries`` and the runs `gate_run` judges it against: its comparable
    runs of its testbed among ``entries`` (the newest `HISTORY_WINDOW`, all the gate looks at)."""
    candidate = entries[-1]
    same = newest_comparable(entries, candidate, {candidate.run_id})
    data = history_data(catalog, [*same, candidate])
    return data[-1], data[:-1]
