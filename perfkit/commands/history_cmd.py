"""`perfkit history push|pull`: carry the runs through a git branch (`perfkit.runs.sync`)."""

from __future__ import annotations

from pathlib import Path

import typer

from perfkit.errors import InputError

app = typer.Typer(
    help="Carry the history of runs through a git branch of any remote.", no_args_is_help=True
)

REMOTE = typer.Option(
    None,
    "--remote",
    help="A remote of this repository (origin), a path, or an ssh/https URL; "
    "default: perfkit.toml [history] remote, else origin.",
)
BRANCH = typer.Option(
    None, "--branch", help="Default: perfkit.toml [history] branch, else perfkit-history."
)
RUNS = typer.Option(
    None, "--runs", help="The local history folder; default: the project's reports/performance."
)


@app.command("push")
def push_cmd(
    *,
    remote: str | None = REMOTE,
    branch: str | None = BRANCH,
    runs: Path | None = RUNS,
    keep: int | None = typer.Option(
        None, "--keep", help="Keep only the newest N runs on the branch (default: all)."
    ),
) -> None:
    """Add the local runs the branch does not hold (append-only; retries a lost race)."""
    from perfkit.project import Project
    from perfkit.runs.git import redact, resolve_remote
    from perfkit.runs.sync import push

    if keep is not None and keep < 1:
        raise InputError(f"--keep must be at least 1 (got {keep})")
    project = Project.find()
    settings = project.history
    url = resolve_remote(remote or settings.remote, project.root)
    name = branch or settings.branch
    folder = runs or project.runs
    result = push(folder, url, name, keep=keep or settings.keep)
    where = f"{name} of {redact(url)}"
    if not result.added and not result.removed:
        typer.echo(f"nothing to push: {where} holds every run of {folder}")
        return
    typer.echo(
        f"pushed {len(result.added)} run(s) to {where}"
        + (f", removed {len(result.removed)} old run(s)" if result.removed else "")
        + (f" (attempt {result.attempts})" if result.attempts > 1 else "")
    )


@app.command("pull")
def pull_cmd(
    *, remote: str | None = REMOTE, branch: str | None = BRANCH, runs: Path | None = RUNS
) -> None:
    """Copy the branch's runs that the local history does not hold (adds files only)."""
    from perfkit.project import Project
    from perfkit.runs.git import redact, resolve_remote
    from perfkit.runs.sync import pull

    project = Project.find()
    settings = project.history
    url = resolve_remote(remote or settings.remote, project.root)
    name = branch or settings.branch
    folder = runs or project.runs
    result = pull(folder, url, name)
    where = f"{name} of {redact(url)}"
    if not result.branch_exists:
        typer.echo(f"no history yet: {where} does not exist (the first push creates it)")
        return
    typer.echo(f"pulled {len(result.added)} run(s) into {folder} ({result.on_branch} on {where})")
