from __future__ import annotations

import math

import pytest

from perfkit.cache.freshness import Freshness, freshness


def test_past_the_soft_expiry_is_stale() -> None:
    assert freshness(100.0, 100.0, 0.5, 1.0, 0.5) is Freshness.STALE


def test_xfetch_refreshes_early_exactly_when_the_gap_falls_below_the_draw() -> None:
    # gap to expiry 1 s; load 0.5 s, beta 1: early iff -0.5 * ln(rand) >= 1, rand <= e**-2
    threshold = math.exp(-2)
    assert freshness(99.0, 100.0, 0.5, 1.0, threshold * 0.999) is Freshness.EARLY
    assert freshness(99.0, 100.0, 0.5, 1.0, threshold * 1.001) is Freshness.FRESH


@pytest.mark.parametrize(("beta", "load"), [(0.0, 0.5), (1.0, 0.0)])
def test_no_early_refresh_without_beta_or_load_time(beta: float, load: float) -> None:
    assert freshness(99.999, 100.0, load, beta, 1e-300) is Freshness.FRESH


def test_early_refresh_becomes_likelier_towards_expiry() -> None:
    draws = [i / 1000 for i in range(1, 1001)]

    def share(now: float) -> float:
        early = [freshness(now, 100.0, 1.0, 1.0, r) is Freshness.EARLY for r in draws]
        return sum(early) / len(draws)

    assert share(90.0) < share(98.0) < share(99.9)
