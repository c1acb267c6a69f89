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
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from perfkit.analysis.adapt import stored_run_data
from perfkit.analysis.compare import HISTORY_WINDOW, CompareOptions, Comparison, compare_runs
from perfkit.analysis.data import EndpointData, RunData
from perfkit.runs.catalog import Catalog
from perfkit.runs.history import StoredRun, read_run
from perfkit.runs.index import RunEntry
from perfkit.runs.index_rows import FIGURES, LATENCY_FIELDS, OVERALL
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


def noise_runs(catalog: Catalog, base: RunEntry, *exclude: RunEntry) -> list[RunData]:
    """The runs `compare_runs` takes the noise from: the newest comparable runs other than
    ``base`` and ``exclude`` (it looks at `HISTORY_WINDOW` of them; the rest are never read)."""
    skip = {base.run_id, *(e.run_id for e in exclude)}
    same = [e for e in catalog.runs() if e.run_id not in skip and comparable(e, base)]
    same.sort(key=lambda e: (e.started_at, e.run_id))
    return history_data(catalog, same[-HISTORY_WINDOW:])


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
    """`trend_frame` of ``entries`` computed inside DuckDB from their index rows: the same
    long table (oldest run first, endpoints in the run's order, metrics in the given order),
    without a `RunData` per run (10,000 runs: a tenth of the memory)."""
    order = sorted(range(len(entries)), key=lambda i: (entries[i].started_at, entries[i].run_id))
    runs = pa.table({
        "file": [entries[i].file for i in order],
        "folder": [str(entries[i].folder) for i in order],
        "rank": list(range(len(order))),
        "run_id": [entries[i].run_id for i in order],
        "started_at": [entries[i].started_at for i in order],
        "commit": pa.array([entries[i].commit for i in order], pa.string()),
        "duration_s": pa.array([entries[i].duration_s for i in order], pa.float64()),
    })  # fmt: skip
    parts = []
    for folder, table in catalog.figures(entries).items():
        parts.append(table.append_column("folder", pa.array([str(folder)] * table.num_rows)))
    figures = pa.concat_tables(parts) if parts else None
    if figures is None:
        return pd.DataFrame(
            columns=["run_id", "started_at", "commit", "endpoint", "metric", "value"]
        )
    selects = []
    for n, metric in enumerate(metrics):
        if metric == "throughput":
            value = "CASE WHEN r.duration_s > 0 THEN f.count / r.duration_s ELSE 0.0 END"
        elif metric == "error_rate":
            value = "CASE WHEN f.count > 0 THEN f.errors / f.count ELSE 0.0 END"
        elif metric in LATENCY_FIELDS:
            value = f"f.{metric}"
        else:
            continue
        selects.append(
            f"SELECT r.rank, f.position, {n} AS m, r.run_id, r.started_at, r.commit, f.endpoint, "
            f"'{metric}' AS metric, {value} AS value FROM figures f JOIN runs r "
            "ON f.file = r.file AND f.folder = r.folder"
        )
    query = (
        "SELECT run_id, started_at, commit, endpoint, metric, value FROM ("
        + " UNION ALL ".join(selects)
        + ") WHERE value IS NOT NULL AND NOT isnan(value) ORDER BY rank, position, m"
    )
    con = duckdb.connect()
    try:
        con.register("runs", runs)
        con.register("figures", figures)
        frame: pd.DataFrame = con.sql(query).df()
    finally:
        con.close()
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    return frame


def gate_history(catalog: Catalog, entries: Sequence[RunEntry]) -> tuple[RunData, list[RunData]]:
    """The newest of ``entries`` and the runs `gate_run` judges it against: its comparable
    runs among ``entries`` (the newest `HISTORY_WINDOW`, all the gate looks at)."""
    candidate = entries[-1]
    same = [e for e in entries if e.run_id != candidate.run_id and comparable(e, candidate)]
    same.sort(key=lambda e: (e.started_at, e.run_id))
    data = history_data(catalog, [*same[-HISTORY_WINDOW:], candidate])
    return data[-1], data[:-1]
