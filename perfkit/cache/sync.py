"""The cache for synchronous code (scripts, notebooks, WSGI): `SyncRedisCache`.

Rather than a second implementation, it runs the asyncio `RedisCache` on a private
event loop in a daemon thread and hands each call over (``run_coroutine_threadsafe``),
so it has every behaviour of the async cache (single-flight across the caller's
threads, stale-while-revalidate, fallback, stats) at the cost of one thread hop per
call. Loaders are plain functions, run in a worker thread so the loop keeps serving.

::

    with SyncRedisCache.from_settings(settings, target) as cache:
        profile = cache.get_or_set("users", user_id, lambda: fetch_profile(user_id))
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import MappingProxyType, TracebackType
from typing import Any, TypeVar

from perfkit.cache.core import RedisCache
from perfkit.config import Settings
from perfkit.connection import RedisTarget

T = TypeVar("T")


class SyncRedisCache:
    """Blocking methods over a `RedisCache` that lives on its own event-loop thread."""

    def __init__(self, build: Callable[[], Coroutine[Any, Any, RedisCache]]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="perfkit-cache", daemon=True
        )
        self._thread.start()
        try:
            self.cache: RedisCache = self._run(build())
        except BaseException:
            self._stop()
            raise

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        target: RedisTarget | None = None,
        ttls: Mapping[str, int] = MappingProxyType({}),
    ) -> SyncRedisCache:
        return cls(lambda: RedisCache.from_settings(settings, target, ttls))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the cache's loop and wait for its result (or its error)."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def get_or_set(
        self, namespace: str, key: str, loader: Callable[[], T], *, ttl: float | None = None
    ) -> T:
        async def load() -> T:
            return await asyncio.to_thread(loader)

        return self._run(self.cache.get_or_set(namespace, key, load, ttl=ttl))

    def get_many(
        self,
        namespace: str,
        ids: Sequence[str],
        loader: Callable[[list[str]], Mapping[str, Any]],
        *,
        ttl: float | None = None,
    ) -> list[Any]:
        async def load(missing: list[str]) -> Mapping[str, Any]:
            return await asyncio.to_thread(loader, missing)

        return self._run(self.cache.get_many(namespace, ids, load, ttl=ttl))

    def get(self, namespace: str, key: str, default: Any = None) -> Any:
        return self._run(self.cache.get(namespace, key, default))

    def set(self, namespace: str, key: str, value: Any, ttl: float | None = None) -> bool:
        return self._run(self.cache.set(namespace, key, value, ttl))

    def delete(self, namespace: str, *keys: str) -> None:
        self._run(self.cache.delete(namespace, *keys))

    def clear(self, namespace: str | None = None) -> int:
        return self._run(self.cache.clear(namespace))

    def stats(self) -> dict[str, Any]:
        return self._run(self.cache.stats())

    def snapshot(self) -> dict[str, Any]:
        return self.cache.snapshot()

    def close(self) -> None:
        """Close the async cache and stop the loop thread."""
        if self._loop.is_running():
            self._run(self.cache.aclose())
            self._stop()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> SyncRedisCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
