"""``GET /metrics``: Prometheus text format, from the parts' own counters at scrape time.

Request latency histograms come from the measurement monitor; cache hits and misses per
namespace and rate-limit decisions per policy, outcome and backend are read here, so the
hot path pays nothing for Prometheus.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from perfkit.cache import RedisCache
from perfkit.measure.prometheus import register_metrics
from perfkit.service.state import ServiceState


class CacheCollector(Collector):
    def __init__(self, cache: RedisCache) -> None:
        self.cache = cache

    def collect(self) -> Iterable[CounterMetricFamily | GaugeMetricFamily]:
        document = self.cache.snapshot()
        hits = CounterMetricFamily("perfkit_cache_hits", "Cache hits", labels=["namespace"])
        misses = CounterMetricFamily("perfkit_cache_misses", "Cache misses", labels=["namespace"])
        for namespace, counts in document["namespaces"].items():
            hits.add_metric([namespace], counts["hits"])
            misses.add_metric([namespace], counts["misses"])
        yield hits
        yield misses
        fallback = GaugeMetricFamily(
            "perfkit_cache_fallback_active", "1 while the in-process fallback serves the cache"
        )
        fallback.add_metric([], 1.0 if document["fallback"]["active"] else 0.0)
        yield fallback


class LimiterCollector(Collector):
    def __init__(self, state: ServiceState) -> None:
        self.limiter = state.limiter

    def collect(self) -> Iterable[CounterMetricFamily]:
        decisions = CounterMetricFamily(
            "perfkit_ratelimit_decisions", "Rate-limit decisions", labels=["policy", "outcome"]
        )
        for policy, outcomes in self.limiter.counters().items():
            for outcome, count in outcomes.items():
                decisions.add_metric([policy, outcome], count)
        yield decisions
        backends = CounterMetricFamily(
            "perfkit_ratelimit_backend_decisions",
            "Rate-limit decisions by the backend that made them",
            labels=["backend"],
        )
        for backend, count in self.limiter.backend_counters().items():
            backends.add_metric([backend], count)
        yield backends


def build_registry(state: ServiceState) -> CollectorRegistry:
    registry = CollectorRegistry()
    register_metrics(registry, state.monitor)
    if state.cache is not None:
        registry.register(CacheCollector(state.cache))
    registry.register(LimiterCollector(state))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
