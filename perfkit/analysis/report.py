"""The analytics report (served as "MCP analytics"): one JSON document per analysis.

Shape (``schema_version`` 1)::

    {"schema_version": 1, "title": str, "generated_at": ISO 8601 UTC,
     "source": {"kind": "run" | "live", ...},
     "sections": {
       "executive_summary": {"status": "good" | "warning" | "critical",
                             "health_score": 0..100,
                             "key_metrics": {"total_requests": int,
                                             "average_response_time": ms,
                                             "cache_hit_rate": percent | null,
                                             "redis_status": str},
                             "headline": str},
       "health": {"score", "status", "deductions": [...], "not_measured": [...],
                  "apdex": {...} | null, "error_budget": {...}},
       "routes": [{"route", "count", "errors", "error_rate", "mean_ms", "p95_ms",
                   "p99_ms", "slow", "critical"}],
       "alerts": [{"severity", "rule", "route", "value", "threshold", "message"}],
       "recommendations": [{"priority", "route", "figure", "action"}],
       "comparison": {...}            # only with a base run: pre/post per metric
     }}

``status`` is the worse of the health score's band (good >= 85, warning >= 60) and the
most severe alert, so a route failing half its requests never reads "good".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from perfkit.analysis.alerts import Alert, alerts
from perfkit.analysis.compare import CompareOptions, Comparison, compare_runs
from perfkit.analysis.data import RunData
from perfkit.analysis.health import (
    HealthInputs,
    HealthRules,
    HealthScore,
    error_budget,
    health_score,
)
from perfkit.analysis.inputs import (
    AnalyticsInputs,
    RouteFigures,
    Thresholds,
    inputs_from_live,
    inputs_from_run,
)
from perfkit.analysis.recommend import recommendations
from perfkit.config import Settings

SCHEMA_VERSION = 1
_RANK = {"good": 0, "info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class AnalyticsOptions:
    title: str = "EchoTune AI - MCP Performance Analytics Report"
    thresholds: Thresholds = field(default_factory=Thresholds)
    slo: float = 0.999
    rules: HealthRules = field(default_factory=HealthRules)
    compare: CompareOptions = field(default_factory=CompareOptions)

    @classmethod
    def from_settings(cls, settings: Settings) -> AnalyticsOptions:
        """Thresholds from the environment: SLOW/CRITICAL_REQUEST_THRESHOLD,
        PERFKIT_APDEX_T_MS (500), PERFKIT_SLO (0.999), PERFKIT_REGRESSION_THRESHOLD (0.10)."""
        return cls(
            thresholds=Thresholds(
                slow_ms=settings.slow_request_threshold_ms,
                critical_ms=settings.critical_request_threshold_ms,
                apdex_t_ms=settings.env_float("PERFKIT_APDEX_T_MS", 500.0, minimum=0.001),
            ),
            slo=settings.env_float("PERFKIT_SLO", 0.999, minimum=0.0),
            compare=CompareOptions(
                threshold=settings.env_float("PERFKIT_REGRESSION_THRESHOLD", 0.10)
            ),
        )


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def build_report(
    inputs: AnalyticsInputs,
    options: AnalyticsOptions | None = None,
    *,
    now: datetime,
    comparison: Comparison | None = None,
) -> dict[str, Any]:
    """The report for ``inputs``; ``comparison`` is a `Comparison` of a base and this run."""
    opts = options or AnalyticsOptions()
    o = inputs.overall
    health = health_score(
        HealthInputs(
            o.count, o.slow, o.critical, o.mean_ms, inputs.cache_hit_rate, inputs.redis_status
        ),
        opts.rules,
    )
    budget = error_budget(o.errors, o.count, opts.slo)
    found = alerts(inputs, health, budget, opts.thresholds, comparison)
    status = _status(health, found)
    sections: dict[str, Any] = {
        "executive_summary": {
            "status": status,
            "health_score": health.score,
            "key_metrics": _key_metrics(inputs),
            "headline": _headline(status, health.score, len(found), comparison),
        },
        "health": {
            **health.to_dict(),
            "apdex": None if inputs.apdex is None else inputs.apdex.to_dict(),
            "error_budget": budget.to_dict(),
        },
        "routes": [_route_row(r) for r in inputs.routes],
        "alerts": [a.to_dict() for a in found],
        "recommendations": [
            r.to_dict() for r in recommendations(inputs, budget, opts.thresholds, comparison)
        ],
    }
    if comparison is not None:
        sections["comparison"] = comparison.to_dict()
    return {
        "schema_version": SCHEMA_VERSION,
        "title": opts.title,
        "generated_at": now.astimezone(UTC).isoformat(),
        "source": dict(inputs.source),
        "sections": sections,
    }


def _status(health: HealthScore, found: list[Alert]) -> str:
    """The worse of the health score's band and the most severe alert."""
    worst = max(
        (a.severity for a in found if a.severity != "info"), key=_RANK.__getitem__, default="good"
    )
    return max(health.status, worst, key=_RANK.__getitem__)


def _key_metrics(inputs: AnalyticsInputs) -> dict[str, Any]:
    hit = inputs.cache_hit_rate
    return {
        "total_requests": inputs.overall.count,
        "average_response_time": _r(inputs.overall.mean_ms, 1),
        "cache_hit_rate": None if hit is None else round(100 * hit, 1),
        "redis_status": inputs.redis_status or "unknown",
    }


def _route_row(r: RouteFigures) -> dict[str, Any]:
    return {
        "route": r.route,
        "count": r.count,
        "errors": r.errors,
        "error_rate": round(r.error_rate, 6),
        "mean_ms": _r(r.mean_ms),
        "p95_ms": _r(r.p95_ms),
        "p99_ms": _r(r.p99_ms),
        "slow": r.slow,
        "critical": r.critical,
    }


#: a comparison's outcome in the executive summary's headline
_COMPARISON_WORDS = {
    "regressed": "regression detected",
    "improved": "no regression",
    "unchanged": "no regression",
    "environment changed": "environment changed: re-run",
    "not enough history": "not enough history",
}


def _headline(status: str, score: int, n_alerts: int, comparison: Comparison | None) -> str:
    text = f"{status}: health score {score}/100, {n_alerts} alert(s)"
    if comparison is not None:
        text += ", " + _COMPARISON_WORDS[comparison.outcome]
    return text


def analytics_from_run(
    run: RunData,
    base: RunData | None = None,
    *,
    options: AnalyticsOptions | None = None,
    cache_stats: Mapping[str, Any] | None = None,
    redis_health: Mapping[str, Any] | None = None,
    history: Sequence[RunData] = (),
    force: bool = False,
    now: datetime,
) -> dict[str, Any]:
    """The report for a recorded run; with ``base``, a pre/post comparison as well, by the
    one verdict rule (``history``: other runs, whose comparable ones give the noise).

    Cache and Redis figures default to what the run recorded from its target.
    """
    opts = options or AnalyticsOptions()
    comparison = (
        None
        if base is None
        else compare_runs(base, run, opts.compare, history=history, force=force)
    )
    inputs = inputs_from_run(
        run,
        opts.thresholds,
        run.cache_stats if cache_stats is None else cache_stats,
        run.redis_health if redis_health is None else redis_health,
    )
    return build_report(inputs, opts, now=now, comparison=comparison)


def analytics_from_live(
    performance: Mapping[str, Any],
    cache_stats: Mapping[str, Any] | None,
    redis_health: Mapping[str, Any] | None,
    *,
    options: AnalyticsOptions | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report for ``GET /api/mcp/analytics``, from the service's own documents.

    ``performance`` is the ``/api/performance`` report, ``cache_stats`` the
    ``/api/cache/stats`` one, ``redis_health`` `Health.to_dict()`; the keys read are listed
    in `perfkit.analysis.inputs`. ``now`` defaults to the current UTC time.
    """
    inputs = inputs_from_live(performance, cache_stats, redis_health)
    return build_report(inputs, options, now=now or datetime.now(UTC))
