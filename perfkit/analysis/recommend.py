"""Recommendations: what to do about a report's figures, each naming the route, the figure
and the fix.

Pure rules over `AnalyticsInputs`, the error budget and a comparison; the output is
ordered high priority first. The alerts (`perfkit.analysis.alerts`) say what is wrong;
these say what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.analysis.alerts import FAST_BURN, regressions_by_route, signed_pct
from perfkit.analysis.compare import Comparison
from perfkit.analysis.health import Apdex, ErrorBudget
from perfkit.analysis.inputs import AnalyticsInputs, RouteFigures, Thresholds

_PRIORITY = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Recommendation:
    priority: str
    route: str | None
    figure: str
    action: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def recommendations(
    inputs: AnalyticsInputs,
    budget: ErrorBudget,
    t: Thresholds,
    comparison: Comparison | None = None,
) -> list[Recommendation]:
    total_time = sum(r.count * (r.mean_ms or 0.0) for r in inputs.routes)
    found = [
        *(rec for r in inputs.routes for rec in _route_advice(r, t, total_time)),
        _cache_advice(inputs.cache_hit_rate),
        _redis_advice(inputs.redis_status, inputs.redis_response_ms),
        _apdex_advice(inputs.apdex),
        _budget_advice(budget),
        *_regression_advice(comparison),
    ]
    return sorted((r for r in found if r is not None), key=lambda r: _PRIORITY[r.priority])


def _route_advice(r: RouteFigures, t: Thresholds, total_time_ms: float) -> list[Recommendation]:
    """Advice for one route; ``total_time_ms`` is the time of all routes together."""
    found = (_slow_route_advice(r, t), _dominant_route_advice(r, total_time_ms))
    return [*_error_class_advice(r), *(rec for rec in found if rec is not None)]


#: per error class: the figure (``n`` requests of that class, ``count`` and ``rate`` the
#: route's) and the fix
_ERROR_CLASS_ADVICE = {
    "429": (
        "{n} of {count} requests got 429",
        "the rate limit rejects this load: raise the route's limit or spread the "
        "clients' requests over a longer window",
    ),
    "5xx": (
        "{n} responses were 5xx ({rate:.1%})",
        "find the failing dependency in the service log; put a circuit breaker or a "
        "cached fallback in front of the upstream call",
    ),
    "timeout": (
        "{n} requests timed out",
        "the route stalls under this load: add a timeout on its upstream calls and "
        "check for blocking work on the event loop",
    ),
}


def _error_class_advice(r: RouteFigures) -> list[Recommendation]:
    """High-priority advice for each class of failure the route saw."""
    return [
        Recommendation(
            "high", r.route, figure.format(n=n, count=r.count, rate=r.error_rate), action
        )
        for error_class, (figure, action) in _ERROR_CLASS_ADVICE.items()
        if (n := r.errors_by_class.get(error_class))
    ]


def _slow_route_advice(r: RouteFigures, t: Thresholds) -> Recommendation | None:
    if r.p95_ms is None or not r.p95_ms >= t.slow_ms:
        return None
    return Recommendation(
        "medium",
        r.route,
        f"p95 {r.p95_ms:.0f} ms (slow threshold {t.slow_ms:g} ms)",
        "cache the route's response (or its upstream calls) in Redis with a TTL, or "
        "move the slow work off the request path",
    )


def _dominant_route_advice(r: RouteFigures, total_time_ms: float) -> Recommendation | None:
    """Advice when the route takes at least half of all request time."""
    if r.mean_ms is None or not 0 < r.count * r.mean_ms < total_time_ms:
        return None
    share = r.count * r.mean_ms / total_time_ms
    if not share >= 0.5:
        return None
    return Recommendation(
        "low",
        r.route,
        f"{share:.0%} of all request time ({r.count} x {r.mean_ms:.1f} ms)",
        "this route dominates the service's time: profile it first",
    )


def _cache_advice(hit_rate: float | None) -> Recommendation | None:
    if hit_rate is None or not hit_rate < 0.5:
        return None
    return Recommendation(
        "medium",
        None,
        f"cache hit rate {hit_rate:.1%}",
        "most lookups miss: lengthen the TTLs of hot namespaces, warm the cache at "
        "start-up, or check that keys are stable (no timestamps or nonces in them)",
    )


def _redis_advice(status: str | None, response_ms: float | None) -> Recommendation | None:
    if status not in ("unhealthy", "degraded"):
        return None
    ping = "" if response_ms is None else f", PING {response_ms} ms"
    return Recommendation(
        "high" if status == "unhealthy" else "medium",
        None,
        f"Redis {status}{ping}",
        "check REDIS_URL, the server's memory (maxmemory) and network; until it is "
        "back the service runs on its in-process fallback",
    )


def _apdex_advice(apdex: Apdex | None) -> Recommendation | None:
    if apdex is None or apdex.score is None or not apdex.score < 0.85:
        return None
    return Recommendation(
        "medium",
        None,
        f"Apdex {apdex.score:.2f}: {apdex.frustrated} frustrated, "
        f"{apdex.tolerating} tolerating of {apdex.total}",
        f"responses slower than T={apdex.t_ms:g} ms drive this; start with the slowest route above",
    )


def _budget_advice(budget: ErrorBudget) -> Recommendation | None:
    if not budget.burn_rate > 1.0:
        return None
    return Recommendation(
        "high" if budget.burn_rate >= FAST_BURN else "medium",
        None,
        f"error ratio {budget.error_ratio:.3%} vs SLO {budget.slo:.3%} "
        f"(burn {budget.burn_rate:.1f}x)",
        "the error budget will run out early: fix the failing routes above before "
        "shipping more changes",
    )


def _regression_advice(comparison: Comparison | None) -> list[Recommendation]:
    if comparison is None:
        return []
    if comparison.outcome == "environment changed":
        return [Recommendation("medium", None, f"environment changed vs run {comparison.base_id}",
                               "re-run on the base's testbed, or as interleaved trials "
                               "(perfkit ab), before judging the code")]  # fmt: skip
    return [
        Recommendation(
            "high",
            route,
            ", ".join(f"{c.metric} {signed_pct(c.change)}" for c in changes)
            + f" vs run {comparison.base_id}",
            "a regression between the two runs: review (or bisect) the changes "
            "between them before release",
        )
        for route, changes in regressions_by_route(comparison).items()
    ]
