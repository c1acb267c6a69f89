from __future__ import annotations

import math

import pytest

from perfkit.cache.freshness import Freshness, freshness


def test_past_the_soft_expiry_is_stale() -> None:
    assert freshness(100.0, 100.0, 0.5, 1.0, lambda: 0.5) is Freshness.STALE


def test_xfetch_refreshes_early_exactly_when_the_gap_falls_below_the_draw() -> None:
    # gap to expiry 1 s; load 0.5 s, beta 1: early iff -0.5 * ln(1 - r) >= 1, 1 - r <= e**-2
    threshold = 1.0 - math.exp(-2)
    assert freshness(99.0, 100.0, 0.5, 1.0, lambda: threshold + 1e-6) is Freshness.EARLY
    assert freshness(99.0, 100.0, 0.5, 1.0, lambda: threshold - 1e-6) is Freshness.FRESH


@pytest.mark.parametrize(("beta", "load"), [(0.0, 0.5), (1.0, 0.0)])
def test_no_early_refresh_without_beta_or_load_time(beta: float, load: float) -> None:
    assert freshness(99.999, 100.0, load, beta, lambda: 1.0 - 2**-53) is Freshness.FRESH


def test_early_refresh_becomes_likelier_towards_expiry() -> None:
    draws = [i / 1000 for i in range(1000)]

    def share(now: float) -> float:
        early = [freshness(now, 100.0, 1.0, 1.0, lambda r=r: r) is Freshness.EARLY for r in draws]
        return sum(early) / len(draws)

    assert share(90.0) < share(98.0) < share(99.9)


def test_far_from_expiry_no_random_draw_is_made() -> None:
    def no_draw() -> float:
        raise AssertionError("drew a random number for a value 37 load-times from expiry")

    assert freshness(0.0, 37.0, 1.0, 1.0, no_draw) is Freshness.FRESH
    assert freshness(0.0, 36.0, 1.0, 1.0, lambda: 0.0) is Freshness.FRESH
