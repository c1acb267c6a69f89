"""`perfkit analytics [RUN]`: the analytics report of a recorded run (compared with
``--base`` when given) or of a running service (``--live URL``); parse, call the library,
print, and write the report's JSON and Markdown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from perfkit.commands.analysis_options import JSON, RUNS
from perfkit.commands.checks import writable_folder
from perfkit.commands.verdict_steps import echo_json
from perfkit.config import Settings
from perfkit.paths import ANALYTICS_DIR

if TYPE_CHECKING:
    from perfkit.analysis.report import AnalyticsOptions
    from perfkit.runs.catalog import Catalog

OUT = typer.Option(ANALYTICS_DIR, "--out", help="Where the report is written.")


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
        echo_json(report)
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
        f"{escape(report['title'])}: [bold]{summary['status']}[/], health score "
        f"{summary['health_score']}/100"
    )
    for alert in report["sections"]["alerts"]:
        console.print(escape(f"  {alert['severity']}: {alert['message']}"))
    for rec in report["sections"]["recommendations"]:
        console.print(escape(f"  -> {rec['route'] or 'service'}: {rec['figure']}: {rec['action']}"))
    console.print(escape(f"written: {json_path} and {md_path}"))


def register(app: typer.Typer) -> None:
    app.command("analytics")(analytics)
