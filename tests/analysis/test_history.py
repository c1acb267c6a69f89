from __future__ import annotations

import numpy as np
import pytest

from perfkit.analysis.history import HistoryOptions, check_history, prediction_interval


def _history(n: int = 20, seed: int = 0) -> list[float]:
    return list(np.random.default_rng(seed).lognormal(np.log(100.0), 0.03, n))


def test_empty_and_short_history_give_no_verdict() -> None:
    for history in ([], _history(4)):
        verdict = check_history(history, 500.0)
        assert verdict.status == "insufficient history"
        assert verdict.direction is None


def test_a_normal_run_is_unchanged() -> None:
    verdict = check_history(_history(), 102.0)
    assert verdict.status == "unchanged"
    assert verdict.lower is not None and verdict.upper is not None
    assert verdict.lower < 102.0 < verdict.upper


def test_a_first_breach_is_only_suspected() -> None:
    verdict = check_history(_history(), 140.0, metric="p95")
    assert verdict.status == "suspected"
    assert verdict.direction == "regressed"
    assert verdict.change == pytest.approx(0.4, abs=0.05)


def test_a_breach_inside_the_relative_gate_is_unchanged() -> None:
    # a very steady history makes +6 % fall outside the interval, but not past 10 %
    steady = list(np.random.default_rng(1).lognormal(np.log(100.0), 0.005, 20))
    verdict = check_history(steady, 106.0)
    assert verdict.upper is not None and verdict.upper < 106.0
    assert verdict.status == "unchanged"


def test_a_step_that_persists_is_confirmed_by_a_change_point() -> None:
    history = [*_history(), 140.0, 139.0]
    verdict = check_history(history, 141.0)
    assert verdict.status == "confirmed"
    assert verdict.direction == "regressed"
    assert verdict.change_point is not None and verdict.change_point.index == 20


def test_an_old_step_becomes_the_new_normal() -> None:
    history = [*_history(), *_history(10, seed=2)]
    history = history[:20] + [v * 1.4 for v in history[20:]]
    verdict = check_history(history, 140.0, options=HistoryOptions(recent=5))
    assert verdict.status == "unchanged"
    assert verdict.baseline == pytest.approx(140.0, rel=0.05)


def test_throughput_falling_is_a_regression() -> None:
    verdict = check_history(_history(), 60.0, higher_is_worse=False)
    assert (verdict.status, verdict.direction) == ("suspected", "regressed")


def test_zero_valued_metrics_use_the_linear_scale() -> None:
    verdict = check_history([0.0] * 10, 0.0, metric="error_rate")
    assert verdict.status == "unchanged"


def test_prediction_interval_is_wider_than_the_sample_spread() -> None:
    centre, lower, upper = prediction_interval([1.0, 2.0, 3.0], 0.99, log=False)
    assert centre == 2.0 and lower < 1.0 and upper > 3.0
    with pytest.raises(ValueError):
        prediction_interval([1.0])
