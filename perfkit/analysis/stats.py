"""The statistical tests behind a verdict, on plain arrays and counts.

The shape follows asv's ``asv/_stats.py`` (``is_different``): a Mann-Whitney U test on the
raw samples when there are enough of them for the test to be able to reject at all, and
otherwise a pessimistic check that two 99 % intervals do not overlap. Tail percentiles use
their own distribution-free interval (order statistics of a binomial), because a rank test
says whether the *bulk* moved, not whether p99 did. Error rates use Fisher's exact test on
the 2x2 table of counts; throughput uses the per-second completion counts when the samples
are there and a conditional Poisson test on the totals when they are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

#: asv's default: a difference counts as evidence at p < 0.002.
P_THRESHOLD = 0.002
#: the confidence of the fallback intervals.
CONFIDENCE = 0.99


class Distribution(Protocol):
    """What a test needs of a latency distribution: raw samples or a histogram."""

    @property
    def count(self) -> int: ...

    def percentile(self, q: float) -> float:
        """The value at percentile ``q`` (0-100)."""
        ...

    def mean(self) -> float: ...

    def stddev(self) -> float: ...

    def count_at_or_below(self, value: float) -> int:
        """How many recorded values are <= ``value`` (ms)."""
        ...


@dataclass(frozen=True)
class Evidence:
    """The outcome of one test: whether the difference is statistically established."""

    method: str
    significant: bool
    p_value: float | None = None
    base_interval: tuple[float, float] | None = None
    candidate_interval: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "significant": self.significant,
            "p_value": self.p_value,
            "base_interval": _finite_pair(self.base_interval),
            "candidate_interval": _finite_pair(self.candidate_interval),
        }


def _finite_pair(pair: tuple[float, float] | None) -> list[float | None] | None:
    if pair is None:
        return None
    return [v if math.isfinite(v) else None for v in pair]


def _min_p_value(m: int, n: int) -> float:
    """The smallest two-sided p-value a rank test on samples of sizes m, n can give."""
    if m == 0 or n == 0:
        return 1.0
    log_comb = math.lgamma(m + n + 1) - math.lgamma(m + 1) - math.lgamma(n + 1)
    return float(math.exp(-log_comb))


def mann_whitney(
    a: NDArray[np.float64], b: NDArray[np.float64], p_threshold: float = P_THRESHOLD
) -> Evidence | None:
    """Mann-Whitney U (two-sided), or None when the samples are too few to ever reject."""
    a = a[~np.isnan(a)]
    b = b[~np.isnan(b)]
    if _min_p_value(len(a), len(b)) >= p_threshold:
        return None
    if np.ptp(np.concatenate([a, b])) == 0:  # all equal: no evidence of a difference
        return Evidence("mann-whitney-u", False, 1.0)
    result = sps.mannwhitneyu(a, b, alternative="two-sided")
    p = float(result.pvalue)
    return Evidence("mann-whitney-u", p < p_threshold, p)


def quantile_interval(
    dist: Distribution, q: float, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """A distribution-free interval for percentile ``q`` from order statistics.

    The number of samples below the true quantile is Binomial(n, q/100), so the order
    statistics at that binomial's alpha/2 and 1-alpha/2 ranks bracket it with the given
    confidence. An end that falls outside the sample is infinite (too few samples).
    """
    n = dist.count
    if n == 0:
        return (-math.inf, math.inf)
    alpha = 1.0 - confidence
    p = q / 100.0
    lo_rank = int(sps.binom.ppf(alpha / 2, n, p))  # 1-based rank of the lower end
    hi_rank = int(sps.binom.ppf(1 - alpha / 2, n, p)) + 1
    lo = dist.percentile(100.0 * lo_rank / n) if lo_rank >= 1 else -math.inf
    hi = dist.percentile(100.0 * hi_rank / n) if hi_rank <= n else math.inf
    return (lo, hi)


def mean_interval(dist: Distribution, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Student-t interval of the mean; infinite with fewer than two samples."""
    n = dist.count
    if n < 2:
        return (-math.inf, math.inf)
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * dist.stddev() / math.sqrt(n)
    return (dist.mean() - half, dist.mean() + half)


def intervals_disjoint(method: str, a: tuple[float, float], b: tuple[float, float]) -> Evidence:
    """asv's fallback: significant only when the two intervals do not overlap."""
    overlap = a[1] >= b[0] and a[0] <= b[1]
    return Evidence(method, not overlap, None, a, b)


def error_rate_test(
    base_errors: int,
    base_count: int,
    cand_errors: int,
    cand_count: int,
    p_threshold: float = P_THRESHOLD,
) -> Evidence:
    """Fisher's exact test on errors vs successes of the two runs."""
    if base_count == 0 or cand_count == 0:
        return Evidence("fisher-exact", False, None)
    table = [[base_errors, base_count - base_errors], [cand_errors, cand_count - cand_errors]]
    p = float(sps.fisher_exact(table).pvalue)
    return Evidence("fisher-exact", p < p_threshold, p)


def rate_test(
    base_count: int,
    base_seconds: float,
    cand_count: int,
    cand_seconds: float,
    p_threshold: float = P_THRESHOLD,
) -> Evidence:
    """Conditional test of two Poisson rates: cand | total ~ Binomial(total, share of time)."""
    total = base_count + cand_count
    if total == 0 or base_seconds <= 0 or cand_seconds <= 0:
        return Evidence("poisson-rate", False, None)
    share = cand_seconds / (base_seconds + cand_seconds)
    p = float(sps.binomtest(cand_count, total, share).pvalue)
    return Evidence("poisson-rate", p < p_threshold, p)


def per_second_counts(offsets_s: NDArray[np.float64], duration_s: float) -> NDArray[np.float64]:
    """Completions in each whole second of a run (the last partial second is dropped)."""
    seconds = max(int(duration_s), 1)
    counts, _ = np.histogram(offsets_s, bins=seconds, range=(0.0, float(seconds)))
    return counts.astype(np.float64)
