"""`perfkit init`: starter files for perfkit in any project (`perfkit.starter`)."""

from __future__ import annotations

from pathlib import Path

import typer

FOLDER = typer.Argument(Path("."), help="The project folder (default: here).")


def init(
    folder: Path = FOLDER,
    *,
    target: str = typer.Option(
        "",
        "--target",
        help="Base URL of your service; default: the --from-openapi URL's, else the "
        "reference service.",
    ),
    notebooks: bool = typer.Option(
        False, "--notebooks", help="Also copy the notebooks of perfkit report, to customise."
    ),
    from_openapi: str = typer.Option(
        "",
        "--from-openapi",
        help="URL or file of your service's OpenAPI document: the scenario requests its "
        "GET routes (default: an empty scenario to fill in).",
    ),
) -> None:
    """Write perfkit.toml, a scenario and thresholds to edit (and notebooks); never overwrites."""
    from perfkit.errors import InputError
    from perfkit.starter import init_project

    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    for path in init_project(folder, target, notebooks, from_openapi):
        typer.echo(f"wrote {path}")
    typer.echo("next: perfkit smoke, perfkit report; add reports/ to .gitignore")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
