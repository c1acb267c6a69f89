"""Alerts: what in a report needs attention now, each naming the route, the figure and the
limit it crossed.

Pure rules over `AnalyticsInputs` and the scores already computed (health deductions,
error budget, Apdex, a comparison); the output is ordered critical first.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.analysis.compare import Comparison, MetricVerdict
from perfkit.analysis.health import Apdex, Deduction, ErrorBudget, HealthScore
from perfkit.analysis.inputs import AnalyticsInputs, RouteFigures, Thresholds

_SEVERITY = {"critical": 0, "warning": 1, "info": 2}
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
    """One alert per regressed route, its value the largest change, every change listed;
    when the environment changed, one alert asking for a re-run and no route blamed; with
    too few runs for a verdict, one line saying so."""
    if comparison is None:
        return []
    outcome = comparison.outcome
    if outcome == "environment changed":
        reasons = comparison.environment.reasons if comparison.environment else []
        return [Alert("warning", "environment_changed", None, "re-run", "one testbed",
                      "environment changed: re-run, the code is not blamed ("
                      + ("; ".join(reasons) or "the machine moved") + ")")]  # fmt: skip
    if outcome == "not enough history":
        needed = comparison.options.min_history
        return [Alert("info", "not_enough_history", None, comparison.short_history or 0,
                      f">= {needed} runs", f"not enough history: {comparison.short_history} of "
                      f"{needed} comparable runs, no latency judged")]  # fmt: skip
    out: list[Alert] = []
    for route, changes in regressions_by_route(comparison).items():
        worst = max(changes, key=lambda c: abs(c.change or 0.0))
        out.append(
            Alert(
                "warning",
                "regression",
                route,
                signed_pct(worst.change),
                f">= {comparison.options.threshold:.0%}",
                f"{route} regressed: "
                + ", ".join(
                    f"{c.metric} {c.base:.4g} -> {c.candidate:.4g} ({signed_pct(c.change)})"
                    for c in changes
                ),
            )
        )
    return out


def regressions_by_route(comparison: Comparison) -> dict[str, list[MetricVerdict]]:
    """The comparison's regressed metrics, grouped by route in the order they come; none
    unless its outcome is "regressed" (when the environment changed, the machine moved them)."""
    grouped: dict[str, list[MetricVerdict]] = {}
    if comparison.outcome != "regressed":
        return grouped
    for route, change in comparison.regressions():
        grouped.setdefault(route, []).append(change)
    return grouped


def signed_pct(change: float | None) -> str:
    """A relative change as ``+12.5%``; ``n/a`` when it could not be computed."""
    return "n/a" if change is None else f"{change:+.1%}"
