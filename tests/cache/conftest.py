"""Fixtures of the cache tests: a `RedisCache` on the session server or on the cluster,
and a clock that tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from perfkit.cache import CachePolicy, RedisCache
from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.embedded import EmbeddedCluster
from perfkit.service.policies import SERVICE_TTLS


@dataclass
class FakeClock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["redis", pytest.param("cluster", marks=pytest.mark.cluster)])
def backend_target(request: pytest.FixtureRequest, redis_target: RedisTarget) -> RedisTarget:
    """The session server, then the 3-master cluster: every test body runs on both."""
    if request.param == "cluster":
        cluster: EmbeddedCluster = request.getfixturevalue("redis_cluster")
        return cluster.target()
    return redis_target


@pytest.fixture
async def cache(
    backend_target: RedisTarget, keyspace: Keyspace, clock: FakeClock
) -> AsyncIterator[RedisCache]:
    """A cache with the reference service's namespaces, without jitter or XFetch (so TTLs
    and counts are exact), wall clock faked."""
    policy = CachePolicy(ttls=SERVICE_TTLS, ttl_jitter=0.0, xfetch_beta=0.0)
    client = async_client(backend_target)
    cache = RedisCache(client, keyspace, policy, owns_client=True, clock=clock)
    yield cache
    await cache.clear()
    await cache.aclose()
