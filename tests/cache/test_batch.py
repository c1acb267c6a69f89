"""`RedisCache.get_many`: many keys in one round trip, the misses loaded in one batch
(the reference service's audio features)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from perfkit.cache import CachePolicy, RedisCache
from perfkit.connection import Keyspace, RedisTarget, async_client, sync_client
from perfkit.embedded import EmbeddedServer
from perfkit.service.policies import AUDIO, SERVICE_TTLS

pytestmark = pytest.mark.anyio


class BatchLoader:
    def __init__(self, missing: frozenset[str] = frozenset()) -> None:
        self.calls: list[list[str]] = []
        self.missing = missing

    async def __call__(self, ids: list[str]) -> Mapping[str, Any]:
        self.calls.append(ids)
        return {i: {"id": i, "tempo": len(i)} for i in ids if i not in self.missing}


async def test_the_loader_receives_exactly_the_misses_order_and_duplicates_kept(
    cache: RedisCache,
) -> None:
    warm = BatchLoader()
    await cache.get_many(AUDIO, ["t2", "t4"], warm)
    loader = BatchLoader()
    ids = ["t5", "t2", "t1", "t5", "t4", "t3", "t1"]
    result = await cache.get_many(AUDIO, ids, loader)
    assert loader.calls == [["t5", "t1", "t3"]]
    assert [r["id"] for r in result] == ids
    counters = cache.snapshot()["namespaces"][AUDIO]
    assert (counters["hits"], counters["misses"], counters["loader_calls"]) == (2, 5, 2)


async def test_a_fully_cached_batch_does_not_call_the_loader(cache: RedisCache) -> None:
    ids = [f"t{i}" for i in range(100)]
    await cache.get_many(AUDIO, ids, BatchLoader())
    loader = BatchLoader()
    assert [r["id"] for r in await cache.get_many(AUDIO, ids, loader)] == ids
    assert loader.calls == []


async def test_ids_the_loader_lacks_are_none_and_not_cached(cache: RedisCache) -> None:
    loader = BatchLoader(missing=frozenset({"gone"}))
    assert await cache.get_many(AUDIO, ["a", "gone", "a"], loader) == [
        {"id": "a", "tempo": 1},
        None,
        {"id": "a", "tempo": 1},
    ]
    await cache.get_many(AUDIO, ["gone"], loader)
    assert loader.calls == [["a", "gone"], ["gone"]]


async def test_every_written_id_has_the_namespace_ttl(cache: RedisCache) -> None:
    ids = [f"id{i}" for i in range(20)]
    await cache.get_many(AUDIO, ids, BatchLoader())
    for ident in ids:
        pttl = await cache.client.pttl(cache.key(AUDIO, ident))
        assert 21_598_000 < pttl <= 21_600_000


async def test_garbage_in_a_batch_is_a_counted_miss(cache: RedisCache) -> None:
    await cache.client.set(cache.key(AUDIO, "bad"), b"\xff\xfe not an entry")
    loader = BatchLoader()
    result = await cache.get_many(AUDIO, ["bad", "ok"], loader)
    assert [r["id"] for r in result] == ["bad", "ok"]
    assert loader.calls == [["bad", "ok"]]
    assert cache.snapshot()["namespaces"][AUDIO]["decode_errors"] == 1


KINDS: dict[str, Any] = {
    "dict": {"id": "dict", "nested": {"list": [1, 2.5, None, True, "é"]}},
    "list": [1, "two", 3.0],
    "text": "a string with , and ] and \\u0000",
    "int": -42,
    "float": 0.1,
    "true": True,
    "null": None,
    "bytes": b"\x00\xff[,]raw",
    "empty-bytes": b"",
    "empty-list": [],
}


async def test_every_value_kind_reads_back_from_a_batch_in_the_callers_order(
    cache: RedisCache,
) -> None:
    async def load(ids: list[str]) -> Mapping[str, Any]:
        calls.append(ids)
        return {i: KINDS.get(i, f"loaded {i}") for i in ids if i != "absent"}

    calls: list[list[str]] = []
    await cache.client.set(cache.key(AUDIO, "garbage"), b"\xa7pkj" + b"\x00" * 16 + b"[1,")
    ids = [*KINDS, "absent", "dict", "null", "garbage"]
    expected = [*KINDS.values(), None, KINDS["dict"], None, "loaded garbage"]
    await cache.get_many(AUDIO, [*KINDS][:3], load)  # some hits, some misses
    assert await cache.get_many(AUDIO, ids, load) == expected
    assert await cache.get_many(AUDIO, ids, load) == expected
    assert await cache.get_many(AUDIO, list(reversed(ids)), load) == list(reversed(expected))
    assert calls[1] == [*list(KINDS)[3:], "absent", "garbage"]
    assert calls[2:] == [["absent"], ["absent"]]  # JSON null is a cached value
    counters = cache.snapshot()["namespaces"][AUDIO]
    assert counters["decode_errors"] == 1


async def test_an_empty_batch_is_empty(cache: RedisCache) -> None:
    loader = BatchLoader()
    assert await cache.get_many(AUDIO, [], loader) == []
    assert loader.calls == []


async def test_one_mget_and_one_pipelined_write_per_batch(
    private_server: EmbeddedServer, keyspace: Keyspace
) -> None:
    """Counted by the server itself (INFO commandstats of a server only this test uses)."""
    admin = sync_client(private_server.target())
    cache = RedisCache(async_client(private_server.target()), keyspace, owns_client=True)
    try:
        await cache.get_many(AUDIO, ["a", "b"], BatchLoader())
        admin.config_resetstat()
        await cache.get_many(AUDIO, [f"t{i}" for i in range(100)] + ["a", "b"], BatchLoader())
        stats = admin.info("commandstats")
    finally:
        await cache.aclose()
        admin.close()
    assert stats["cmdstat_mget"]["calls"] == 1
    assert stats["cmdstat_set"]["calls"] == 100
    assert "cmdstat_get" not in stats


async def test_a_cluster_batch_spans_slots_without_crossslot(cache: RedisCache) -> None:
    """On the cluster backend the 200 keys fall in many slots on all three masters."""
    ids = [f"track-{i}" for i in range(200)]
    loader = BatchLoader()
    first = await cache.get_many(AUDIO, ids, loader)
    second = await cache.get_many(AUDIO, ids, loader)
    assert first == second and [r["id"] for r in second] == ids
    assert loader.calls == [ids]


async def test_ttl_jitter_spreads_the_expiry_of_a_batch(
    backend_target: RedisTarget, keyspace: Keyspace
) -> None:
    policy = CachePolicy(ttls=SERVICE_TTLS, ttl_jitter=0.5, xfetch_beta=0.0)
    cache = RedisCache(async_client(backend_target), keyspace, policy, owns_client=True)
    try:
        ids = [str(i) for i in range(30)]
        await cache.get_many(AUDIO, ids, BatchLoader())
        pttls = [await cache.client.pttl(cache.key(AUDIO, i)) for i in ids]
        await cache.clear()
    finally:
        await cache.aclose()
    assert all(10_800_000 - 1 <= p <= 21_600_000 for p in pttls)
    assert max(pttls) - min(pttls) > 60_000  # written together, they do not expire together
