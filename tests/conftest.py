"""Shared fixtures: a private Redis-compatible server per session, a fresh key prefix per
test, a restartable server for outage tests, and a 3-master Redis Cluster.

With ``REDIS_URL`` set the session uses that server instead of starting one (a fresh prefix
per test keeps tests apart, and nothing outside the prefix is touched).

Under pytest-xdist (``make test`` runs ``pytest -n``) every worker is a session of its own:
its own private server and cluster on free ports, its own temporary folders, and key
prefixes unique across workers. Nothing is shared between workers, so tests need no locks.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

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
from perfkit.errors import EmbeddedServerError
from perfkit.keyspace_admin import clear
from tests.profiling.profiled_runs import record_pair

# The session's clients wait up to this long for a reply. perfkit's default (0.5 s, fail
# fast and fall back) is right in production; on this 2-core machine shared with other
# work a reply sometimes takes longer, and a test then saw the in-memory fallback decide
# where it checks Redis. Tests of timeouts and outages use servers and targets of their own.
SESSION_TIMEOUT_S = 5.0


class SessionCluster(EmbeddedCluster):
    """The embedded cluster, its target with the session's reply timeout."""

    def target(self) -> RedisTarget:
        return dataclasses.replace(super().target(), timeout=SESSION_TIMEOUT_S)


Server = TypeVar("Server", EmbeddedServer, EmbeddedCluster, SessionCluster)


def start_server(make: Callable[[], Server]) -> Server:
    """``make().start()``, once more on new free ports if the start fails: a port is only
    free when it is picked, and with several xdist workers starting servers at once
    another one may bind it first (a failed start has stopped its own processes)."""
    for attempt in range(3):
        try:
            return make().start()
        except EmbeddedServerError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def redis_target() -> Iterator[RedisTarget]:
    """The session's Redis: ``REDIS_URL`` when given, else a private embedded server."""
    url = os.environ.get("REDIS_URL")
    if url:
        password = os.environ.get("REDIS_PASSWORD")
        yield parse_redis_url(url, password=password, timeout=SESSION_TIMEOUT_S)
        return
    server = start_server(EmbeddedServer)
    try:
        yield dataclasses.replace(server.target(), timeout=SESSION_TIMEOUT_S)
    finally:
        server.stop()


@pytest.fixture
def keyspace() -> Keyspace:
    """A key prefix no other test uses (a uuid: unique across xdist workers too)."""
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
    server = start_server(EmbeddedServer)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[EmbeddedCluster]:
    """A real 3-master Redis Cluster with every slot assigned (one per xdist worker)."""
    cluster = start_server(lambda: SessionCluster(nodes=3))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster_client(redis_cluster: EmbeddedCluster, keyspace: Keyspace) -> Iterator[SyncClient]:
    client = sync_client(redis_cluster.target())
    yield client
    clear(client, keyspace)
    client.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def profiled_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One recorded pair of profiled runs (base, head) for every test that reads them; a
    test that changes the files works on a copy (`profiled_runs.copy_pair`)."""
    return record_pair(tmp_path_factory.mktemp("profiled") / "runs")
