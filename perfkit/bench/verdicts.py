"""`perfkit bench verdicts`: how often the verdict cries wolf, and how often it catches a wolf.

Against the reference service: one instance is the base build; an identical second
instance is the unchanged candidate (A/A); further instances raise the simulated latency of
the chat model (`PERFKIT_CHAT_LATENCY_MS`, one endpoint's upstream) by each slowdown size.
Each session interleaves ``repeat`` trials of every instance (`interleave`, rotating the
order each round), then judges every candidate against the base by the one verdict rule:

- interleaved: the trials as recorded (``--repeat N --base-target``);
- single: the same runs with their pairing dropped, as two unrelated runs with no history
  (the weak verdict, judged on a conservative prior).

A/A counts a false alarm when *anything* (any endpoint, any metric) is called regressed or
improved; a slowdown is caught when chat's p50 is called regressed, and a latency
regression of another endpoint beside it is counted as a false alarm (their throughput does
fall and their latency improve: a slower chat holds the closed model's users longer).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfkit.analysis.adapt import run_data, stored_run_data
from perfkit.analysis.compare import Comparison, compare_runs
from perfkit.analysis.data import RunData
from perfkit.errors import InputError
from perfkit.loadgen.baseline import RunPlan, interleave
from perfkit.loadgen.local_target import REFERENCE_LABEL, reference_target
from perfkit.loadgen.runner import LoadConfig
from perfkit.loadgen.scenario import default_scenario_path, load_scenario
from perfkit.machine import describe_machine
from perfkit.runs.artifacts import write_run
from perfkit.runs.history import History, StoredRun

SLOWED_ENDPOINT = "chat"
LATENCY = ("p50", "p95", "p99", "mean")
_CHAT_MS = 120.0


@dataclass(frozen=True)
class VerdictBenchOptions:
    sessions: int = 30
    repeat: int = 5
    duration_s: float = 1.0
    warmup_s: float = 0.5
    concurrency: int = 8
    sizes: tuple[float, ...] = (0.10, 0.20, 0.50)
    keep: Path | None = None  # write every recorded run here, to judge them again later

    def validate(self) -> None:
        if self.sessions < 1 or self.repeat < 2:
            raise InputError("--sessions must be >= 1 and --repeat >= 2")
        if self.duration_s <= 0 or self.warmup_s < 0 or self.concurrency < 1:
            raise InputError("--duration must be > 0, --warmup >= 0, --concurrency >= 1")
        if any(not 0 < s < 10 for s in self.sizes):
            raise InputError("--sizes must be fractions between 0 and 10, e.g. 0.1,0.2,0.5")


@dataclass
class Tally:
    """Outcomes of one condition (A/A or one slowdown size) in one judging mode."""

    pairs: int = 0
    flagged: int = 0  # A/A: anything flagged; slowdown: chat p50 called regressed
    collateral: int = 0  # slowdown: something else flagged too
    detectable: list[float] = field(default_factory=list)

    def add(self, comparison: Comparison, size: float | None) -> None:
        self.pairs += 1
        moved = comparison.changes("regressed") + comparison.changes("improved")
        if size is None:
            self.flagged += bool(moved)
        else:
            hit = any(e == SLOWED_ENDPOINT and m.metric == "p50" and m.verdict == "regressed"
                      for e, m in moved)  # fmt: skip
            self.flagged += hit
            # a slower chat holds closed-model users longer: the other endpoints really get
            # less throughput and less contention (faster); a latency regression elsewhere
            # would be a false alarm
            self.collateral += any(e not in (SLOWED_ENDPOINT, "overall") and m.metric in LATENCY
                                   and m.verdict == "regressed" for e, m in moved)  # fmt: skip
        p50 = next(e for e in comparison.endpoints if e.endpoint == SLOWED_ENDPOINT)
        if p50.metrics["p50"].test.detectable is not None:
            self.detectable.append(p50.metrics["p50"].test.detectable)


@dataclass
class VerdictBenchResult:
    options: VerdictBenchOptions
    machine: str  # `perfkit.machine`'s line: architecture, cores, Python, load at the start
    seconds: float = 0.0
    #: (mode, size or None for A/A) -> tally
    tallies: dict[tuple[str, float | None], Tally] = field(default_factory=dict)

    def tally(self, mode: str, size: float | None) -> Tally:
        return self.tallies.setdefault((mode, size), Tally())


def _plan(opts: VerdictBenchOptions) -> RunPlan:
    load = LoadConfig(
        model="closed",
        concurrency=opts.concurrency,
        rate=None,
        duration_s=opts.duration_s,
        requests=None,
        warmup_s=opts.warmup_s,
        timeout_s=10.0,
        workers=1,
        engine="aiohttp",
        keep_samples=True,
    )
    return RunPlan(scenario=load_scenario(default_scenario_path()), load=load, repeat=opts.repeat)


def _single(run: RunData) -> RunData:
    """The run as if recorded on its own: no pairing, so no trials are compared."""
    return replace(run, session=None)


def _judge(result: VerdictBenchResult, runs: Sequence[RunData], sizes: Sequence[float]) -> None:
    base, candidates = runs[0], runs[1:]
    for cand, size in zip(candidates, [None, *sizes], strict=True):
        result.tally("interleaved", size).add(compare_runs(base, cand), size)
        result.tally("single", size).add(compare_runs(_single(base), _single(cand)), size)


def run_bench(opts: VerdictBenchOptions) -> VerdictBenchResult:
    """Start the instances, run ``opts.sessions`` sessions, tally every verdict."""
    opts.validate()
    result = VerdictBenchResult(opts, describe_machine().line())
    plan = _plan(opts)
    envs: list[dict[str, str]] = [{}, {}] + [
        {"PERFKIT_CHAT_LATENCY_MS": f"{_CHAT_MS * (1 + size):g}"} for size in opts.sizes
    ]
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(reference_target(env)) for env in envs]
        for _ in range(opts.sessions):
            recorded = interleave(plan, urls, REFERENCE_LABEL)
            if opts.keep is not None:
                for run, samples in recorded:
                    write_run(run, opts.keep, samples)
            _judge(result, [run_data(run, samples) for run, samples in recorded], opts.sizes)
    result.seconds = time.monotonic() - started
    return result


def rejudge(folder: Path, opts: VerdictBenchOptions) -> VerdictBenchResult:
    """Judge the sessions kept by an earlier ``--keep`` run again (after a change of the
    rule): each session's runs, in the order their first trials started, are the base, the
    A/A candidate and the slowdowns of ``opts.sizes``."""
    result = VerdictBenchResult(opts, f"{describe_machine().line()}; judged again from {folder}")
    sessions: dict[str, list[StoredRun]] = {}
    for stored in History(folder).runs():
        if stored.run.session is not None:
            sessions.setdefault(stored.run.session, []).append(stored)
    if not sessions:
        raise InputError(f"{folder} holds no runs of a verdicts session")
    for runs in sessions.values():
        if len(runs) == len(opts.sizes) + 2:
            ordered = sorted(runs, key=lambda s: s.run.trials[0].started_at)
            _judge(result, [stored_run_data(s) for s in ordered], opts.sizes)
    return result


def _share(flagged: int, pairs: int) -> str:
    return f"{flagged}/{pairs} ({flagged / pairs:.0%})" if pairs else "-"


def markdown(result: VerdictBenchResult) -> str:
    opts = result.options
    sessions = result.tally("interleaved", None).pairs
    lines = [
        f"{time.strftime('%Y-%m-%d')}, {result.machine} (1-minute load average at the start); "
        f"{sessions} sessions of {opts.repeat} interleaved trials per instance "
        f"({opts.duration_s:g} s measured after {opts.warmup_s:g} s warm-up, "
        f"{opts.concurrency} users)"
        + (f", {result.seconds / 60:.1f} min in all." if result.seconds else "."),
        "",
        "| comparison | judged | flagged | latency regressed elsewhere | median smallest "
        "detectable change of chat p50 |",
        "|---|---|---:|---:|---:|",
    ]
    for size in [None, *opts.sizes]:
        for mode in ("interleaved", "single"):
            t = result.tally(mode, size)
            what = "A/A (nothing changed)" if size is None else f"chat +{size:.0%}"
            judged = (
                f"{opts.repeat} + {opts.repeat} interleaved trials"
                if mode == "interleaved"
                else "one run vs one run, no history (weak)"
            )
            detect = sorted(t.detectable)
            median = f"{detect[len(detect) // 2]:+.0%}" if detect else "-"
            other = "-" if size is None else _share(t.collateral, t.pairs)
            lines.append(
                f"| {what} | {judged} | {_share(t.flagged, t.pairs)} | {other} | {median} |"
            )
    return "\n".join(lines)
