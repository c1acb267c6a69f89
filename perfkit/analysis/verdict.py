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

Calibrated by ``perfkit bench verdicts`` (A/A and injected slowdowns): the rule is
explained in docs/explanation/verdict.md, the calibration tables (with date, machine and
load) are in docs/benchmarks/verdicts.md ("The verdict's calibration" on the docs site).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats as sps

from perfkit.errors import InputError

Verdict = Literal["improved", "regressed", "unchanged"]
NoiseSource = Literal["paired trials", "interleaved trials", "history", "prior", "counts"]

#: metric -> True when a higher value is worse
METRICS: dict[str, bool] = {
    "p50": True,
    "p95": True,
    "p99": True,
    "mean": True,
    "throughput": False,
    "error_rate": True,
}
LATENCY_METRICS = ("p50", "p95", "p99", "mean")
#: run-to-run standard deviation of log(metric) assumed when nothing better is known; from
#: the A/A runs of `perfkit bench verdicts` on a shared 2-core machine (tails spread more)
PRIOR_SD: dict[str, float] = {
    "p50": 0.15,
    "mean": 0.15,
    "p95": 0.20,
    "p99": 0.30,
    "throughput": 0.15,
}
_BLOCKS = 5
_MAX_LOG = 700.0  # math.expm1 overflows a little past 709
_MIN_BLOCK_SAMPLES = 20


@dataclass(frozen=True)
class CompareOptions:
    """The decision rule's settings; `validate` rejects values that could never decide."""

    threshold: float = 0.10
    alpha: float = 0.01
    floor_ms: float | None = None
    error_rate_floor: float = 0.005
    power: float = 0.80
    #: comparable earlier runs needed before their spread is called "history"; below this
    #: the t quantiles of a median-based spread (about (n - 1) / 2 degrees of freedom) are
    #: so wide that nothing could be detected, so the verdict says "not enough history"
    min_history: int = 10

    def validate(self) -> None:
        if not (math.isfinite(self.threshold) and self.threshold > 0):
            raise InputError(f"--threshold must be a positive number, got {self.threshold}")
        if not (math.isfinite(self.alpha) and 0 < self.alpha < 1):
            raise InputError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.floor_ms is not None and not (math.isfinite(self.floor_ms) and self.floor_ms >= 0):
            raise InputError(f"--floor-ms must be a number >= 0, got {self.floor_ms}")


@dataclass(frozen=True)
class Noise:
    """The standard error of the log change of one metric, and where it came from."""

    se: float
    df: float
    source: NoiseSource
    detail: str

    @property
    def weak(self) -> bool:
        return self.source == "prior"


@dataclass(frozen=True)
class Sample:
    """One side of one metric: its values per independent unit (trial or run)."""

    values: tuple[float, ...]
    block_sd: float | None = None  # spread of log(metric) between the run's time blocks

    @property
    def centre(self) -> float:
        """The geometric mean of positive values (the arithmetic mean otherwise)."""
        arr = np.asarray(self.values, dtype=np.float64)
        if arr.size and (arr > 0).all():
            return float(np.exp(np.log(arr).mean()))
        return float(arr.mean()) if arr.size else math.nan


@dataclass(frozen=True)
class MetricTest:
    """What the decision needs of one endpoint metric before the family correction."""

    endpoint: str
    metric: str
    base: float
    candidate: float
    change: float | None  # relative
    p_value: float | None
    ci: tuple[float, float] | None  # 95 % interval of the relative change
    detectable: float | None  # smallest relative change detected with `power`
    noise: Noise | None
    floor: float | None  # absolute floor in the metric's unit, latencies only
    unavailable: str | None = None  # why the figure is missing ("not available from ...")


@dataclass(frozen=True)
class MetricVerdict:
    test: MetricTest
    adjusted_p: float | None
    verdict: Verdict
    reason: str

    @property
    def metric(self) -> str:
        return self.test.metric

    @property
    def base(self) -> float:
        return self.test.base

    @property
    def candidate(self) -> float:
        return self.test.candidate

    @property
    def change(self) -> float | None:
        return self.test.change

    def to_dict(self) -> dict[str, object]:
        t = self.test
        return {
            "metric": t.metric,
            "base": _finite(t.base),
            "candidate": _finite(t.candidate),
            "change": _finite(t.change),
            "ci": None if t.ci is None else [_finite(t.ci[0]), _finite(t.ci[1])],
            "p_value": _finite(t.p_value),
            "adjusted_p": _finite(self.adjusted_p),
            "smallest_detectable": _finite(t.detectable),
            "floor": _finite(t.floor),
            "noise": None
            if t.noise is None
            else {"source": t.noise.source, "detail": t.noise.detail, "df": _finite(t.noise.df)},
            "verdict": self.verdict,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Decision:
    verdicts: list[MetricVerdict]
    options: CompareOptions
    notes: list[str] = field(default_factory=list)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def grow(log_change: float) -> float:
    """``exp(x) - 1`` that saturates at infinity instead of raising `OverflowError`."""
    return math.expm1(log_change) if log_change < _MAX_LOG else math.inf


def relative_change(base: float, candidate: float) -> float | None:
    if math.isnan(base) or math.isnan(candidate):
        return None
    if base == 0:
        return 0.0 if candidate == 0 else math.inf
    return (candidate - base) / base


def _logs(sample: Sample) -> np.ndarray | None:
    arr = np.asarray(sample.values, dtype=np.float64)
    if arr.size == 0 or not np.isfinite(arr).all() or (arr <= 0).any():
        return None
    return np.log(arr)


def _ss(x: np.ndarray) -> float:
    return float(((x - x.mean()) ** 2).sum())


def estimate_noise(
    metric: str,
    base: Sample,
    candidate: Sample,
    *,
    interleaved: bool,
    paired: bool = False,
    base_is_history: bool = False,
    history: tuple[float, float] | None = None,
    min_history: int = 10,
) -> Noise | None:
    """The standard error of ``mean(log cand) - mean(log base)``, best source first."""
    b, c = _logs(base), _logs(candidate)
    if b is None or c is None:
        return None
    m, n = b.size, c.size
    if paired and m == n >= 3:
        s2 = _ss(c - b) / (n - 1)
        if s2 > 0:
            return Noise(math.sqrt(s2 / n), n - 1, "paired trials", f"{n} paired trials")
    if interleaved and m + n - 2 >= 2:
        sp2 = (_ss(b) + _ss(c)) / (m + n - 2)
        if sp2 > 0:
            se = math.sqrt(sp2 * (1 / m + 1 / n))
            return Noise(se, m + n - 2, "interleaved trials", f"{m} + {n} interleaved trials")
    if base_is_history and m >= min_history:
        # the history's runs are the base sample; the candidate is one more run, whose own
        # spread (its trials, its time blocks) counts when wider than the history's: a
        # noisy candidate must not be judged as if it were as steady as the history
        s2 = _ss(b) / (m - 1)
        own = candidate.block_sd or 0.0
        se = math.sqrt(s2 / m + max(s2, own**2))
        return Noise(se, m - 1, "history", f"{m} earlier runs")
    blocks = [s for s in (base.block_sd, candidate.block_sd) if s is not None]
    if history is not None:
        # each run's own spread between its time blocks is a floor: a history whose runs
        # happened to agree closely must not make one run's tail spike significant
        sd, df = history
        sd = max([sd, *blocks])
        return Noise(sd * math.sqrt(2), df, "history", f"spread of {df + 1:.0f} comparable runs")
    sd = max([PRIOR_SD[metric], *blocks])
    return Noise(sd * math.sqrt(2), math.inf, "prior", f"no trials or history: sd {sd:.2f}")


def history_spread(values: Sequence[float], min_runs: int = 10) -> tuple[float, float] | None:
    """(sd of log(metric) between runs, its degrees of freedom) from a history, or None.

    A history may hold deliberate changes (steps, or a bump of a few runs that was fixed):
    its plain sd would measure those, not the noise, and change-point detection misses
    short bumps. Successive differences of the logs see each edge once, so the median of
    their absolute values gives a robust sd (1.4826 MAD / sqrt 2). A median-based estimate
    is worth about half as many runs as a plain one, hence the halved degrees of freedom."""
    x = np.asarray([v for v in values if math.isfinite(v) and v > 0], dtype=np.float64)
    if x.size < max(min_runs, 2):
        return None
    diffs = np.abs(np.diff(np.log(x)))
    sd = 1.4826 * float(np.median(diffs)) / math.sqrt(2)
    return (sd, max((x.size - 1) / 2, 1.0))


def inliers(values: Sequence[float], cut: float = 3.5) -> list[float]:
    """``values`` without outlier runs: those whose log lies more than ``cut`` robust sds
    (1.4826 MAD) from the median. A run stalled by a neighbour (2x slower everywhere) says
    nothing about the code's level or its usual spread; kept, it would drag the mean and
    widen or narrow the spread at random."""
    x = np.asarray([v for v in values if math.isfinite(v) and v > 0], dtype=np.float64)
    if x.size < 4:
        return list(x)
    logs = np.log(x)
    centre = float(np.median(logs))
    mad = 1.4826 * float(np.median(np.abs(logs - centre)))
    if mad == 0:
        return list(x)
    return [float(v) for v, lv in zip(x, logs, strict=True) if abs(lv - centre) <= cut * mad]


def own_spread(values: Sequence[float]) -> float | None:
    """The sd of log(metric) between one run's own trials (None with fewer than 2)."""
    x = np.asarray([v for v in values if math.isfinite(v) and v > 0], dtype=np.float64)
    return float(np.log(x).std(ddof=1)) if x.size >= 2 else None


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
    bl, cl = _logs(base), _logs(candidate)
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


def block_sd(
    latencies_ms: np.ndarray, times_s: np.ndarray, metric: str, blocks: int = _BLOCKS
) -> float | None:
    """The spread of log(metric) between consecutive time blocks of one run, or None.

    A stand-in for the run-to-run spread when nothing else is known: a block is a short
    run of its own, so its spread is at least as wide as a whole run's (never narrower,
    which is what matters for a conservative prior)."""
    if metric not in LATENCY_METRICS or latencies_ms.size < blocks * _MIN_BLOCK_SAMPLES:
        return None
    order = np.argsort(times_s, kind="stable")
    values = []
    for part in np.array_split(latencies_ms[order], blocks):
        if metric == "mean":
            values.append(float(part.mean()))
        else:
            q = float(metric.lstrip("p"))
            values.append(float(np.percentile(part, q, method="inverted_cdf")))
    arr = np.asarray(values)
    if (arr <= 0).any():
        return None
    return float(np.log(arr).std(ddof=1))
