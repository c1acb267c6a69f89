"""Exact admission under contention: several processes, each with many connections,
and an asyncio limiter with hundreds of in-flight decisions, hit one key with limit L;
exactly L are admitted, never more. On a single server and on the 3-node cluster."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from perfkit.connection import Keyspace, RedisTarget, async_client, sync_client
from perfkit.embedded import EmbeddedCluster
from perfkit.ratelimit import (
    AsyncRateLimiter,
    LimiterConfig,
    Policy,
    PolicySet,
    RateLimiter,
)

LIMIT = 40
PROCESSES = 3
THREADS = 8
ATTEMPTS_PER_THREAD = 10


def _config(algorithm: str) -> LimiterConfig:
    # no local cache: every attempt must reach Redis, so Redis alone is being tested
    policy = Policy("hot", LIMIT, 60.0, algorithm)  # type: ignore[arg-type]
    return LimiterConfig(policies=PolicySet([policy]), local_cache=False)


def hammer(target: RedisTarget, prefix: str, algorithm: str) -> int:
    """One process: THREADS threads sharing a pooled client; returns how many were admitted."""
    client = sync_client(target)
    limiter = RateLimiter(client, _config(algorithm), keyspace=Keyspace(prefix))
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = pool.map(
                lambda _: limiter.hit("same-caller").allowed,
                range(THREADS * ATTEMPTS_PER_THREAD),
            )
            return sum(results)
    finally:
        client.close()


@pytest.fixture(params=["redis", pytest.param("cluster", marks=pytest.mark.cluster)])
def target(request: pytest.FixtureRequest) -> Iterator[RedisTarget]:
    if request.param == "redis":
        yield request.getfixturevalue("redis_target")
    else:
        cluster: EmbeddedCluster = request.getfixturevalue("redis_cluster")
        yield cluster.target()


ALGORITHMS = ["gcra", "sliding_window", "fixed_window"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_processes_and_connections_admit_exactly_the_limit(
    target: RedisTarget, keyspace: Keyspace, algorithm: str
) -> None:
    assert PROCESSES * THREADS * ATTEMPTS_PER_THREAD > 3 * LIMIT
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
        futures = [
            pool.submit(hammer, target, keyspace.prefix, algorithm) for _ in range(PROCESSES)
        ]
        admitted = [f.result() for f in futures]
    assert sum(admitted) == LIMIT


@pytest.mark.anyio
@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_pipelined_concurrent_decisions_admit_exactly_the_limit(
    target: RedisTarget, keyspace: Keyspace, algorithm: str
) -> None:
    limiter = AsyncRateLimiter(async_client(target), _config(algorithm), keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    try:
        decisions = await asyncio.gather(*(limiter.hit("same-caller") for _ in range(300)))
    finally:
        await limiter.aclose()
    assert sum(d.allowed for d in decisions) == LIMIT
    assert {d.backend for d in decisions} == {"redis"}
    assert limiter.runner.batched_calls == 300
    assert limiter.runner.batches < 300  # decisions really shared round trips
