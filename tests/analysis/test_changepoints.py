from __future__ import annotations

import numpy as np
import pytest

from perfkit.analysis.changepoints import detect_change_points, segments, t_test


@pytest.mark.parametrize("step_at", [12, 40, 77])
def test_a_step_is_found_at_its_index(step_at: int) -> None:
    rng = np.random.default_rng(step_at)
    series = rng.normal(100.0, 2.0, 100)
    series[step_at:] += 15.0
    points = detect_change_points(series)
    assert [p.index for p in points] == [step_at]
    assert points[0].mean_after > points[0].mean_before
    assert points[0].change == pytest.approx(0.15, abs=0.03)


def test_two_steps_in_a_long_series_are_both_found() -> None:
    rng = np.random.default_rng(7)
    series = rng.normal(50.0, 1.0, 1000)
    series[300:] -= 5.0
    series[650:] += 12.0
    assert [p.index for p in detect_change_points(series)] == [300, 650]


def test_noise_alone_has_no_change_point() -> None:
    rng = np.random.default_rng(3)
    false_alarms = sum(
        len(detect_change_points(rng.lognormal(np.log(20), 0.05, 200))) for _ in range(20)
    )
    assert false_alarms <= 1


def test_min_magnitude_drops_small_steps() -> None:
    rng = np.random.default_rng(5)
    series = rng.normal(100.0, 0.5, 120)
    series[60:] += 3.0  # a real but 3 % step
    assert [p.index for p in detect_change_points(series)] == [60]
    assert detect_change_points(series, min_magnitude=0.05) == []


def test_short_and_flat_series() -> None:
    assert detect_change_points([1.0, 2.0]) == []
    assert detect_change_points([5.0] * 30) == []
    points = detect_change_points([1.0] * 10 + [3.0] * 10)
    assert [p.index for p in points] == [10] and points[0].p_value == 0.0


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        detect_change_points([1.0, float("nan"), 2.0, 3.0])


def test_segments_give_the_levels() -> None:
    series = [1.0] * 5 + [4.0] * 5
    levels = segments(series, detect_change_points(series))
    assert levels == [(0, 5, 1.0), (5, 10, 4.0)]


def test_t_test_edge_cases() -> None:
    assert t_test(np.array([1.0]), np.array([2.0])) == 1.0  # no degrees of freedom
    assert t_test(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 1.0
