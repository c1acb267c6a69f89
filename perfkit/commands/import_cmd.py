"""`perfkit import k6|locust|wrk|wrk2|jmeter FILE...`: other tools' results become runs.

Every file is read and checked before anything is written: a truncated, empty or foreign
file stops the command with one line naming it (exit 2) and the history is untouched.
"""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.paths import RUNS_DIR

TOOL = typer.Argument(..., help="k6, locust, wrk, wrk2 or jmeter.")
FILES = typer.Argument(..., help="The tool's result file(s).")
OUT = typer.Option(RUNS_DIR, "--out", help="Folder of the run artifacts (the history).")
TARGET_LABEL = typer.Option(
    None, "--target-label", help="The run's target (default: the URL in the file)."
)
SCENARIO = typer.Option(None, "--scenario", help="The run's scenario (default: the tool's name).")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def import_cmd(
    tool: str = TOOL, files: list[Path] = FILES, out: Path = OUT,
    target_label: str | None = TARGET_LABEL, scenario: str | None = SCENARIO,
) -> None:  # fmt: skip
    """Import k6 (--out json/csv), Locust (--csv), wrk or wrk2 (--latency), JMeter (.jtl CSV)."""
    from perfkit.importers import import_files

    for written in import_files(tool, files, out, target=target_label, scenario=scenario):
        run = written.run
        typer.echo(
            f"{run.source.tool} ({run.precision}): {run.overall.count} requests, "
            f"p50 {_ms(run.overall.latency.p50_ms)} ms, p99 {_ms(run.overall.latency.p99_ms)} ms"
            f" -> {written.json}"
        )


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
