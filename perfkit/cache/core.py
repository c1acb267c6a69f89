"""`RedisCache`: cache-aside over Redis with stampede protection and an outage fallback.

Usage::

    cache = await RedisCache.from_settings(settings, target)
    profile = await cache.get_or_set("users", user_id, lambda: spotify.me(user_id))
    features = await cache.get_many("audio", track_ids, fetch_audio_features)
    stats = await cache.stats()          # the /api/cache/stats shape
    await cache.aclose()

A read goes through the in-process single-flight first (concurrent callers of one key
share one lookup and at most one load), then Redis (or the fallback, see `tiered`). A
value past its soft expiry, or chosen by XFetch, is returned at once while one
background task reloads it. Errors of the cache never reach the caller; errors of the
loader do.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ParamSpec, TypeVar

from perfkit.breaker import CircuitBreaker
from perfkit.cache.batch import BatchReader
from perfkit.cache.codec import DecodeError, Entry, decode
from perfkit.cache.decorator import KeySpec, cached
from perfkit.cache.fallback import MemoryLRU
from perfkit.cache.keys import CacheKeys
from perfkit.cache.locking import FillLock
from perfkit.cache.policy import CachePolicy
from perfkit.cache.refresh import Refresher
from perfkit.cache.report import StatsReport
from perfkit.cache.singleflight import SingleFlight
from perfkit.cache.stats import CacheStats, Counters
from perfkit.cache.store import RedisStore
from perfkit.cache.tiered import TieredStore
from perfkit.cache.writer import BatchLoader, Loader, Writer
from perfkit.config import Settings
from perfkit.connection import AsyncClient, Keyspace, RedisTarget, async_client
from perfkit.connection import target_from_settings as _target_from_settings

T = TypeVar("T")
P = ParamSpec("P")


class RedisCache:
    """The cache, and the wiring of its parts. ``clock`` is wall time (soft expiry is
    shared between processes); ``monotonic`` drives the breaker and the fallback;
    ``rand`` draws XFetch and jitter."""

    def __init__(
        self,
        client: AsyncClient,
        keyspace: Keyspace,
        policy: CachePolicy | None = None,
        *,
        owns_client: bool = False,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy = policy or CachePolicy()
        self.keyspace = keyspace
        self.client = client
        self._owns_client = owns_client
        breaker = CircuitBreaker(policy.breaker_failures, policy.breaker_cooldown, clock=monotonic)
        fallback = MemoryLRU(
            policy.fallback_max_entries, policy.fallback_max_bytes, clock=monotonic
        )
        self.store = TieredStore(RedisStore(client), fallback, breaker)
        self.counters = CacheStats()
        self._keys = CacheKeys(keyspace)
        self._flight = SingleFlight()
        self._refresher = Refresher(policy.xfetch_beta, clock, rand)
        self._writer = Writer(self.store, policy, clock, rand)
        self._lock = FillLock(self.store, self._keys, policy)
        self._batch = BatchReader(
            self.store, self._keys, self.counters, self._writer, self._refresher
        )
        self._report = StatsReport(client, self.store, self.counters, policy)

    @classmethod
    async def from_settings(
        cls,
        settings: Settings,
        target: RedisTarget | None = None,
        ttls: Mapping[str, int] = MappingProxyType({}),
    ) -> RedisCache:
        """A cache on ``target`` (default: ``REDIS_URL``) with `CachePolicy.from_settings`
        (``ttls``: the service's namespaces).

        The cache owns its client (closed by `aclose`). Redis need not be up: a failed
        first PING only means the cache starts on its fallback.
        """
        target = target or _target_from_settings(settings)
        cache = cls(
            async_client(target),
            Keyspace(settings.redis_key_prefix),
            CachePolicy.from_settings(settings, ttls),
            owns_client=True,
        )
        await cache.store.get(cache.key("health", "ping"), Counters())  # connect, or fall back
        return cache

    def key(self, namespace: str, key: str) -> str:
        """The Redis key of ``key`` in ``namespace`` (`Keyspace.key`)."""
        return self._keys.key(namespace, key)

    async def get_or_set(
        self,
        namespace: str,
        key: str,
        loader: Loader[T],
        *,
        ttl: float | None = None,
        lock: bool | None = None,
    ) -> T:
        """The cached value of ``key``, else ``await loader()`` stored for ``ttl`` seconds
        (default: the namespace's TTL). ``lock`` (default `CachePolicy.lock`) also
        serializes loads across processes with a short Redis lock."""
        full = self.key(namespace, key)
        return await self._flight.run(
            full, lambda: self._lookup(namespace, full, loader, ttl, lock)
        )

    async def _lookup(
        self, namespace: str, full: str, loader: Loader[T], ttl: float | None, lock: bool | None
    ) -> T:
        counters = self.counters.of(namespace)
        entry = await self._read(full, counters)
        if entry is not None:
            value, soft_expiry, load_seconds = entry
            refresher = self._refresher
            state = refresher.reload_due(
                full, refresher.clock(), soft_expiry, load_seconds, counters
            )
            if state is not None:
                refresh = self._writer.fill(namespace, full, loader, ttl, counters)
                refresher.start([full], state, counters, refresh)
            return value  # type: ignore[no-any-return]

        def fill() -> Awaitable[T]:
            return self._writer.fill(namespace, full, loader, ttl, counters)

        if lock if lock is not None else self.policy.lock:
            return await self._lock.load(full, fill, counters)
        return await fill()

    async def _read(self, full: str, counters: Counters) -> Entry | None:
        """The entry of ``full``, counted as a hit, or None, counted as a miss."""
        start = time.perf_counter()
        raw = await self.store.get(full, counters)
        counters.lookup_seconds += time.perf_counter() - start
        if raw is not None:
            try:
                entry = decode(raw)
            except DecodeError:
                counters.decode_errors += 1
            else:
                counters.hits += 1
                return entry
        counters.misses += 1
        return None

    async def get_many(
        self,
        namespace: str,
        ids: Sequence[str],
        loader: BatchLoader,
        *,
        ttl: float | None = None,
    ) -> list[Any]:
        """Values for ``ids`` in their order (duplicates repeated), None where the loader
        had none. One read for all ids (MGET; per slot on a cluster), then
        ``await loader(misses)`` once with only the distinct misses, which returns a
        mapping id -> value, then one pipelined write. Counts are per distinct id."""
        return await self._batch.get_many(namespace, ids, loader, ttl)

    async def get(self, namespace: str, key: str, default: Any = None) -> Any:
        """The cached value of ``key``, or ``default`` (counted as a hit or a miss)."""
        entry = await self._read(self.key(namespace, key), self.counters.of(namespace))
        return default if entry is None else entry[0]

    async def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> bool:
        """Store ``value``; False when it was not cached (too large or not serializable)."""
        counters = self.counters.of(namespace)
        return bool(
            await self._writer.put(namespace, {self.key(namespace, key): value}, 0.0, ttl, counters)
        )

    async def delete(self, namespace: str, *keys: str) -> None:
        """Remove ``keys`` from Redis and from the fallback (Redis errors are absorbed)."""
        fulls = [self.key(namespace, k) for k in keys]
        if fulls:
            await self.store.delete(fulls, self.counters.of(namespace))

    async def clear(self, namespace: str | None = None) -> int:
        """SCAN + UNLINK every key of ``namespace`` (or the whole prefix), in batches;
        raise `RedisUnavailable` if Redis could not be cleared."""
        return await self.store.clear(*self._keys.scope(namespace))

    def cached(
        self, namespace: str = "", *, key: KeySpec = None, ttl: float | str | None = None
    ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
        """``@cache.cached(ttl="5m", key="user:{user_id}")``: cache an async function's
        results (see `perfkit.cache.decorator`); a bad template or TTL fails here."""
        return cached(self.get_or_set, namespace, key=key, ttl=ttl)

    async def stats(self) -> dict[str, Any]:
        """The ``/api/cache/stats`` document, with a fresh PING of Redis."""
        return await self._report.document()

    def snapshot(self) -> dict[str, Any]:
        """The same document without I/O (Redis state from the breaker): for /metrics."""
        return self._report.snapshot()

    async def aclose(self) -> None:
        """Cancel background reloads and close the client if the cache created it."""
        await self._refresher.aclose()
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> RedisCache:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
