"""Alerts and actionable recommendations, each naming the route, the figure and the fix.

Pure rules over `AnalyticsInputs` and the scores already computed; the order of the
output is the order of urgency (critical / high first).
"""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.analysis.compare import Comparison, MetricVerdict
from perfkit.analysis.health import Apdex, ErrorBudget, HealthScore
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
    out = [
        Alert(
            "critical" if d.rule in ("critical_requests", "redis_unhealthy") else "warning",
            d.rule,
            None,
            d.figure,
            d.limit,
            d.message,
        )
        for d in health.deductions
    ]
    for r in inputs.routes:
        if r.critical:
            out.append(
                Alert(
                    "critical",
                    "critical_requests",
                    r.route,
                    r.critical,
                    f">= {t.critical_ms:g} ms",
                    f"{r.route}: {r.critical} requests took {t.critical_ms / 1000:g} s or more",
                )
            )
        if r.p95_ms is not None and r.p95_ms >= t.slow_ms:
            out.append(
                Alert(
                    "warning",
                    "slow_route",
                    r.route,
                    r.p95_ms,
                    f">= {t.slow_ms:g} ms",
                    f"{r.route}: p95 {r.p95_ms:.0f} ms",
                )
            )
        if r.error_rate > 0.05:
            out.append(
                Alert(
                    "critical",
                    "error_rate",
                    r.route,
                    round(r.error_rate, 4),
                    "> 5%",
                    f"{r.route}: {r.errors} of {r.count} requests failed",
                )
            )
        elif r.error_rate > 0.01:
            out.append(
                Alert(
                    "warning",
                    "error_rate",
                    r.route,
                    round(r.error_rate, 4),
                    "> 1%",
                    f"{r.route}: {r.errors} of {r.count} requests failed",
                )
            )
    if budget.burn_rate > 1.0:
        out.append(
            Alert(
                "critical" if budget.burn_rate >= FAST_BURN else "warning",
                "error_budget_burn",
                None,
                round(budget.burn_rate, 2),
                f"> 1 (SLO {budget.slo:.3%})",
                f"error budget burning {budget.burn_rate:.1f}x the sustainable rate",
            )
        )
    if inputs.apdex is not None and inputs.apdex.rating in ("poor", "unacceptable"):
        out.append(
            Alert(
                "critical" if inputs.apdex.rating == "unacceptable" else "warning",
                "apdex",
                None,
                round(inputs.apdex.score or 0.0, 3),
                ">= 0.70",
                f"Apdex {inputs.apdex.score:.2f} ({inputs.apdex.rating}) "
                f"at T={inputs.apdex.t_ms:g} ms",
            )
        )
    if comparison is not None:
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
    return sorted(out, key=lambda a: _SEVERITY[a.severity])


def _regressions_by_route(comparison: Comparison) -> dict[str, list[MetricVerdict]]:
    grouped: dict[str, list[MetricVerdict]] = {}
    for route, change in comparison.regressions():
        grouped.setdefault(route, []).append(change)
    return grouped


def _pct(change: float | None) -> str:
    return "n/a" if change is None else f"{change:+.1%}"


def _route_advice(r: RouteFigures, t: Thresholds, total_time_ms: float) -> list[Recommendation]:
    """Advice for one route; ``total_time_ms`` is the time of all routes together."""
    out: list[Recommendation] = []
    by_class = r.errors_by_class
    if by_class.get("429"):
        out.append(
            Recommendation(
                "high",
                r.route,
                f"{by_class['429']} of {r.count} requests got 429",
                "the rate limit rejects this load: raise the route's limit or spread the "
                "clients' requests over a longer window",
            )
        )
    if by_class.get("5xx"):
        out.append(
            Recommendation(
                "high",
                r.route,
                f"{by_class['5xx']} responses were 5xx ({r.error_rate:.1%})",
                "find the failing dependency in the service log; put a circuit breaker or a "
                "cached fallback in front of the upstream call",
            )
        )
    if by_class.get("timeout"):
        out.append(
            Recommendation(
                "high",
                r.route,
                f"{by_class['timeout']} requests timed out",
                "the route stalls under this load: add a timeout on its upstream calls and "
                "check for blocking work on the event loop",
            )
        )
    if r.p95_ms is not None and r.p95_ms >= t.slow_ms:
        out.append(
            Recommendation(
                "medium",
                r.route,
                f"p95 {r.p95_ms:.0f} ms (slow threshold {t.slow_ms:g} ms)",
                "cache the route's response (or its upstream calls) in Redis with a TTL, or "
                "move the slow work off the request path",
            )
        )
    if r.mean_ms is not None and 0 < r.count * r.mean_ms < total_time_ms:
        share = r.count * r.mean_ms / total_time_ms
        if share >= 0.5:
            out.append(
                Recommendation(
                    "low",
                    r.route,
                    f"{share:.0%} of all request time ({r.count} x {r.mean_ms:.1f} ms)",
                    "this route dominates the service's time: profile it first",
                )
            )
    return out


def recommendations(
    inputs: AnalyticsInputs,
    budget: ErrorBudget,
    t: Thresholds,
    comparison: Comparison | None = None,
) -> list[Recommendation]:
    total_time = sum(r.count * (r.mean_ms or 0.0) for r in inputs.routes)
    out = [rec for r in inputs.routes for rec in _route_advice(r, t, total_time)]
    if inputs.cache_hit_rate is not None and inputs.cache_hit_rate < 0.5:
        out.append(
            Recommendation(
                "medium",
                None,
                f"cache hit rate {inputs.cache_hit_rate:.1%}",
                "most lookups miss: lengthen the TTLs of hot namespaces, warm the cache at "
                "start-up, or check that keys are stable (no timestamps or nonces in them)",
            )
        )
    if inputs.redis_status in ("unhealthy", "degraded"):
        ping = "" if inputs.redis_response_ms is None else f", PING {inputs.redis_response_ms} ms"
        out.append(
            Recommendation(
                "high" if inputs.redis_status == "unhealthy" else "medium",
                None,
                f"Redis {inputs.redis_status}{ping}",
                "check REDIS_URL, the server's memory (maxmemory) and network; until it is "
                "back the service runs on its in-process fallback",
            )
        )
    apdex: Apdex | None = inputs.apdex
    if apdex is not None and apdex.score is not None and apdex.score < 0.85:
        out.append(
            Recommendation(
                "medium",
                None,
                f"Apdex {apdex.score:.2f}: {apdex.frustrated} frustrated, "
                f"{apdex.tolerating} tolerating of {apdex.total}",
                f"responses slower than T={apdex.t_ms:g} ms drive this; start with the slowest "
                "route above",
            )
        )
    if budget.burn_rate > 1.0:
        out.append(
            Recommendation(
                "high" if budget.burn_rate >= FAST_BURN else "medium",
                None,
                f"error ratio {budget.error_ratio:.3%} vs SLO {budget.slo:.3%} "
                f"(burn {budget.burn_rate:.1f}x)",
                "the error budget will run out early: fix the failing routes above before "
                "shipping more changes",
            )
        )
    if comparison is not None:
        for route, changes in _regressions_by_route(comparison).items():
            out.append(
                Recommendation(
                    "high",
                    route,
                    ", ".join(f"{c.metric} {_pct(c.change)}" for c in changes)
                    + f" vs run {comparison.base_id}",
                    "a regression between the two runs: review (or bisect) the changes "
                    "between them before release",
                )
            )
    return sorted(out, key=lambda r: _PRIORITY[r.priority])
