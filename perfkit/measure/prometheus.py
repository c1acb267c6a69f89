"""Prometheus export of the monitor: a custom collector read at scrape time.

Nothing is added to the request path: at each scrape the collector turns every
route's HdrHistogram into Prometheus histogram buckets. Register it on the registry
that the service's ``GET /metrics`` renders::

    registry = CollectorRegistry()
    register_metrics(registry, monitor)
    body = prometheus_client.generate_latest(registry)

Families: ``perfkit_http_request_duration_seconds`` (histogram; labels route, method,
status_class), ``perfkit_http_slow_requests_total`` (counter; route, method, class),
``perfkit_event_loop_lag_seconds`` (gauge, last sample), ``perfkit_process_rss_bytes``
(gauge) and ``perfkit_measure_overflow_requests_total`` (requests past the route cap).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from perfkit.measure.monitor import PerformanceMonitor
from perfkit.measure.runtime import rss_bytes

DEFAULT_BUCKETS_S: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip


class MonitorCollector(Collector):
    """Reads a `PerformanceMonitor` (this worker's figures) at every scrape."""

    def __init__(
        self, monitor: PerformanceMonitor, buckets_s: Sequence[float] = DEFAULT_BUCKETS_S
    ) -> None:
        if list(buckets_s) != sorted(buckets_s) or not buckets_s:
            raise ValueError("buckets_s must be a non-empty ascending sequence")
        self.monitor = monitor
        self.buckets_s = tuple(buckets_s)

    def collect(self) -> Iterable[Metric]:
        latency = HistogramMetricFamily(
            "perfkit_http_request_duration_seconds",
            "HTTP request duration by route template",
            labels=["route", "method", "status_class"],
        )
        slow = CounterMetricFamily(
            "perfkit_http_slow_requests",
            "Requests at or above the slow thresholds",
            labels=["route", "method", "class"],
        )
        bounds_ms = [b * 1000.0 for b in self.buckets_s]
        for (method, route, sclass), stats in self.monitor.entries():
            cumulative = stats.histogram.cumulative_counts(bounds_ms)
            buckets = [(_le(b), float(c)) for b, c in zip(self.buckets_s, cumulative, strict=True)]
            buckets.append(("+Inf", float(stats.count)))
            latency.add_metric([route, method, sclass], buckets, sum_value=stats.sum_ms / 1000.0)
            for name, n in stats.slow.items():
                if n:
                    slow.add_metric([route, method, name], float(n))
        yield latency
        yield slow
        last = self.monitor.lag.window.summary()["last_ms"]
        lag = GaugeMetricFamily(
            "perfkit_event_loop_lag_seconds", "Event-loop lag at the last sample"
        )
        lag.add_metric([], (last or 0.0) / 1000.0)
        yield lag
        rss = GaugeMetricFamily("perfkit_process_rss_bytes", "Resident memory of this worker")
        rss.add_metric([], float(rss_bytes()))
        yield rss
        overflow = CounterMetricFamily(
            "perfkit_measure_overflow_requests", "Requests counted under (overflow): route cap"
        )
        overflow.add_metric([], float(self.monitor.overflow_requests))
        yield overflow


def _le(bound: float) -> str:
    return repr(float(bound))


def register_metrics(
    registry: CollectorRegistry,
    monitor: PerformanceMonitor,
    buckets_s: Sequence[float] = DEFAULT_BUCKETS_S,
) -> MonitorCollector:
    """Register the monitor's collector on ``registry``; returns it (for unregister)."""
    collector = MonitorCollector(monitor, buckets_s)
    registry.register(collector)
    return collector
