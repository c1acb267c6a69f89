"""``--junit FILE`` and ``--summary FILE`` of smoke, baseline and compare (`perfkit.ci`).

The summary goes to ``$GITHUB_STEP_SUMMARY`` when that is set and ``--summary`` is not,
appended as GitHub expects of a step; a file named with ``--summary`` is replaced.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfkit.errors import InputError

if TYPE_CHECKING:
    from perfkit.ci.checks import Outcome

JUNIT = typer.Option(None, "--junit", help="Write a JUnit XML report to this file.")
SUMMARY = typer.Option(
    None,
    "--summary",
    help="Write a Markdown summary to this file; default: appended to $GITHUB_STEP_SUMMARY "
    "when set.",
)


def check_files(junit: Path | None, summary: Path | None) -> None:
    """Refuse, before any work, an output file whose folder is missing or that is a folder."""
    for option, path in (("--junit", junit), ("--summary", summary)):
        if path is None:
            continue
        if path.is_dir():
            raise InputError(f"{option} {path} is a folder, not a file")
        if not path.parent.resolve().is_dir():
            raise InputError(f"{option} {path}: folder {path.parent} does not exist")


def write_outputs(outcome: Outcome, junit: Path | None, summary: Path | None) -> None:
    from perfkit.atomic import write_text
    from perfkit.ci import render_junit, render_summary

    if junit is not None:
        write_text(junit, render_junit([outcome], timestamp=datetime.now(UTC)))
        typer.echo(f"JUnit report: {junit}", err=True)
    text = render_summary(outcome)
    if summary is not None:
        write_text(summary, text)
        typer.echo(f"summary: {summary}", err=True)
    elif os.environ.get("GITHUB_STEP_SUMMARY"):
        with Path(os.environ["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as step:
            step.write(text)
