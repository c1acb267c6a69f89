"""From a stored `perfkit.runs.model.Run` (and its Parquet samples) to `RunData`.

The only module of the analysis that knows the run format; everything else works on
`RunData`. Samples are optional: without them each endpoint carries its HdrHistogram
(microseconds) and the recorded summary statistics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from perfkit.analysis.data import EndpointData, HistogramDistribution, RunData
from perfkit.errors import InputError
from perfkit.runs.histogram import decode
from perfkit.runs.model import Run, Stats

#: the load settings that make two runs comparable (duration and warm-up do not)
COMPARABLE_LOAD = ("model", "concurrency", "rate", "workers", "engine")
_SUMMARY = {
    "p50": "p50_ms",
    "p90": "p90_ms",
    "p95": "p95_ms",
    "p99": "p99_ms",
    "p999": "p999_ms",
    "mean": "mean_ms",
    "min": "min_ms",
    "max": "max_ms",
}


def read_run(path: Path) -> Run:
    """Parse one run file; any problem is an `InputError` naming the file."""
    try:
        return Run.from_dict(orjson.loads(path.read_bytes()))
    except OSError as exc:
        raise InputError(f"cannot read run {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        raise InputError(f"run {path} is not JSON: {exc}") from None
    except InputError as exc:
        raise InputError(f"run {path}: {exc}") from None


def read_samples(run: Run, run_path: Path) -> pa.Table | None:
    """The run's per-request samples, or None when it has none or the file is gone."""
    if run.samples is None:
        return None
    path = run_path.parent / run.samples.path
    if not path.is_file():
        return None
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"samples file {path} is unreadable: {exc}") from None


def _endpoint(name: str, stats: Stats, duration_s: float, rows: pa.Table | None) -> EndpointData:
    summary = {
        key: float(value)
        for key, field_name in _SUMMARY.items()
        if (value := getattr(stats.latency, field_name)) is not None
    }
    histogram = HistogramDistribution(decode(stats.histogram), unit_ms=0.001)
    if rows is None or rows.num_rows == 0:
        return EndpointData(
            name,
            stats.count,
            stats.errors,
            duration_s,
            histogram=histogram,
            errors_by_class=stats.errors_by_class,
            summary=summary,
        )
    latency = rows.column("latency_ms").to_numpy(zero_copy_only=False).astype(np.float64)
    start = rows.column("t_start").to_numpy(zero_copy_only=False).astype(np.float64)
    failed = np.asarray(rows.column("error_class").is_valid().to_numpy(zero_copy_only=False))
    answered = ~np.isnan(latency)
    offsets = start + np.where(answered, latency, 0.0) / 1000.0
    return EndpointData(
        name=name,
        count=stats.count,
        errors=stats.errors,
        duration_s=duration_s,
        latencies_ms=latency[answered],
        offsets_s=offsets,
        failed=failed[answered],
        histogram=histogram,
        errors_by_class=stats.errors_by_class,
        summary=summary,
    )


def run_data(run: Run, samples: pa.Table | None = None, source: str | None = None) -> RunData:
    """`RunData` of ``run``, exact where ``samples`` (its Parquet table) is given."""
    duration = run.duration_s
    endpoints: dict[str, EndpointData] = {}
    for item in run.endpoints:
        rows = None
        if samples is not None:
            mask = pc.equal(samples.column("endpoint"), item.name)
            rows = samples.filter(mask)
        endpoints[item.name] = _endpoint(item.name, item.stats, duration, rows)
    load = {k: getattr(run.load, k) for k in COMPARABLE_LOAD}
    return RunData(
        run_id=run.run_id,
        started_at=run.started_at,
        target=run.target,
        scenario=run.scenario,
        load=load,
        endpoints=endpoints,
        overall=_endpoint("overall", run.overall, duration, samples),
        server=run.server_after or run.server_before,
        source=source,
    )


def load_run_data(path: Path, *, with_samples: bool = True) -> RunData:
    """Read a run file (and, when asked and present, its samples) into `RunData`."""
    run = read_run(path)
    samples = read_samples(run, path) if with_samples else None
    return run_data(run, samples, source=str(path))
