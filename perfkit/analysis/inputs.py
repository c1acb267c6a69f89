"""What the analytics report is computed from, whether a recorded run or a live service.

Two builders converge on `AnalyticsInputs`:

- `inputs_from_run(run)`: a `RunData` (client-side figures of a load run);
- `inputs_from_live(performance, cache_stats, redis_health)`: the reference service's own
  documents. Only these keys are read (anything else is ignored; missing ones count as
  not measured):

  ``performance`` (``GET /api/performance``)::

      {"summary": {"total_requests": int, "errors": int,
                   "latency_ms": {"mean": float}, "slow_requests": int},
       "slow_requests": {"counts": {"critical": int}},
       "routes": [{"method": str, "route": str, "count": int, "errors": int,
                   "status": {"429": int, ...},
                   "latency_ms": {"mean": float, "p95": float, "p99": float},
                   "slow": {"slow": int, "very_slow": int, "critical": int}}]}

  ``cache_stats`` (``GET /api/cache/stats``): ``{"global": {"hit_rate": 0..1}}`` or
  ``{"global": {"hits": int, "misses": int}}``.

  ``redis_health`` (`perfkit.connection.Health.to_dict()`):
  ``{"status": "healthy" | "degraded" | "unhealthy", "response_time_ms": float | None}``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from perfkit.analysis.data import EndpointData, RunData
from perfkit.analysis.health import Apdex, apdex, apdex_from_counts


@dataclass(frozen=True)
class Thresholds:
    slow_ms: float = 1000.0
    critical_ms: float = 10000.0
    apdex_t_ms: float = 500.0


@dataclass(frozen=True)
class RouteFigures:
    route: str
    count: int
    errors: int
    mean_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    slow: int
    critical: int
    errors_by_class: Mapping[str, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0


@dataclass(frozen=True)
class AnalyticsInputs:
    source: Mapping[str, Any]
    overall: RouteFigures
    routes: list[RouteFigures]
    cache_hit_rate: float | None = None
    redis_status: str | None = None
    redis_response_ms: float | None = None
    apdex: Apdex | None = None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _above(ep: EndpointData, limit_ms: float) -> int:
    dist = ep.distribution()
    return 0 if dist is None else dist.count - dist.count_at_or_below(limit_ms - 1e-9)


def _run_route(ep: EndpointData, t: Thresholds) -> RouteFigures:
    return RouteFigures(
        route=ep.name,
        count=ep.count,
        errors=ep.errors,
        mean_ms=_finite(ep.value("mean")),
        p95_ms=_finite(ep.value("p95")),
        p99_ms=_finite(ep.value("p99")),
        slow=_above(ep, t.slow_ms),
        critical=_above(ep, t.critical_ms),
        errors_by_class=dict(ep.errors_by_class),
    )


def _run_apdex(ep: EndpointData, t_ms: float) -> Apdex | None:
    if ep.latencies_ms is not None and ep.latencies_ms.size:
        return apdex(ep.latencies_ms, t_ms, ep.failed, unanswered=ep.count - ep.latencies_ms.size)
    dist = ep.distribution()
    if dist is None:
        return None
    unanswered = ep.count - dist.count
    return apdex_from_counts(
        ep.count,
        dist.count_at_or_below(t_ms),
        dist.count_at_or_below(4 * t_ms),
        max(ep.errors - unanswered, 0),
        t_ms,
    )


def inputs_from_run(
    run: RunData,
    thresholds: Thresholds | None = None,
    cache_stats: Mapping[str, Any] | None = None,
    redis_health: Mapping[str, Any] | None = None,
) -> AnalyticsInputs:
    """Figures of a recorded run; cache and Redis figures only when given."""
    t = thresholds or Thresholds()
    status, ping = _redis(redis_health)
    return AnalyticsInputs(
        source={
            "kind": "run",
            "run_id": run.run_id,
            "target": run.target,
            "scenario": run.scenario,
            "samples": run.has_samples,
        },
        overall=_run_route(run.overall, t),
        routes=[_run_route(ep, t) for ep in run.endpoints.values()],
        cache_hit_rate=_hit_rate(cache_stats),
        redis_status=status,
        redis_response_ms=ping,
        apdex=_run_apdex(run.overall, t.apdex_t_ms),
    )


def _hit_rate(cache_stats: Mapping[str, Any] | None) -> float | None:
    if not cache_stats:
        return None
    block = cache_stats.get("global", cache_stats)
    if block.get("hit_rate") is not None:
        return float(block["hit_rate"])
    hits, misses = int(block.get("hits", 0)), int(block.get("misses", 0))
    return hits / (hits + misses) if hits + misses else None


def _redis(health: Mapping[str, Any] | None) -> tuple[str | None, float | None]:
    if not health or health.get("status") is None:
        return None, None
    ping = health.get("response_time_ms", health.get("responseTime"))
    return str(health["status"]), None if ping is None else float(ping)


def _live_route(item: Mapping[str, Any]) -> RouteFigures:
    latency = item.get("latency_ms", {})
    slow = item.get("slow", {})
    statuses = {str(k): int(v) for k, v in item.get("status", {}).items()}
    by_class = {
        "429": statuses.get("429", 0),
        "5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
        "4xx": sum(v for k, v in statuses.items() if k.startswith("4") and k != "429"),
    }
    name = f"{item.get('method', '')} {item.get('route', '?')}".strip()
    return RouteFigures(
        route=name,
        count=int(item.get("count", 0)),
        errors=int(item.get("errors", 0)),
        mean_ms=latency.get("mean"),
        p95_ms=latency.get("p95"),
        p99_ms=latency.get("p99"),
        slow=sum(int(v) for v in slow.values()),
        critical=int(slow.get("critical", 0)),
        errors_by_class={k: v for k, v in by_class.items() if v},
    )


def inputs_from_live(
    performance: Mapping[str, Any],
    cache_stats: Mapping[str, Any] | None,
    redis_health: Mapping[str, Any] | None,
) -> AnalyticsInputs:
    """Figures of a running service (see the module docstring for the keys read)."""
    summary = performance.get("summary", {})
    routes = [_live_route(r) for r in performance.get("routes", [])]
    count = int(summary.get("total_requests", sum(r.count for r in routes)))
    critical = performance.get("slow_requests", {}).get("counts", {}).get("critical")
    overall = RouteFigures(
        route="overall",
        count=count,
        errors=int(summary.get("errors", sum(r.errors for r in routes))),
        mean_ms=summary.get("latency_ms", {}).get("mean"),
        p95_ms=summary.get("latency_ms", {}).get("p95"),
        p99_ms=summary.get("latency_ms", {}).get("p99"),
        slow=int(summary.get("slow_requests", sum(r.slow for r in routes))),
        critical=int(critical if critical is not None else sum(r.critical for r in routes)),
    )
    status, ping = _redis(redis_health)
    return AnalyticsInputs(
        source={"kind": "live", "generated_at": performance.get("generated_at")},
        overall=overall,
        routes=routes,
        cache_hit_rate=_hit_rate(cache_stats),
        redis_status=status,
        redis_response_ms=ping,
    )
