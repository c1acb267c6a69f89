"""Batch cache-aside: many keys in one round trip, the misses loaded by one call.

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

from perfkit.cache.codec import decode_many
from perfkit.cache.freshness import Freshness
from perfkit.cache.keys import CacheKeys
from perfkit.cache.refresh import Refresher
from perfkit.cache.stats import CacheStats, Counters
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
        # the distinct ids in first-seen order; most batches have no duplicate
        unique = ids if len(set(ids)) == len(ids) else list(dict.fromkeys(ids))
        start = time.perf_counter()
        raws = await self._store.mget([prefix + i for i in unique], counters) if unique else []
        counters.lookup_seconds += time.perf_counter() - start
        now = self._refresher.clock()
        batch = decode_many(raws, now, self._refresher.reach)
        values, misses = batch.values, batch.misses
        counters.hits += len(unique) - len(misses)
        counters.misses += len(misses)
        counters.decode_errors += batch.errors
        due = self._due(prefix, unique, batch.near, now, counters) if batch.near else {}
        if misses:
            missing = [unique[p] for p in misses]
            loaded = await self._writer.fill_many(
                namespace, prefix, missing, loader, ttl, counters=counters
            )
            for position, ident in zip(misses, missing, strict=True):
                values[position] = loaded.get(ident)
        for state, idents in due.items():
            work = self._writer.fill_many(namespace, prefix, idents, loader, ttl, counters=counters)
            self._refresher.start([prefix + i for i in idents], state, counters, work)
        if unique is ids:
            return values
        by_id = dict(zip(unique, values, strict=True))
        return [by_id[i] for i in ids]

    def _due(
        self,
        prefix: str,
        unique: Sequence[str],
        near: list[tuple[int, float, float]],
        now: float,
        counters: Counters,
    ) -> dict[Freshness, list[str]]:
        """The ids of ``near`` entries to reload in the background, by reason."""
        due: dict[Freshness, list[str]] = {}
        for position, soft_expiry, load_seconds in near:
            ident = unique[position]
            state = self._refresher.reload_due(
                prefix + ident, now, soft_expiry, load_seconds, counters
            )
            if state is not None:
                due.setdefault(state, []).append(ident)
        return due
