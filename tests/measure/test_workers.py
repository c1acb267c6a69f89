"""Several workers, one picture: two uvicorn servers merged through the real Redis."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.embedded import EmbeddedCluster, EmbeddedServer
from perfkit.measure import MeasureConfig, PerformanceMonitor, RedisWorkerStore
from perfkit.measure.config import Thresholds
from perfkit.measure.snapshot import WorkerSnapshot
from tests.measure.conftest import measured_app, serve

Wait = Callable[[Callable[[], bool], float], None]


def with_redis_store(
    monitor: PerformanceMonitor, target: RedisTarget, keyspace: Keyspace
) -> ASGIApp:
    """The measured app, its monitor given a Redis store inside the server's own loop.

    An asyncio Redis client belongs to the loop that uses it, and each uvicorn server
    runs its own loop (thread): the client is made on lifespan startup and closed after
    shutdown (after the monitor's final flush), as a service does.
    """
    inner = measured_app(monitor)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await inner(scope, receive, send)
            return
        client = async_client(target)
        monitor.store = RedisWorkerStore(client, keyspace, ttl_s=monitor.config.worker_ttl_s)
        try:
            await inner(scope, receive, send)
        finally:
            await client.aclose()

    return app


def _report(url: str) -> Any:
    response = httpx.get(f"{url}/api/performance")
    response.raise_for_status()
    return response.json()


def test_two_workers_merge_through_redis(
    measure_config: MeasureConfig, redis_target: RedisTarget, keyspace: Keyspace, wait_until: Wait
) -> None:
    # thresholds far above a loaded machine's stalls: only the /slow request is slow
    config = dataclasses.replace(measure_config, thresholds=Thresholds(300, 1000, 2000))
    monitors = [PerformanceMonitor(config, worker_id=f"w{i}") for i in (1, 2)]
    apps = [with_redis_store(m, redis_target, keyspace) for m in monitors]
    with serve(apps[0]) as url_a, serve(apps[1]) as url_b:
        with httpx.Client(timeout=30) as client:
            for n in range(30):
                client.get(f"{url_a}/api/users/{n}")
            for n in range(12):
                client.get(f"{url_b}/api/users/{n}")
            client.get(f"{url_b}/slow", params={"ms": 400}, headers={"X-Request-ID": "on-b"})

        # Worker b flushes every 0.1 s; wait until a flush has carried all its requests
        # (a request is recorded just after its response is sent).
        def counts(report: Any) -> tuple[int, int]:
            def count(route: str) -> int:
                return sum(r["count"] for r in report["routes"] if r["route"] == route)

            return count("/api/users/{id}"), count("/slow")

        wait_until(lambda: counts(_report(url_a)) == (42, 1), 5.0)
        report = _report(url_a)
    assert counts(report) == (42, 1)
    assert report["workers"] == {"count": 2, "ids": ["w1", "w2"], "source": "redis", "error": None}
    assert report["slow_requests"]["counts"]["slow"] == 1
    assert report["slow_requests"]["recent"][0]["worker"] == "w2"
    assert set(report["memory"]["workers"]) == {"w1", "w2"}


def test_without_redis_each_worker_reports_its_own(
    measure_config: MeasureConfig, private_server: EmbeddedServer
) -> None:
    monitor = PerformanceMonitor(measure_config, worker_id="alone")
    app = with_redis_store(monitor, private_server.target(), Keyspace("pkdown:"))
    private_server.stop()  # Redis is down from the start
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        statuses = [client.get(f"/api/users/{n}").status_code for n in range(20)]
        report = _report(url)
    assert statuses == [200] * 20  # Redis failures never fail a request
    assert report["workers"]["source"] == "local"
    assert "reading worker stats failed" in report["workers"]["error"]
    assert report["performance"]["totalRequests"] == 20
    assert monitor.last_flush_error is not None


@pytest.mark.anyio
async def test_dead_workers_age_out(redis_target: RedisTarget, keyspace: Keyspace) -> None:
    client = async_client(redis_target)
    try:
        store = RedisWorkerStore(client, keyspace, ttl_s=60)
        clock = [1_000_000.0]
        live = PerformanceMonitor(MeasureConfig(slow_log_enabled=False), worker_id="live")
        dead = PerformanceMonitor(MeasureConfig(slow_log_enabled=False), worker_id="dead")
        dead.observe("GET", "/x", 200, 5.0, "r1")
        await store.publish(dead.snapshot(encode=True), now=clock[0])
        await store.publish(live.snapshot(encode=True), now=clock[0] + 50)
        assert {w.worker_id for w in await store.collect(now=clock[0] + 55)} == {"live", "dead"}
        # 61 s after the dead worker's last flush it is dropped, even if its key lingered.
        assert [w.worker_id for w in await store.collect(now=clock[0] + 61)] == ["live"]
        # A foreign or broken record is skipped, not fatal.
        await client.set(keyspace.key("perf", "worker", "bad"), b"{not json")
        await client.zadd(keyspace.key("perf", "workers"), {"bad": clock[0] + 60})
        found = await store.collect(now=clock[0] + 62)
        assert [w.worker_id for w in found] == ["live"] and store.skipped == ["bad"]
        assert isinstance(found[0], WorkerSnapshot)
    finally:
        await client.aclose()


def test_monitor_flushes_on_shutdown(
    measure_config: MeasureConfig, redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    config = dataclasses.replace(measure_config, flush_interval_s=60.0)
    monitor = PerformanceMonitor(config, worker_id="last-words")
    app = with_redis_store(monitor, redis_target, keyspace)
    with serve(app) as url:
        httpx.get(f"{url}/api/users/1")
    assert monitor.last_flush_at is not None  # the final flush of lifespan shutdown

    async def read() -> list[WorkerSnapshot]:
        client = async_client(redis_target)
        try:
            return await RedisWorkerStore(client, keyspace).collect(now=time.time())
        finally:
            await client.aclose()

    result: list[list[WorkerSnapshot]] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(read())))
    thread.start()
    thread.join()
    (snapshot,) = result[0]
    assert snapshot.worker_id == "last-words" and snapshot.routes[0].count == 1


@pytest.mark.cluster
@pytest.mark.anyio
async def test_workers_merge_on_a_redis_cluster(
    redis_cluster: EmbeddedCluster, keyspace: Keyspace
) -> None:
    client = async_client(redis_cluster.target())
    try:
        store = RedisWorkerStore(client, keyspace, ttl_s=60)
        for n, worker_id in enumerate(("a", "b", "c")):
            monitor = PerformanceMonitor(MeasureConfig(slow_log_enabled=False), worker_id=worker_id)
            for _ in range(n + 1):
                monitor.observe("GET", "/x", 200, 5.0, "r")
            await store.publish(monitor.snapshot(encode=True), now=1000.0)
        found = await store.collect(now=1001.0, exclude="a")
        assert sorted((w.worker_id, w.routes[0].count) for w in found) == [("b", 2), ("c", 3)]
        await store.remove("b")
        assert [w.worker_id for w in await store.collect(now=1001.0)] == ["a", "c"]
    finally:
        await client.aclose()
