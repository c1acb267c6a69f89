"""The dashboard's facts: the latest health score, comparison, smoke verdict and p95 trends.

Everything is read from what the suite just wrote (the analytics report of notebook 04,
the runs of the history) and judged by the analysis itself: the comparison is
`perfkit.analysis.indexed.compare_entries` on the newest run and the previous comparable
one (the same names and default options as notebook 02 and `perfkit compare`), with the
differential flame graph of each route it calls regressed when both runs kept a profile
(`perfkit.profiling.regressions`); the smoke verdict is the newest run's own. The history
is read through its index: only the runs shown are decoded. What cannot be read becomes a
line in ``missing``, never a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from perfkit.analysis.indexed import compare_entries, full_run
from perfkit.errors import PerfkitError
from perfkit.profiling.regressions import RegressedProfile, profile_findings, regressed_routes
from perfkit.reports import headline
from perfkit.reports.headline import Headline
from perfkit.reports.selection import short_commit
from perfkit.runs.catalog import Catalog
from perfkit.runs.names import resolve_pair

log = logging.getLogger("perfkit.reports.dashboard")
TREND_RUNS = 20


@dataclass(frozen=True)
class Series:
    """p95 of one endpoint over the recent runs of one target and scenario."""

    endpoint: str
    times: list[datetime]
    p95_ms: list[float]


@dataclass
class DashboardState:
    health: Headline | None = None
    comparison: Headline | None = None
    smoke: Headline | None = None
    series_label: str = ""
    trends: list[Series] = field(default_factory=list)
    flamegraphs: list[RegressedProfile] = field(default_factory=list)  # the comparison's
    missing: list[str] = field(default_factory=list)


def newest(directory: Path, pattern: str) -> Path | None:
    """The file of ``directory`` matching ``pattern`` with the newest name-embedded time
    (our artifacts are named by UTC timestamp), or None."""
    found = sorted(directory.glob(pattern)) if directory.is_dir() else []
    return found[-1] if found else None


def _health(reports_dir: Path, state: DashboardState) -> None:
    path = newest(reports_dir / "mcp-analytics", "*.json")
    if path is None:
        state.missing.append("no analytics report yet (notebook 04 writes it)")
        return
    try:
        state.health = headline.health(orjson.loads(path.read_bytes()))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        state.missing.append(f"{path.name}: not a readable analytics report ({exc})")


def _comparison(catalog: Catalog, state: DashboardState) -> None:
    if not catalog.baselines():
        state.missing.append("no comparison: no baseline run in the history")
        return
    try:
        pair = resolve_pair(catalog, "previous", "latest")
        result = compare_entries(catalog, pair.base, pair.candidate, force=True)
    except PerfkitError as exc:
        state.missing.append(f"no comparison: {exc}")
        return
    commits = (short_commit(pair.base.commit), short_commit(pair.candidate.commit))
    state.comparison = headline.comparison(result, commits)
    if regressed_routes(result):
        found = profile_findings(result, full_run(pair.base), full_run(pair.candidate))
        state.flamegraphs = found.routes
        state.missing += [f"no flame graph: {note}" for note in found.notes]


def _trends(catalog: Catalog, state: DashboardState) -> None:
    last = catalog.entries[-1]
    chosen = [e for e in catalog.entries if (e.target, e.scenario, e.kind)
              == (last.target, last.scenario, last.kind)][-TREND_RUNS:]  # fmt: skip
    same = [full_run(e).run for e in chosen]
    latest = same[-1]
    state.series_label = (
        f"{len(same)} most recent {latest.kind} runs of {latest.target}, scenario {latest.scenario}"
    )
    names = [e.name for e in latest.endpoints]
    for name in ["overall", *names]:
        times, values = [], []
        for run in same:
            stats = run.overall if name == "overall" else next(
                (e.stats for e in run.endpoints if e.name == name), None)  # fmt: skip
            if stats is not None and stats.count and stats.latency.p95_ms is not None:
                times.append(run.started_at)
                values.append(stats.latency.p95_ms)
        state.trends.append(Series(name, times, values))


def gather(reports_dir: Path, history: Sequence[Path]) -> DashboardState:
    """The dashboard's facts from ``reports_dir`` and the ``history`` folders."""
    state = DashboardState()
    _health(reports_dir, state)
    try:
        catalog = Catalog(list(history))
        if not catalog.entries:
            shown = ", ".join(str(f) for f in history)
            raise PerfkitError(f"parameter 'history': no runs found in {shown}")
        state.smoke = headline.baseline(full_run(catalog.entries[-1]).run)
    except PerfkitError as exc:
        state.missing.append(str(exc))
        return state
    _comparison(catalog, state)
    _trends(catalog, state)
    for line in state.missing:
        log.info("dashboard: %s", line)
    return state
