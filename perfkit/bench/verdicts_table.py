"""The Markdown of `perfkit bench verdicts`: one column per way of judging, side by side."""

from __future__ import annotations

import statistics
import time

from perfkit.bench import verdicts_sessions as records
from perfkit.bench.verdicts import MODES, Tally, VerdictBenchResult


def _share(flagged: int, pairs: int) -> str:
    return f"{flagged}/{pairs} ({flagged / pairs:.0%})" if pairs else "-"


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):+.0%}" if values else "-"


def _headings(result: VerdictBenchResult) -> dict[str, str]:
    opts = result.options
    return {
        "single": "one run vs one run",
        "history": f"one run vs one run + {opts.history} earlier runs",
        "interleaved": f"{opts.repeat} + {opts.repeat} interleaved trials",
        "duet": f"duet, {opts.duet_seconds:g} s in {opts.duet_blocks} blocks",
    }


def _job_seconds(result: VerdictBenchResult, mode: str) -> str:
    """A PR job's measuring time per comparison: its own build's trials for single and
    history (the base's run comes from the main branch), both builds' for interleaved,
    the duet's wall time for a duet."""
    if mode == "duet":
        return f"{statistics.median(result.duet_seconds):.0f} s" if result.duet_seconds else "-"
    if not result.instance_seconds:
        return "-"
    one = statistics.median(result.instance_seconds)
    return f"{one * (2 if mode == 'interleaved' else 1):.0f} s"


def _realised(result: VerdictBenchResult, mode: str, size: float) -> str:
    """The median realised change of the slowed endpoint's p50 (pooled per pair)."""
    found = [r.realised for r in result.records
             if r.mode == mode and r.size == size and r.realised is not None]  # fmt: skip
    return f"{statistics.median(found):+.1%}" if found else "-"


def _row(label: str, cells: list[str]) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


def markdown(result: VerdictBenchResult) -> str:
    opts = result.options
    target = opts.calibration_target
    modes = [m for m in MODES if (m, None) in result.tallies] or list(MODES)
    sessions = result.tally(modes[0], None).pairs
    noise = (
        f"{opts.noise} busy process{'es' if opts.noise > 1 else ''}"
        if opts.noise
        else "no busy processes"
    )
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {result.machine} (at the "
        f"start); {noise}, {result.load.summary()}.",
        f"Target: {target.describe}. {sessions} sessions of {opts.repeat} trials per "
        f"instance ({opts.duration_s:g} s measured after {opts.warmup_s:g} s warm-up, "
        f"{opts.concurrency} users)"
        + (f", {result.seconds / 60:.1f} min in all." if result.seconds else "."),
        "",
        _row("condition", [_headings(result)[m] for m in modes]),
        "|---|" + "---:|" * len(modes),
    ]

    def cells(pick: str, size: float | None) -> list[str]:
        tallies: list[Tally] = [result.tally(m, size) for m in modes]
        if pick == "collateral":
            return [_share(t.collateral, t.pairs) for t in tallies]
        return [_share(t.flagged, t.pairs) for t in tallies]

    lines.append(_row("A/A: anything flagged (false alarm)", cells("flagged", None)))
    for size in opts.sizes:
        lines.append(
            _row(f"{target.slowed} +{size:.0%}: its p50 regressed", cells("flagged", size))
        )
    for size in opts.sizes:
        lines.append(
            _row(
                f"{target.slowed} +{size:.0%}: latency regressed elsewhere (false alarm)",
                cells("collateral", size),
            )
        )
    conditions = [None, *opts.sizes]
    reruns = [", ".join(str(result.tally(m, c).rerun) for c in conditions) for m in modes]
    names = ", ".join(["A/A", *(f"+{c:.0%}" for c in opts.sizes)])
    lines.append(_row(f"environment changed, re-run asked ({names})", reruns))
    for size in opts.sizes:
        lines.append(_row(f"{target.slowed} +{size:.0%}: realised change of its p50 (median)",
                          [_realised(result, m, size) for m in modes]))  # fmt: skip
    detect = [_median(result.tally(m, None).detectable) for m in modes]
    lines.append(_row(f"A/A: median smallest detectable change of {target.slowed} p50", detect))
    lines.append(_row("measuring time of a PR job per comparison",
                      [_job_seconds(result, m) for m in modes]))  # fmt: skip
    if result.records:
        lines += ["", "By the load average when each comparison began (caught / sessions, "
                  f"median realised change of {target.slowed} p50):"]  # fmt: skip
        for mode in modes:
            lines += ["", records.by_load(result.records, mode, opts.sizes)]
        lines += ["", "Every comparison:", "", records.listing(result.records)]
    return "\n".join(lines)
