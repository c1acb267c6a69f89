"""`perfkit compare BASE CANDIDATE`: parse, call the library, print.

Exits 1 on a regression, so CI can gate on it; 3 when the environment changed (another
testbed, every endpoint moved alike, a candidate far noisier than its history: re-run, the
code is not judged); bad input (unknown run, empty history, incomparable runs) is exit 2.
Piped output (a CI log) fits 100 columns.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

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
from perfkit.commands.ci_output import JUNIT, SUMMARY, check_files, write_outputs
from perfkit.commands.verdict_steps import confirm, show_verdict


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

    options = compare_options(threshold, floor_ms)
    at_least(confirm_budget, 0, "--confirm-budget")
    runs = runs or Project.find().runs
    check_files(junit, summary)
    catalog = Catalog.of(runs)
    pair = resolve_pair(catalog, base, candidate, target=target, scenario=scenario)
    for warning in pair.warnings:
        typer.echo(f"warning: {warning}", err=True)
    result = compare_entries(catalog, pair.base, pair.candidate, options, force=force)
    result = confirm(result, pair.base, pair.candidate, runs=runs, options=options,
                     budget_s=confirm_budget)  # fmt: skip
    found = profile_lines.findings(
        result, lambda: profile_lines.judged_runs(result, runs, pair.base, pair.candidate)
    )
    data = show_verdict(result, found, as_json=as_json, everything=everything)
    if junit is not None or summary is not None or os.environ.get("GITHUB_STEP_SUMMARY"):
        from perfkit.ci import comparison_outcome

        outcome = comparison_outcome(data, full_run(pair.candidate).run.health_score)
        write_outputs(outcome, junit, summary)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
