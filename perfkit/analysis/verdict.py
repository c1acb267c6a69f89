"""The one verdict: did a metric change, judged against the noise *between runs*.

Within one run, thousands of requests make any difference "significant"; it does not
repeat, because the spread from run to run (scheduler, CPU frequency, GC, neighbours, the
generator) is far larger than a run's own standard error (Georges et al. 2007; Kalibera &
Jones 2013). So a metric's verdict is decided on run-level values, each a run's (or a
trial's) p50, p95, p99, mean or throughput, on the log scale (latency noise is
multiplicative), with the noise estimated from the best source available:

``paired trials``       base and candidate loaded at the same time (`perfkit ab`, a duet):
                        trial i of each is the same time block, so a paired t-test on the
                        per-block log ratios; the noise both builds shared cancels. Strongest.
``interleaved trials``  base and candidate recorded as alternating trials of one session
                        (``perfkit baseline --repeat N --base-target URL``, as Chromium's
                        Pinpoint does): a two-sample t-test on the trial values. Strong.
``history``             the robust spread of at least ``min_history`` comparable earlier
                        runs of the same testbed (Bencher's statistical threshold); each
                        side counts as one run of that spread, the candidate's own spread
                        (its trials, its time blocks) when wider. Fewer runs: "not enough
                        history (N of M runs)" and the prior.
``prior``               nothing to go on (one run against one run, no history): a
                        conservative run-to-run spread (`PRIOR_SD`, or the spread between
                        the run's own time blocks when larger). The verdict is *weak* and
                        the smallest change it could have detected says how weak.

Every test of a comparison (endpoints x metrics) is one family: Holm's step-down
correction keeps the chance of *any* false alarm at ``alpha`` (1 %). A change is called
only when it is significant after that correction and at least ``threshold`` relative
(for latencies also ``floor_ms`` absolute, when the user sets one: the measured noise
already holds the harness's own jitter, so by default there is no absolute floor, and a
10 ms endpoint becoming 12 ms is judged like any other). p-values are kept exact: a
p-value of 0 (an exact test certain of a change) is the strongest evidence there is.
Interval and detectable-change arithmetic stays in log space and saturates at infinity
instead of overflowing (few degrees of freedom give huge t quantiles). Error rates are
tested on counts (Fisher's exact test) with an absolute floor.

This module holds the tests of one metric and the decision; the values they work with are
in `perfkit.analysis.verdict_model` and the noise estimates in
`perfkit.analysis.verdict_noise`, both re-exported here: callers import the rule from here.

Calibrated by ``perfkit bench verdicts`` (A/A and injected slowdowns): the rule is
explained in docs/explanation/verdict.md, the calibration tables (with date, machine and
load) are in docs/benchmarks/verdicts.md ("The verdict's calibration" on the docs site).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import stats as sps

from perfkit.analysis.verdict_model import (
    LATENCY_METRICS,
    METRICS,
    PRIOR_SD,
    CompareOptions,
    Decision,
    MetricTest,
    MetricVerdict,
    Noise,
    NoiseSource,
    Sample,
    Verdict,
    grow,
    relative_change,
)
from perfkit.analysis.verdict_noise import (
    block_sd,
    estimate_noise,
    history_spread,
    inliers,
    own_spread,
)

__all__ = [
    "LATENCY_METRICS",
    "METRICS",
    "PRIOR_SD",
    "CompareOptions",
    "Decision",
    "MetricTest",
    "MetricVerdict",
    "Noise",
    "NoiseSource",
    "Sample",
    "Verdict",
    "block_sd",
    "decide",
    "estimate_noise",
    "grow",
    "history_spread",
    "holm",
    "inliers",
    "own_spread",
    "relative_change",
    "test_error_rate",
    "test_metric",
]


def _quantile(p: float, df: float) -> float:
    return float(sps.norm.ppf(p) if math.isinf(df) else sps.t.ppf(p, df))


def test_metric(
    endpoint: str,
    metric: str,
    base: Sample,
    candidate: Sample,
    noise: Noise | None,
    *,
    family: int,
    options: CompareOptions,
    floor: float | None = None,
) -> MetricTest:
    """The change of one latency/throughput metric with its p-value, CI and power."""
    b, c = base.centre, candidate.centre
    change = relative_change(b, c)
    bl, cl = base.logs(), candidate.logs()
    if noise is None or bl is None or cl is None:
        return MetricTest(endpoint, metric, b, c, change, None, None, None, noise, floor)
    d = float(cl.mean() - bl.mean())
    if noise.se == 0:  # runs that never vary (an open model's throughput): exact figures
        exact = (grow(d), grow(d))
        return MetricTest(endpoint, metric, b, c, change, float(d == 0), exact, None, noise, floor)
    p = 2 * _sf(abs(d) / noise.se, noise.df)
    half = _quantile(0.975, noise.df) * noise.se
    ci = (grow(d - half), grow(d + half))
    reach = (
        _quantile(1 - options.alpha / (2 * max(family, 1)), noise.df)
        + _quantile(options.power, noise.df)
    ) * noise.se
    detectable = max(grow(reach), options.threshold)
    if floor is not None and b > 0:
        detectable = max(detectable, floor / b)
    return MetricTest(endpoint, metric, b, c, change, p, ci, detectable, noise, floor)


def _sf(x: float, df: float) -> float:
    """The upper tail of Student's t (the normal when ``df`` is infinite)."""
    return float(sps.norm.sf(x) if math.isinf(df) else sps.t.sf(x, df))


def test_error_rate(
    endpoint: str, base: tuple[int, int], candidate: tuple[int, int], options: CompareOptions
) -> MetricTest:
    """Fisher's exact test on (errors, requests) of each side; the floor is absolute."""
    (base_errors, base_count), (cand_errors, cand_count) = base, candidate
    b = base_errors / base_count if base_count else 0.0
    c = cand_errors / cand_count if cand_count else 0.0
    change = relative_change(b, c)
    if base_count == 0 or cand_count == 0 or (base_errors == 0 and cand_errors == 0):
        return MetricTest(
            endpoint, "error_rate", b, c, change, None, None, None, None, options.error_rate_floor
        )
    table = [[base_errors, base_count - base_errors], [cand_errors, cand_count - cand_errors]]
    p = float(sps.fisher_exact(table).pvalue)
    noise = Noise(math.nan, math.inf, "counts", f"{base_count} + {cand_count} requests")
    return MetricTest(
        endpoint, "error_rate", b, c, change, p, None, None, noise, options.error_rate_floor
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control), in input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, p_values[i] * (len(p_values) - rank)))
        adjusted[i] = running
    return adjusted


def _decide_one(test: MetricTest, adjusted: float | None, options: CompareOptions) -> MetricVerdict:
    if adjusted is None or test.change is None:
        return MetricVerdict(test, adjusted, "unchanged", test.unavailable or "no evidence")
    threshold = f"the {options.threshold:.0%} threshold"
    if test.metric == "error_rate":
        practical = abs(test.candidate - test.base) >= options.error_rate_floor and (
            abs(test.change) >= options.threshold
        )
        gate = f"below {options.error_rate_floor:.1%} points or {options.threshold:.0%}"
        passed = f"the {options.error_rate_floor:.1%} points floor and {threshold}"
    else:
        practical = abs(test.change) >= options.threshold
        gate, passed = f"below {threshold}", threshold
        if test.floor is not None:  # only a floor the user set is named as passed
            passed = f"{threshold} and the {test.floor:.3g} ms floor"
            if practical and abs(test.candidate - test.base) < test.floor:
                practical, gate = False, f"below the {test.floor:.3g} ms floor"
    if adjusted >= options.alpha:
        return MetricVerdict(
            test, adjusted, "unchanged", f"not significant (p={adjusted:.2g} after Holm)"
        )
    if not practical:
        return MetricVerdict(test, adjusted, "unchanged", gate)
    worse = test.candidate > test.base if METRICS[test.metric] else test.candidate < test.base
    return MetricVerdict(
        test,
        adjusted,
        "regressed" if worse else "improved",
        f"p={adjusted:.2g} after Holm, past {passed}",
    )


def _p(value: float | None) -> float:
    assert value is not None  # only tested metrics reach Holm
    return value


def decide(tests: Sequence[MetricTest], options: CompareOptions) -> Decision:
    """Holm's correction over every test of the comparison, then each metric's verdict."""
    tested = [i for i, t in enumerate(tests) if t.p_value is not None]
    # exact p-values as they are: 0 (an exact test certain of a change) is the strongest
    # evidence, never "no evidence"
    adjusted_list = holm([_p(tests[i].p_value) for i in tested])
    adjusted: dict[int, float] = dict(zip(tested, adjusted_list, strict=True))
    verdicts = [_decide_one(t, adjusted.get(i), options) for i, t in enumerate(tests)]
    notes: list[str] = []
    weak = [v for v in verdicts if v.test.noise is not None and v.test.noise.weak]
    if weak:
        worst = min(
            (v.test.detectable for v in weak if v.test.detectable is not None), default=None
        )
        notes.append(
            "weak verdict: no repeated trials and not enough comparable history, so the noise "
            "between runs is a conservative prior"
            + (f"; the smallest change it could detect is {worst:+.0%}" if worst else "")
            + "; record with --repeat N (and --base-target) or keep a history of runs"
        )
    return Decision(verdicts, options, notes)
