"""Batch cache-aside (the seed's ``cacheAudioFeatures(trackIds, fetch)``).

One read for every distinct id (MGET; one MGET per hash slot, pipelined, on a Redis
Cluster), one loader call with just the distinct misses in first-seen order, one
pipelined write of what it returned, each with its own (jittered) TTL. The answer
follows the caller's ids, duplicates included. Values due for a refresh (XFetch or past
their soft expiry) are returned and reloaded together in one background loader call.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from perfkit.cache.codec import DecodeError, decode_many
from perfkit.cache.freshness import MAX_NEG_LOG, Freshness, freshness
from perfkit.cache.stats import Counters

if TYPE_CHECKING:
    from perfkit.cache.core import RedisCache

BatchLoader = Callable[[list[str]], Awaitable[Mapping[str, Any]]]


async def get_many(
    cache: RedisCache,
    namespace: str,
    ids: Sequence[str],
    loader: BatchLoader,
    ttl: float | None,
) -> list[Any]:
    """See `RedisCache.get_many`."""
    counters = cache.counters.of(namespace)
    unique = list(dict.fromkeys(ids))
    prefix = cache.key(namespace, "")
    keys = [prefix + i for i in unique]
    start = time.perf_counter()
    raws = await cache.store.mget(keys, counters) if keys else []
    counters.lookup_seconds += time.perf_counter() - start
    found: dict[str, Any] = {}
    misses: list[str] = []
    due: dict[Freshness, list[str]] = {Freshness.EARLY: [], Freshness.STALE: []}
    now, beta, rand = cache.clock(), cache.policy.xfetch_beta, cache.rand
    horizon = beta * MAX_NEG_LOG  # beyond load_seconds * horizon from expiry: fresh
    for ident, entry in zip(unique, decode_many(raws), strict=True):
        if entry is None or isinstance(entry, DecodeError):
            counters.decode_errors += entry is not None
            misses.append(ident)
            continue
        value, soft_expiry, load_seconds = entry
        found[ident] = value
        if soft_expiry - now <= load_seconds * horizon:  # stale, or maybe early
            state = freshness(now, soft_expiry, load_seconds, beta, rand)
            if state is Freshness.FRESH:
                continue
            if cache.refresher.running(prefix + ident):
                counters.stale_served += state is Freshness.STALE
            else:
                due[state].append(ident)
    counters.hits += len(found)
    counters.misses += len(misses)
    if misses:
        found.update(await load_many(cache, namespace, misses, loader, ttl, counters=counters))
    for state, idents in due.items():
        if idents:
            work = load_many(cache, namespace, idents, loader, ttl, counters=counters)
            cache.refresher.start([cache.key(namespace, i) for i in idents], state, counters, work)
    return [found.get(i) for i in ids]


async def load_many(
    cache: RedisCache,
    namespace: str,
    idents: list[str],
    loader: BatchLoader,
    ttl: float | None,
    *,
    counters: Counters,
) -> dict[str, Any]:
    """``await loader(idents)`` once, then one write of what it returned for them."""
    counters.loader_calls += 1
    start = time.perf_counter()
    loaded = await loader(list(idents))
    elapsed = time.perf_counter() - start
    values = {i: loaded[i] for i in idents if i in loaded}
    fulls = {cache.key(namespace, i): v for i, v in values.items()}
    await cache.store.set_many(cache.entries(namespace, fulls, elapsed, ttl), counters)
    return values
