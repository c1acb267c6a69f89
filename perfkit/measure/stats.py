"""Per-route statistics: the accumulator on the hot path and its mergeable snapshot.

`RouteStats` is what the middleware updates for one (method, route, status class); it
also counts the codes kept one by one (429, each 5xx), which the report shows beside the
classes: ``{"4xx": 7, "429": 5, "5xx": 2, "503": 2}``.
`RouteSnapshot` is its frozen, mergeable copy: what a worker flushes to Redis and what
the report is built from. Merging adds counts and histograms exactly, so the merged
p99 of several workers is the true p99 of their union. Pure: no clocks, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perfkit.histogram import MONITOR, LatencyHistogram
from perfkit.measure.config import SLOW_CLASSES, SlowClass
from perfkit.measure.hourly import HourBucket, HourlySeries, merge_hours

PERCENTILES = (50.0, 95.0, 99.0)


class RouteStats:
    """Counters of one (method, route, status class); updated once per request."""

    __slots__ = (
        "codes", "count", "errors", "histogram", "hourly", "max_ms", "min_ms", "slow", "sum_ms"
    )  # fmt: skip

    def __init__(self, hours: int) -> None:
        self.count = 0
        self.errors = 0
        self.sum_ms = 0.0
        self.min_ms = float("inf")
        self.max_ms = 0.0
        self.slow: dict[str, int] = dict.fromkeys(SLOW_CLASSES, 0)
        self.histogram = LatencyHistogram(MONITOR)
        self.hourly = HourlySeries(hours)
        self.codes: dict[str, int] = {}

    def count_code(self, status: int, n: int = 1) -> None:
        """``n`` more responses of a code kept one by one (429, each 5xx)."""
        code = str(status)
        self.codes[code] = self.codes.get(code, 0) + n

    def record(self, duration_ms: float, error: bool, slow_class: SlowClass, hour: int) -> None:
        self.count += 1
        self.sum_ms += duration_ms
        self.min_ms = min(self.min_ms, duration_ms)
        self.max_ms = max(self.max_ms, duration_ms)
        if error:
            self.errors += 1
        if slow_class != "normal":
            self.slow[slow_class] += 1
        self.histogram.record_ms(duration_ms)
        self.hourly.record(hour, duration_ms, error, slow_class != "normal")

    def record_many(
        self, durations_ms: list[float], errors: int, slow: dict[SlowClass, int], hour: int
    ) -> None:
        """`record` for a batch of one hour: the same figures, each updated once."""
        total = sum(durations_ms)
        high = max(durations_ms)
        self.count += len(durations_ms)
        self.sum_ms += total
        self.min_ms = min(self.min_ms, *durations_ms)
        self.max_ms = max(self.max_ms, high)
        self.errors += errors
        slow_total = 0
        for name, n in slow.items():
            self.slow[name] += n
            slow_total += n
        self.histogram.record_many_ms(durations_ms)
        self.hourly.record_many(hour, len(durations_ms), total, high, errors, slow_total)


@dataclass
class RouteSnapshot:
    """A mergeable copy of one route's statistics (possibly of several workers)."""

    method: str
    route: str
    count: int = 0
    errors: int = 0
    sum_ms: float = 0.0
    min_ms: float = float("inf")
    max_ms: float = 0.0
    throughput_rps: float = 0.0
    status: dict[str, int] = field(default_factory=dict)
    slow: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SLOW_CLASSES, 0))
    histogram: LatencyHistogram = field(default_factory=lambda: LatencyHistogram(MONITOR))
    hourly: list[HourBucket] = field(default_factory=list)
    # An encoding of ``histogram`` made earlier (the flusher reuses it while counts are
    # unchanged); merging clears it.
    encoded_histogram: str | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, method: str, route: str, status_class: str, stats: RouteStats, uptime_s: float
    ) -> RouteSnapshot:
        """A view of ``stats``; it shares the live histogram, so treat it as read-only."""
        return cls(
            method=method,
            route=route,
            count=stats.count,
            errors=stats.errors,
            sum_ms=stats.sum_ms,
            min_ms=stats.min_ms,
            max_ms=stats.max_ms,
            throughput_rps=stats.count / uptime_s if uptime_s > 0 else 0.0,
            status={status_class: stats.count, **stats.codes},
            slow=dict(stats.slow),
            histogram=stats.histogram,
            hourly=stats.hourly.buckets(),
        )

    def merge(self, other: RouteSnapshot, hours: int) -> None:
        """Add ``other`` (same route, another status class or worker) into this one."""
        self.count += other.count
        self.errors += other.errors
        self.sum_ms += other.sum_ms
        self.min_ms = min(self.min_ms, other.min_ms)
        self.max_ms = max(self.max_ms, other.max_ms)
        self.throughput_rps += other.throughput_rps
        for name, n in other.status.items():
            self.status[name] = self.status.get(name, 0) + n
        for name, n in other.slow.items():
            self.slow[name] = self.slow.get(name, 0) + n
        self.histogram.merge(other.histogram)
        self.encoded_histogram = None
        self.hourly = merge_hours([self.hourly, other.hourly], hours)

    def summary(self) -> dict[str, Any]:
        """The report's per-route entry."""
        pct = self.histogram.percentiles_ms(PERCENTILES)
        return {
            "route": self.route,
            "method": self.method,
            "count": self.count,
            "errors": self.errors,
            "error_rate": round(self.errors / self.count, 6) if self.count else 0.0,
            "status": dict(sorted(self.status.items())),
            "latency_ms": {
                "min": round(self.min_ms, 3) if self.count else 0.0,
                "mean": round(self.sum_ms / self.count, 3) if self.count else 0.0,
                "p50": pct[50.0],
                "p95": pct[95.0],
                "p99": pct[99.0],
                "max": round(self.max_ms, 3),
            },
            "throughput_rps": round(self.throughput_rps, 3),
            "slow": dict(self.slow),
        }

    def to_wire(self) -> dict[str, Any]:
        """JSON-ready form for Redis (histogram as HdrHistogram's base64 encoding)."""
        return {
            "method": self.method,
            "route": self.route,
            "count": self.count,
            "errors": self.errors,
            "sum_ms": self.sum_ms,
            "min_ms": self.min_ms if self.count else None,
            "max_ms": self.max_ms,
            "throughput_rps": self.throughput_rps,
            "status": self.status,
            "slow": self.slow,
            "histogram": self.encoded_histogram or self.histogram.encode(),
            "hourly": [b.to_dict() for b in self.hourly],
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> RouteSnapshot:
        """Inverse of `to_wire`; raises KeyError/TypeError/ValueError on a bad record."""
        min_ms = data["min_ms"]
        histogram = LatencyHistogram.decode(str(data["histogram"]), MONITOR)
        if min_ms is not None:  # the exact extremes, which the encoding does not keep
            histogram.with_extremes(float(min_ms), float(data["max_ms"]))
        return cls(
            method=str(data["method"]),
            route=str(data["route"]),
            count=int(data["count"]),
            errors=int(data["errors"]),
            sum_ms=float(data["sum_ms"]),
            min_ms=float("inf") if min_ms is None else float(min_ms),
            max_ms=float(data["max_ms"]),
            throughput_rps=float(data["throughput_rps"]),
            status={str(k): int(v) for k, v in dict(data["status"]).items()},
            slow={str(k): int(v) for k, v in dict(data["slow"]).items()},
            histogram=histogram,
            hourly=[HourBucket.from_dict(b) for b in data["hourly"]],
        )


def merge_by_route(snapshots: Iterable[RouteSnapshot], hours: int) -> list[RouteSnapshot]:
    """One snapshot per (method, route), busiest first. The inputs are not modified."""
    merged: dict[tuple[str, str], RouteSnapshot] = {}
    for snap in snapshots:
        key = (snap.method, snap.route)
        target = merged.get(key)
        if target is None:
            merged[key] = target = RouteSnapshot(snap.method, snap.route)
        target.merge(snap, hours)
    return sorted(merged.values(), key=lambda s: (-s.count, s.route, s.method))
