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

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from perfkit.breaker import CircuitBreaker
from perfkit.cache.batch import BatchLoader, get_many
from perfkit.cache.codec import DecodeError, EncodeError, decode, encode
from perfkit.cache.decorator import cached
from perfkit.cache.fallback import MemoryLRU
from perfkit.cache.freshness import Freshness, freshness
from perfkit.cache.locking import load_locked
from perfkit.cache.policy import CachePolicy
from perfkit.cache.refresh import Refresher
from perfkit.cache.report import stats_document, stats_snapshot
from perfkit.cache.singleflight import SingleFlight
from perfkit.cache.stats import CacheStats, Counters
from perfkit.cache.store import RedisStore
from perfkit.cache.tiered import TieredStore
from perfkit.config import Settings
from perfkit.connection import AsyncClient, Keyspace, RedisTarget, async_client
from perfkit.connection import target_from_settings as _target_from_settings

T = TypeVar("T")
P = ParamSpec("P")
Loader = Callable[[], Awaitable[T]]
log = logging.getLogger("perfkit.cache")


class RedisCache:
    """The cache. ``clock`` is wall time (soft expiry is shared between processes);
    ``monotonic`` drives the breaker and the fallback; ``rand`` draws XFetch and jitter."""

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
        self.policy = policy or CachePolicy()
        self.keyspace = keyspace
        self.client = client
        self._owns_client = owns_client
        self.clock, self.rand = clock, rand
        breaker = CircuitBreaker(
            self.policy.breaker_failures, self.policy.breaker_cooldown, clock=monotonic
        )
        fallback = MemoryLRU(
            self.policy.fallback_max_entries, self.policy.fallback_max_bytes, clock=monotonic
        )
        self.store = TieredStore(RedisStore(client), fallback, breaker)
        self.counters = CacheStats()
        self._flight = SingleFlight()
        self._prefixes: dict[str, str] = {}
        self.refresher = Refresher()

    @classmethod
    async def from_settings(
        cls, settings: Settings, target: RedisTarget | None = None
    ) -> RedisCache:
        """A cache on ``target`` (default: ``REDIS_URL``) with `CachePolicy.from_settings`.

        The cache owns its client (closed by `aclose`). Redis need not be up: a failed
        first PING only means the cache starts on its fallback.
        """
        target = target or _target_from_settings(settings)
        cache = cls(
            async_client(target),
            Keyspace(settings.redis_key_prefix),
            CachePolicy.from_settings(settings),
            owns_client=True,
        )
        await cache.store.get(cache.key("health", "ping"), Counters())  # connect, or fall back
        return cache

    def key(self, namespace: str, key: str) -> str:
        """The Redis key of ``key`` in ``namespace`` (`Keyspace.key`, prefix memoized)."""
        prefix = self._prefixes.get(namespace)
        if prefix is None:
            prefix = self._prefixes[namespace] = self.keyspace.key(namespace, "")
        return prefix + key

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
        start = time.perf_counter()
        raw = await self.store.get(full, counters)
        counters.lookup_seconds += time.perf_counter() - start
        if raw is not None:
            try:
                value, soft_expiry, load_seconds = decode(raw)
            except DecodeError:
                counters.decode_errors += 1
            else:
                counters.hits += 1
                beta = self.policy.xfetch_beta
                state = freshness(self.clock(), soft_expiry, load_seconds, beta, self.rand)
                if state is not Freshness.FRESH:
                    if self.refresher.running(full):
                        counters.stale_served += state is Freshness.STALE
                    else:
                        refresh = self._load(namespace, full, loader, ttl, counters)
                        self.refresher.start([full], state, counters, refresh)
                return value  # type: ignore[no-any-return]
        counters.misses += 1
        if lock if lock is not None else self.policy.lock:
            return await load_locked(
                self, full, lambda: self._load(namespace, full, loader, ttl, counters), counters
            )
        return await self._load(namespace, full, loader, ttl, counters)

    async def _load(
        self, namespace: str, full: str, loader: Loader[T], ttl: float | None, counters: Counters
    ) -> T:
        counters.loader_calls += 1
        start = time.perf_counter()
        value = await loader()
        elapsed = time.perf_counter() - start
        await self.store.set_many(self.entries(namespace, {full: value}, elapsed, ttl), counters)
        return value

    def entries(
        self, namespace: str, values: Mapping[str, Any], elapsed: float, ttl: float | None
    ) -> list[tuple[str, bytes, float]]:
        """Encoded ``(key, raw, hard seconds)``; oversize or unserializable ones left out."""
        now = self.clock()
        counters = self.counters.of(namespace)
        items = []
        for full, value in values.items():
            soft, hard = self.policy.lifetimes(namespace, ttl, self.rand())
            try:
                raw = encode(value, now + soft, elapsed)
            except EncodeError as exc:
                counters.unserializable += 1
                log.warning("not cached: %s", exc)
                continue
            if len(raw) > self.policy.max_value_bytes:
                counters.oversize += 1
                continue
            items.append((full, raw, hard))
        return items

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
        return await get_many(self, namespace, ids, loader, ttl)

    async def get(self, namespace: str, key: str, default: Any = None) -> Any:
        """The cached value of ``key``, or ``default`` (counted as a hit or a miss)."""
        counters = self.counters.of(namespace)
        start = time.perf_counter()
        raw = await self.store.get(self.key(namespace, key), counters)
        counters.lookup_seconds += time.perf_counter() - start
        if raw is not None:
            try:
                value = decode(raw)[0]
            except DecodeError:
                counters.decode_errors += 1
            else:
                counters.hits += 1
                return value
        counters.misses += 1
        return default

    async def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> bool:
        """Store ``value``; False when it was not cached (too large or not serializable)."""
        counters = self.counters.of(namespace)
        items = self.entries(namespace, {self.key(namespace, key): value}, 0.0, ttl)
        await self.store.set_many(items, counters)
        return bool(items)

    async def delete(self, namespace: str, *keys: str) -> None:
        """Remove ``keys`` from Redis and from the fallback (Redis errors are absorbed)."""
        fulls = [self.key(namespace, k) for k in keys]
        if fulls:
            await self.store.delete(fulls, self.counters.of(namespace))

    async def clear(self, namespace: str | None = None) -> int:
        """SCAN + UNLINK every key of ``namespace`` (or the whole prefix), in batches;
        raise `RedisUnavailable` if Redis could not be cleared."""
        prefix = self.keyspace.prefix if namespace is None else self.key(namespace, "")
        return await self.store.clear(self.keyspace.pattern(namespace), prefix)

    def cached(
        self, namespace: str, *, key: Callable[..., str] | None = None, ttl: float | None = None
    ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
        """Decorate an async function so its results are cached (see `cached`)."""
        return cached(self, namespace, key=key, ttl=ttl)

    async def stats(self) -> dict[str, Any]:
        """The ``/api/cache/stats`` document, with a fresh PING of Redis."""
        return await stats_document(self)

    def snapshot(self) -> dict[str, Any]:
        """The same document without I/O (Redis state from the breaker): for /metrics."""
        return stats_snapshot(self)

    async def aclose(self) -> None:
        """Cancel background reloads and close the client if the cache created it."""
        await self.refresher.aclose()
        if self._owns_client:
            await self.client.aclose()

    async def __aenter__(self) -> RedisCache:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
