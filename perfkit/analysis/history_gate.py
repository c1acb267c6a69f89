"""The history gate (``perfkit trends --gate``): is the candidate run outside the spread
of its history's current level?

The candidate is judged against the comparable earlier runs of the same testbed since the
history's last change point (an accepted step is the new normal), outlier runs left out,
each earlier run one observation (a prediction interval for one new run); the candidate's
own spread counts when wider. With fewer than ``min_history`` such runs it judges no
latency: the outcome is "not enough history". The decision rule is the one of
`perfkit.analysis.verdict`, as for `perfkit.analysis.compare.compare_runs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from perfkit.analysis.changepoints import detect_change_points
from perfkit.analysis.comparison import OVERALL, Comparison
from perfkit.analysis.comparison_steps import (
    TestbedContext,
    assemble,
    comparable_history,
    endpoint_of,
    history_values,
    metric_sample,
)
from perfkit.analysis.data import RunData
from perfkit.analysis.verdict import (
    LATENCY_METRICS,
    METRICS,
    CompareOptions,
    MetricTest,
    Sample,
    estimate_noise,
    inliers,
    test_metric,
)
from perfkit.analysis.verdict import test_error_rate as error_rate_test


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
        ep = endpoint_of(candidate, name)
        assert ep is not None
        for metric in METRICS:
            if metric != "error_rate":
                level = _current_level(history_values(earlier, name, metric))
                sides[name, metric] = (metric_sample(ep, metric, trials=False, summary=True), level)
    noisier = _noisier(list(sides.values()), opts.min_history)
    tests: list[MetricTest] = []
    for name in names:
        ep = endpoint_of(candidate, name)
        assert ep is not None
        for metric in METRICS:
            if metric == "error_rate":
                runs = [e for r in earlier if (e := endpoint_of(r, name)) is not None]
                pooled = (sum(e.errors for e in runs), sum(e.count for e in runs))
                tests.append(error_rate_test(name, pooled, (ep.errors, ep.count), opts))
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
    context = TestbedContext(None, None, False, noisier, len(earlier))
    base_id = f"history ({len(earlier)} runs)"
    result = assemble(base_id, candidate.run_id, tests, opts, notes, context=context)
    short = len(earlier) if len(earlier) < opts.min_history else None
    return replace(result, short_history=short)
