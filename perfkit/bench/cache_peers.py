"""cashews and aiocache as benchmark contenders, each with its Redis backend.

They are dev extras: when one is not installed, or the target is a cluster (neither
supports Redis Cluster), it is left out and `Peers.missing` says why.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from perfkit.connection import RedisTarget

Op = Callable[[], Awaitable[object]]


class Peers:
    """The peer caches that could be set up, with keys under ``prefix``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.cashews: Any = None
        self.aiocache: Any = None
        self.missing: list[str] = []

    async def setup(self, target: RedisTarget, value: Any) -> None:
        if target.cluster:
            self.missing.append("cashews and aiocache: no Redis Cluster support")
            return
        parts = urlsplit(target.url)
        if importlib.util.find_spec("cashews") is None:
            self.missing.append("cashews: not installed")
        else:
            from cashews import Cache  # noqa: PLC0415 - an optional dev extra

            self.cashews = Cache()
            self.cashews.setup(target.url, password=target.password)
            await self.cashews.set(self.prefix + "cashews:hit", value, expire=600)
        if importlib.util.find_spec("aiocache") is None:
            self.missing.append("aiocache: not installed")
        else:
            from aiocache import RedisCache  # type: ignore[import-untyped]  # noqa: PLC0415

            self.aiocache = RedisCache(
                endpoint=parts.hostname or "127.0.0.1",
                port=parts.port or 6379,
                password=target.password,
                namespace=self.prefix + "aiocache",
            )
            await self.aiocache.set("hit", value, ttl=600)

    async def hit_ops(self) -> dict[str, Op]:
        ops: dict[str, Op] = {}
        if self.cashews is not None:
            key = self.prefix + "cashews:hit"
            ops["cashews get"] = lambda: self.cashews.get(key)
        if self.aiocache is not None:
            ops["aiocache get"] = lambda: self.aiocache.get("hit")
        return ops

    async def batch_ops(self, ids: list[str], value: Any) -> dict[str, Op]:
        ops: dict[str, Op] = {}
        if self.cashews is not None:
            keys = [self.prefix + "cashews:" + i for i in ids]
            await self.cashews.set_many({k: value for k in keys}, expire=600)
            ops["cashews get_many"] = lambda: self.cashews.get_many(*keys)
        if self.aiocache is not None:
            await self.aiocache.multi_set([(i, value) for i in ids], ttl=600)
            ops["aiocache multi_get"] = lambda: self.aiocache.multi_get(ids)
        return ops

    async def aclose(self) -> None:
        """Close the clients (their keys are under the bench prefix, cleared with it)."""
        if self.cashews is not None:
            await self.cashews.close()
        if self.aiocache is not None:
            await self.aiocache.close()
