"""Stale-while-revalidate and XFetch early refresh, on real Redis with a hand-moved clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import anyio
import pytest

from perfkit.cache import CachePolicy, RedisCache
from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.service.policies import USERS
from tests.cache.conftest import FakeClock

pytestmark = pytest.mark.anyio


class Versions:
    """Returns v1, v2, ... on successive calls, optionally slowly."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls, self.delay = 0, delay

    async def __call__(self) -> str:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return f"v{self.calls}"


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for a background reload to land (fails the test instead of hanging)."""
    with anyio.fail_after(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def _make(
    target: RedisTarget, keyspace: Keyspace, clock: FakeClock, policy: CachePolicy, rand: float
) -> RedisCache:
    return RedisCache(
        async_client(target), keyspace, policy, owns_client=True, clock=clock, rand=lambda: rand
    )


@pytest.fixture
async def swr(
    redis_target: RedisTarget, keyspace: Keyspace, clock: FakeClock
) -> AsyncIterator[RedisCache]:
    cache = _make(redis_target, keyspace, clock, CachePolicy(stale_ttl=60, xfetch_beta=0), 0.5)
    yield cache
    await cache.clear()
    await cache.aclose()


async def test_a_stale_value_is_served_at_once_and_reloaded_once_in_the_background(
    swr: RedisCache, clock: FakeClock
) -> None:
    loader = Versions(delay=0.02)
    assert await swr.get_or_set(USERS, "u", loader, ttl=10) == "v1"
    assert 69_000 < await swr.client.pttl(swr.key(USERS, "u")) <= 70_000  # 10 s + 60 s stale
    clock.advance(11)
    results = await asyncio.gather(*(swr.get_or_set(USERS, "u", loader, ttl=10) for _ in range(5)))
    assert results == ["v1"] * 5
    await asyncio.sleep(0.01)
    assert await swr.get_or_set(USERS, "u", loader, ttl=10) == "v1"  # reload still running
    await until(lambda: swr.snapshot()["global"]["writes"] == 2)
    assert await swr.get_or_set(USERS, "u", loader, ttl=10) == "v2"
    assert loader.calls == 2
    counters = swr.snapshot()["namespaces"][USERS]
    assert (counters["stale_served"], counters["early_refreshes"]) == (2, 1)


async def test_a_failed_background_reload_is_counted_and_the_stale_value_kept(
    swr: RedisCache, clock: FakeClock
) -> None:
    await swr.get_or_set(USERS, "u", Versions(), ttl=10)
    clock.advance(11)

    async def broken() -> str:
        raise LookupError("upstream down")

    assert await swr.get_or_set(USERS, "u", broken, ttl=10) == "v1"
    await until(lambda: swr.snapshot()["global"]["refresh_errors"] == 1)
    assert await swr.get(USERS, "u") == "v1"


async def test_xfetch_refreshes_a_hot_key_before_it_expires(
    redis_target: RedisTarget, keyspace: Keyspace, clock: FakeClock
) -> None:
    """With the draw at its extreme, a value read 1 s before expiry is refreshed early."""
    cache = _make(redis_target, keyspace, clock, CachePolicy(xfetch_beta=1.0), 1.0 - 1e-12)
    try:
        loader = Versions(delay=0.01)  # the recorded load time makes early refresh possible
        assert await cache.get_or_set(USERS, "u", loader, ttl=100) == "v1"
        assert await cache.get_or_set(USERS, "u", loader, ttl=100) == "v1"  # 100 s left
        assert loader.calls == 1
        clock.advance(99.9)  # 0.1 s left; -0.01 s * ln(1e-12) = 0.28 s: refresh now
        assert await cache.get_or_set(USERS, "u", loader, ttl=100) == "v1"
        await until(lambda: cache.snapshot()["global"]["writes"] == 2)
        assert await cache.get_or_set(USERS, "u", loader, ttl=100) == "v2"
        assert cache.snapshot()["namespaces"][USERS]["stale_served"] == 0
        assert cache.snapshot()["namespaces"][USERS]["early_refreshes"] == 1
        await cache.clear()
    finally:
        await cache.aclose()


async def test_a_fresh_value_with_a_middling_draw_is_not_refreshed(
    redis_target: RedisTarget, keyspace: Keyspace, clock: FakeClock
) -> None:
    cache = _make(redis_target, keyspace, clock, CachePolicy(xfetch_beta=1.0), 0.5)
    try:
        loader = Versions(delay=0.01)
        for _ in range(5):
            assert await cache.get_or_set(USERS, "u", loader, ttl=100) == "v1"
        assert loader.calls == 1
        await cache.clear()
    finally:
        await cache.aclose()


async def test_stale_ids_of_a_batch_are_reloaded_together_in_the_background(
    swr: RedisCache, clock: FakeClock
) -> None:
    calls: list[list[str]] = []

    async def load(ids: list[str]) -> Mapping[str, Any]:
        calls.append(ids)
        return {i: f"{i}@{len(calls)}" for i in ids}

    await swr.get_many(USERS, ["a", "b"], load, ttl=10)
    clock.advance(11)
    await swr.get_many(USERS, ["c"], load, ttl=10)
    assert await swr.get_many(USERS, ["a", "c", "b"], load, ttl=10) == ["a@1", "c@2", "b@1"]
    await until(lambda: swr.snapshot()["global"]["writes"] == 5)
    assert calls == [["a", "b"], ["c"], ["a", "b"]]
    assert await swr.get_many(USERS, ["a", "b"], load, ttl=10) == ["a@3", "b@3"]


async def test_xfetch_refreshes_ids_of_a_batch_early_in_one_background_load(
    redis_target: RedisTarget, keyspace: Keyspace, clock: FakeClock
) -> None:
    cache = _make(redis_target, keyspace, clock, CachePolicy(xfetch_beta=1.0), 1.0 - 1e-12)
    calls: list[list[str]] = []

    async def load(ids: list[str]) -> Mapping[str, Any]:
        calls.append(ids)
        await asyncio.sleep(0.01)  # the recorded load time makes early refresh possible
        return {i: f"{i}@{len(calls)}" for i in ids}

    try:
        await cache.get_many(USERS, ["a", "b"], load, ttl=100)
        await cache.get_many(USERS, ["c"], load, ttl=200)
        clock.advance(99.9)  # a and b: 0.1 s left, inside 0.28 s; c: 100 s left
        assert await cache.get_many(USERS, ["c", "b", "a"], load) == ["c@2", "b@1", "a@1"]
        await until(lambda: cache.snapshot()["global"]["writes"] == 5)
        assert calls == [["a", "b"], ["c"], ["b", "a"]]
        assert await cache.get_many(USERS, ["a", "b", "c"], load) == ["a@3", "b@3", "c@2"]
        counters = cache.snapshot()["namespaces"][USERS]
        assert (counters["early_refreshes"], counters["stale_served"]) == (2, 0)
        await cache.clear()
    finally:
        await cache.aclose()
