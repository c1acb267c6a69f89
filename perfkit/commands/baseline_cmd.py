"""`perfkit baseline` and `perfkit smoke`: parse, call `perfkit.loadgen.baseline`, print.

Both load a target (default: the reference service on an embedded Redis) with a scenario
and write the run's artifacts. `smoke` is the CI gate: it prints each criterion and
exits 1 when any fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perfkit.commands.ci_output import JUNIT, SUMMARY, check_files, write_outputs
from perfkit.commands.load_options import (
    BASE_TARGET,
    CONCURRENCY,
    ENGINE,
    LOCAL_WORKERS,
    MASTER_BIND,
    OUT,
    RATE,
    REPEAT,
    REQUESTS,
    SAMPLES,
    SCENARIO,
    TARGET,
    TARGET_LABEL,
    THRESHOLDS,
    TIMEOUT,
    WARMUP,
    WORKERS,
    load_config,
)

if TYPE_CHECKING:
    from perfkit.runs.artifacts import ArtifactPaths
    from perfkit.runs.model import Kind, Run


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _print_run(run: Run, console: Console) -> None:
    table = Table(title=escape(f"{run.kind}: {run.scenario} against {run.target}"))
    for column in ("endpoint", "requests", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    rows = [(escape(f"{e.method} {e.path}"), e.stats) for e in run.endpoints]
    for name, stats in [*rows, ("overall", run.overall)]:
        table.add_row(
            name, str(stats.count), f"{stats.throughput_rps:.1f}", f"{stats.error_rate:.1%}",
            _ms(stats.latency.p50_ms), _ms(stats.latency.p95_ms), _ms(stats.latency.p99_ms),
        )  # fmt: skip
    console.print(table)


def _print_smoke(run: Run, console: Console) -> None:
    assert run.smoke is not None
    table = Table(title=f"smoke test: {'PASS' if run.smoke.passed else 'FAIL'}")
    for column in ("criterion", "measured", "limit", "verdict"):
        table.add_column(column)
    for c in run.smoke.criteria:
        verdict = "[green]pass[/]" if c.passed else f"[red]FAIL[/] {escape(c.detail)}".rstrip()
        table.add_row(
            escape(c.name), f"{c.measured:g} {c.unit}", f"<= {c.limit:g} {c.unit}", verdict
        )
    console.print(table)


def _run(kind: Kind, *, target: str | None, scenario: Path | None, duration: float | None,
         requests: int | None, concurrency: int | None, rate: float | None, warmup: float,
         timeout: float, workers: int | None, engine: str | None, out: Path | None,
         thresholds: Path | None, samples: bool, local_workers: int | None = None,
         master_bind: str | None = None, repeat: int = 1, base_target: str | None = None,
         target_label: str | None = None) -> Run:  # fmt: skip
    # the library is imported when a run starts, not when the CLI does
    from perfkit.loadgen.baseline import RunPlan, write_session
    from perfkit.loadgen.engines import HttpOptions
    from perfkit.loadgen.generators import generator_for
    from perfkit.loadgen.progress import LiveProgress
    from perfkit.loadgen.scenario import default_scenario_path, load_scenario
    from perfkit.loadgen.smoke import load_thresholds
    from perfkit.profiling.capture import keep_with_run, profiles_during
    from perfkit.project import Project

    project = Project.find()  # perfkit.toml: the target and the runs folder when not given
    target, out = target or project.target, out or project.runs
    load = load_config(duration=duration, requests=requests, concurrency=concurrency,
                        rate=rate, warmup=warmup, timeout=timeout, workers=workers,
                        engine=engine, samples=samples, local_workers=local_workers,
                        master_bind=master_bind)  # fmt: skip
    generator_for(load.engine).check(load, HttpOptions(timeout_s=load.timeout_s))
    plan = RunPlan(
        scenario=load_scenario(scenario or default_scenario_path()),
        load=load,
        target_url=target,
        thresholds=load_thresholds(thresholds),
        kind=kind,
        repeat=repeat,
        base_target_url=base_target,
        target_label=target_label,
    )
    plan.validate()
    by_requests = load.duration_s is None
    total = float(requests) if by_requests and requests else (load.duration_s or 0) + warmup
    sides = [base_target, target] if base_target else [target]  # the session's order
    with profiles_during(sides) as profiles, LiveProgress(total, by_requests) as progress:
        session = write_session(plan, out, progress)
    for paths, profile in zip(session, profiles, strict=False):
        if profile is not None:  # the target runs with PERFKIT_PROFILE=true
            keep_with_run(profile, paths.json)
    _print_session(session, out)
    return session[-1].run


def _print_session(session: list[ArtifactPaths], out: Path) -> None:
    """The last run's tables and warnings, the files written and, after an interleaved
    session, the command that compares its two runs."""
    console = Console()
    run = session[-1].run
    _print_run(run, console)
    _print_smoke(run, console)
    for warning in run.warnings:
        Console(stderr=True).print(f"[yellow]warning:[/] {escape(warning)}")
    if run.trials:
        console.print(f"{len(run.trials)} trials, kept apart in the run for the verdict")
    for paths in session:
        console.print(escape(f"wrote {paths.json} and {paths.summary}"))
    if len(session) > 1:
        console.print(
            f"interleaved with the base: perfkit compare {session[0].run.run_id} {run.run_id}"
            f" --runs {out}"
        )


def baseline(
    *, target: str | None = TARGET, scenario: Path | None = SCENARIO,
    duration: float | None = typer.Option(None, "--duration", help="Seconds (default 30)."),
    requests: int | None = REQUESTS, concurrency: int | None = CONCURRENCY,
    rate: float | None = RATE, warmup: float = WARMUP, timeout: float = TIMEOUT,
    workers: int | None = WORKERS, engine: str | None = ENGINE, out: Path | None = OUT,
    thresholds: Path | None = THRESHOLDS, samples: bool = SAMPLES,
    local_workers: int | None = LOCAL_WORKERS, master_bind: str | None = MASTER_BIND,
    repeat: int = REPEAT, base_target: str | None = BASE_TARGET,
    target_label: str | None = TARGET_LABEL,
    junit: Path | None = JUNIT, summary: Path | None = SUMMARY,
) -> None:  # fmt: skip
    """Record a baseline run: baseline-<UTC ts>.json + baseline-summary-<UTC ts>.md."""
    check_files(junit, summary)
    run = _run("baseline", target=target, scenario=scenario, duration=duration,
               requests=requests, concurrency=concurrency, rate=rate, warmup=warmup,
               timeout=timeout, workers=workers, engine=engine, out=out, thresholds=thresholds,
               samples=samples, local_workers=local_workers, master_bind=master_bind,
               repeat=repeat, base_target=base_target, target_label=target_label)  # fmt: skip
    _report(run, junit, summary)


def smoke(
    *, target: str | None = TARGET, scenario: Path | None = SCENARIO,
    duration: float | None = typer.Option(10.0, "--duration", help="Seconds measured."),
    requests: int | None = REQUESTS, concurrency: int | None = CONCURRENCY,
    rate: float | None = RATE, warmup: float = WARMUP, timeout: float = TIMEOUT,
    workers: int | None = WORKERS, engine: str | None = ENGINE, out: Path | None = OUT,
    thresholds: Path | None = THRESHOLDS, samples: bool = SAMPLES,
    target_label: str | None = TARGET_LABEL,
    junit: Path | None = JUNIT, summary: Path | None = SUMMARY,
) -> None:  # fmt: skip
    """The CI smoke test: the packaged criteria (or --thresholds); exit 1 when one fails."""
    check_files(junit, summary)
    run = _run("smoke", target=target, scenario=scenario, duration=duration, requests=requests,
               concurrency=concurrency, rate=rate, warmup=warmup, timeout=timeout, workers=workers,
               engine=engine, out=out, thresholds=thresholds, samples=samples,
               target_label=target_label)  # fmt: skip
    _report(run, junit, summary)
    if run.smoke is not None and not run.smoke.passed:
        raise typer.Exit(1)


def _report(run: Run, junit: Path | None, summary: Path | None) -> None:
    """JUnit and the Markdown summary of the run's smoke criteria (`perfkit.ci`)."""
    from perfkit.ci import smoke_outcome

    if run.smoke is not None:
        write_outputs(smoke_outcome(run), junit, summary)


def register(app: typer.Typer) -> None:
    app.command("baseline")(baseline)
    app.command("smoke")(smoke)
