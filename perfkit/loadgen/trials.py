"""A repeated run: its trials merged into one run's figures, and each trial kept apart.

The run's own statistics are exact over every trial (histograms add bucket by bucket);
each `Trial` keeps that trial's counts and percentiles, which are what the verdict
compares (`perfkit.analysis.verdict`: the noise between runs, not within one). Samples of
all trials go into one table, each trial's times shifted past the previous trials' so the
time axis stays one measured timeline, with a ``trial`` column to tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pyarrow as pa

from perfkit.loadgen.runner import LoadResult
from perfkit.runs.histogram import Tally
from perfkit.runs.model import EndpointStats, GeneratorStats, Stats, Trial, TrialStats
from perfkit.runs.samples import samples_table


def _seconds(result: LoadResult) -> float:
    return max((result.finished_at - result.started_at).total_seconds(), 1e-9)


def _merge_stats(parts: Sequence[Stats], seconds: float) -> Stats:
    total = Tally()
    for stats in parts:
        total.add(Tally.from_wire(stats.to_dict()))
    return total.to_stats(seconds)


def _generator(results: Sequence[LoadResult]) -> GeneratorStats:
    first = results[0].generator
    return replace(
        first,
        cpu_seconds=round(sum(r.generator.cpu_seconds for r in results), 3),
        cpu_utilisation=max(r.generator.cpu_utilisation for r in results),
        send_lag_p99_ms=max(r.generator.send_lag_p99_ms for r in results),
        saturated=any(r.generator.saturated for r in results),
    )


def _trial(result: LoadResult) -> Trial:
    return Trial(
        started_at=result.started_at,
        finished_at=result.finished_at,
        overall=TrialStats.from_stats(result.overall),
        endpoints={e.name: TrialStats.from_stats(e.stats) for e in result.endpoints},
    )


def merge_trials(results: Sequence[LoadResult]) -> tuple[LoadResult, list[Trial]]:
    """One result over every trial, and the trials (none for a single run)."""
    if len(results) == 1:
        return results[0], []
    seconds = sum(_seconds(r) for r in results)
    endpoints = [
        EndpointStats(
            first.name,
            first.method,
            first.path,
            first.category,
            _merge_stats([r.endpoints[i].stats for r in results], seconds),
        )
        for i, first in enumerate(results[0].endpoints)
    ]
    merged = LoadResult(
        started_at=results[0].started_at,
        finished_at=results[-1].finished_at,
        overall=_merge_stats([r.overall for r in results], seconds),
        endpoints=endpoints,
        generator=_generator(results),
        warnings=sorted({w for r in results for w in r.warnings}),
    )
    return merged, [_trial(r) for r in results]


def trial_samples(results: Sequence[LoadResult], endpoint_names: Sequence[str]) -> pa.Table:
    """Every trial's samples in one table on one measured timeline, with a trial column."""
    if len(results) == 1:
        return samples_table(results[0].samples, endpoint_names)
    tables, offset = [], 0.0
    for index, result in enumerate(results):
        table = samples_table(result.samples, endpoint_names)
        for column in ("t_intended", "t_start"):
            shifted = pa.compute.add(table.column(column), offset)
            table = table.set_column(table.schema.get_field_index(column), column, shifted)
        tables.append(table.append_column("trial", pa.array([index] * table.num_rows, pa.uint16())))
        offset += _seconds(result)
    return pa.concat_tables(tables)
