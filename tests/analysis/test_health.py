from __future__ import annotations

import numpy as np
import pytest

from perfkit.analysis.health import (
    HealthInputs,
    apdex,
    apdex_from_counts,
    error_budget,
    health_score,
)

HEALTHY = HealthInputs(
    total_requests=1000,
    slow_requests=0,
    critical_requests=0,
    mean_response_ms=50.0,
    cache_hit_rate=0.9,
    redis_status="healthy",
)


def _with(**changes: object) -> HealthInputs:
    return HealthInputs(**{**HEALTHY.__dict__, **changes})  # type: ignore[arg-type]


def test_a_healthy_service_scores_100() -> None:
    result = health_score(HEALTHY)
    assert (result.score, result.status, result.deductions) == (100, "good", [])


@pytest.mark.parametrize(
    ("changes", "rule", "points", "figure"),
    [
        ({"critical_requests": 1}, "critical_requests", 30, 1),
        ({"slow_requests": 101}, "slow_request_rate", 20, 0.101),
        ({"mean_response_ms": 1000.5}, "mean_response_time", 15, 1000.5),
        ({"cache_hit_rate": 0.49}, "cache_hit_rate", 10, 0.49),
        ({"redis_status": "unhealthy"}, "redis_unhealthy", 20, "unhealthy"),
    ],
)
def test_each_rule_fires_on_its_own_condition(
    changes: dict[str, object], rule: str, points: int, figure: object
) -> None:
    result = health_score(_with(**changes))
    assert [(d.rule, d.points, d.figure) for d in result.deductions] == [(rule, points, figure)]
    assert result.score == 100 - points


@pytest.mark.parametrize(
    "changes",
    [
        {"slow_requests": 100},
        {"mean_response_ms": 1000.0},
        {"cache_hit_rate": 0.5},
        {"redis_status": "degraded"},
    ],
)
def test_rules_do_not_fire_at_their_limits(changes: dict[str, object]) -> None:
    assert health_score(_with(**changes)).deductions == []


def test_all_rules_together_and_status_bands() -> None:
    worst = _with(
        critical_requests=5,
        slow_requests=500,
        mean_response_ms=2000.0,
        cache_hit_rate=0.1,
        redis_status="unhealthy",
    )
    result = health_score(worst)
    assert result.score == 5 and result.status == "critical"
    assert health_score(_with(redis_status="unhealthy")).status == "warning"  # 80


def test_unmeasured_inputs_deduct_nothing_but_are_listed() -> None:
    result = health_score(_with(cache_hit_rate=None, redis_status=None))
    assert result.score == 100
    assert result.not_measured == ["cache_hit_rate", "redis_status"]


def test_apdex_counts_failures_as_frustrated_and_rates_bands() -> None:
    latencies = np.array([100.0, 400.0, 600.0, 1900.0, 2500.0, 50.0])
    failed = np.array([False, False, False, False, False, True])
    result = apdex(latencies, t_ms=500.0, failed=failed, unanswered=1)
    assert (result.satisfied, result.tolerating, result.frustrated) == (2, 2, 3)
    assert result.score == pytest.approx(3 / 7)
    assert result.rating == "unacceptable"
    assert apdex(np.full(100, 10.0)).rating == "excellent"
    assert apdex(np.r_[np.full(80, 10.0), np.full(20, 600.0)]).rating == "good"  # 0.90
    assert apdex(np.array([])).score is None


def test_apdex_from_counts_is_pessimistic_about_failures() -> None:
    result = apdex_from_counts(total=100, at_or_below_t=80, at_or_below_4t=95, errors=10)
    assert (result.satisfied, result.tolerating, result.frustrated) == (70, 15, 15)


def test_burn_rate_is_error_ratio_over_budget() -> None:
    budget = error_budget(errors=5, requests=1000, slo=0.99)
    assert budget.burn_rate == pytest.approx(0.5)
    assert error_budget(20, 1000, slo=0.999).burn_rate == pytest.approx(20.0)
    with pytest.raises(ValueError):
        error_budget(0, 10, slo=1.0)
