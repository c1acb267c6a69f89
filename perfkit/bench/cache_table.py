"""The Markdown table of `perfkit bench cache` (pure: a result in, text out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfkit.machine import describe_machine

if TYPE_CHECKING:
    from perfkit.bench.cache import BenchOptions, BenchResult


def machine() -> str:
    """The line printed under the table: `perfkit.machine`'s."""
    return describe_machine().line()


def render_markdown(result: BenchResult, options: BenchOptions) -> str:
    """The README table: rates, time per operation, ratio to the raw redis-py call."""
    lines = [
        "| measurement | contender | rate | wall per op | vs raw | client CPU per op |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for section, rates, unit in (
        ("hit, 1 KB JSON", result.hit, "ops/s"),
        ("batch of 100 ids", result.batch, "batches/s"),
    ):
        for name, (rate, cpu, ratio) in rates.items():
            lines.append(
                f"| {section} | {name} | {rate:,.0f} {unit} | {1e6 / rate:,.0f} µs "
                f"| {ratio:.2f}x | {cpu:,.0f} µs |"
            )
    commands = ", ".join(f"{n} {c}" for n, c in sorted(result.batch_commands.items()))
    uncached, cached = result.http["/uncached"], result.http["/cached"]
    for path, (p50, p95, handler) in result.http.items():
        lines.append(
            f"| endpoint, {options.upstream_ms:.0f} ms upstream | {path} | "
            f"p50 {p50:.2f} ms | p95 {p95:.2f} ms | | handler p50 {handler:.3f} ms |"
        )
    lines += [
        "",
        f"perfkit get_many, one batch of 100 (all hits): Redis commands {commands}.",
        f"Cached endpoint p50 cut: {result.http_p50_cut():.1%} seen by the client "
        f"({uncached[0]:.2f} -> {cached[0]:.2f} ms), {result.http_p50_cut(2):.1%} in the "
        f"handler ({uncached[2]:.3f} -> {cached[2]:.3f} ms). HTTP: the demo Starlette app "
        "under uvicorn on loopback (client and server in one process), standing in for "
        "the reference service.",
    ]
    lines += [f"Left out: {note}." for note in result.notes]
    return "\n".join(lines)
