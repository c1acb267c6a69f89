"""The ``/api/cache/stats`` document (the seed's shape, extended).

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

from typing import TYPE_CHECKING, Any

from perfkit.cache.policy import SEED_TTLS
from perfkit.connection import Health, ahealth

if TYPE_CHECKING:
    from perfkit.cache.core import RedisCache


def _redis_block(cache: RedisCache, health: Health) -> dict[str, Any]:
    breaker = cache.store.breaker
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


def _document(cache: RedisCache, health: Health) -> dict[str, Any]:
    store, total = cache.store, cache.counters.total()
    fallback = {
        "active": store.degraded,
        "hits": total.fallback_hits,
        "misses": total.fallback_misses,
        "entries": store.fallback.entries,
        "bytes": store.fallback.bytes,
        "max_entries": store.fallback.max_entries,
        "max_bytes": store.fallback.max_bytes,
        "evictions": store.fallback.evictions,
    }
    return cache.counters.to_dict(
        _redis_block(cache, health), fallback, cache.policy.ttl, known=SEED_TTLS
    )


async def stats_document(cache: RedisCache) -> dict[str, Any]:
    """With a PING and INFO of Redis, unless the breaker says it is down."""
    if cache.store.breaker.state == "open":
        health = Health(status="unhealthy", response_time_ms=None, error=cache.store.last_error)
    else:
        health = await ahealth(cache.client)
    return _document(cache, health)


def stats_snapshot(cache: RedisCache) -> dict[str, Any]:
    """Without I/O: Redis is reported from the cache's own view (degraded or not)."""
    if cache.store.degraded:
        health = Health(status="unhealthy", response_time_ms=None, error=cache.store.last_error)
    else:
        health = Health(status="healthy", response_time_ms=None)
    return _document(cache, health)
