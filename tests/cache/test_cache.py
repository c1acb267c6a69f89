"""`RedisCache.get_or_set` and friends on a real server and on the 3-master cluster."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from perfkit.cache import RedisCache
from perfkit.connection import Keyspace, RedisTarget, sync_client
from perfkit.keyspace_admin import clear
from perfkit.service.policies import API, AUDIO, CHAT, RECOMMENDATIONS, USERS

pytestmark = pytest.mark.anyio


class Loader:
    """Counts its calls; returns the given value after an optional delay."""

    def __init__(self, value: Any = None, delay: float = 0.0) -> None:
        self.value, self.delay, self.calls = value, delay, 0

    async def __call__(self) -> Any:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.value


@pytest.mark.parametrize("namespace", [API, RECOMMENDATIONS, USERS, AUDIO, CHAT, "search"])
async def test_each_namespace_is_written_with_its_ttl(cache: RedisCache, namespace: str) -> None:
    await cache.get_or_set(namespace, "k", Loader({"v": 1}))
    pttl = await cache.client.pttl(cache.key(namespace, "k"))
    expected = cache.policy.ttl(namespace) * 1000
    assert expected - 2000 < pttl <= expected


async def test_an_explicit_ttl_wins_over_the_namespace(cache: RedisCache) -> None:
    await cache.get_or_set(AUDIO, "k", Loader(1), ttl=7)
    assert 5000 < await cache.client.pttl(cache.key(AUDIO, "k")) <= 7000


async def test_hits_and_misses_are_counted_exactly(cache: RedisCache) -> None:
    loader = Loader({"name": "ada"})
    for _ in range(3):
        assert await cache.get_or_set(USERS, "u1", loader) == {"name": "ada"}
    await cache.get_or_set(USERS, "u2", loader)
    assert await cache.get(USERS, "u3", default="none") == "none"
    stats = cache.snapshot()
    users = stats["namespaces"][USERS]
    assert (users["hits"], users["misses"], users["loader_calls"]) == (2, 3, 2)
    assert users["hit_rate"] == round(2 / 5, 4)
    assert (stats["global"]["hits"], stats["global"]["misses"]) == (2, 3)
    assert loader.calls == 2


async def test_a_hundred_concurrent_calls_on_a_cold_key_load_once(cache: RedisCache) -> None:
    loader = Loader([1, 2, 3], delay=0.02)
    results = await asyncio.gather(*(cache.get_or_set(API, "hot", loader) for _ in range(100)))
    assert results == [[1, 2, 3]] * 100
    assert loader.calls == 1


async def test_an_instant_loader_is_still_called_once_under_concurrency(cache: RedisCache) -> None:
    loader = Loader("v")
    await asyncio.gather(*(cache.get_or_set(API, "hot", loader) for _ in range(100)))
    assert loader.calls == 1


async def test_loader_errors_reach_the_caller_and_nothing_is_cached(cache: RedisCache) -> None:
    async def broken() -> int:
        raise LookupError("spotify said 503")

    with pytest.raises(LookupError, match="503"):
        await cache.get_or_set(API, "k", broken)
    assert await cache.client.exists(cache.key(API, "k")) == 0


async def test_garbage_bytes_under_our_prefix_are_a_counted_miss(cache: RedisCache) -> None:
    await cache.client.set(cache.key(USERS, "g"), b"\x80\x04\x95garbage from elsewhere")
    loader = Loader({"ok": True})
    assert await cache.get_or_set(USERS, "g", loader) == {"ok": True}
    counters = cache.snapshot()["namespaces"][USERS]
    assert (counters["decode_errors"], counters["misses"], counters["hits"]) == (1, 1, 0)
    assert await cache.get_or_set(USERS, "g", loader) == {"ok": True}  # rewritten: a hit
    assert loader.calls == 1


async def test_bytes_pass_through_unchanged(cache: RedisCache) -> None:
    blob = bytes(range(256))
    assert await cache.get_or_set(API, "b", Loader(blob)) == blob
    assert await cache.get_or_set(API, "b", Loader(b"other")) == blob


async def test_oversize_and_unserializable_values_are_returned_not_cached(
    cache: RedisCache,
) -> None:
    big = "x" * (cache.policy.max_value_bytes + 1)
    assert await cache.get_or_set(API, "big", Loader(big)) == big
    odd = object()
    assert await cache.get_or_set(API, "odd", Loader(odd)) is odd
    keys = [cache.key(API, "big"), cache.key(API, "odd")]
    assert await cache.client.exists(*keys[:1]) + await cache.client.exists(*keys[1:]) == 0
    counters = cache.snapshot()["namespaces"][API]
    assert (counters["oversize"], counters["unserializable"]) == (1, 1)


async def test_set_get_delete(cache: RedisCache) -> None:
    assert await cache.set(CHAT, "c1", {"turns": ["hi"]})
    assert await cache.get(CHAT, "c1") == {"turns": ["hi"]}
    await cache.delete(CHAT, "c1")
    assert await cache.get(CHAT, "c1") is None


async def test_the_decorator_caches_by_arguments(cache: RedisCache) -> None:
    calls: list[str] = []

    @cache.cached(USERS)
    async def profile(user_id: str, market: str = "SE") -> dict[str, str]:
        calls.append(user_id)
        return {"id": user_id, "market": market}

    assert await profile("u1") == {"id": "u1", "market": "SE"}
    assert await profile("u1") == {"id": "u1", "market": "SE"}
    assert await profile("u2", market="DE") == {"id": "u2", "market": "DE"}
    assert calls == ["u1", "u2"]

    @cache.cached(USERS, key=lambda user_id: f"me:{user_id}")
    async def me(user_id: str) -> str:
        return user_id

    await me("u9")
    assert await cache.client.exists(cache.key(USERS, "me:u9")) == 1


async def test_clearing_a_namespace_leaves_the_others(cache: RedisCache) -> None:
    for namespace in (AUDIO, RECOMMENDATIONS):
        for i in range(30):
            await cache.set(namespace, str(i), i)
    assert await cache.clear(AUDIO) == 30
    assert await cache.get(AUDIO, "1") is None
    assert await cache.get(RECOMMENDATIONS, "1") == 1


async def test_the_cli_clear_finds_the_caches_keys(
    cache: RedisCache, keyspace: Keyspace, backend_target: RedisTarget
) -> None:
    """`perfkit redis clear --namespace audio` (keyspace_admin.clear) sees our key names."""
    await cache.set(AUDIO, "t1", {"tempo": 120})
    await cache.set(USERS, "u1", {"id": "u1"})
    client = sync_client(backend_target)
    try:
        assert clear(client, keyspace, AUDIO) == 1
    finally:
        client.close()
    assert await cache.get(AUDIO, "t1") is None
    assert await cache.get(USERS, "u1") == {"id": "u1"}
