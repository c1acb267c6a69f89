"""The Prometheus collector: what /metrics will render, parsed back with prometheus_client."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from perfkit.measure import MeasureConfig, PerformanceMonitor, Thresholds, register_metrics


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_latency_histogram_by_route_method_and_status_class() -> None:
    config = MeasureConfig(thresholds=Thresholds(50, 150, 400), slow_log_enabled=False)
    monitor = PerformanceMonitor(config)
    for ms in (3.0, 8.0, 30.0, 80.0):
        monitor.observe("GET", "/api/users/{id}", 200, ms, "r")
    monitor.observe("GET", "/api/users/{id}", 503, 2.0, "r")
    registry = CollectorRegistry()
    register_metrics(registry, monitor)
    samples = _samples(registry)
    ok = (("method", "GET"), ("route", "/api/users/{id}"), ("status_class", "2xx"))
    name = "perfkit_http_request_duration_seconds"

    def le(bound: str) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((*ok, ("le", bound))))

    assert samples[f"{name}_bucket", le("0.005")] == 1
    assert samples[f"{name}_bucket", le("0.05")] == 3
    assert samples[f"{name}_bucket", le("+Inf")] == 4
    assert samples[f"{name}_count", ok] == 4
    assert samples[f"{name}_sum", ok] == pytest.approx(0.121)
    failed = (("method", "GET"), ("route", "/api/users/{id}"), ("status_class", "5xx"))
    assert samples[f"{name}_count", failed] == 1
    slow = (("class", "slow"), ("method", "GET"), ("route", "/api/users/{id}"))
    assert samples["perfkit_http_slow_requests_total", slow] == 1
    assert samples["perfkit_process_rss_bytes", ()] > 0
    assert samples["perfkit_measure_overflow_requests_total", ()] == 0


def test_buckets_must_ascend() -> None:
    with pytest.raises(ValueError, match="ascending"):
        register_metrics(CollectorRegistry(), PerformanceMonitor(), buckets_s=(1.0, 0.5))
