"""The 0-100 health score, Apdex and the error-budget burn rate: pure functions of counts.

The health score: start at 100 and deduct

- 30 if any request was critical (slower than the critical threshold, 10 s by default),
- 20 if more than 10 % of requests were slow (slower than the slow threshold, 1 s),
- 15 if the mean response time is over 1 s,
- 10 if the cache hit rate is under 50 %,
- 20 if Redis is unhealthy.

A rule whose input was not measured (no cache statistics, no Redis status) deducts
nothing and is listed under ``not_measured``, so a missing figure is never mistaken for a
good one. Every deduction carries the figure that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Status = Literal["good", "warning", "critical"]


@dataclass(frozen=True)
class HealthInputs:
    """What the score is computed from; rates are fractions (0..1), times milliseconds."""

    total_requests: int
    slow_requests: int
    critical_requests: int
    mean_response_ms: float | None
    cache_hit_rate: float | None = None
    redis_status: str | None = None


@dataclass(frozen=True)
class HealthRules:
    critical_points: int = 30
    slow_rate_limit: float = 0.10
    slow_points: int = 20
    mean_limit_ms: float = 1000.0
    mean_points: int = 15
    cache_hit_floor: float = 0.50
    cache_points: int = 10
    redis_points: int = 20
    good_from: int = 85
    warning_from: int = 60


@dataclass(frozen=True)
class Deduction:
    rule: str
    points: int
    figure: float | str
    limit: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class HealthScore:
    score: int
    status: Status
    deductions: list[Deduction]
    not_measured: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "status": self.status,
            "deductions": [d.to_dict() for d in self.deductions],
            "not_measured": self.not_measured,
        }


def health_score(inputs: HealthInputs, rules: HealthRules | None = None) -> HealthScore:
    r = rules or HealthRules()
    found = (
        _critical_deduction(inputs, r),
        _slow_deduction(inputs, r),
        _mean_deduction(inputs, r),
        _cache_deduction(inputs, r),
        _redis_deduction(inputs, r),
    )
    deductions = [d for d in found if d is not None]
    score = max(0, 100 - sum(d.points for d in deductions))
    return HealthScore(score, _status(score, r), deductions, _not_measured(inputs))


def _not_measured(inputs: HealthInputs) -> list[str]:
    """The rules whose input is missing: they deduct nothing and are named instead."""
    optional = (
        ("mean_response_time", inputs.mean_response_ms),
        ("cache_hit_rate", inputs.cache_hit_rate),
        ("redis_status", inputs.redis_status),
    )
    return [rule for rule, value in optional if value is None]


def _status(score: int, r: HealthRules) -> Status:
    return "good" if score >= r.good_from else "warning" if score >= r.warning_from else "critical"


def _critical_deduction(inputs: HealthInputs, r: HealthRules) -> Deduction | None:
    if not inputs.critical_requests > 0:
        return None
    return Deduction(
        "critical_requests",
        r.critical_points,
        inputs.critical_requests,
        "> 0",
        f"{inputs.critical_requests} critical requests",
    )


def _slow_deduction(inputs: HealthInputs, r: HealthRules) -> Deduction | None:
    slow_rate = inputs.slow_requests / inputs.total_requests if inputs.total_requests else 0.0
    if not slow_rate > r.slow_rate_limit:
        return None
    return Deduction(
        "slow_request_rate",
        r.slow_points,
        round(slow_rate, 4),
        f"> {r.slow_rate_limit:.0%}",
        f"{slow_rate:.1%} of requests were slow ({inputs.slow_requests} of "
        f"{inputs.total_requests})",
    )


def _mean_deduction(inputs: HealthInputs, r: HealthRules) -> Deduction | None:
    mean = inputs.mean_response_ms
    if mean is None or not mean > r.mean_limit_ms:
        return None
    return Deduction(
        "mean_response_time",
        r.mean_points,
        round(mean, 3),
        f"> {r.mean_limit_ms:g} ms",
        f"mean response {mean:.0f} ms",
    )


def _cache_deduction(inputs: HealthInputs, r: HealthRules) -> Deduction | None:
    hit_rate = inputs.cache_hit_rate
    if hit_rate is None or not hit_rate < r.cache_hit_floor:
        return None
    return Deduction(
        "cache_hit_rate",
        r.cache_points,
        round(hit_rate, 4),
        f"< {r.cache_hit_floor:.0%}",
        f"cache hit rate {hit_rate:.1%}",
    )


def _redis_deduction(inputs: HealthInputs, r: HealthRules) -> Deduction | None:
    if inputs.redis_status != "unhealthy":
        return None
    return Deduction(
        "redis_unhealthy", r.redis_points, inputs.redis_status, "== unhealthy", "Redis is unhealthy"
    )


# Apdex (apdex.org): satisfied <= T < tolerating <= 4T < frustrated; failures frustrate.
_APDEX_BANDS = ((0.94, "excellent"), (0.85, "good"), (0.70, "fair"), (0.50, "poor"))


@dataclass(frozen=True)
class Apdex:
    t_ms: float
    satisfied: int
    tolerating: int
    frustrated: int

    @property
    def total(self) -> int:
        return self.satisfied + self.tolerating + self.frustrated

    @property
    def score(self) -> float | None:
        if self.total == 0:
            return None
        return (self.satisfied + self.tolerating / 2) / self.total

    @property
    def rating(self) -> str:
        score = self.score
        if score is None:
            return "no data"
        return next((name for floor, name in _APDEX_BANDS if score >= floor), "unacceptable")

    def to_dict(self) -> dict[str, object]:
        score = self.score
        return {
            "t_ms": self.t_ms,
            "score": None if score is None else round(score, 4),
            "rating": self.rating,
            "satisfied": self.satisfied,
            "tolerating": self.tolerating,
            "frustrated": self.frustrated,
        }


def apdex(
    latencies_ms: NDArray[np.float64],
    t_ms: float = 500.0,
    failed: NDArray[np.bool_] | None = None,
    unanswered: int = 0,
) -> Apdex:
    """Apdex of raw latencies; ``failed`` marks failed requests, ``unanswered`` counts
    requests with no latency at all (timeouts, connection errors): all frustrated."""
    values = np.asarray(latencies_ms, dtype=np.float64)
    ok = np.ones(values.size, dtype=bool) if failed is None else ~np.asarray(failed, bool)
    satisfied = int((ok & (values <= t_ms)).sum())
    tolerating = int((ok & (values > t_ms) & (values <= 4 * t_ms)).sum())
    return Apdex(t_ms, satisfied, tolerating, values.size - satisfied - tolerating + unanswered)


def apdex_from_counts(
    total: int, at_or_below_t: int, at_or_below_4t: int, errors: int, t_ms: float = 500.0
) -> Apdex:
    """Apdex when only cumulative counts are known (a histogram, a live monitor).

    Which requests failed is not known here, so failures are taken out of the satisfied
    count first, then the tolerating one: pessimistic, as failures are usually fast.
    """
    satisfied, tolerating = at_or_below_t, at_or_below_4t - at_or_below_t
    take = min(errors, satisfied)
    satisfied -= take
    tolerating -= min(errors - take, tolerating)
    return Apdex(t_ms, satisfied, tolerating, total - satisfied - tolerating)


@dataclass(frozen=True)
class ErrorBudget:
    """Burn rate = observed error ratio / (1 - SLO) (Google SRE workbook, ch. 5):
    1.0 spends the budget exactly over the SLO period; 14.4 spends a 30-day budget's 2 %
    in one hour, the workbook's threshold for paging."""

    slo: float
    requests: int
    errors: int

    @property
    def error_ratio(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    @property
    def burn_rate(self) -> float:
        return self.error_ratio / (1.0 - self.slo)

    def to_dict(self) -> dict[str, object]:
        return {
            "slo": self.slo,
            "requests": self.requests,
            "errors": self.errors,
            "error_ratio": round(self.error_ratio, 6),
            "burn_rate": round(self.burn_rate, 3),
        }


def error_budget(errors: int, requests: int, slo: float = 0.999) -> ErrorBudget:
    if not 0.0 < slo < 1.0:
        raise ValueError(f"SLO must be between 0 and 1 (exclusive), got {slo}")
    return ErrorBudget(slo, requests, errors)
