"""Cross-process stampede protection: one process loads a cold key, the others wait.

The single-flight already makes one load per process; with ``lock=True`` a short
Redis lock (``SET lock token NX PX``) makes one load per cluster of processes. The
holder loads, writes, and releases the lock with a Lua script that deletes it only if
it still holds the token (a lock that expired and was taken by another process is left
alone, which GET-then-DEL would not do). The others poll for the value with backoff and
load themselves only if it does not appear within ``lock_wait``: a slow or dead holder
costs time, never correctness. Without Redis there is no lock: the fallback path loads.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from perfkit.cache.codec import DecodeError, decode
from perfkit.cache.keys import CacheKeys
from perfkit.cache.policy import CachePolicy
from perfkit.cache.stats import Counters
from perfkit.cache.tiered import TieredStore
from perfkit.errors import RedisUnavailable

T = TypeVar("T")
_POLL_FIRST, _POLL_MAX = 0.01, 0.2
log = logging.getLogger("perfkit.cache")


class FillLock:
    """Runs a cold key's load under its Redis lock (``lock_ttl``, ``lock_wait`` of the
    policy), or returns the value another process's load wrote meanwhile."""

    def __init__(self, store: TieredStore, keys: CacheKeys, policy: CachePolicy) -> None:
        self._store, self._keys = store, keys
        self._ttl_ms = max(1, math.ceil(policy.lock_ttl * 1000))
        self._wait = policy.lock_wait

    async def load(self, full: str, load: Callable[[], Awaitable[T]], counters: Counters) -> T:
        """``await load()`` under the lock of ``full``, or the value another holder wrote."""
        if self._store.degraded:
            return await load()
        key, token = self._keys.lock(full), secrets.token_hex(16)
        try:
            held = await self._store.redis.acquire(key, token, self._ttl_ms)
        except RedisUnavailable as exc:
            log.info("cache lock not taken, loading without it: %s", exc)
            return await load()
        if held:
            try:
                return await load()
            finally:
                await self._release(key, token)
        deadline = time.monotonic() + self._wait
        delay = _POLL_FIRST
        while time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, _POLL_MAX)
            raw = await self._store.get(full, counters)
            if raw is not None:
                try:
                    return decode(raw)[0]  # type: ignore[no-any-return]
                except DecodeError:
                    counters.decode_errors += 1
                    break
        return await load()

    async def _release(self, key: str, token: str) -> None:
        try:
            await self._store.redis.release(key, token)
        except RedisUnavailable as exc:  # it expires on its own after lock_ttl
            log.info("cache lock not released: %s", exc)
