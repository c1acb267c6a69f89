"""The ``GET /api/performance`` report, built from one or more worker snapshots.

Pure: snapshots, thresholds and the time are passed in. Several workers' snapshots
(from Redis) merge into one picture: routes by (method, route) with exact histogram
merges, slow counts summed, recent slow requests interleaved by time, memory summed
and loop lag reported per worker. The ``performance`` block keeps the names
existing dashboards read (``totalRequests``, ``averageResponseTime``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perfkit.measure.config import SLOW_CLASSES, Thresholds
from perfkit.measure.hourly import merge_hours
from perfkit.measure.snapshot import WorkerSnapshot
from perfkit.measure.stats import RouteSnapshot, merge_by_route

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ReportContext:
    """What the report says about where its figures came from."""

    thresholds: Thresholds
    slow_log_enabled: bool
    slow_log_path: str | None
    hours: int
    recent_limit: int
    source: str = "local"  # "local": this worker only; "redis": every live worker merged
    error: str | None = None  # why the merge fell back to local figures
    slow_log_dropped: int = 0  # entries the full queue turned away (this worker)
    slow_log_error: str | None = None  # why the slow log is off although enabled


def iso(unix_time: float) -> str:
    return datetime.fromtimestamp(unix_time, tz=UTC).isoformat(timespec="milliseconds")


def build_report(
    workers: Sequence[WorkerSnapshot], ctx: ReportContext, now: float
) -> dict[str, Any]:
    routes = merge_by_route((r for w in workers for r in w.routes), ctx.hours)
    overall = _overall(routes, ctx.hours)
    totals = overall.summary()
    slow_total = sum(overall.slow.values())
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(now),
        "uptime_s": round(max((w.uptime_s for w in workers), default=0.0), 3),
        "performance": {
            "totalRequests": overall.count,
            "slowRequests": slow_total,
            "averageResponseTime": totals["latency_ms"]["mean"],
        },
        "summary": _summary(overall, totals, len(routes), workers),
        "thresholds": ctx.thresholds.to_dict(),
        "slow_requests": {
            "counts": {name: overall.slow.get(name, 0) for name in SLOW_CLASSES},
            "logging": {
                "enabled": ctx.slow_log_enabled,
                "path": ctx.slow_log_path,
                "dropped": ctx.slow_log_dropped,
                "error": ctx.slow_log_error,
            },
            "recent": _recent_slow(workers, ctx.recent_limit),
        },
        "routes": [route.summary() for route in routes],
        "hourly": _hourly(overall, routes, ctx.hours),
        "memory": _memory(workers),
        "event_loop": {"lag_ms": {w.worker_id: w.loop_lag for w in workers}},
        "workers": {
            "count": len(workers),
            "ids": [w.worker_id for w in workers],
            "source": ctx.source,
            "error": ctx.error,
        },
    }


def _overall(routes: Sequence[RouteSnapshot], hours: int) -> RouteSnapshot:
    """Every route merged into one (``* *``): the service-wide figures."""
    overall = RouteSnapshot(method="*", route="*")
    for route in routes:
        overall.merge(route, hours)
    return overall


def _summary(
    overall: RouteSnapshot, totals: dict[str, Any], routes: int, workers: Sequence[WorkerSnapshot]
) -> dict[str, Any]:
    count = overall.count
    slow_total = sum(overall.slow.values())
    return {
        "total_requests": count,
        "errors": overall.errors,
        "error_rate": totals["error_rate"],
        "slow_requests": slow_total,
        "slow_rate": round(slow_total / count, 6) if count else 0.0,
        "latency_ms": totals["latency_ms"],
        "throughput_rps": totals["throughput_rps"],
        "status": totals["status"],
        "routes": routes,
        "overflow_requests": sum(w.overflow_requests for w in workers),
    }


def _recent_slow(workers: Sequence[WorkerSnapshot], limit: int) -> list[dict[str, Any]]:
    """The newest slow requests of every worker, interleaved by time."""
    return sorted(
        (entry for w in workers for entry in w.recent_slow),
        key=lambda e: str(e.get("time", "")),
        reverse=True,
    )[:limit]


def _hourly(overall: RouteSnapshot, routes: Sequence[RouteSnapshot], hours: int) -> dict[str, Any]:
    return {
        "overall": [b.view() for b in merge_hours([overall.hourly], hours)],
        "routes": {
            f"{route.method} {route.route}": [b.view() for b in route.hourly] for route in routes
        },
    }


def _memory(workers: Sequence[WorkerSnapshot]) -> dict[str, Any]:
    rss = sum(w.rss_bytes for w in workers)
    return {
        "rss_bytes": rss,
        "rss_mb": round(rss / 1_048_576, 1),
        "workers": {w.worker_id: w.rss_bytes for w in workers},
    }
