"""`perfkit report`: run the notebook suite with papermill and export it to HTML.

Without ``--target`` the reference service (on an embedded Redis) is started for the
whole suite and its URL given to the notebooks that declare a ``target`` parameter, with
the stable label ``reference-service`` so their runs compare with the history.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from perfkit.errors import InputError

if TYPE_CHECKING:
    from perfkit.reports.suite import NotebookResult


@contextlib.contextmanager
def _target(url: str | None) -> Iterator[dict[str, Any]]:
    if url is not None:
        yield {"target": url}
        return
    from perfkit.loadgen.local_target import REFERENCE_LABEL, reference_target

    typer.echo("starting the reference service on an embedded Redis")
    with reference_target() as reference:
        yield {"target": reference, "target_label": REFERENCE_LABEL}


def _progress(result: NotebookResult) -> None:
    status = "ok" if result.ok else f"FAILED ({result.error})"
    typer.echo(f"  {result.name:<28} {result.seconds:6.1f} s  {status}", err=not result.ok)


TARGET = typer.Option(
    None, "--target", help="Base URL of the service to load; default: the reference service."
)
SHOW_CODE = typer.Option(False, "--show-code", help="Keep the code in the HTML.")
NOTEBOOKS = typer.Option(
    None, "--notebooks", help="Notebook folder; default: the project's, else the packaged ones."
)
OUT = typer.Option(
    None, "--out", help="Reports folder: html/, notebooks/, ...; default: the project's reports/."
)
KEEP = typer.Option(20, "--keep", help="Suite runs kept under <out>/html (the oldest go).")
BROWSER = typer.Option(
    False,
    "--check-in-browser",
    help="Open every report in headless Chromium; screenshots into <out>/screenshots.",
)
ONLY = typer.Option(
    [], "--only", help="Run only the notebooks whose name starts with this (repeatable)."
)


def parse_parameters(args: list[str]) -> dict[str, str]:
    """``-p NAME VALUE`` (or ``--parameter``), repeated: typer has no two-value options."""
    given: dict[str, str] = {}
    rest = list(args)
    while rest:
        flag = rest.pop(0)
        if flag not in ("-p", "--parameter"):
            raise InputError(f"unexpected argument {flag!r} (parameters are -p NAME VALUE)")
        if len(rest) < 2:
            raise InputError(f"{flag} needs a NAME and a VALUE")
        name, value = rest.pop(0), rest.pop(0)
        given[name] = value
    return given


def report(
    ctx: typer.Context,
    *,
    target: str | None = TARGET,
    show_code: bool = SHOW_CODE,
    notebooks: Path | None = NOTEBOOKS,
    out: Path | None = OUT,
    only: list[str] = ONLY,
    keep: int = KEEP,
    check_in_browser: bool = BROWSER,
) -> None:
    """Run the notebooks (papermill), export them to HTML (nbconvert); exit 1 if one failed.

    Notebook parameters: -p NAME VALUE, repeatable (e.g. -p duration 5).
    """
    from perfkit.project import Project
    from perfkit.reports.archive import check_keep
    from perfkit.reports.suite import assign_parameters, discover, run_suite

    given = parse_parameters(ctx.args)
    check_keep(keep)
    if check_in_browser:
        from perfkit.reports.browser import require_browser

        require_browser()
    project = Project.find()
    notebooks = notebooks or project.notebooks()
    out = out or project.reports
    selected = discover(notebooks, only)
    assign_parameters(selected, given)  # refuse a bad parameter before anything starts
    context: dict[str, Any] = {"reports": str(out)}
    with _target(target or project.target) as target_params:
        context.update(target_params)
        typer.echo(f"running {len(selected)} notebook(s) from {notebooks}")
        results = run_suite(notebooks, out, given, context=context, only=only,
                            show_code=show_code, cwd=project.root, progress=_progress,
                            keep=keep)  # fmt: skip
    index = out / "html" / "index.html"
    failed = [r for r in results if not r.ok]
    typer.echo(f"HTML reports: {index.resolve()} (this run: {(out / 'html' / 'latest').resolve()})")
    if failed:
        typer.echo(f"{len(failed)} of {len(results)} notebook(s) failed", err=True)
    if check_in_browser and _browser_problems(out):
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(1)


def _browser_problems(out: Path) -> int:
    """Open the index and this run's reports in Chromium; print and count the problems."""
    from perfkit.reports.browser import check_pages

    latest = out / "html" / "latest"
    pages = [out / "html" / "index.html", *sorted(latest.glob("*.html"))]
    problems = 0
    for check in check_pages(pages, out / "screenshots"):
        for problem in check.problems:
            typer.echo(f"  {check.page}: {problem}", err=True)
        problems += len(check.problems)
        typer.echo(f"  browser: {check.page.name} {len(check.problems)} problem(s), "
                   f"{check.images} image(s), screenshot {check.screenshot}")  # fmt: skip
    return problems


def register(app: typer.Typer) -> None:
    app.command(
        "report", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(report)
