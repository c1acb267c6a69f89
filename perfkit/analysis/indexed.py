"""The analysis over the history index: runs as `RunData` without opening their files.

A run of the history that only contributes to the noise between runs, to a trend or to
the history gate is read as its index rows (`perfkit.runs.index_rows`): the counts and
the recorded latency statistics, exactly what `stored_run_data(..., with_samples=False)`
gives those analyses. Only the two runs of a comparison are decoded in full (their
histograms and samples). `compare_entries` and `history_data` are what the CLI, the
notebooks, the dashboard and the MCP tools call; a trend's series are read column-wise
(`perfkit.analysis.indexed_trends`). The verdict (scipy.stats) and the full runs'
decoding are imported by the functions that compare.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.indexed_trends import indexed_trend_frame
from perfkit.runs.catalog import Catalog
from perfkit.runs.history import StoredRun, read_run
from perfkit.runs.index import RunEntry
from perfkit.runs.index_rows import FIGURES, LATENCY_FIELDS, OVERALL
from perfkit.runs.names import COMPARABLE_LOAD, comparable

if TYPE_CHECKING:
    from perfkit.analysis.compare import CompareOptions, Comparison

__all__ = [
    "compare_entries",
    "full_run",
    "gate_history",
    "history_data",
    "indexed_trend_frame",
    "newest_comparable",
    "noise_runs",
    "same_testbed",
]


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


def history_data(catalog: Catalog, entries: Sequence[RunEntry]) -> list[RunData]:
    """`RunData` of ``entries`` from their index rows, in the order given."""
    figures = catalog.figures(entries)
    runs: list[dict[str, dict[str, float | None]]] = [{} for _ in entries]
    columns = list(zip(*(figures.values[name].tolist() for name in FIGURES), strict=True))
    for run, endpoint, values in zip(
        figures.run.tolist(), figures.endpoint.tolist(), columns, strict=True
    ):  # endpoints in the run's order; NaN: the run does not know the figure
        runs[run][endpoint] = {
            name: None if math.isnan(v) else v for name, v in zip(FIGURES, values, strict=True)
        }
    return [_light(e, endpoints) for e, endpoints in zip(entries, runs, strict=True)]


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
    from perfkit.analysis.compare import HISTORY_WINDOW  # noqa: PLC0415  (module docstring)

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
    from perfkit.analysis.adapt import stored_run_data  # noqa: PLC0415  (module docstring)
    from perfkit.analysis.compare import compare_runs  # noqa: PLC0415

    return compare_runs(
        stored_run_data(full_run(base)),
        stored_run_data(full_run(candidate)),
        options,
        history=noise_runs(catalog, base, candidate),
        force=force,
    )


def gate_history(catalog: Catalog, entries: Sequence[RunEntry]) -> tuple[RunData, list[RunData]]:
    """The newest of ``entries`` and the runs `gate_run` judges it against: its comparable
    runs of its testbed among ``entries`` (the newest `HISTORY_WINDOW`, all the gate looks at)."""
    candidate = entries[-1]
    same = newest_comparable(entries, candidate, {candidate.run_id})
    data = history_data(catalog, [*same, candidate])
    return data[-1], data[:-1]
