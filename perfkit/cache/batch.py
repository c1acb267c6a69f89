"""Batch cache-aside (the seed's ``cacheAudioFeatures(trackIds, fetch)``).

One read for every distinct id (MGET; one MGET per hash slot, pipelined, on a Redis
Cluster), one loader call with just the distinct misses in first-seen order, one
pipelined write of what it returned, each with its own (jittered) TTL. The answer
follows the caller's ids, duplicates included. Values due for a refresh (XFetch or past
their soft expiry) are returned and reloaded together in one background loader call.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from perfkit.cache.codec import DecodeError, decode_many
from perfkit.cache.freshness import Freshness
from perfkit.cache.keys import CacheKeys
from perfkit.cache.refresh import Refresher
from perfkit.cache.stats import CacheStats
from perfkit.cache.tiered import TieredStore
from perfkit.cache.writer import BatchLoader, Writer


class BatchReader:
    """`RedisCache.get_many`, over the cache's store, keys, counters, writer and refresher."""

    def __init__(
        self,
        store: TieredStore,
        keys: CacheKeys,
        counters: CacheStats,
        writer: Writer,
        refresher: Refresher,
    ) -> None:
        self._store, self._keys, self._counters = store, keys, counters
        self._writer, self._refresher = writer, refresher

    async def get_many(
        self, namespace: str, ids: Sequence[str], loader: BatchLoader, ttl: float | None
    ) -> list[Any]:
        """See `RedisCache.get_many`."""
        counters = self._counters.of(namespace)
        prefix = self._keys.prefix(namespace)
        unique = list(dict.fromkeys(ids))
        start = time.perf_counter()
        raws = await self._store.mget([prefix + i for i in unique], counters) if unique else []
        counters.lookup_seconds += time.perf_counter() - start
        found: dict[str, Any] = {}
        misses: list[str] = []
        due: dict[Freshness, list[str]] = {Freshness.EARLY: [], Freshness.STALE: []}
        refresher = self._refresher
        now, reach = refresher.clock(), refresher.reach
        for ident, entry in zip(unique, decode_many(raws), strict=True):
            if entry is None or isinstance(entry, DecodeError):
                counters.decode_errors += entry is not None
                misses.append(ident)
                continue
            value, soft_expiry, load_seconds = entry
            found[ident] = value
            if soft_expiry - now <= load_seconds * reach:  # else fresh whatever the draw
                state = refresher.reload_due(
                    prefix + ident, now, soft_expiry, load_seconds, counters
                )
                if state is not None:
                    due[state].append(ident)
        counters.hits += len(found)
        counters.misses += len(misses)
        if misses:
            found.update(
                await self._writer.fill_many(
                    namespace, prefix, misses, loader, ttl, counters=counters
                )
            )
        for state, idents in due.items():
            if idents:
                work = self._writer.fill_many(
                    namespace, prefix, idents, loader, ttl, counters=counters
                )
                refresher.start([prefix + i for i in idents], state, counters, work)
        return [found.get(i) for i in ids]
