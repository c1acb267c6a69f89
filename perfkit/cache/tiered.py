"""Redis first, the in-process LRU while Redis is unavailable.

A failed Redis call opens the circuit breaker; while it is open every call goes to the
fallback at once instead of paying a timeout. After the cooldown one call tries Redis
again; when it answers, the fallback is emptied (its values were only for the outage)
and Redis serves again. Errors never leave this module: a read that fails is a miss of
the fallback, a write that fails lands in the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from perfkit.breaker import CircuitBreaker
from perfkit.cache.fallback import MemoryLRU
from perfkit.cache.stats import Counters
from perfkit.cache.store import RedisStore
from perfkit.errors import RedisUnavailable

log = logging.getLogger("perfkit.cache")


class TieredStore:
    """Reads and writes encoded entries; ``degraded`` while the fallback is in use."""

    def __init__(self, redis: RedisStore, fallback: MemoryLRU, breaker: CircuitBreaker) -> None:
        self.redis = redis
        self.fallback = fallback
        self.breaker = breaker
        self.degraded = False
        self.last_error: str | None = None

    def _failed(self, counters: Counters, exc: RedisUnavailable) -> None:
        counters.redis_errors += 1
        self.last_error = str(exc)
        if not self.degraded:
            log.warning("Redis cache unavailable, using the in-process fallback: %s", exc)
        self.degraded = True
        self.breaker.record_failure()

    def _answered(self) -> None:
        """Redis answered after a failure: close the breaker, drop the outage's values."""
        log.info("Redis cache answers again; in-process fallback emptied")
        self.degraded = False
        self.fallback.clear()
        self.breaker.record_success()

    async def get(self, key: str, counters: Counters) -> bytes | None:
        if self.breaker.allow():
            try:
                raw = await self.redis.get(key)
            except RedisUnavailable as exc:
                self._failed(counters, exc)
            else:
                if self.degraded:
                    self._answered()
                return raw
        raw = self.fallback.get(key)
        if raw is None:
            counters.fallback_misses += 1
        else:
            counters.fallback_hits += 1
        return raw

    async def mget(self, keys: Sequence[str], counters: Counters) -> list[bytes | None]:
        if self.breaker.allow():
            try:
                raws = await self.redis.mget(keys)
            except RedisUnavailable as exc:
                self._failed(counters, exc)
            else:
                if self.degraded:
                    self._answered()
                return raws
        raws = [self.fallback.get(key) for key in keys]
        found = sum(raw is not None for raw in raws)
        counters.fallback_hits += found
        counters.fallback_misses += len(raws) - found
        return raws

    async def set_many(self, items: Sequence[tuple[str, bytes, float]], counters: Counters) -> None:
        """Store ``(key, raw, seconds)`` items: one pipelined write, or the fallback."""
        if not items:
            return
        if self.breaker.allow():
            try:
                if len(items) == 1:
                    key, raw, seconds = items[0]
                    await self.redis.set(key, raw, _ms(seconds))
                else:
                    await self.redis.set_many([(k, r, _ms(s)) for k, r, s in items])
            except RedisUnavailable as exc:
                self._failed(counters, exc)
            else:
                if self.degraded:
                    self._answered()
                counters.writes += len(items)
                return
        for key, raw, seconds in items:
            self.fallback.set(key, raw, seconds)
        counters.writes += len(items)

    async def delete(self, keys: Sequence[str], counters: Counters) -> None:
        for key in keys:
            self.fallback.delete(key)
        if self.breaker.allow():
            try:
                await self.redis.delete(*keys)
            except RedisUnavailable as exc:
                self._failed(counters, exc)
            else:
                if self.degraded:
                    self._answered()

    async def clear(self, pattern: str, prefix: str) -> int:
        """Remove the fallback's keys under ``prefix`` and Redis keys matching ``pattern``.

        Unlike the hot path this raises `RedisUnavailable`: an operator clearing a
        namespace must learn that Redis was not cleared.
        """
        removed = self.fallback.clear(prefix)
        return removed + await self.redis.clear(pattern)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))
