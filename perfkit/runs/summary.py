"""The Markdown summary of a run (`baseline-summary-<UTC ts>.md`): pure, from the Run."""

from __future__ import annotations

from perfkit.runs.model import Environment, GeneratorStats, LoadSettings, Run, SmokeVerdict, Stats


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _row(name: str, stats: Stats) -> str:
    lat = stats.latency
    errors = ", ".join(f"{k} {v}" for k, v in stats.errors_by_class.items()) or "0"
    return (
        f"| {name} | {stats.count} | {stats.throughput_rps:.1f} | {stats.error_rate:.2%} "
        f"({errors}) | {_ms(lat.mean_ms)} | {_ms(lat.p50_ms)} | {_ms(lat.p95_ms)} | "
        f"{_ms(lat.p99_ms)} | {_ms(lat.max_ms)} |"
    )


def render_summary(run: Run) -> str:
    lines = [
        f"# Performance {run.kind}: {run.scenario} against {run.target}",
        "",
        f"- Run: `{run.run_id}`, {run.started_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"{run.duration_s:.1f} s measured",
        _load_line(run.load),
        _environment_line(run.environment),
        _generator_line(run.generator),
    ]
    if run.health_score is not None:
        lines.append(f"- Health score: {run.health_score:.0f}/100")
    lines += [
        "",
        "| endpoint | requests | req/s | errors | mean ms | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
        *(_row(f"{e.method} {e.path} ({e.name})", e.stats) for e in run.endpoints),
        _row("**overall**", run.overall),
    ]
    if run.smoke is not None:
        lines += ["", *_smoke_lines(run.smoke)]
    if run.warnings:
        lines += ["", "## Warnings", "", *(f"- {w}" for w in run.warnings)]
    if run.samples is not None:
        lines += ["", f"Per-request samples: `{run.samples.path}` ({run.samples.rows} rows)."]
    return "\n".join(lines) + "\n"


def _load_line(load: LoadSettings) -> str:
    shape = (
        f"open model, {load.rate:g} req/s (latency from the intended send time)"
        if load.model == "open"
        else f"closed model, {load.concurrency} users"
    )
    length = (
        f"{load.duration_s:g} s" if load.duration_s is not None else f"{load.requests} requests"
    )
    return (
        f"- Load: {shape}, {length}, warm-up {load.warmup_s:g} s excluded, timeout "
        f"{load.timeout_s:g} s, {load.workers} worker(s), engine {load.engine}"
    )


def _environment_line(env: Environment) -> str:
    commit = env.git_commit or "unknown"
    return (
        f"- Environment: perfkit {env.perfkit_version}, {env.implementation} {env.python}, "
        f"{env.machine}, {env.cpu_count} CPUs, host {env.host}, commit {commit}"
        + (f" on {env.git_branch}" if env.git_branch else "")
        + (f", CI job {env.ci_job_url}" if env.ci_job_url else "")
    )


def _generator_line(generator: GeneratorStats) -> str:
    return (
        f"- Generator: {generator.cpu_utilisation:.0%} of a core (busiest worker), send lag "
        f"p99 {generator.send_lag_p99_ms:.1f} ms"
        + (" **(saturated)**" if generator.saturated else "")
    )


def _smoke_lines(smoke: SmokeVerdict) -> list[str]:
    return [
        f"## Smoke test: {'PASS' if smoke.passed else 'FAIL'}",
        "",
        "| criterion | measured | limit | verdict |",
        "|---|---:|---:|---|",
        *(
            f"| {c.name} | {c.measured:g} {c.unit} | <= {c.limit:g} {c.unit} | "
            f"{'pass' if c.passed else 'FAIL'}{f' ({c.detail})' if c.detail else ''} |"
            for c in smoke.criteria
        ),
    ]
