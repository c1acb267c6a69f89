"""`perfkit bisect GOOD BAD`: the first commit that made an endpoint slower (parse, call
`perfkit.bisect.session.run_bisect`, print, write the report)."""

from __future__ import annotations

from pathlib import Path

import typer

SCENARIO = typer.Option(None, help="Scenario file (default: the project's).")
OUT = typer.Option(None, help="Report folder (default: reports/bisect).")


def bisect_cmd(  # noqa: PLR0917 (typer options are positional parameters)
    good: str = typer.Argument(..., help="A commit where the endpoint is fast."),
    bad: str = typer.Argument(..., help="A later commit where it is slow."),
    endpoint: str | None = typer.Option(None, help="Scenario endpoint judged (default: first)."),
    metric: str = typer.Option(
        "p50", help="p50, p95, p99, mean, or cpu (the service's CPU ms per request)."
    ),
    scenario: Path | None = SCENARIO,
    trials: int = typer.Option(4, help="Interleaved trials per side and round."),
    max_trials: int = typer.Option(12, help="Trials per side before a commit is skipped."),
    duration: float = typer.Option(1.0, help="Seconds per trial."),
    concurrency: int = typer.Option(1, help="Users of each trial (closed model)."),
    max_steps: int = typer.Option(12, help="Commits tried at most (BAD's check not counted)."),
    time_budget: float = typer.Option(600.0, help="Seconds before the search stops."),
    threshold: float = typer.Option(0.10, help="Smallest relative change called a regression."),
    out: Path | None = OUT,
) -> None:
    """Bisect GOOD..BAD by load: each commit started from \\[service] in a temporary worktree,
    judged against GOOD by interleaved trials; prints the first bad commit and its evidence."""
    from perfkit.bisect.options import BisectOptions
    from perfkit.bisect.report import headline, write_report
    from perfkit.bisect.session import run_bisect
    from perfkit.loadgen.scenario import load_scenario
    from perfkit.project import Project

    project = Project.find()
    options = BisectOptions(endpoint, metric, trials, max_trials, duration, 0.3, concurrency,
                            max_steps, time_budget, threshold)  # fmt: skip
    scenario_ = load_scenario(scenario or project.scenario())
    result = run_bisect(project, good, bad, scenario_, options, say=typer.echo)
    folder = write_report(result, out or project.reports / "bisect")
    typer.echo(headline(result))
    typer.echo(f"report: {folder / 'bisect.md'}")


def register(app: typer.Typer) -> None:
    app.command("bisect")(bisect_cmd)
