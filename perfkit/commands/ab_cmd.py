"""`perfkit ab [BASE] [HEAD]`: two builds started side by side, loaded as a duet, judged.

Parse, call `perfkit.loadgen.ab`, print. Exit 1 when the head regressed against the base;
bad input (a ref that does not exist, no ``[service]``, a build that does not start) is
one line and exit 2, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from perfkit.commands import profile_lines
from perfkit.commands.analysis_options import FLOOR, THRESHOLD, compare_options
from perfkit.commands.ci_output import JUNIT, SUMMARY, check_files, write_outputs
from perfkit.commands.load_options import OUT, SCENARIO, THRESHOLDS, load_config
from perfkit.commands.verdict_steps import show_verdict

DURATION_S = 40.0  # measured seconds; with the builds' start-up, well inside a CI minute budget
CONCURRENCY = 8
WARMUP_S = 2.0
#: 2 s blocks: on the same 40 s duets (2026-12-04, load 3-17) 20 blocks caught +20 % in
#: 20 of 20 sessions where 10 caught 17, with no A/A false alarm in 20 (the paired test's
#: degrees of freedom: the first step of Holm over 66 tests at 1 % needs t >= 4.7 with
#: 19, 6.2 with 9)
BLOCKS = 20


def ab(
    base: str | None = typer.Argument(
        None, help="Base git ref; default: the merge base of HEAD with main (or origin/main)."
    ),
    head: str = typer.Argument("HEAD", help="Head git ref."),
    *,
    base_url: str | None = typer.Option(
        None, "--base-url", help="Load a running service as the base instead of building BASE."
    ),
    head_url: str | None = typer.Option(
        None, "--head-url", help="Load a running service as the head instead of building HEAD."
    ),
    scenario: Path | None = SCENARIO,
    duration: float = typer.Option(DURATION_S, "--duration", help="Seconds measured."),
    concurrency: int = typer.Option(
        CONCURRENCY, "--concurrency", help="Users, each sending every request to both builds."
    ),
    warmup: float = typer.Option(WARMUP_S, "--warmup", help="Seconds sent first, not counted."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds before a request times out."),
    blocks: int = typer.Option(
        BLOCKS, "--blocks", help="Time blocks the session is cut into: each build's trials."
    ),
    profile: bool = typer.Option(
        True,
        "--profile/--no-profile",
        help="Start the builds with PERFKIT_PROFILE=true and keep each build's profile beside "
        "its run (a service measured by perfkit's middleware samples; others are unaffected).",
    ),
    target_label: str | None = typer.Option(
        None, "--target-label", help="The label both runs carry (default: the project folder)."
    ),
    threshold: float | None = THRESHOLD,
    floor_ms: float | None = FLOOR,
    out: Path | None = OUT,
    thresholds: Path | None = THRESHOLDS,
    junit: Path | None = JUNIT,
    summary: Path | None = SUMMARY,
    as_json: bool = typer.Option(False, "--json", help="Print the verdict as JSON."),
) -> None:
    """Start BASE and HEAD side by side and load both at once, requests paired in time;
        write both runs (kind "ab") with each build's profile, the verdict (and the profile line of
    each regressed route), JUnit and the summary; exit 1 on a regression."""
    from dataclasses import replace

    from perfkit.builds.checkout import repository_root
    from perfkit.loadgen import ab as ab_session
    from perfkit.loadgen.baseline import RunPlan
    from perfkit.loadgen.scenario import default_scenario_path, load_scenario
    from perfkit.loadgen.smoke import load_thresholds
    from perfkit.project import Project

    check_files(junit, summary)
    options = compare_options(threshold, floor_ms)
    project = Project.find()
    if base is None and base_url is None:
        base = ab_session.default_base(repository_root(project.root), head)
    load = load_config(duration=duration, requests=None, concurrency=concurrency, rate=None,
                        warmup=warmup, timeout=timeout, workers=1, engine=None, samples=True,
                        local_workers=None, master_bind=None)  # fmt: skip
    plan = ab_session.AbPlan(
        RunPlan(
            scenario=load_scenario(scenario or default_scenario_path()),
            load=load,
            thresholds=load_thresholds(thresholds),
            kind="ab",
            target_label=target_label or project.root.name,
        ),
        ab_session.BuildSpec(None if base_url else base, base_url),
        ab_session.BuildSpec(None if head_url else head, head_url),
        blocks=blocks,
        profile=profile,
    )
    out = out or project.runs
    console = Console(stderr=as_json)  # --json: stdout holds the JSON alone
    console.print(
        f"ab: {base_url or base} vs {head_url or head}, {duration:g} s in {blocks} blocks, "
        f"{concurrency} users, every request to both builds"
    )
    written = ab_session.run_ab(project, plan, out)
    result = ab_session.session_verdict(written[0], written[1], options)
    found = profile_lines.findings(result, lambda: ab_session.stored_pair(written))
    data = show_verdict(result, found, as_json=as_json, everything=False)
    for paths in written:
        commit = paths.run.environment.git_commit
        typer.echo(f"wrote {paths.json}" + (f" (commit {commit[:12]})" if commit else ""),
                   err=as_json)  # fmt: skip
    from perfkit.ci import comparison_outcome

    outcome = comparison_outcome(data, written[1].run.health_score)
    write_outputs(replace(outcome, title="perfkit ab"), junit, summary)
    if result.regressed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ab")(ab)
