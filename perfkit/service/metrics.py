"""``GET /metrics``: Prometheus text format, from the parts' own counters at scrape time.

Request latency histograms come from the measurement monitor; cache hits and misses per
namespace and rate-limit decisions per policy, outcome and backend by `perfkit.collectors`,
so the hot path pays nothing for Prometheus.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from perfkit.collectors import CacheCollector, LimiterCollector
from perfkit.measure.prometheus import register_metrics
from perfkit.service.state import ServiceState


def build_registry(state: ServiceState) -> CollectorRegistry:
    registry = CollectorRegistry()
    register_metrics(registry, state.monitor)
    if state.cache is not None:
        registry.register(CacheCollector(state.cache))
    registry.register(LimiterCollector(state.limiter))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
