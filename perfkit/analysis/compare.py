"""Compare runs: per endpoint and overall, a verdict for each metric (`perfkit.analysis.verdict`).

Two questions, one decision rule:

- `compare_runs(base, candidate, history=...)`: did the candidate run move against the base
  run? Interleaved trials of the two (one session) are the strongest evidence; otherwise
  the comparable runs of ``history`` give the spread between runs; with neither the
  verdict is weak (a prior) and says the smallest change it could have detected.
- `compare_to_history(candidate, history)`: the history gate (``perfkit trends --gate``):
  is the candidate outside the spread of the history's current level?

Both then apply the testbed rule (`perfkit.analysis.testbed`): a change that the machine
explains (another testbed, every endpoint moved alike, a candidate far noisier than its
history) makes the outcome "environment changed: re-run" instead of blaming the code. A
gate with too few comparable runs judges no latency: its outcome is "not enough history".

`perfkit compare`, notebook 02, the analytics report, ``/api/mcp/analytics`` and the MCP
tools all come here, so they cannot disagree about the same runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from perfkit.analysis.changepoints import detect_change_points
from perfkit.analysis.comparison import (
    OVERALL,
    Comparison,
    EndpointComparison,
    Outcome,
)
from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.testbed import check_environment
from perfkit.analysis.verdict import (
    LATENCY_METRICS,
    METRICS,
    CompareOptions,
    MetricTest,
    MetricVerdict,
    Sample,
    block_sd,
    decide,
    estimate_noise,
    history_spread,
    inliers,
    own_spread,
    relative_change,
    test_error_rate,
    test_metric,
)
from perfkit.errors import InputError
from perfkit.machine import Testbed

__all__ = [
    "METRICS",
    "CompareOptions",
    "Comparison",
    "EndpointComparison",
    "MetricVerdict",
    "Outcome",
    "comparable_history",
    "compare_runs",
    "compare_to_history",
    "relative_change",
]

#: how many earlier runs of the current level the history gate and the noise look at
HISTORY_WINDOW = 30
_LABEL_HINT = (
    "; a service started on another port is the same target when both runs carry one "
    "label: record them with --target-label NAME (or use --force)"
)


def check_comparable(base: RunData, candidate: RunData) -> None:
    """Refuse runs that measured different things; `force` in `compare_runs` skips this."""
    for what, a, b in (
        ("targets", base.target, candidate.target),
        ("scenarios", base.scenario, candidate.scenario),
    ):
        if a != b:
            hint = _LABEL_HINT if what == "targets" else "; use --force to compare them anyway"
            raise InputError(
                f"runs {base.run_id} and {candidate.run_id} have different {what} "
                f"({a!r} vs {b!r}){hint}"
            )


def comparable_history(
    history: Iterable[RunData], like: RunData, exclude: Iterable[str] = ()
) -> list[RunData]:
    """Runs of ``history`` that measured what ``like`` did, the same way, on the same
    testbed, oldest first (a run whose testbed is unknown matches any)."""
    skip = set(exclude) | {like.run_id}
    key = like.comparable_key()
    found = [r for r in history if r.run_id not in skip and r.comparable_key() == key
             and same_testbed(r.testbed, like.testbed)]  # fmt: skip
    return sorted(found, key=lambda r: (r.started_at, r.run_id))[-HISTORY_WINDOW:]


def same_testbed(a: Testbed | None, b: Testbed | None) -> bool:
    return a is None or b is None or not a.differences(b)


def _endpoint(run: RunData, name: str) -> EndpointData | None:
    return run.overall if name == OVERALL else run.endpoints.get(name)


def _sample(ep: EndpointData, metric: str, *, trials: bool, summary: bool = False) -> Sample:
    """One side of a metric: its trials when they are paired (``trials``), else the run's
    value with the run's own spread (between its trials, else its time blocks), which the
    history and the prior use as a floor of the noise."""
    values = ep.trials.get(metric) if trials else None
    if values:
        return Sample(tuple(values))
    spreads = [own_spread(ep.trials.get(metric, ()))]
    if ep.latencies_ms is not None and ep.latency_times_s is not None:
        spreads.append(block_sd(ep.latencies_ms, ep.latency_times_s, metric))
    known = [x for x in spreads if x is not None]
    return Sample((ep.value(metric, prefer_summary=summary),), max(known) if known else None)


def _names(base: RunData, candidate: RunData) -> list[str]:
    return [OVERALL, *(n for n in base.endpoints if n in candidate.endpoints)]


def _history_values(history: Sequence[RunData], name: str, metric: str) -> list[float]:
    return [
        e.value(metric, prefer_summary=True)
        for run in history
        if (e := _endpoint(run, name)) is not None
    ]


def _pair_tests(
    base: RunData, candidate: RunData, history: Sequence[RunData], options: CompareOptions
) -> list[MetricTest]:
    interleaved = base.session is not None and base.session == candidate.session
    paired = (
        interleaved and len(base.trial_starts) >= 3 and base.trial_starts == candidate.trial_starts
    )
    floor = options.floor_ms
    names = _names(base, candidate)
    family = len(names) * len(METRICS)
    tests: list[MetricTest] = []
    for name in names:
        a, b = _endpoint(base, name), _endpoint(candidate, name)
        assert a is not None and b is not None
        for metric in METRICS:
            if metric == "error_rate":
                tests.append(
                    test_error_rate(name, (a.errors, a.count), (b.errors, b.count), options)
                )
                continue
            sa = _sample(a, metric, trials=interleaved)
            sb = _sample(b, metric, trials=interleaved)
            gap = a.origin or b.origin
            spread = history_spread(_history_values(history, name, metric), options.min_history)
            noise = estimate_noise(
                metric, sa, sb, interleaved=interleaved, paired=paired, history=spread,
                min_history=options.min_history,
            )  # fmt: skip
            cut = floor if metric in LATENCY_METRICS else None
            test = test_metric(name, metric, sa, sb, noise, family=family, options=options,
                               floor=cut)  # fmt: skip
            if gap is not None and test.change is None:  # a tool's summary lacks the figure
                test = replace(test, unavailable=f"not available from {gap}")
            tests.append(test)
    return tests


@dataclass(frozen=True)
class _Context:
    """What the testbed rule needs beside the verdicts."""

    base: Testbed | None
    candidate: Testbed | None
    interleaved: bool
    noisier: float  # the candidate's own spread / the history's (median over metrics; >= 1)
    history_runs: int


def _assemble(
    base_id: str,
    candidate_id: str,
    tests: list[MetricTest],
    options: CompareOptions,
    notes: list[str],
    *,
    context: _Context,
) -> Comparison:
    decision = decide(tests, options)
    environment = check_environment(
        decision.verdicts, base=context.base, candidate=context.candidate,
        interleaved=context.interleaved, noisier=context.noisier, threshold=options.threshold,
    )  # fmt: skip
    by_endpoint: dict[str, dict[str, MetricVerdict]] = {}
    for v in decision.verdicts:
        by_endpoint.setdefault(v.test.endpoint, {})[v.test.metric] = v
    sources = sorted(
        {v.test.noise.source for v in decision.verdicts if v.test.noise is not None} - {"counts"}
    )
    endpoints = [EndpointComparison(n, m) for n, m in by_endpoint.items()]
    return Comparison(
        base_id,
        candidate_id,
        options,
        endpoints[0],
        endpoints[1:],
        " + ".join(sources) or "none",
        [*notes, *environment.reasons, *decision.notes],
        environment,
        context.history_runs if "history" in sources else 0,
    )


def _not_enough(found: int, options: CompareOptions, fallback: str) -> list[str]:
    if found >= options.min_history or found == 0:
        return []
    return [f"not enough history ({found} of {options.min_history} comparable runs): "
            f"judged on {fallback}"]  # fmt: skip


def _pair_noisier(candidate: RunData, history: Sequence[RunData], opts: CompareOptions) -> float:
    """The candidate's own spread over the history's, pooled over its endpoint metrics."""
    pairs = []
    for name, ep in candidate.endpoints.items():
        for metric in ("p50", "p95", "p99", "mean", "throughput"):
            spread = history_spread(_history_values(history, name, metric), opts.min_history)
            own = _sample(ep, metric, trials=False, summary=True).block_sd
            if spread is not None and spread[0] > 0 and own is not None:
                pairs.append(own / spread[0])
    return max(float(np.median(pairs)), 1.0) if pairs else 1.0


def compare_runs(
    base: RunData,
    candidate: RunData,
    options: CompareOptions | None = None,
    *,
    history: Iterable[RunData] = (),
    force: bool = False,
) -> Comparison:
    """Compare ``candidate`` with ``base``; comparable runs of ``history`` (same target,
    scenario, load and testbed as the base) give the noise.

    Raises `InputError` for runs of different targets or scenarios (unless ``force``); runs
    of different testbeds are compared, and the outcome says so when something moved."""
    opts = options or CompareOptions()
    opts.validate()
    if not force:
        check_comparable(base, candidate)
    notes: list[str] = []
    if base.load != candidate.load:
        notes.append(f"load settings differ: {dict(base.load)} vs {dict(candidate.load)}")
    for run in (base, candidate):
        if run.origin is not None:
            notes.append(
                f"run {run.run_id} is {run.origin}: what is not in it is not available from "
                f"{run.origin}, and its figures are judged as one run's"
            )
    for name in base.endpoints:
        if name not in candidate.endpoints:
            notes.append(f"endpoint {name} is only in the base run {base.run_id}")
    for name in candidate.endpoints:
        if name not in base.endpoints:
            notes.append(f"endpoint {name} is only in the candidate run {candidate.run_id}")
    earlier = comparable_history(history, base, exclude=[candidate.run_id])
    interleaved = base.session is not None and base.session == candidate.session
    if not interleaved:
        notes += _not_enough(len(earlier), opts, "a conservative prior (weak)")
    tests = _pair_tests(base, candidate, earlier, opts)
    noisier = 1.0 if interleaved else _pair_noisier(candidate, earlier, opts)
    context = _Context(base.testbed, candidate.testbed, interleaved, noisier, len(earlier))
    return _assemble(base.run_id, candidate.run_id, tests, opts, notes, context=context)


def _current_level(values: list[float]) -> list[float]:
    """The values since the last change point of the series (an accepted step becomes the
    new normal instead of widening the spread forever), without outlier runs."""
    x = np.asarray(values, dtype=np.float64)
    if x.size < 3 or not (x > 0).all():
        return values
    points = detect_change_points(np.log(x))
    return inliers(values[points[-1].index :] if points else values)


def _level_sd(level: Sequence[float]) -> float:
    return float(np.log(level).std(ddof=1)) if len(level) >= 2 else 0.0


def _noisier(pairs: Sequence[tuple[Sample, list[float]]], min_history: int) -> float:
    """How many times the history's spread the candidate's own is, pooled over its
    endpoint metrics (the median ratio; at least 1). One metric's spread from 3 trials is
    itself noisy; a machine that was busy made every metric noisier."""
    ratios = [
        cand.block_sd / sd
        for cand, level in pairs
        if cand.block_sd is not None and len(level) >= min_history and (sd := _level_sd(level))
    ]
    return max(float(np.median(ratios)), 1.0) if ratios else 1.0


def _gate_tests(
    candidate: RunData, earlier: Sequence[RunData], opts: CompareOptions
) -> tuple[list[MetricTest], float]:
    names = [OVERALL, *candidate.endpoints]
    family = len(names) * len(METRICS)
    sides: dict[tuple[str, str], tuple[Sample, list[float]]] = {}
    for name in names:
        ep = _endpoint(candidate, name)
        assert ep is not None
        for metric in METRICS:
            if metric != "error_rate":
                level = _current_level(_history_values(earlier, name, metric))
                sides[name, metric] = (_sample(ep, metric, trials=False, summary=True), level)
    noisier = _noisier(list(sides.values()), opts.min_history)
    tests: list[MetricTest] = []
    for name in names:
        ep = _endpoint(candidate, name)
        assert ep is not None
        for metric in METRICS:
            if metric == "error_rate":
                runs = [e for r in earlier if (e := _endpoint(r, name)) is not None]
                pooled = (sum(e.errors for e in runs), sum(e.count for e in runs))
                tests.append(test_error_rate(name, pooled, (ep.errors, ep.count), opts))
                continue
            cand, level = sides[name, metric]
            base, noise = Sample(tuple(level)), None
            if len(level) >= opts.min_history:
                sd = _level_sd(level)
                cand = replace(cand, block_sd=max(cand.block_sd or 0.0, noisier * sd))
                noise = estimate_noise(metric, base, cand, interleaved=False,
                                       base_is_history=True,
                                       min_history=opts.min_history)  # fmt: skip
            cut = opts.floor_ms if metric in LATENCY_METRICS else None
            tests.append(
                test_metric(name, metric, base, cand, noise, family=family, options=opts, floor=cut)
            )
    return tests, noisier


def compare_to_history(
    candidate: RunData, history: Iterable[RunData], options: CompareOptions | None = None
) -> Comparison:
    """The history gate: the candidate against the current level of its earlier comparable
    runs of the same testbed (outlier runs left out), each earlier run one observation (a
    prediction interval for one new run), the candidate's own spread counted when wider."""
    opts = options or CompareOptions()
    opts.validate()
    earlier = [
        r for r in comparable_history(history, candidate) if r.started_at < candidate.started_at
    ]
    tests, noisier = _gate_tests(candidate, earlier, opts)
    notes = []
    if len(earlier) < opts.min_history:
        notes.append(
            f"not enough history ({len(earlier)} of {opts.min_history} comparable earlier "
            "runs of this testbed): no verdict from the history"
        )
    context = _Context(None, None, False, noisier, len(earlier))
    base_id = f"history ({len(earlier)} runs)"
    result = _assemble(base_id, candidate.run_id, tests, opts, notes, context=context)
    short = len(earlier) if len(earlier) < opts.min_history else None
    return replace(result, short_history=short)
