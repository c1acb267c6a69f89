"""`perfkit compare`, `perfkit trends`, `perfkit analytics`: parse, call the library, print.

`compare` exits 1 on a regression and `trends --gate` on a confirmed one, so CI can gate
on them; bad input (unknown run, empty history, incomparable runs) is exit 2.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import orjson
import typer
from rich.console import Console
from rich.table import Table

from perfkit.commands.checks import positive, writable_folder
from perfkit.commands.ci_output import JUNIT, SUMMARY, check_files, write_outputs
from perfkit.config import Settings
from perfkit.errors import InputError
from perfkit.paths import ANALYTICS_DIR

if TYPE_CHECKING:
    from perfkit.analysis.compare import Comparison
    from perfkit.runs.history import StoredRun

RUNS = typer.Option(
    None, "--runs", help="The history folder of runs; default: the project's reports/performance."
)
TARGET = typer.Option(None, "--target", help="Only runs of this target label.")
SCENARIO = typer.Option(None, "--scenario", help="Only runs of this scenario.")
JSON = typer.Option(False, "--json", help="Print JSON instead of tables.")
OUT = typer.Option(ANALYTICS_DIR, "--out", help="Where the report is written.")
METRICS = typer.Option(
    ["p50", "p95", "p99", "throughput", "error_rate"], "--metric", help="Metrics to trend."
)
_SHORT = {
    "mann-whitney-u": "MWU",
    "99% order-statistic intervals": "99% CI",
    "99% t intervals": "99% CI",
    "fisher-exact": "Fisher",
    "poisson-rate": "Poisson",
}
_COLOURS = {"regressed": "red", "improved": "green", "confirmed": "red", "suspected": "yellow"}


def _echo_json(data: object) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _print_comparison(result: Comparison, console: Console) -> None:
    table = Table(
        title=f"{result.base_id} -> {result.candidate_id} "
        f"(threshold {result.options.threshold:.0%})"
    )
    for column in ("endpoint", "metric", "base", "candidate", "change", "verdict", "evidence"):
        table.add_column(column)
    for ep in [result.overall, *result.endpoints]:
        for m in ep.metrics.values():
            colour = _COLOURS.get(m.verdict, "default")
            p = "" if m.evidence.p_value is None else f" p={m.evidence.p_value:.2g}"
            table.add_row(
                ep.endpoint,
                m.metric,
                _num(m.base),
                _num(m.candidate),
                "-" if m.change is None else f"{m.change:+.1%}",
                f"[{colour}]{m.verdict}[/]",
                f"{_SHORT.get(m.evidence.method, m.evidence.method)}{p}",
            )
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}")
    console.print("[red]REGRESSION[/]" if result.regressed else "no regression")


def compare(
    base: str = typer.Argument(
        ..., help="Base run: latest, previous, latest@BRANCH, a path or a run id."
    ),
    candidate: str = typer.Argument(..., help="Candidate run, same forms."),
    *,
    runs: Path | None = RUNS,
    target: str | None = TARGET,
    scenario: str | None = SCENARIO,
    threshold: float | None = typer.Option(
        None, "--threshold", help="Practical gate as a fraction (default 0.10)."
    ),
    force: bool = typer.Option(False, "--force", help="Compare runs of different targets."),
    as_json: bool = JSON,
    junit: Path | None = JUNIT,
    summary: Path | None = SUMMARY,
) -> None:
    """Compare two runs per endpoint; exit 1 when anything regressed."""
    from perfkit.analysis.adapt import resolve, stored_run_data
    from perfkit.analysis.compare import CompareOptions, compare_runs
    from perfkit.project import Project
    from perfkit.runs.history import History

    runs = runs or Project.find().runs
    check_files(junit, summary)
    if threshold is not None:
        positive(threshold, "--threshold")
    history = History(runs)
    b = resolve(history, candidate, target=target, scenario=scenario)
    if base.startswith("latest@"):  # the newest run recorded on that git branch
        branch = base.removeprefix("latest@")
        found = history.latest_on_branch(branch, target, scenario, exclude=b.run.run_id)
        if found is None:
            raise InputError(f"{base}: no other run of branch {branch!r} in {history.folder}")
        a = found
    else:
        a = resolve(history, base, target=target, scenario=scenario)
    settings = Settings.from_env()
    gate = (
        threshold
        if threshold is not None
        else settings.env_float("PERFKIT_REGRESSION_THRESHOLD", 0.10)
    )
    result = compare_runs(
        stored_run_data(a), stored_run_data(b), CompareOptions(threshold=gate), force=force
    )
    if as_json:
        _echo_json(result.to_dict())
    else:
        _print_comparison(result, Console())
    if junit is not None or summary is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        from perfkit.ci import comparison_outcome

        outcome = comparison_outcome(result.to_dict(), b.run.health_score)
        write_outputs(outcome, junit, summary)
    if result.regressed:
        raise typer.Exit(1)


def _point(stored: StoredRun) -> dict[str, str | None]:
    """One point of a trend: the run, when, and where it came from."""
    run, env = stored.run, stored.run.environment
    return {"run_id": run.run_id, "started_at": run.started_at.isoformat(),
            "git_commit": env.git_commit, "git_branch": env.git_branch,
            "ci_job_url": env.ci_job_url}  # fmt: skip


def _print_points(stored: list[StoredRun], console: Console) -> None:
    table = Table(title=f"{len(stored)} runs, oldest first")
    for column in ("started (UTC)", "run", "commit", "branch"):
        table.add_column(column)
    for s in stored:
        env = s.run.environment
        table.add_row(f"{s.run.started_at:%Y-%m-%d %H:%M:%S}", s.run.run_id,
                      (env.git_commit or "-")[:12], env.git_branch or "-")  # fmt: skip
    console.print(table)


def trends_cmd(
    *,
    runs: Path | None = RUNS,
    target: str | None = TARGET,
    scenario: str | None = SCENARIO,
    metric: list[str] = METRICS,
    gate: bool = typer.Option(
        False, "--gate", help="Test the latest run against the history; exit 1 if confirmed."
    ),
    as_json: bool = JSON,
) -> None:
    """Change points in each endpoint's metrics over the history of runs."""
    from perfkit.analysis.adapt import stored_run_data
    from perfkit.analysis.trends import gate_run, trends, unavailable
    from perfkit.project import Project
    from perfkit.runs.history import History

    runs = runs or Project.find().runs

    history = History(runs)
    stored = history.runs(target, scenario, "baseline")
    if not stored:
        raise InputError(f"no runs in {runs}" + (f" for target {target!r}" if target else ""))
    data = [stored_run_data(s, with_samples=False) for s in stored]
    found = trends(data, metric)
    notes = unavailable(data, metric)
    verdicts = gate_run(data[-1], data[:-1]) if gate else []
    if as_json:
        _echo_json(
            {
                "runs": len(data),
                "points": [_point(s) for s in stored],
                "trends": [t.to_dict() for t in found],
                "notes": notes,
                "gate": [{"endpoint": e, **v.to_dict()} for e, v in verdicts],
            }
        )
    else:
        console = Console()
        _print_points(stored, console)
        table = Table(title=f"change points over {len(data)} runs")
        for column in ("endpoint", "metric", "run", "before", "after", "change", "p"):
            table.add_column(column)
        for t in found:
            for cp in t.change_points:
                table.add_row(
                    t.endpoint,
                    t.metric,
                    t.run_ids[cp.index],
                    _num(cp.mean_before),
                    _num(cp.mean_after),
                    f"{cp.change:+.1%}",
                    f"{cp.p_value:.2g}",
                )
        console.print(table if table.row_count else "no change points")
        for note in notes:
            console.print(f"note: {note}")
        waiting = [v for _, v in verdicts if v.status == "insufficient history"]
        if waiting:
            console.print(f"history gate: {waiting[0].message}")
        for endpoint, v in verdicts:
            if v.status in ("suspected", "confirmed"):
                colour = _COLOURS.get(v.status, "default")
                console.print(f"[{colour}]{v.status}[/] {endpoint} {v.metric}: {v.message}")
    if any(v.status == "confirmed" and v.direction == "regressed" for _, v in verdicts):
        raise typer.Exit(1)


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
    from perfkit.analysis.adapt import resolve, stored_run_data
    from perfkit.analysis.artifacts import write_report
    from perfkit.analysis.report import AnalyticsOptions, analytics_from_live, analytics_from_run
    from perfkit.live import analytics_documents
    from perfkit.project import Project
    from perfkit.runs.history import History

    runs = runs or Project.find().runs

    writable_folder(out, "--out")
    options = AnalyticsOptions.from_settings(Settings.from_env())
    now = datetime.now(UTC)
    if live is not None:
        with httpx.Client(timeout=10.0) as client:
            documents = analytics_documents(client, live.rstrip("/"))
        report = analytics_from_live(*documents, options=options, now=now)
    else:
        history = History(runs)
        candidate = stored_run_data(resolve(history, run))
        previous = None if base is None else stored_run_data(resolve(history, base))
        report = analytics_from_run(candidate, previous, options=options, force=force, now=now)
    json_path, md_path = write_report(report, out, now=now)
    if as_json:
        _echo_json(report)
        return
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
