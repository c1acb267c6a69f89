"""`perfkit compare`, `perfkit trends`, `perfkit analytics`: parse, call the library, print.

`compare` exits 1 on a regression and `trends --gate` on one against the history, so CI can gate
on them; 3 when the environment changed (another testbed, every endpoint moved alike, a
candidate far noisier than its history: re-run, the code is not judged); bad input (unknown
run, empty history, incomparable runs) is exit 2. Piped output (a CI log) fits 100 columns.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from perfkit.commands import profile_lines
from perfkit.commands.checks import at_least, writable_folder
from perfkit.commands.ci_output import JUNIT, SUMMARY, check_files, write_outputs
from perfkit.config import Settings
from perfkit.errors import InputError
from perfkit.paths import ANALYTICS_DIR

if TYPE_CHECKING:
    from perfkit.analysis.compare import Comparison
    from perfkit.analysis.report import AnalyticsOptions
    from perfkit.analysis.trends import Trend
    from perfkit.analysis.verdict import CompareOptions
    from perfkit.runs.catalog import Catalog
    from perfkit.runs.index import RunEntry

RUNS = typer.Option(
    None, "--runs", help="The history folder of runs; default: the project's reports/performance."
)
TARGET = typer.Option(None, "--target", help="Only runs of this target label.")
SCENARIO = typer.Option(None, "--scenario", help="Only runs of this scenario.")
JSON = typer.Option(False, "--json", help="Print JSON instead of tables.")
OUT = typer.Option(ANALYTICS_DIR, "--out", help="Where the report is written.")
_TREND_METRICS = ("p50", "p95", "p99", "mean", "throughput", "error_rate")
METRICS = typer.Option(
    ["p50", "p95", "p99", "throughput", "error_rate"], "--metric", help="Metrics to trend."
)


def _echo_json(data: object) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _console() -> Console:
    """A terminal's own width; 100 columns when piped (a CI log), where rich would use 80."""
    return Console(width=None if sys.stdout.isatty() else 100)


def _print_comparison(result: Comparison, *, everything: bool) -> None:
    """The answer first, then what moved (`perfkit.analysis.verdict_text`)."""
    from perfkit.analysis.verdict_text import render

    typer.echo(render(result, everything=everything))


THRESHOLD = typer.Option(
    None,
    "--threshold",
    help="Smallest relative change that counts, > 0 (default 0.10 or "
    "PERFKIT_REGRESSION_THRESHOLD).",
)
FLOOR = typer.Option(
    None,
    "--floor-ms",
    help="Smallest absolute latency change that counts, in ms (default: none; the measured "
    "noise decides).",
)
CONFIRM = typer.Option(
    0.0,
    "--confirm-budget",
    help="Seconds to confirm a 'regressed' from single runs or the history by measuring both "
    "builds again as interleaved trials (perfkit.toml \\[service] or their URLs); 0: off.",
)


def _confirm(result: Comparison, base: RunEntry, candidate: RunEntry, *, runs: Path,
             options: CompareOptions, budget_s: float) -> Comparison:  # fmt: skip
    """`perfkit.loadgen.confirm` on a regression, else ``result`` as it is (the two runs
    are decoded only then)."""
    if not result.regressed or budget_s == 0:
        return result
    from perfkit.analysis.indexed import full_run
    from perfkit.loadgen.confirm import Confirmation, confirm_regression

    conf = Confirmation.here(runs, options, budget_s)
    return confirm_regression(result, full_run(base).run, full_run(candidate).run, conf)


def _show_verdict(result: Comparison, found: Any, *, as_json: bool, everything: bool) -> Any:
    """The verdict with its profile lines, as JSON or as text (compare, ab); the JSON
    document it stands on is returned for the CI outputs."""
    data = profile_lines.with_profiles(result.to_dict(), found)
    if as_json:
        _echo_json(data)
    else:
        _print_comparison(result, everything=everything)
        profile_lines.echo(found)
    return data


def _options(threshold: float | None, floor_ms: float | None) -> CompareOptions:
    from perfkit.analysis.verdict import CompareOptions

    gate = (
        threshold
        if threshold is not None
        else Settings.from_env().env_float("PERFKIT_REGRESSION_THRESHOLD", 0.10)
    )
    options = CompareOptions(threshold=gate, floor_ms=floor_ms)
    options.validate()
    return options


def compare(
    base: str = typer.Argument(
        ..., help="Base run: latest, previous, latest@BRANCH, a path or a run id."
    ),
    candidate: str = typer.Argument(..., help="Candidate run, same forms."),
    *,
    runs: Path | None = RUNS,
    target: str | None = TARGET,
    scenario: str | None = SCENARIO,
    threshold: float | None = THRESHOLD,
    floor_ms: float | None = FLOOR,
    confirm_budget: float = CONFIRM,
    force: bool = typer.Option(False, "--force", help="Compare runs of different targets."),
    everything: bool = typer.Option(
        False, "--all", help="Show every endpoint metric, not only those that moved."
    ),
    as_json: bool = JSON,
    junit: Path | None = JUNIT,
    summary: Path | None = SUMMARY,
) -> None:
    """Compare two runs per endpoint; exit 1 when anything regressed, 3 when the
    environment changed (another testbed, a machine-wide shift: re-run).

    ``previous`` is the last comparable baseline run before the candidate; a base newer
    than the candidate is warned about. The noise between runs comes from interleaved
    trials (baseline --repeat N --base-target URL), else from the comparable runs of the
    history folder (read from its index: only the two runs compared are decoded)."""
    from perfkit.analysis.indexed import compare_entries, full_run
    from perfkit.project import Project
    from perfkit.runs.catalog import Catalog
    from perfkit.runs.names import resolve_pair

    options = _options(threshold, floor_ms)
    at_least(confirm_budget, 0, "--confirm-budget")
    runs = runs or Project.find().runs
    check_files(junit, summary)
    catalog = Catalog.of(runs)
    pair = resolve_pair(catalog, base, candidate, target=target, scenario=scenario)
    for warning in pair.warnings:
        typer.echo(f"warning: {warning}", err=True)
    result = compare_entries(catalog, pair.base, pair.candidate, options, force=force)
    result = _confirm(result, pair.base, pair.candidate, runs=runs, options=options,
                      budget_s=confirm_budget)  # fmt: skip
    found = profile_lines.findings(
        result, lambda: profile_lines.judged_runs(result, runs, pair.base, pair.candidate)
    )
    data = _show_verdict(result, found, as_json=as_json, everything=everything)
    if junit is not None or summary is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        from perfkit.ci import comparison_outcome

        outcome = comparison_outcome(data, full_run(pair.candidate).run.health_score)
        write_outputs(outcome, junit, summary)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


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
    from perfkit.analysis.indexed import gate_history, history_data, indexed_trend_frame
    from perfkit.analysis.trends import gate_run, trends_of_frame, unavailable
    from perfkit.project import Project
    from perfkit.runs.catalog import Catalog
    from perfkit.runs.names import comparable

    options = _options(threshold, floor_ms)
    at_least(confirm_budget, 0, "--confirm-budget")
    _check_metrics(metric)
    runs = runs or Project.find().runs

    catalog = Catalog.of(runs)
    stored = catalog.baselines(target, scenario)
    if not stored:
        raise InputError(f"no runs in {runs}" + (f" for target {target!r}" if target else ""))
    frame = indexed_trend_frame(catalog, stored, metric)
    found = trends_of_frame(frame, min_magnitude=options.threshold)
    verdict = gate_run(*gate_history(catalog, stored), options) if gate else None
    like = [e for e in stored if comparable(e, stored[-1])]
    if verdict is not None and len(like) > 1:  # confirmed against the newest comparable run
        verdict = _confirm(verdict, like[-2], like[-1], runs=runs, options=options,
                           budget_s=confirm_budget)  # fmt: skip
    profiled = None if verdict is None else profile_lines.gate_findings(verdict, runs, like)
    notes = unavailable(history_data(catalog, [e for e in stored if e.origin]), metric)
    if as_json:
        _echo_json(
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
        console.print(f"note: {note}")
    if verdict is not None:
        _print_comparison(verdict, everything=False)


def _print_trends(found: list[Trend], n_runs: int, console: Console) -> None:
    from perfkit.reports.selection import short_commit

    table = Table(title=f"change points over {n_runs} runs (each point one run)")
    for column in ("endpoint", "metric", "run", "commit", "before", "after", "change", "p"):
        table.add_column(column)
    for t in found:
        for cp in t.change_points:
            table.add_row(
                t.endpoint,
                t.metric,
                t.run_ids[cp.index],
                short_commit(t.commits[cp.index]),
                _num(cp.mean_before),
                _num(cp.mean_after),
                f"{cp.change:+.1%}",
                f"{cp.p_value:.2g}",
            )
    console.print(table if table.row_count else "no change points")


def analytics(
    run: str = typer.Argument("latest", help="The run to report on (latest, a path, an id)."),
    *,
    base: str | None = typer.Option(None, "--base", help="A base run for pre/post comparison."),
    runs: Path | None = RUNS,
    live: str | None = typer.Option(
        None, "--live", help="Report on a running service at this URL instead of a run."
    ),
    out: Path = OUT,
    force: bool = typer.Option(False, "--force", help="Compare runs of different targets."),
    as_json: bool = JSON,
) -> None:
    """The analytics report (health score, Apdex, burn rate, alerts, recommendations)."""
    import httpx

    from perfkit.analysis.artifacts import write_report
    from perfkit.analysis.report import AnalyticsOptions, analytics_from_live
    from perfkit.live import analytics_documents
    from perfkit.project import Project
    from perfkit.runs.catalog import Catalog

    runs = runs or Project.find().runs

    writable_folder(out, "--out")
    options = AnalyticsOptions.from_settings(Settings.from_env())
    now = datetime.now(UTC)
    if live is not None:
        with httpx.Client(timeout=10.0) as client:
            documents = analytics_documents(client, live.rstrip("/"))
        report = analytics_from_live(*documents, options=options, now=now)
    else:
        report = _run_report(Catalog.of(runs), run, base, options, force=force, now=now)
    json_path, md_path = write_report(report, out, now=now)
    if as_json:
        _echo_json(report)
    else:
        _print_analytics(report, json_path, md_path)


def _run_report(
    catalog: Catalog,
    run: str,
    base: str | None,
    options: AnalyticsOptions,
    *,
    force: bool,
    now: datetime,
) -> dict[str, Any]:
    """The report of a recorded run, compared with ``base`` when one is given."""
    from perfkit.analysis.adapt import stored_run_data
    from perfkit.analysis.indexed import full_run, noise_runs
    from perfkit.analysis.report import analytics_from_run
    from perfkit.runs.names import resolve, resolve_pair

    if base is None:
        chosen, previous = resolve(catalog, run), None
    else:
        pair = resolve_pair(catalog, base, run)
        chosen, previous = pair.candidate, pair.base
        for warning in pair.warnings:
            typer.echo(f"warning: {warning}", err=True)
    stored = full_run(chosen)
    return analytics_from_run(
        stored_run_data(stored),
        None if previous is None else stored_run_data(full_run(previous)),
        history=() if previous is None else noise_runs(catalog, previous, chosen),
        options=options,
        force=force,
        now=now,
    )


def _print_analytics(report: dict[str, Any], json_path: Path, md_path: Path) -> None:
    summary = report["sections"]["executive_summary"]
    console = Console()
    console.print(
        f"{report['title']}: [bold]{summary['status']}[/], health score "
        f"{summary['health_score']}/100"
    )
    for alert in report["sections"]["alerts"]:
        console.print(f"  {alert['severity']}: {alert['message']}")
    for rec in report["sections"]["recommendations"]:
        console.print(f"  -> {rec['route'] or 'service'}: {rec['figure']}: {rec['action']}")
    console.print(f"written: {json_path} and {md_path}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
    app.command("trends")(trends_cmd)
    app.command("analytics")(analytics)
