"""The asyncio fast path: EVALSHA packed by hand is byte for byte redis-py's packing; a
batch's replies come back in order with error replies in place; NOSCRIPT in a batch (after
SCRIPT FLUSH, as after a restart) is recovered with every decision counted once, with
and without auto-pipelining."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio
import redis.exceptions

from perfkit.connection import (
    AsyncClient,
    Keyspace,
    RedisTarget,
    SyncClient,
    async_client,
    sync_client,
)
from perfkit.embedded import EmbeddedCluster
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, Policy, PolicySet, RateLimiter
from perfkit.ratelimit.scripts import Script
from perfkit.ratelimit.wire import AsyncConnections, EvalshaPacker, supports, supports_sync


@pytest.mark.anyio
async def test_packing_matches_redis_py(aredis_client: AsyncClient) -> None:
    sha = Script().sha
    packer = EvalshaPacker(sha)
    conn = aredis_client.connection_pool.make_connection()  # type: ignore[union-attr]
    argv = ("", "g", 100, 60_000_000, 100, 0)
    for keys in (["a:{1}"], ["perfkit:rl:global:g:{2001:db8::/64}", "x:{é ü}"], []):
        for _ in range(2):  # the second call packs from the cached ARGV bytes
            expected = b"".join(conn.pack_command("EVALSHA", sha, len(keys), *keys, *argv))
            assert packer.pack(keys, argv) == expected


@pytest.mark.anyio
async def test_exchange_keeps_order_and_error_replies(
    aredis_client: AsyncClient, keyspace: Keyspace
) -> None:
    assert supports(aredis_client)
    sha = await aredis_client.script_load("return tonumber(ARGV[1]) * 2")
    good = EvalshaPacker(sha)
    missing = EvalshaPacker("0" * 40)
    key = keyspace.key("rl", "wire")
    commands = [good.pack([key], (1,)), missing.pack([key], (2,)), good.pack([key], (3,))]
    connections = AsyncConnections(aredis_client)  # type: ignore[arg-type]
    replies = await connections.exchange(commands)
    assert replies[0] == 2 and replies[2] == 6
    assert isinstance(replies[1], redis.exceptions.NoScriptError)
    await connections.aclose()  # back to the pool, where the next command takes it
    assert await aredis_client.ping()  # the connection was left in sync


@pytest.mark.anyio
async def test_a_batch_larger_than_one_socket_read_comes_back_whole_and_in_order(
    aredis_client: AsyncClient, keyspace: Keyspace
) -> None:
    sha = await aredis_client.script_load("return {ARGV[1], KEYS[1]}")
    packer = EvalshaPacker(sha)
    key = keyspace.key("rl", "wire")
    commands = [packer.pack([key], (n,)) for n in range(5000)]  # ~150 KB of replies
    connections = AsyncConnections(aredis_client)  # type: ignore[arg-type]
    replies = await connections.exchange(commands)
    assert replies == [[str(n).encode(), key.encode()] for n in range(5000)]
    await connections.aclose()
    assert await aredis_client.ping()


@pytest.mark.anyio
async def test_noscript_in_a_batch_is_recovered_exactly(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    config = LimiterConfig(policies=PolicySet([Policy("p", 25, 60.0)]), local_cache=False)
    limiter = AsyncRateLimiter(async_client(redis_target), config, keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    try:
        assert (await limiter.hit("warm")).backend == "redis"
        await limiter.runner.client.script_flush()
        decisions = await asyncio.gather(*(limiter.hit("caller") for _ in range(60)))
    finally:
        await limiter.aclose()
    assert {d.backend for d in decisions} == {"redis"}
    assert sum(d.allowed for d in decisions) == 25
    assert limiter.runner.batches < 61  # the flushed batch really was pipelined


@pytest.mark.anyio
async def test_unpipelined_calls_take_the_fast_path_and_recover_noscript(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    policies = PolicySet([Policy("p", 5, 60.0)])
    config = LimiterConfig(policies=policies, local_cache=False, pipelining=False)
    limiter = AsyncRateLimiter(async_client(redis_target), config, keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    try:
        assert limiter.runner._packer is not None
        first = await limiter.hit("caller")
        await limiter.runner.client.script_flush()
        rest = [await limiter.hit("caller") for _ in range(7)]
    finally:
        await limiter.aclose()
    assert {d.backend for d in [first, *rest]} == {"redis"}
    assert [d.allowed for d in [first, *rest]] == [True] * 5 + [False] * 3
    assert [d.outcomes[0].remaining for d in [first, *rest][:5]] == [4, 3, 2, 1, 0]
    assert limiter.runner.batches == 0  # one round trip per decision, no batching


def test_sync_calls_take_the_packed_path_and_recover_noscript(
    redis_client: SyncClient, keyspace: Keyspace
) -> None:
    config = LimiterConfig(policies=PolicySet([Policy("p", 3, 60.0)]), local_cache=False)
    limiter = RateLimiter(redis_client, config, keyspace=keyspace)
    assert limiter.runner._packer is not None
    first = limiter.hit("caller")
    redis_client.script_flush()
    rest = [limiter.hit("caller") for _ in range(4)]
    decisions = [first, *rest]
    assert {d.backend for d in decisions} == {"redis"}
    assert [d.allowed for d in decisions] == [True] * 3 + [False] * 2
    assert [d.outcomes[0].remaining for d in decisions[:3]] == [2, 1, 0]
    assert redis_client.ping()  # the pooled connection is left in sync


@pytest.mark.cluster
@pytest.mark.anyio
async def test_cluster_clients_keep_the_pipeline(redis_cluster: EmbeddedCluster) -> None:
    client = async_client(redis_cluster.target())
    try:
        assert not supports(client)  # each EVALSHA must go to its own slot's node
    finally:
        await client.aclose()
    sync = sync_client(redis_cluster.target())
    try:
        assert not supports_sync(sync)
    finally:
        sync.close()


def test_the_sync_limiter_keeps_its_connection_and_survives_a_killed_one(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    """The sync path keeps a pooled connection instead of borrowing one per call; a
    connection the server dropped is reconnected on the next call, and close() gives it
    back to the pool."""
    client = sync_client(redis_target)
    other = sync_client(redis_target)
    config = LimiterConfig(policies=PolicySet([Policy("p", 5, 60.0)]), local_cache=False)
    limiter = RateLimiter(client, config, keyspace=keyspace)
    pool = client.connection_pool  # type: ignore[union-attr]
    try:
        first = [limiter.hit("a").allowed for _ in range(3)]
        assert len(pool._in_use_connections) == 1  # kept between calls, not returned
        killed = other.client_kill_filter(_type="normal", skipme=True)
        assert killed >= 1
        rest = [limiter.hit("a").allowed for _ in range(3)]  # reconnects, counts once each
        assert first + rest == [True] * 5 + [False]
        assert limiter.stats()["decisions_by_backend"] == {"redis": 6}
        limiter.close()
        assert len(pool._in_use_connections) == 0
    finally:
        client.close()
        other.close()


@pytest.mark.anyio
async def test_the_asyncio_limiter_keeps_its_connection_and_survives_a_killed_one(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    """A kept connection the server dropped is found by the pool's own check before the
    next batch is written, and reconnected: no decision is lost or counted twice."""
    client = async_client(redis_target)
    other = sync_client(redis_target)
    config = LimiterConfig(policies=PolicySet([Policy("p", 5, 60.0)]), local_cache=False)
    limiter = AsyncRateLimiter(client, config, keyspace=keyspace)
    pool = client.connection_pool  # type: ignore[union-attr]
    try:
        first = [(await limiter.hit("a")).allowed for _ in range(3)]
        assert len(pool._in_use_connections) == 1  # kept between batches, not returned
        assert other.client_kill_filter(_type="normal", skipme=True) >= 1
        await asyncio.sleep(0.05)  # the event loop sees the server's close
        rest = [(await limiter.hit("a")).allowed for _ in range(3)]
        assert first + rest == [True] * 5 + [False]
        assert limiter.stats()["decisions_by_backend"] == {"redis": 6}
        await limiter.aclose()
        assert len(pool._in_use_connections) == 0
    finally:
        await client.aclose()
        other.close()


@pytest.mark.anyio
async def test_the_asyncio_limiter_keeps_few_connections_out_of_a_shared_pool(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    """The pool is shared with the rest of the service (the cache, the monitor); redis-py's
    asyncio pool is bounded (100 by default in redis-py 8) and refuses when empty, so the
    limiter keeps at most a few connections after a burst of concurrent decisions."""
    client = redis.asyncio.Redis.from_url(redis_target.url, max_connections=20)
    config = LimiterConfig(policies=PolicySet([Policy("p", 1000, 60.0)]), local_cache=False,
                           pipelining=False)  # fmt: skip
    limiter = AsyncRateLimiter(client, config, keyspace=keyspace)
    try:
        burst = await asyncio.gather(*(limiter.hit(f"c{i}") for i in range(15)))
        assert [d.backend for d in burst] == ["redis"] * 15
        assert len(client.connection_pool._in_use_connections) <= AsyncConnections.KEEP
        # the rest of the pool serves others: 10 concurrent commands of the service's own
        assert await asyncio.gather(*(client.ping() for _ in range(10))) == [True] * 10
        await limiter.aclose()
    finally:
        await client.aclose()
