"""Alerts and actionable recommendations, each naming the route, the figure and the fix.

Pure rules over `AnalyticsInputs` and the scores already computed; the order of the
output is the order of urgency (critical / high first).
"""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.analysis.compare import Comparison, MetricVerdict
from perfkit.analysis.health import Apdex, Deduction, ErrorBudget, HealthScore
from perfkit.analysis.inputs import AnalyticsInputs, RouteFigures, Thresholds

_SEVERITY = {"critical": 0, "warning": 1, "info": 2}
_PRIORITY = {"high": 0, "medium": 1, "low": 2}
#: Google SRE workbook: a burn rate of 14.4 spends 2 % of a 30-day budget in an hour.
FAST_BURN = 14.4


@dataclass(frozen=True)
class Alert:
    severity: str
    rule: str
    route: str | None
    value: float | str
    threshold: str
    message: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Recommendation:
    priority: str
    route: str | None
    figure: str
    action: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def alerts(
    inputs: AnalyticsInputs,
    health: HealthScore,
    budget: ErrorBudget,
    t: Thresholds,
    comparison: Comparison | None = None,
) -> list[Alert]:
    found = [
        *(_deduction_alert(d) for d in health.deductions),
        *(alert for r in inputs.routes for alert in _route_alerts(r, t)),
        _burn_alert(budget),
        _apdex_alert(inputs.apdex),
        *_regression_alerts(comparison),
    ]
    return sorted((a for a in found if a is not None), key=lambda a: _SEVERITY[a.severity])


def _deduction_alert(d: Deduction) -> Alert:
    """Every health deduction is an alert; the two that mean failure are critical."""
    severity = "critical" if d.rule in ("critical_requests", "redis_unhealthy") else "warning"
    return Alert(severity, d.rule, None, d.figure, d.limit, d.message)


def _route_alerts(r: RouteFigures, t: Thresholds) -> list[Alert]:
    found = (_critical_alert(r, t), _slow_alert(r, t), _error_rate_alert(r))
    return [a for a in found if a is not None]


def _critical_alert(r: RouteFigures, t: Thresholds) -> Alert | None:
    if not r.critical:
        return None
    return Alert(
        "critical",
        "critical_requests",
        r.route,
        r.critical,
        f">= {t.critical_ms:g} ms",
        f"{r.route}: {r.critical} requests took {t.critical_ms / 1000:g} s or more",
    )


def _slow_alert(r: RouteFigures, t: Thresholds) -> Alert | None:
    if r.p95_ms is None or not r.p95_ms >= t.slow_ms:
        return None
    return Alert(
        "warning",
        "slow_route",
        r.route,
        r.p95_ms,
        f">= {t.slow_ms:g} ms",
        f"{r.route}: p95 {r.p95_ms:.0f} ms",
    )


def _error_rate_alert(r: RouteFigures) -> Alert | None:
    """Critical above 5 % of the route's requests failing, a warning above 1 %."""
    if r.error_rate > 0.05:
        severity, limit = "critical", "> 5%"
    elif r.error_rate > 0.01:
        severity, limit = "warning", "> 1%"
    else:
        return None
    return Alert(
        severity,
        "error_rate",
        r.route,
        round(r.error_rate, 4),
        limit,
        f"{r.route}: {r.errors} of {r.count} requests failed",
    )


def _burn_alert(budget: ErrorBudget) -> Alert | None:
    if not budget.burn_rate > 1.0:
        return None
    return Alert(
        "critical" if budget.burn_rate >= FAST_BURN else "warning",
        "error_budget_burn",
        None,
        round(budget.burn_rate, 2),
        f"> 1 (SLO {budget.slo:.3%})",
        f"error budget burning {budget.burn_rate:.1f}x the sustainable rate",
    )


def _apdex_alert(apdex: Apdex | None) -> Alert | None:
    if apdex is None or apdex.rating not in ("poor", "unacceptable"):
        return None
    return Alert(
        "critical" if apdex.rating == "unacceptable" else "warning",
        "apdex",
        None,
        round(apdex.score or 0.0, 3),
        ">= 0.70",
        f"Apdex {apdex.score:.2f} ({apdex.rating}) at T={apdex.t_ms:g} ms",
    )


def _regression_alerts(comparison: Comparison | None) -> list[Alert]:
    """One alert per regressed route, its value the largest change, every change listed."""
    if comparison is None:
        return []
    out: list[Alert] = []
    for route, changes in _regressions_by_route(comparison).items():
        worst = max(changes, key=lambda c: abs(c.change or 0.0))
        out.append(
            Alert(
                "warning",
                "regression",
                route,
                _pct(worst.change),
                f">= {comparison.options.threshold:.0%}",
                f"{route} regressed: "
                + ", ".join(
                    f"{c.metric} {c.base:.4g} -> {c.candidate:.4g} ({_pct(c.change)})"
                    for c in changes
                ),
            )
        )
    return out


def _regressions_by_route(comparison: Comparison) -> dict[str, list[MetricVerdict]]:
    grouped: dict[str, list[MetricVerdict]] = {}
    for route, change in comparison.regressions():
        grouped.setdefault(route, []).append(change)
    return grouped


def _pct(change: float | None) -> str:
    return "n/a" if change is None else f"{change:+.1%}"


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
    return [
        Recommendation(
            "high",
            route,
            ", ".join(f"{c.metric} {_pct(c.change)}" for c in changes)
            + f" vs run {comparison.base_id}",
            "a regression between the two runs: review (or bisect) the changes "
            "between them before release",
        )
        for route, changes in _regressions_by_route(comparison).items()
    ]
