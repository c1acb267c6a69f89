"""Writing values: encoded with their lifetimes, and filled from the caller's loaders.

Each value gets its own (jittered) lifetime from the `CachePolicy` and is stored with
its soft expiry and how long its load took (the `codec` header), which is what XFetch
and stale-while-revalidate read back. Values that are too large or that orjson cannot
write are counted and left out, never raised: the caller still gets them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from perfkit.cache.codec import EncodeError, encode
from perfkit.cache.policy import CachePolicy
from perfkit.cache.stats import Counters
from perfkit.cache.tiered import TieredStore

T = TypeVar("T")
Loader = Callable[[], Awaitable[T]]
BatchLoader = Callable[[list[str]], Awaitable[Mapping[str, Any]]]
log = logging.getLogger("perfkit.cache")


class Writer:
    """Stores values in the `TieredStore`; ``clock`` is wall time, ``rand`` the jitter."""

    def __init__(
        self,
        store: TieredStore,
        policy: CachePolicy,
        clock: Callable[[], float],
        rand: Callable[[], float],
    ) -> None:
        self._store, self._policy = store, policy
        self._clock, self._rand = clock, rand

    async def put(
        self,
        namespace: str,
        values: Mapping[str, Any],
        elapsed: float,
        ttl: float | None,
        counters: Counters,
    ) -> int:
        """Store ``values`` (full key -> value) in one write; return how many were."""
        items = self._encode(namespace, values, elapsed, ttl, counters)
        await self._store.set_many(items, counters)
        return len(items)

    async def fill(
        self, namespace: str, full: str, loader: Loader[T], ttl: float | None, counters: Counters
    ) -> T:
        """``await loader()``, store its value under ``full``, return it."""
        counters.loader_calls += 1
        start = time.perf_counter()
        value = await loader()
        await self.put(namespace, {full: value}, time.perf_counter() - start, ttl, counters)
        return value

    async def fill_many(
        self,
        namespace: str,
        prefix: str,
        idents: list[str],
        loader: BatchLoader,
        ttl: float | None,
        *,
        counters: Counters,
    ) -> dict[str, Any]:
        """``await loader(idents)`` once, store what it returned for them (under
        ``prefix + id``) in one write, return that."""
        counters.loader_calls += 1
        start = time.perf_counter()
        loaded = await loader(list(idents))
        elapsed = time.perf_counter() - start
        values = {i: loaded[i] for i in idents if i in loaded}
        await self.put(
            namespace, {prefix + i: v for i, v in values.items()}, elapsed, ttl, counters
        )
        return values

    def _encode(
        self,
        namespace: str,
        values: Mapping[str, Any],
        elapsed: float,
        ttl: float | None,
        counters: Counters,
    ) -> list[tuple[str, bytes, float]]:
        """Encoded ``(key, raw, hard seconds)``; oversize or unserializable ones left out."""
        now = self._clock()
        items = []
        for full, value in values.items():
            soft, hard = self._policy.lifetimes(namespace, ttl, self._rand())
            try:
                raw = encode(value, now + soft, elapsed)
            except EncodeError as exc:
                counters.unserializable += 1
                log.warning("not cached: %s", exc)
                continue
            if len(raw) > self._policy.max_value_bytes:
                counters.oversize += 1
                continue
            items.append((full, raw, hard))
        return items
