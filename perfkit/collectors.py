"""Prometheus collectors of the cache (hits and misses per namespace, fallback) and the rate
limiter (decisions per policy and outcome, and per backend), read at scrape time from
the parts' own counters, so the hot path pays nothing for Prometheus. The measurement
monitor's collector is `perfkit.measure.prometheus`; `perfkit.asgi` and the reference
service register all three.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from perfkit.cache import RedisCache
from perfkit.ratelimit import AsyncRateLimiter


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
    def __init__(self, limiter: AsyncRateLimiter) -> None:
        self.limiter = limiter

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
