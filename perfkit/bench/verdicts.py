"""`perfkit bench verdicts`: how often the verdict cries wolf, and how often it catches a wolf.

Against a calibration target (`perfkit.bench.calibration_targets`): one instance is the
base build; an identical second instance is the unchanged candidate (A/A); further
instances slow one endpoint by each slowdown size. Each session interleaves ``repeat``
trials of every instance (`interleave`, rotating the order each round), then judges every
candidate against the base by the one verdict rule, as a PR gate would:

- interleaved: the trials as recorded (``--repeat N --base-target``);
- single: the same runs with their pairing dropped, as two unrelated runs with no history
  (the weak verdict, judged on a conservative prior);
- history: those two runs again, with the base instance's runs of the ``history``
  sessions before (single runs too, recorded before the first session to begin with) as
  the history that gives the noise: a main branch's earlier runs;
- duet: the base and the candidate loaded at the same time, requests paired in time
  (`perfkit.bench.verdicts_duet`, `perfkit ab`'s loader), ``duet_duration_s`` measured
  seconds cut into ``duet_blocks`` blocks, recorded after the session's trials.

``noise`` busy processes (`perfkit.bench.busy`) load the machine for the whole run, and
the 1-minute load average is sampled between sessions.

A/A counts a false alarm when *anything* (any endpoint, any metric) is called regressed or
improved; an outcome of "environment changed" (the gate asks for a re-run, blaming no
code) is counted apart, in every condition; a slowdown is caught when the slowed
endpoint's p50 is called regressed, and a latency regression of another endpoint beside
it is counted as a false alarm (their throughput does fall and their latency improve: a
slower endpoint holds the closed model's users longer).
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
from perfkit.bench import verdicts_duet as duet
from perfkit.bench import verdicts_sessions as sessions
from perfkit.bench.busy import LoadSampler, busy_processes, load_average
from perfkit.bench.calibration_targets import TARGETS, CalibrationTarget
from perfkit.bench.slowdowns import Slowdowns
from perfkit.errors import InputError
from perfkit.loadgen.baseline import RunPlan, interleave
from perfkit.loadgen.runner import LoadConfig
from perfkit.machine import describe_machine
from perfkit.runs.artifacts import write_run
from perfkit.runs.history import History

LATENCY = ("p50", "p95", "p99", "mean")
MODES = ("single", "history", "interleaved", "duet")


@dataclass(frozen=True)
class VerdictBenchOptions:
    sessions: int = 3
    repeat: int = 5
    duration_s: float = 1.0
    warmup_s: float = 0.5
    concurrency: int = 8
    sizes: tuple[float, ...] = (0.10, 0.20, 0.50)
    keep: Path | None = None  # write every recorded run here, to judge them again later
    noise: int = 0  # busy processes loading the machine during the run
    target: str = "reference"
    history: int = 10  # earlier runs of the base in the history mode (the rule wants 10)
    #: measured seconds of a duet; None: ``repeat * duration_s``, what each build gets in
    #: the interleaved trials (the same requests per build); 0: no duets
    duet_duration_s: float | None = None
    duet_blocks: int = 10
    #: the ways of judging to record and tally: a calibration of one mode skips the others'
    #: recordings (no trials without single/history/interleaved, no duets without duet)
    modes: tuple[str, ...] = MODES

    def validate(self) -> None:
        if self.sessions < 1 or self.repeat < 2:
            raise InputError("--sessions must be >= 1 and --repeat >= 2")
        if self.duration_s <= 0 or self.warmup_s < 0 or self.concurrency < 1:
            raise InputError("--duration must be > 0, --warmup >= 0, --concurrency >= 1")
        if any(not 0 < s < 10 for s in self.sizes):
            raise InputError("--sizes must be fractions between 0 and 10, e.g. 0.1,0.2,0.5")
        if not 0 <= self.noise <= 64:
            raise InputError(f"--noise must be 0..64 busy processes, got {self.noise}")
        if self.target not in TARGETS:
            raise InputError(f"--target must be one of {', '.join(TARGETS)}, got {self.target!r}")
        if self.history < 0:
            raise InputError(f"--history must be >= 0, got {self.history}")
        if self.duet_duration_s is not None and self.duet_duration_s < 0:
            raise InputError(f"--duet-duration must be >= 0, got {self.duet_duration_s}")
        if self.duet_blocks < 2:
            raise InputError(f"--duet-blocks must be >= 2, got {self.duet_blocks}")
        if not self.modes or any(mode not in MODES for mode in self.modes):
            raise InputError(f"--modes must be some of {','.join(MODES)}, got {self.modes!r}")

    @property
    def trials(self) -> bool:
        """Whether sessions record interleaved trials (what single, history and
        interleaved judge)."""
        return any(mode in self.modes for mode in MODES[:3])

    @property
    def duet_seconds(self) -> float:
        """The measured seconds of one duet (0: none)."""
        if self.duet_duration_s is None:
            return self.repeat * self.duration_s
        return self.duet_duration_s

    @property
    def calibration_target(self) -> CalibrationTarget:
        return TARGETS[self.target]


@dataclass
class Tally:
    """Outcomes of one condition (A/A or one slowdown size) in one judging mode."""

    slowed: str
    pairs: int = 0
    flagged: int = 0  # A/A: anything flagged; slowdown: the slowed endpoint's p50 regressed
    collateral: int = 0  # slowdown: another endpoint's latency called regressed too
    rerun: int = 0  # the outcome was "environment changed": the gate asks for a re-run
    detectable: list[float] = field(default_factory=list)

    def add(self, comparison: Comparison, size: float | None) -> bool:
        """Count one comparison; whether it flagged (A/A) or caught (a slowdown)."""
        self.pairs += 1
        self.rerun += comparison.outcome == "environment changed"
        moved = comparison.changes("regressed") + comparison.changes("improved")
        if size is None:
            flagged = bool(moved) or comparison.verdict != "unchanged"
        else:
            flagged = any(e == self.slowed and m.metric == "p50"
                          and m.verdict == "regressed" for e, m in moved)  # fmt: skip
            self.collateral += any(e not in (self.slowed, "overall") and m.metric in LATENCY
                                   and m.verdict == "regressed" for e, m in moved)  # fmt: skip
        slowed = next(e for e in comparison.endpoints if e.endpoint == self.slowed)
        if slowed.metrics["p50"].test.detectable is not None:
            self.detectable.append(slowed.metrics["p50"].test.detectable)
        self.flagged += flagged
        return flagged


@dataclass
class VerdictBenchResult:
    options: VerdictBenchOptions
    machine: str  # `perfkit.machine`'s line: architecture, cores, Python, load at the start
    load: LoadSampler = field(default_factory=LoadSampler)
    seconds: float = 0.0
    #: seconds one instance's trials of a session took (a build's share of the job)
    instance_seconds: list[float] = field(default_factory=list)
    duet_seconds: list[float] = field(default_factory=list)  # wall time of each duet
    #: (mode, size or None for A/A) -> tally
    tallies: dict[tuple[str, float | None], Tally] = field(default_factory=dict)
    #: the slowed instances' waits (none when judging kept runs again)
    slowdowns: Slowdowns = field(default_factory=lambda: Slowdowns("", {}))
    live: bool = True  # recording now (records are appended to the keep folder as they come)
    #: every comparison on its own: load, realised change, verdict (`verdicts_sessions`)
    records: list[sessions.ComparisonRecord] = field(default_factory=list)

    def tally(self, mode: str, size: float | None) -> Tally:
        slowed = self.options.calibration_target.slowed
        return self.tallies.setdefault((mode, size), Tally(slowed))

    def judged(self, mode: str, size: float | None, pair: tuple[RunData, RunData], *,
               began: tuple[str, float | None], history: Sequence[RunData] = (),
               seconds: float | None = None) -> None:  # fmt: skip
        """Judge ``pair`` (base, candidate) by the verdict rule, tally it and record it;
        ``began``: the UTC time and the load average when its recording began."""
        comparison = compare_runs(*pair, history=history)
        flagged = self.tally(mode, size).add(comparison, size)
        record = sessions.comparison_record(
            comparison, pair, self.options.calibration_target.slowed, mode=mode, size=size,
            at=began[0], load=began[1], flagged=flagged, seconds=seconds,
            wait_ms=self.slowdowns.wait(size),
        )  # fmt: skip
        self.records.append(record)
        if self.options.keep is not None and self.live:
            sessions.append(self.options.keep, record)


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
    scenario = opts.calibration_target.scenario()
    return RunPlan(scenario=scenario, load=load, repeat=opts.repeat)


def _single(run: RunData) -> RunData:
    """The run as if recorded on its own: no pairing, so no trials are compared."""
    return replace(run, session=None)


def _now() -> tuple[str, float | None]:
    """The UTC time and the 1-minute load average, as a record of a comparison keeps them."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), load_average()


def _judge(
    result: VerdictBenchResult,
    runs: Sequence[RunData],
    earlier: Sequence[RunData],
    began: tuple[str, float | None],
) -> None:
    """Judge one session's candidates against its base; ``earlier``: the base's history."""
    base, candidates = runs[0], runs[1:]
    history = [_single(run) for run in earlier]
    modes = result.options.modes
    for cand, size in zip(candidates, [None, *result.options.sizes], strict=True):
        single = (_single(base), _single(cand))
        if "single" in modes:
            result.judged("single", size, single, began=began)
        if "history" in modes:
            result.judged("history", size, single, began=began, history=history)
        if "interleaved" in modes:
            result.judged("interleaved", size, (base, cand), began=began)


def _duets(
    result: VerdictBenchResult, plan: RunPlan, urls: Sequence[str], partners: Sequence[str]
) -> None:
    """One duet of each candidate with its own base (``partners``, one per condition),
    judged as `perfkit ab` judges it."""
    opts = result.options
    for base, url, size in zip(partners, urls[1:], [None, *opts.sizes], strict=True):
        began, start = _now(), time.monotonic()
        recorded = duet.duet_pair(plan, (base, url), opts.calibration_target.label,
                                  opts.duet_seconds, opts.duet_blocks)  # fmt: skip
        seconds = time.monotonic() - start
        result.duet_seconds.append(seconds)
        if opts.keep is not None:
            duet.keep_pair(recorded, opts.keep, size)
        pair = duet.as_data(recorded)
        result.judged("duet", size, pair, began=began, seconds=seconds)
        realised = sessions.realised_change(*pair, opts.calibration_target.slowed)
        result.slowdowns.retune(pair[0], {} if size is None else {size: realised})


def _session_trials(
    result: VerdictBenchResult, plan: RunPlan, urls: Sequence[str], earlier: list[RunData]
) -> None:
    """One session's interleaved trials of every instance, judged; the base's run joins
    ``earlier``, the history of the sessions after."""
    opts = result.options
    began, start = _now(), time.monotonic()
    recorded = interleave(plan, urls, opts.calibration_target.label)
    result.instance_seconds.append((time.monotonic() - start) / len(urls))
    if opts.keep is not None:
        for run, samples in recorded:
            write_run(run, opts.keep, samples)
    runs = [run_data(run, samples) for run, samples in recorded]
    _judge(result, runs, earlier[-opts.history :] if opts.history else [], began)
    earlier.append(runs[0])
    slowed = opts.calibration_target.slowed
    realised = {s: sessions.realised_change(runs[0], run, slowed)
                for s, run in zip(opts.sizes, runs[2:], strict=True)}  # fmt: skip
    result.slowdowns.retune(runs[0], realised)


def run_bench(opts: VerdictBenchOptions) -> VerdictBenchResult:
    """Start the instances (and the busy processes), run ``opts.sessions`` sessions, tally
    every verdict."""
    opts.validate()
    target = opts.calibration_target
    result = VerdictBenchResult(opts, describe_machine().line())
    plan = _plan(opts)
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(target.start()) for _ in range(2 + len(opts.sizes))]
        # a duet's base serves only the duets of its condition: the same requests as its
        # candidate, as two builds `perfkit ab` starts together (one base loaded by every
        # duet was slower than its A/A partner by 2-17 %, more the higher the load)
        duets = opts.duet_seconds > 0 and "duet" in opts.modes
        partners = [stack.enter_context(target.start()) for _ in urls[1:]] if duets else []
        result.slowdowns = Slowdowns(target.slowed, dict(zip(opts.sizes, urls[2:], strict=True)))
        stack.enter_context(busy_processes(opts.noise))
        result.load.sample()
        earlier: list[RunData] = []
        for _ in range(opts.history if "history" in opts.modes else 0):  # before session 1
            ((run, samples),) = interleave(plan, urls[:1], target.label)  # a run on its own
            if opts.keep is not None:
                write_run(run, opts.keep, samples)
            earlier.append(run_data(run, samples))
        if earlier:
            result.slowdowns.retune(earlier[-1])
        else:
            result.slowdowns.probe(plan, urls[0], target.label)
        for _ in range(opts.sessions):
            if opts.trials:
                _session_trials(result, plan, urls, earlier)
            if duets:
                _duets(result, plan, urls, partners)
            result.load.sample()
    result.seconds = time.monotonic() - started
    return result


def rejudge(folder: Path, opts: VerdictBenchOptions) -> VerdictBenchResult:
    """Judge the sessions kept by an earlier ``--keep`` run again (after a change of the
    rule): each session's runs, in the order their first trials started, are the base, the
    A/A candidate and the slowdowns of ``opts.sizes``; the runs of no session are the
    base's history recorded before the first session."""
    result = VerdictBenchResult(opts, f"{describe_machine().line()}; judged again from {folder}")
    result.live = False
    kept = sessions.read(folder)  # the load average each recording began at, when kept

    def began(run: RunData) -> tuple[str, float | None]:
        return sessions.began_at(kept, run.started_at)

    found: dict[str, list[RunData]] = {}
    earlier: list[RunData] = []
    for stored in sorted(History(folder).runs(), key=lambda s: s.run.started_at):
        data = stored_run_data(stored)
        if stored.run.session is None:
            earlier.append(data)
        else:
            found.setdefault(stored.run.session, []).append(data)
    for runs in found.values():
        if len(runs) == len(opts.sizes) + 2:
            history = earlier[-opts.history :] if opts.history else []
            _judge(result, runs, history, began(runs[0]))
            earlier.append(runs[0])
    for size in [None, *opts.sizes] if "duet" in opts.modes else []:
        for base, head in duet.kept_pairs(folder, size):
            result.judged("duet", size, (base, head), began=began(base))
    result.records.sort(key=lambda r: r.at)
    if not result.tallies:
        raise InputError(f"{folder} holds no runs of a verdicts session of {','.join(opts.modes)}")
    return result
