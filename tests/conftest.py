"""Shared fixtures: a private Redis-compatible server per session, a fresh key prefix per
test, a restartable server for outage tests, and a 3-master Redis Cluster.

With ``REDIS_URL`` set the session uses that server instead of starting one (a fresh prefix
per test keeps tests apart, and nothing outside the prefix is touched).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from perfkit.connection import (
    AsyncClient,
    Keyspace,
    RedisTarget,
    SyncClient,
    async_client,
    parse_redis_url,
    sync_client,
)
from perfkit.embedded import EmbeddedCluster, EmbeddedServer
from perfkit.keyspace_admin import clear


@pytest.fixture(scope="session")
def redis_target() -> Iterator[RedisTarget]:
    """The session's Redis: ``REDIS_URL`` when given, else a private embedded server."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield parse_redis_url(url, password=os.environ.get("REDIS_PASSWORD"))
        return
    with EmbeddedServer() as server:
        yield server.target()


@pytest.fixture
def keyspace() -> Keyspace:
    """A key prefix no other test uses."""
    return Keyspace(f"pktest-{uuid.uuid4().hex[:12]}:")


@pytest.fixture
def redis_client(redis_target: RedisTarget, keyspace: Keyspace) -> Iterator[SyncClient]:
    client = sync_client(redis_target)
    yield client
    clear(client, keyspace)
    client.close()


@pytest.fixture
async def aredis_client(redis_target: RedisTarget) -> AsyncIterator[AsyncClient]:
    client = async_client(redis_target)
    yield client
    await client.aclose()


@pytest.fixture
def private_server() -> Iterator[EmbeddedServer]:
    """A server of the test's own, which the test may stop and start (outage tests)."""
    with EmbeddedServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[EmbeddedCluster]:
    """A real 3-master Redis Cluster with every slot assigned."""
    with EmbeddedCluster(nodes=3) as cluster:
        yield cluster


@pytest.fixture
def cluster_client(redis_cluster: EmbeddedCluster, keyspace: Keyspace) -> Iterator[SyncClient]:
    client = sync_client(redis_cluster.target())
    yield client
    clear(client, keyspace)
    client.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
