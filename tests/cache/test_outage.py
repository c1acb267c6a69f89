"""Redis stopped and started under a live cache: the fallback serves, then Redis again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from perfkit.cache import CachePolicy, RedisCache
from perfkit.connection import Keyspace, async_client
from perfkit.embedded import EmbeddedServer
from perfkit.service.policies import AUDIO, USERS
from tests.cache.conftest import FakeClock

pytestmark = pytest.mark.anyio


class Upstream:
    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> dict[str, int]:
        self.calls += 1
        return {"version": self.calls}

    async def batch(self, ids: list[str]) -> Mapping[str, Any]:
        self.calls += 1
        return {i: i.upper() for i in ids}


async def test_outage_is_served_from_the_fallback_and_redis_is_used_again(
    private_server: EmbeddedServer, keyspace: Keyspace
) -> None:
    monotonic = FakeClock()
    policy = CachePolicy(breaker_cooldown=5.0, xfetch_beta=0.0)
    target = private_server.target()
    cache = RedisCache(
        async_client(target), keyspace, policy, owns_client=True,
        monotonic=monotonic,
    )  # fmt: skip
    upstream = Upstream()
    try:
        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 1}
        private_server.stop()

        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 2}  # loader result
        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 2}  # from fallback
        assert await cache.get_many(AUDIO, ["a", "b"], upstream.batch) == ["A", "B"]
        assert await cache.get_many(AUDIO, ["b", "a"], upstream.batch) == ["B", "A"]
        assert upstream.calls == 3
        stats = await cache.stats()
        assert stats["redis"]["connected"] is False
        assert stats["redis"]["health"]["status"] == "unhealthy"
        assert stats["redis"]["breaker"] == {"state": "open", "opened": 1}
        assert stats["fallback"]["active"] is True
        assert stats["fallback"]["entries"] == 3
        assert (stats["fallback"]["hits"], stats["fallback"]["misses"]) == (3, 3)
        assert stats["global"]["redis_errors"] == 1  # the breaker spared the other calls

        private_server.start()
        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 2}  # still open
        monotonic.advance(5.0)
        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 4}  # Redis, empty
        assert await cache.client.exists(cache.key(USERS, "u")) == 1
        stats = await cache.stats()
        assert stats["redis"]["connected"] is True
        assert stats["redis"]["breaker"]["state"] == "closed"
        assert (stats["fallback"]["active"], stats["fallback"]["entries"]) == (False, 0)
    finally:
        await cache.aclose()


async def test_a_cache_started_without_redis_serves_from_the_fallback(
    private_server: EmbeddedServer, keyspace: Keyspace
) -> None:
    private_server.stop()
    target = private_server.target()
    cache = RedisCache(async_client(target), keyspace, owns_client=True)
    try:
        upstream = Upstream()
        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 1}
        assert await cache.get_or_set(USERS, "u", upstream) == {"version": 1}
        assert await cache.set(USERS, "v", [1])
        assert await cache.get(USERS, "v") == [1]
        assert cache.snapshot()["redis"]["connected"] is False
    finally:
        await cache.aclose()
