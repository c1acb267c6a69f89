"""Per-request samples of many runs, queried where they lie (DuckDB over the Parquet files).

"p99 of chat over the last 200 runs on main" reads one column of two hundred files inside
DuckDB and returns one row per run (or one pooled row): the samples never become a pandas
frame. Percentiles are the analysis's own definition (`SampleDistribution`, numpy's
"inverted_cdf": the smallest latency with at least q % of the answered requests at or
below it), so a figure here equals the one `compare` computes from the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from perfkit.errors import InputError
from perfkit.runs.catalog import Catalog
from perfkit.runs.index import RunEntry


def _chosen(catalog: Catalog, last: int, branch: str | None, target: str | None,
            scenario: str | None) -> list[RunEntry]:  # fmt: skip
    found = [e for e in catalog.baselines(target, scenario)
             if (branch is None or e.branch == branch)
             and e.samples_path is not None and e.samples_path.is_file()]  # fmt: skip
    return found[-last:]


def sample_percentiles(
    folders: Sequence[Path] | Catalog,
    endpoint: str | None = None,
    quantiles: Sequence[float] = (50.0, 95.0, 99.0),
    *,
    last: int = 200,
    branch: str | None = None,
    target: str | None = None,
    scenario: str | None = None,
    pooled: bool = False,
) -> pd.DataFrame:
    """Latency percentiles (ms) of ``endpoint`` (None: every request) over the samples of
    the newest ``last`` baseline runs with samples (of ``branch``, ``target``, ``scenario``).

    One row per run (run_id, started_at, commit, requests, p50...), oldest first; with
    ``pooled``, one row over all their requests together."""
    if last < 1:
        raise InputError(f"last must be at least 1 (got {last})")
    bad = [q for q in quantiles if not 0 <= q <= 100]
    if bad:
        raise InputError(f"percentile {bad[0]} is not within 0..100")
    catalog = folders if isinstance(folders, Catalog) else Catalog(list(folders))
    runs = _chosen(catalog, last, branch, target, scenario)
    columns = ["run_id", "started_at", "commit", "requests", *(f"p{q:g}" for q in quantiles)]
    if not runs:
        return pd.DataFrame(columns=columns)
    files = pd.DataFrame({"file": [str(e.samples_path) for e in runs],
                          "run_id": [e.run_id for e in runs]})  # fmt: skip
    group = "'all'" if pooled else "f.run_id"
    picks = ", ".join(
        f'min(latency_ms) FILTER (WHERE rank >= greatest(ceil({q / 100!r} * n), 1)) AS "p{q:g}"'
        for q in quantiles
    )
    where = "status > 0" + ("" if endpoint is None else " AND endpoint = $endpoint")
    query = f"""
        WITH answered AS (
            SELECT {group} AS run_id, latency_ms FROM read_parquet($paths, filename = true) s
            JOIN files f ON s.filename = f.file WHERE {where}
        ), ranked AS (
            SELECT run_id, latency_ms,
                   row_number() OVER (PARTITION BY run_id ORDER BY latency_ms) AS rank,
                   count(*) OVER (PARTITION BY run_id) AS n
            FROM answered
        )
        SELECT run_id, max(n) AS requests, {picks} FROM ranked GROUP BY run_id
    """
    params: dict[str, object] = {"paths": list(files["file"])}
    if endpoint is not None:
        params["endpoint"] = endpoint
    con = duckdb.connect()
    try:
        con.register("files", files)
        found = con.execute(query, params).df()
    finally:
        con.close()
    if pooled:
        found.insert(1, "started_at", runs[-1].started_at)
        found.insert(2, "commit", runs[-1].commit)
        found["run_id"] = f"{len(runs)} runs"
        return found[columns]
    meta = pd.DataFrame({"run_id": [e.run_id for e in runs],
                         "started_at": [e.started_at for e in runs],
                         "commit": [e.commit for e in runs]})  # fmt: skip
    return meta.merge(found, on="run_id", how="left")[columns]
