from __future__ import annotations

import numpy as np

from perfkit.analysis.data import SampleDistribution
from perfkit.analysis.stats import (
    error_rate_test,
    intervals_disjoint,
    mann_whitney,
    quantile_interval,
    rate_test,
)


def test_mann_whitney_refuses_samples_too_few_to_reject() -> None:
    # asv's guard: with 3 + 3 samples the smallest possible p is 1/20 > 0.002
    assert mann_whitney(np.array([1.0, 2, 3]), np.array([10.0, 11, 12])) is None


def test_mann_whitney_separates_shifted_samples() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 1, 200), rng.normal(12, 1, 200)
    evidence = mann_whitney(a, b)
    assert evidence is not None and evidence.significant
    same = mann_whitney(a, rng.normal(10, 1, 200))
    assert same is not None and not same.significant


def test_quantile_interval_covers_the_true_quantile() -> None:
    rng = np.random.default_rng(1)
    true_p99 = float(np.exp(2.326347874 * 0.5))  # lognormal(0, 0.5)
    covered = 0
    for _ in range(200):
        lo, hi = quantile_interval(SampleDistribution(rng.lognormal(0, 0.5, 2000)), 99.0)
        covered += lo <= true_p99 <= hi
    assert covered >= 190  # nominal 99 %


def test_quantile_interval_is_infinite_when_the_sample_cannot_bound_it() -> None:
    lo, hi = quantile_interval(SampleDistribution(np.arange(10.0)), 99.0)
    assert hi == float("inf") and np.isfinite(lo)


def test_intervals_disjoint_is_asv_fallback() -> None:
    assert intervals_disjoint("ci", (1, 2), (3, 4)).significant
    assert not intervals_disjoint("ci", (1, 3), (2, 4)).significant


def test_error_rate_and_rate_tests() -> None:
    assert error_rate_test(0, 5000, 100, 5000).significant
    assert not error_rate_test(5, 5000, 6, 5000).significant
    assert rate_test(1000, 10.0, 2000, 10.0).significant
    assert not rate_test(1000, 10.0, 1010, 10.0).significant
