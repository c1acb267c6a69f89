"""The ``/api/cache/stats`` document (``redis``, ``global``, ``namespaces``,
``fallback``; the counter names are those dashboards of the original service read).

::

    {"redis": {"connected": true, "health": {"status": "healthy", "responseTime": 0.21, ...},
               "breaker": {"state": "closed", "opened": 0}},
     "global": {"hits": 1543, "misses": 289, "lookups": 1832, "hit_rate": 0.8422,
                "avgResponseTime": 0.15, "stale_served": 0, ...},
     "namespaces": {"audio": {... the same counters ..., "ttl": 21600}, ...},
     "fallback": {"active": false, "hits": 0, "misses": 0, "entries": 0, "bytes": 0, ...}}

``responseTime`` is the PING round trip in ms (None when Redis does not answer).
"""

from __future__ import annotations

from typing import Any

from perfkit.cache.policy import CachePolicy
from perfkit.cache.stats import CacheStats
from perfkit.cache.tiered import TieredStore
from perfkit.connection import AsyncClient, Health, ahealth


class StatsReport:
    """The document of one cache: its counters, its store's state, Redis's health."""

    def __init__(
        self, client: AsyncClient, store: TieredStore, counters: CacheStats, policy: CachePolicy
    ) -> None:
        self._client, self._store = client, store
        self._counters, self._policy = counters, policy

    async def document(self) -> dict[str, Any]:
        """With a PING and INFO of Redis, unless the breaker says it is down."""
        if self._store.breaker.state == "open":
            health = self._unhealthy()
        else:
            health = await ahealth(self._client)
        return self._document(health)

    def snapshot(self) -> dict[str, Any]:
        """Without I/O: Redis is reported from the cache's own view (degraded or not)."""
        if self._store.degraded:
            return self._document(self._unhealthy())
        return self._document(Health(status="healthy", response_time_ms=None))

    def _unhealthy(self) -> Health:
        return Health(status="unhealthy", response_time_ms=None, error=self._store.last_error)

    def _document(self, health: Health) -> dict[str, Any]:
        policy = self._policy
        blocks = self._redis_block(health), self._fallback_block()
        return self._counters.to_dict(*blocks, policy.ttl, known=policy.ttls)

    def _redis_block(self, health: Health) -> dict[str, Any]:
        breaker = self._store.breaker
        return {
            "connected": health.status != "unhealthy",
            "health": {
                "status": health.status,
                "responseTime": health.response_time_ms,
                "server": health.server,
                "version": health.version,
                "error": health.error,
            },
            "breaker": {"state": breaker.state, "opened": breaker.opened_count},
        }

    def _fallback_block(self) -> dict[str, Any]:
        fallback, total = self._store.fallback, self._counters.total()
        return {
            "active": self._store.degraded,
            "hits": total.fallback_hits,
            "misses": total.fallback_misses,
            "entries": fallback.entries,
            "bytes": fallback.bytes,
            "max_entries": fallback.max_entries,
            "max_bytes": fallback.max_bytes,
            "evictions": fallback.evictions,
        }
