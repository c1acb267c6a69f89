"""The cross-process lock: one load among several caches, released only by its holder."""

from __future__ import annotations

import asyncio

import pytest

from perfkit.cache import CachePolicy, RedisCache
from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.service.policies import RECOMMENDATIONS

pytestmark = pytest.mark.anyio


async def test_caches_with_their_own_clients_load_a_cold_key_once(
    backend_target: RedisTarget, keyspace: Keyspace
) -> None:
    """Four caches with four clients stand for four processes of the service."""
    policy = CachePolicy(lock=True, xfetch_beta=0.0)
    caches = [
        RedisCache(async_client(backend_target), keyspace, policy, owns_client=True)
        for _ in range(4)
    ]
    calls = 0

    async def slow() -> list[str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.1)
        return ["track-1", "track-2"]

    try:
        results = await asyncio.gather(
            *(c.get_or_set(RECOMMENDATIONS, "user-1", slow) for c in caches for _ in range(5))
        )
        assert results == [["track-1", "track-2"]] * 20
        assert calls == 1
        lock = caches[0].keyspace.key("lock", RECOMMENDATIONS, "user-1")
        assert await caches[0].client.exists(lock) == 0  # released by its holder
        await caches[0].clear()
    finally:
        for cache in caches:
            await cache.aclose()


async def test_a_lock_is_released_only_with_its_token(cache: RedisCache) -> None:
    store, key = cache.store.redis, cache.key("lock", "k")
    assert await store.acquire(key, "token-a", 10_000)
    assert not await store.acquire(key, "token-b", 10_000)
    assert not await store.release(key, "token-b")
    assert await cache.client.get(key) == b"token-a"
    assert await store.release(key, "token-a")
    assert await cache.client.exists(key) == 0


async def test_an_expired_holder_cannot_release_the_next_holders_lock(cache: RedisCache) -> None:
    store, key = cache.store.redis, cache.key("lock", "k")
    assert await store.acquire(key, "slow-holder", 30)
    await asyncio.sleep(0.06)
    assert await store.acquire(key, "next-holder", 10_000)
    assert not await store.release(key, "slow-holder")  # GET-then-DEL would have deleted it
    assert await cache.client.get(key) == b"next-holder"
    await store.release(key, "next-holder")


async def test_a_waiter_loads_itself_when_the_holder_never_writes(
    cache: RedisCache, keyspace: Keyspace, backend_target: RedisTarget
) -> None:
    policy = CachePolicy(lock=True, lock_wait=0.1, xfetch_beta=0.0)
    other = RedisCache(async_client(backend_target), keyspace, policy, owns_client=True)
    try:
        held = cache.keyspace.key("lock", RECOMMENDATIONS, "k")
        assert await cache.store.redis.acquire(held, "a-dead-process", 10_000)

        async def load() -> str:
            return "loaded anyway"

        assert await other.get_or_set(RECOMMENDATIONS, "k", load) == "loaded anyway"
    finally:
        await other.aclose()
