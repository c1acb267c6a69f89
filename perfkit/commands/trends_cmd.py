"""`perfkit trends`: change points over the history of runs, and with ``--gate`` the
latest run judged against that history (exit 1 on a regression, 3 when the environment
changed: re-run). Parse, call the library, print; piped output (a CI log) fits 100
columns.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perfkit.commands import profile_lines
from perfkit.commands.analysis_options import (
    CONFIRM,
    FLOOR,
    JSON,
    RUNS,
    SCENARIO,
    TARGET,
    THRESHOLD,
    compare_options,
)
from perfkit.commands.checks import at_least
from perfkit.commands.verdict_steps import confirm, echo_json, print_comparison
from perfkit.errors import InputError

if TYPE_CHECKING:
    from perfkit.analysis.compare import Comparison
    from perfkit.analysis.trends import Trend
    from perfkit.runs.index import RunEntry

_TREND_METRICS = ("p50", "p95", "p99", "mean", "throughput", "error_rate")
METRICS = typer.Option(
    ["p50", "p95", "p99", "throughput", "error_rate"], "--metric", help="Metrics to trend."
)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _console() -> Console:
    """A terminal's own width; 100 columns when piped (a CI log), where rich would use 80."""
    return Console(width=None if sys.stdout.isatty() else 100)


def _point(entry: RunEntry) -> dict[str, str | None]:
    """One point of a trend: the run, when, and where it came from."""
    return {"run_id": entry.run_id, "started_at": entry.started_at.isoformat(),
            "git_commit": entry.commit, "git_branch": entry.branch,
            "ci_job_url": entry.ci_job_url}  # fmt: skip


def _print_points(stored: list[RunEntry], console: Console) -> None:
    table = Table(title=f"{len(stored)} runs, oldest first")
    for column in ("started (UTC)", "run", "commit", "branch"):
        table.add_column(column)
    for e in stored:
        table.add_row(f"{e.started_at:%Y-%m-%d %H:%M:%S}", e.run_id,
                      (e.commit or "-")[:12], e.branch or "-")  # fmt: skip
    console.print(table)


def trends_cmd(
    *,
    runs: Path | None = RUNS,
    target: str | None = TARGET,
    scenario: str | None = SCENARIO,
    metric: list[str] = METRICS,
    gate: bool = typer.Option(
        False,
        "--gate",
        help="Judge the latest run against the history; exit 1 if regressed, 3 if the "
        "environment changed (re-run).",
    ),
    threshold: float | None = THRESHOLD,
    floor_ms: float | None = FLOOR,
    confirm_budget: float = CONFIRM,
    as_json: bool = JSON,
) -> None:
    """Change points in each endpoint's metrics over the history of baseline runs."""
    from perfkit.analysis.indexed import gate_history, history_data
    from perfkit.analysis.indexed_trends import indexed_trends
    from perfkit.analysis.trends import gate_run, unavailable
    from perfkit.project import Project
    from perfkit.runs.catalog import Catalog
    from perfkit.runs.names import comparable

    options = compare_options(threshold, floor_ms)
    at_least(confirm_budget, 0, "--confirm-budget")
    _check_metrics(metric)
    runs = runs or Project.find().runs

    catalog = Catalog.of(runs)
    stored = catalog.baselines(target, scenario)
    if not stored:
        raise InputError(f"no runs in {runs}" + (f" for target {target!r}" if target else ""))
    found = indexed_trends(catalog, stored, metric, min_magnitude=options.threshold)
    verdict = gate_run(*gate_history(catalog, stored), options) if gate else None
    like = [e for e in stored if comparable(e, stored[-1])]
    if verdict is not None and len(like) > 1:  # confirmed against the newest comparable run
        verdict = confirm(verdict, like[-2], like[-1], runs=runs, options=options,
                          budget_s=confirm_budget)  # fmt: skip
    profiled = None if verdict is None else profile_lines.gate_findings(verdict, runs, like)
    notes = unavailable(history_data(catalog, [e for e in stored if e.origin]), metric)
    if as_json:
        echo_json(
            {
                "runs": len(stored),
                "points": [_point(s) for s in stored],
                "trends": [t.to_dict() for t in found],
                "notes": notes,
                "gate": None
                if verdict is None or profiled is None
                else profile_lines.with_profiles(verdict.to_dict(), profiled),
            }
        )
    else:
        _print_trends_report(stored, found, notes, verdict)
        if profiled is not None:
            profile_lines.echo(profiled)
    if verdict is not None and verdict.exit_code:
        raise typer.Exit(verdict.exit_code)


def _check_metrics(metric: list[str]) -> None:
    unknown = sorted(set(metric) - set(_TREND_METRICS))
    if unknown:
        raise InputError(f"--metric {unknown[0]!r} is not one of {', '.join(_TREND_METRICS)}")


def _print_trends_report(
    stored: list[RunEntry], found: list[Trend], notes: list[str], verdict: Comparison | None
) -> None:
    console = _console()
    _print_points(stored, console)
    _print_trends(found, len(stored), console)
    for note in notes:
        console.print(escape(f"note: {note}"))
    if verdict is not None:
        print_comparison(verdict, everything=False)


def _print_trends(found: list[Trend], n_runs: int, console: Console) -> None:
    from perfkit.reports.selection import short_commit

    table = Table(title=f"change points over {n_runs} runs (each point one run)")
    for column in ("endpoint", "metric", "run", "commit", "before", "after", "change", "p"):
        table.add_column(column)
    for t in found:
        for cp in t.change_points:
            table.add_row(
                escape(t.endpoint),
                t.metric,
                t.run_ids[cp.index],
                short_commit(t.commits[cp.index]),
                _num(cp.mean_before),
                _num(cp.mean_after),
                f"{cp.change:+.1%}",
                f"{cp.p_value:.2g}",
            )
    console.print(table if table.row_count else "no change points")


def register(app: typer.Typer) -> None:
    app.command("trends")(trends_cmd)
