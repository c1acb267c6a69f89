"""Compare runs: per endpoint and overall, a verdict for each metric (`perfkit.analysis.verdict`).

Two questions, one decision rule:

- `compare_runs(base, candidate, history=...)`: did the candidate run move against the base
  run? Interleaved trials of the two (one session) are the strongest evidence; otherwise
  the comparable runs of ``history`` give the spread between runs; with neither the
  verdict is weak (a prior) and says the smallest change it could have detected.
- `compare_to_history(candidate, history)`: the history gate (``perfkit trends --gate``):
  is the candidate outside the spread of the history's current level? It lives in
  `perfkit.analysis.history_gate` and is re-exported here; the steps both share (the
  comparable history, each side's sample, the assembly) are in
  `perfkit.analysis.comparison_steps`.

Both then apply the testbed rule (`perfkit.analysis.testbed`): a change that the machine
explains (another testbed, every endpoint moved alike, a candidate far noisier than its
history) makes the outcome "environment changed: re-run" instead of blaming the code. A
gate with too few comparable runs judges no latency: its outcome is "not enough history".

`perfkit compare`, notebook 02, the analytics report, ``/api/mcp/analytics`` and the MCP
tools all come here, so they cannot disagree about the same runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from perfkit.analysis.comparison import (
    OVERALL,
    Comparison,
    EndpointComparison,
    Outcome,
)
from perfkit.analysis.comparison_steps import (
    HISTORY_WINDOW,
    TestbedContext,
    assemble,
    comparable_history,
    endpoint_of,
    history_values,
    metric_sample,
)
from perfkit.analysis.data import RunData
from perfkit.analysis.history_gate import compare_to_history
from perfkit.analysis.verdict import (
    LATENCY_METRICS,
    METRICS,
    CompareOptions,
    MetricTest,
    MetricVerdict,
    estimate_noise,
    history_spread,
    relative_change,
    test_error_rate,
    test_metric,
)
from perfkit.errors import InputError

__all__ = [
    "HISTORY_WINDOW",
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


def _names(base: RunData, candidate: RunData) -> list[str]:
    return [OVERALL, *(n for n in base.endpoints if n in candidate.endpoints)]


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
        a, b = endpoint_of(base, name), endpoint_of(candidate, name)
        assert a is not None and b is not None
        for metric in METRICS:
            if metric == "error_rate":
                tests.append(
                    test_error_rate(name, (a.errors, a.count), (b.errors, b.count), options)
                )
                continue
            sa = metric_sample(a, metric, trials=interleaved)
            sb = metric_sample(b, metric, trials=interleaved)
            gap = a.origin or b.origin
            spread = history_spread(history_values(history, name, metric), options.min_history)
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
            spread = history_spread(history_values(history, name, metric), opts.min_history)
            own = metric_sample(ep, metric, trials=False, summary=True).block_sd
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
    context = TestbedContext(base.testbed, candidate.testbed, interleaved, noisier, len(earlier))
    return assemble(base.run_id, candidate.run_id, tests, opts, notes, context=context)
