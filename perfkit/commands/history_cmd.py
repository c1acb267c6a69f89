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
    "default: perfkit.toml \\[history] remote, else origin.",
)
BRANCH = typer.Option(
    None, "--branch", help="Default: perfkit.toml \\[history] branch, else perfkit-history."
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


KEEP_LOCAL = typer.Option(
    None, "--keep", help="Then keep only the newest N runs of the local history (default: all)."
)


@app.command("pull")
def pull_cmd(
    *,
    remote: str | None = REMOTE,
    branch: str | None = BRANCH,
    runs: Path | None = RUNS,
    keep: int | None = KEEP_LOCAL,
) -> None:
    """Copy the branch's runs that the local history does not hold (adds files only;
    with --keep, the oldest local runs beyond N are then removed)."""
    from perfkit.project import Project
    from perfkit.runs.git import redact, resolve_remote
    from perfkit.runs.retention import prune
    from perfkit.runs.sync import pull

    if keep is not None and keep < 1:
        raise InputError(f"--keep must be at least 1 (got {keep})")
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
    if keep is not None:
        removed = prune(folder, keep)
        typer.echo(f"removed {len(removed)} old run(s) from {folder}, kept the newest {keep}")


@app.command("prune")
def prune_cmd(
    *,
    keep: int = typer.Option(..., "--keep", help="How many of the newest runs to keep."),
    runs: Path | None = RUNS,
) -> None:
    """Keep only the newest N runs of the local history (JSON, samples and summary)."""
    from perfkit.project import Project
    from perfkit.runs.retention import prune

    if keep < 1:
        raise InputError(f"--keep must be at least 1 (got {keep})")
    folder = runs or Project.find().runs
    removed = prune(folder, keep)
    typer.echo(f"removed {len(removed)} old run(s) from {folder}, kept the newest {keep}")


@app.command("stats")
def stats_cmd(
    *,
    runs: Path | None = RUNS,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Runs, size on disk, oldest and newest, per branch and per testbed (from the index)."""
    import orjson

    from perfkit.project import Project
    from perfkit.runs.retention import history_stats

    folder = runs or Project.find().runs
    if not folder.is_dir():
        raise InputError(f"--runs {folder} is not a folder")
    stats = history_stats(folder)
    if as_json:
        typer.echo(orjson.dumps(stats.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    kinds = ", ".join(f"{n} {k}" for k, n in stats.kinds.items()) or "none"
    typer.echo(f"{folder}: {stats.runs} runs ({kinds}), {stats.size_bytes / 2**20:.1f} MB"
               f" (index {stats.index_bytes / 2**20:.1f} MB)")  # fmt: skip
    typer.echo(f"oldest {stats.oldest or '-'}, newest {stats.newest or '-'}")
    for b in stats.branches:
        typer.echo(f"  branch {b['branch']}: {b['runs']} runs, newest {b['newest']}")
    for t in stats.testbeds:
        typer.echo(f"  testbed {t['testbed']}: {t['runs']} runs")
    if stats.skipped:
        typer.echo(f"{stats.skipped} file(s) skipped: not readable runs (named above)")
