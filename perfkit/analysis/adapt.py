"""From a stored `perfkit.runs.model.Run` (and its Parquet samples) to `RunData`.

The only module of the analysis that knows the run format; everything else works on
`RunData`. Samples are optional: without them each endpoint carries its HdrHistogram
(microseconds) and the recorded summary statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from perfkit.analysis.compare import CompareOptions, Comparison, compare_runs
from perfkit.analysis.data import EndpointData, HistogramDistribution, RunData
from perfkit.histogram import LatencyHistogram
from perfkit.machine import Testbed
from perfkit.runs.history import StoredRun, read_run
from perfkit.runs.model import Run, Stats, TrialStats
from perfkit.runs.names import COMPARABLE_LOAD
from perfkit.runs.samples import read_samples

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


def read_run_samples(run: Run, run_path: Path) -> pa.Table | None:
    """The run's per-request samples, or None when it has none or the file is gone
    (a corrupt file is still an `InputError`: that is damage, not absence)."""
    if run.samples is None:
        return None
    path = run_path.parent / run.samples.path
    return read_samples(path) if path.is_file() else None


def _column(rows: pa.Table, name: str) -> np.ndarray:
    return np.asarray(rows.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def _trial_values(trials: list[TrialStats]) -> dict[str, tuple[float, ...]]:
    """metric -> its value in each trial (a metric missing in any trial is left out)."""
    out: dict[str, tuple[float, ...]] = {}
    if not trials:
        return out
    for key in ("p50", "p95", "p99", "mean"):
        values = [getattr(t.latency, _SUMMARY[key]) for t in trials]
        if all(v is not None for v in values):
            out[key] = tuple(float(v) for v in values)
    out["throughput"] = tuple(t.throughput_rps for t in trials)
    return out


def _histogram(stats: Stats) -> LatencyHistogram:
    """The run's histogram, its extremes the exact ones the run recorded."""
    histogram = LatencyHistogram.decode(stats.histogram)
    low, high = stats.latency.min_ms, stats.latency.max_ms
    return histogram if low is None or high is None else histogram.with_extremes(low, high)


def _endpoint(
    name: str,
    stats: Stats,
    duration_s: float,
    rows: pa.Table | None,
    trials: list[TrialStats],
    *,
    origin: str | None = None,
) -> EndpointData:
    summary = {
        key: float(value)
        for key, field_name in _SUMMARY.items()
        if (value := getattr(stats.latency, field_name)) is not None
    }
    # a summary-only run (an imported Locust or wrk report) has no histogram to decode
    histogram = HistogramDistribution(_histogram(stats)) if stats.histogram else None
    if rows is None or rows.num_rows == 0:
        return EndpointData(
            name,
            stats.count,
            stats.errors,
            duration_s,
            histogram=histogram,
            errors_by_class=stats.errors_by_class,
            summary=summary,
            trials=_trial_values(trials),
            origin=origin,
        )
    latency = _column(rows, "latency_ms")
    intended = _column(rows, "t_intended")
    failed = np.asarray(rows.column("error_class").is_valid().to_numpy(zero_copy_only=False))
    # Only answered requests are latencies (as in the run's histogram); a transport
    # failure's latency_ms is the time until it failed, which would flatter the figures.
    answered = _column(rows, "status") > 0
    offsets = intended + latency / 1000.0
    return EndpointData(
        name=name,
        count=stats.count,
        errors=stats.errors,
        duration_s=duration_s,
        latencies_ms=latency[answered],
        offsets_s=offsets,
        failed=failed[answered],
        latency_times_s=offsets[answered],
        histogram=histogram,
        errors_by_class=stats.errors_by_class,
        summary=summary,
        trials=_trial_values(trials),
    )


def run_data(run: Run, samples: pa.Table | None = None, source: str | None = None) -> RunData:
    """`RunData` of ``run``, exact where ``samples`` (its Parquet table) is given."""
    duration = run.duration_s
    origin = run.origin if run.precision == "summary" else None
    endpoints: dict[str, EndpointData] = {}
    for item in run.endpoints:
        rows = None
        if samples is not None:
            mask = pc.equal(samples.column("endpoint"), item.name)
            rows = samples.filter(mask)
        trials = [t.endpoints[item.name] for t in run.trials if item.name in t.endpoints]
        endpoints[item.name] = _endpoint(
            item.name, item.stats, duration, rows, trials, origin=origin
        )
    load = {k: getattr(run.load, k) for k in COMPARABLE_LOAD}
    return RunData(
        run_id=run.run_id,
        started_at=run.started_at,
        target=run.target,
        scenario=run.scenario,
        load=load,
        endpoints=endpoints,
        overall=_endpoint(
            "overall",
            run.overall,
            duration,
            samples,
            [t.overall for t in run.trials],
            origin=origin,
        ),
        server=run.server_after or run.server_before,
        source=source,
        cache_stats=run.server_cache,
        redis_health=run.server_redis,
        commit=run.environment.git_commit,
        session=run.session,
        trial_starts=tuple(t.started_at for t in run.trials),
        origin=origin,
        testbed=_testbed(run),
    )


def _testbed(run: Run) -> Testbed:
    env = run.environment
    return Testbed(env.host, env.cpu_count, env.cpu_model, env.testbed)


def load_run_data(path: Path, *, with_samples: bool = True) -> RunData:
    """Read a run file (and, when asked and present, its samples) into `RunData`."""
    return stored_run_data(StoredRun(path, read_run(path)), with_samples=with_samples)


def stored_run_data(stored: StoredRun, *, with_samples: bool = True) -> RunData:
    """`RunData` of a run from the history store (`perfkit.runs.history.History`)."""
    samples = read_run_samples(stored.run, stored.path) if with_samples else None
    return run_data(stored.run, samples, source=str(stored.path))


def compare_stored(
    history: Sequence[StoredRun],
    base: StoredRun,
    candidate: StoredRun,
    options: CompareOptions | None = None,
    *,
    force: bool = False,
) -> Comparison:
    """`compare_runs` of two stored runs with the comparable runs of ``history`` as the
    noise between runs: what `perfkit compare`, notebook 02, the analytics report and the
    MCP tools call, so the same runs always get the same verdict."""
    others = other_runs(history, base, candidate)
    return compare_runs(
        stored_run_data(base), stored_run_data(candidate), options, history=others, force=force
    )


def other_runs(history: Sequence[StoredRun], *runs: StoredRun | None) -> list[RunData]:
    """The runs of ``history`` other than ``runs``, without samples: the between-run noise
    the verdict is judged against (its comparable ones are picked by `compare_runs`)."""
    skip = {s.run.run_id for s in runs if s is not None}
    return [stored_run_data(s, with_samples=False) for s in history if s.run.run_id not in skip]
