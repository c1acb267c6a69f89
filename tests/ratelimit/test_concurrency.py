"""Exact admission under contention: several processes, each with many connections,
and an asyncio limiter with hundreds of in-flight decisions, hit one key with limit L;
exactly L are admitted, never more. On a single server and on the 3-node cluster."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

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
    # no local cache: every attempt must reach Redis, so Redis alone is being tested. An
    # hour's window: a test that spans a window boundary may rightly admit more (a fixed
    # window starts again; the sliding window's estimate floors the previous window's
    # weighted count), and at 60 s a slow run on a loaded machine did span one
    policy = Policy("hot", LIMIT, 3600.0, algorithm)  # type: ignore[arg-type]
    return LimiterConfig(policies=PolicySet([policy]), local_cache=False)


def hammer(target: RedisTarget, prefix: str, algorithm: str) -> tuple[int, set[str]]:
    """One process: THREADS threads sharing a pooled client; returns how many were
    admitted and which backends decided (a generous timeout: a loaded machine must not
    push decisions to the per-process fallback, which is not what is tested here)."""
    client = sync_client(replace(target, timeout=10.0))
    limiter = RateLimiter(client, _config(algorithm), keyspace=Keyspace(prefix))
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            decisions = list(
                pool.map(lambda _: limiter.hit("same-caller"), range(THREADS * ATTEMPTS_PER_THREAD))
            )
        return sum(d.allowed for d in decisions), {d.backend for d in decisions}
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


@pytest.fixture(scope="module")
def processes() -> Iterator[ProcessPoolExecutor]:
    """The PROCESSES processes, spawned once for the module's tests: a spawned process
    imports perfkit afresh, seconds of CPU each on a loaded machine. Each test's `hammer`
    still makes its own client, connections and limiter in every process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
        yield pool


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_processes_and_connections_admit_exactly_the_limit(
    processes: ProcessPoolExecutor, target: RedisTarget, keyspace: Keyspace, algorithm: str
) -> None:
    assert PROCESSES * THREADS * ATTEMPTS_PER_THREAD > 3 * LIMIT
    futures = [
        processes.submit(hammer, target, keyspace.prefix, algorithm) for _ in range(PROCESSES)
    ]
    results = [f.result() for f in futures]
    assert sum(admitted for admitted, _ in results) == LIMIT
    assert set().union(*(backends for _, backends in results)) == {"redis"}


@pytest.mark.anyio
@pytest.mark.parametrize("algorithm", ALGORITHMS)
async def test_pipelined_concurrent_decisions_admit_exactly_the_limit(
    target: RedisTarget, keyspace: Keyspace, algorithm: str
) -> None:
    client = async_client(replace(target, timeout=10.0))
    limiter = AsyncRateLimiter(client, _config(algorithm), keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    try:
        decisions = await asyncio.gather(*(limiter.hit("same-caller") for _ in range(300)))
    finally:
        await limiter.aclose()
    assert sum(d.allowed for d in decisions) == LIMIT
    assert {d.backend for d in decisions} == {"redis"}
    assert limiter.runner.batched_calls == 300
    assert limiter.runner.batches < 300  # decisions really shared round trips
