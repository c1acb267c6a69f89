"""The cache behind real HTTP: uvicorn on loopback, httpx as the client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from perfkit.bench.cache_demo import Upstream, demo_app
from perfkit.cache import RedisCache
from perfkit.service.policies import API, AUDIO
from perfkit.serving import serve_app_async

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http(cache: RedisCache) -> AsyncIterator[tuple[httpx.AsyncClient, Upstream]]:
    upstream = Upstream(delay=0.005)
    async with (
        serve_app_async(demo_app(cache, upstream)) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        yield client, upstream


async def test_a_cached_endpoint_calls_the_upstream_once(
    http: tuple[httpx.AsyncClient, Upstream],
) -> None:
    client, upstream = http
    first = await client.get("/cached/t1")
    second = await client.get("/cached/t1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["id"] == "t1"
    assert upstream.calls == 1
    await client.get("/uncached/t1")
    assert upstream.calls == 2


async def test_stats_over_http_have_the_documented_shape(
    http: tuple[httpx.AsyncClient, Upstream],
) -> None:
    client, _ = http
    for _ in range(3):
        await client.get("/cached/t1")
    stats = (await client.get("/api/cache/stats")).json()
    assert stats["redis"]["connected"] is True
    assert stats["redis"]["health"]["status"] in ("healthy", "degraded")
    assert stats["redis"]["health"]["responseTime"] > 0
    assert (stats["global"]["hits"], stats["global"]["misses"]) == (2, 1)
    assert stats["global"]["hit_rate"] == round(2 / 3, 4)
    assert stats["global"]["avgResponseTime"] > 0
    assert (stats["namespaces"][API]["hits"], stats["namespaces"][API]["ttl"]) == (2, 300)
    assert stats["namespaces"][AUDIO]["ttl"] == 21600
    assert set(stats["fallback"]) >= {"active", "entries", "bytes", "hits", "misses"}


async def test_batch_endpoint_keeps_the_callers_order(
    http: tuple[httpx.AsyncClient, Upstream],
) -> None:
    client, upstream = http
    await client.get("/audio-features", params={"ids": "b,c"})
    answer = (await client.get("/audio-features", params={"ids": "a,b,a,c"})).json()
    assert [f["id"] for f in answer["audio_features"]] == ["a", "b", "a", "c"]
    assert upstream.calls == 2
