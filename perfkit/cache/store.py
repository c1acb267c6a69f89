"""The cache's Redis I/O: the only module that calls redis-py, and where its errors
become `RedisUnavailable`.

A batch read is one MGET; on a Redis Cluster the keys are grouped by hash slot and one
MGET per slot is sent in one pipelined round (redis-py's ``mget_nonatomic``), so a batch
never raises CROSSSLOT. A batch write is one non-transactional pipeline of
``SET key value PX ttl``, which the cluster client splits per node the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from typing import cast

import redis
import redis.asyncio.cluster
from redis.exceptions import RedisClusterException

from perfkit.connection import AsyncClient, describe_error
from perfkit.errors import RedisUnavailable

_SCAN_COUNT = 1000
_UNLINK_BATCH = 500
_ERRORS = (redis.RedisError, RedisClusterException, OSError)


def _unavailable(exc: BaseException) -> RedisUnavailable:
    return RedisUnavailable(f"Redis cache call failed: {describe_error(exc)}")


class RedisStore:
    """Bytes in, bytes out; every failure is raised as `RedisUnavailable`."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        source = resources.files(__package__).joinpath("release_lock.lua").read_text()
        self._release = client.register_script(source)

    async def get(self, key: str) -> bytes | None:
        try:
            return cast("bytes | None", await self.client.get(key))
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Values of ``keys`` in their order (one MGET, or one per slot on a cluster).

        The keys go to redis-py as bytes: its encoder passes bytes through at its first
        check, where a str costs several checks and an encode call (measured: a fifth of
        the client's instructions for an MGET of 100 keys, README "Cache" benchmark)."""
        names = [key.encode() for key in keys]
        try:
            if isinstance(self.client, redis.asyncio.cluster.RedisCluster):
                return await self.client.mget_nonatomic(names)
            return cast("list[bytes | None]", await self.client.mget(names))
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def set(self, key: str, raw: bytes, ttl_ms: int) -> None:
        try:
            await self.client.set(key, raw, px=ttl_ms)
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def set_many(self, items: Sequence[tuple[str, bytes, int]]) -> None:
        """``SET key raw PX ttl_ms`` for each item, pipelined in one round trip."""
        try:
            pipe = self.client.pipeline(transaction=False)
            for key, raw, ttl_ms in items:
                pipe.set(key, raw, px=ttl_ms)
            await pipe.execute()
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def delete(self, *keys: str) -> int:
        try:
            return int(await self.client.unlink(*keys))
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def acquire(self, key: str, token: str, ttl_ms: int) -> bool:
        """``SET key token NX PX ttl_ms``: True when this caller now holds the lock."""
        try:
            return bool(await self.client.set(key, token, nx=True, px=ttl_ms))
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def release(self, key: str, token: str) -> bool:
        """Delete the lock only if ``token`` still holds it (checked in Lua)."""
        try:
            return bool(await self._release(keys=[key], args=[token]))
        except _ERRORS as exc:
            raise _unavailable(exc) from None

    async def clear(self, pattern: str) -> int:
        """SCAN ``pattern`` and UNLINK what matches in batches; return how many."""
        removed = 0
        batch: list[bytes | str] = []
        try:
            async for key in self.client.scan_iter(match=pattern, count=_SCAN_COUNT):
                batch.append(key)
                if len(batch) >= _UNLINK_BATCH:
                    removed += int(await self.client.unlink(*batch))
                    batch.clear()
            if batch:
                removed += int(await self.client.unlink(*batch))
        except _ERRORS as exc:
            raise _unavailable(exc) from None
        return removed
