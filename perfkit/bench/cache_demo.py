"""A tiny Starlette app over the cache, served by uvicorn on loopback.

It stands in for the reference service in `perfkit bench cache` and in the cache's
HTTP tests: ``/uncached/{id}`` calls a simulated upstream (``upstream_delay`` seconds,
a ~1 KB JSON answer) every time, ``/cached/{id}`` goes through `RedisCache.get_or_set`,
``/audio-features?ids=a,b`` through `RedisCache.get_many`, and ``/api/cache/stats``
answers the stats document. Each answer carries ``Server-Timing: app;dur=<ms>``, the
handler's own time, which a busy machine disturbs less than the client-side time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from perfkit.cache.core import RedisCache
from perfkit.service.policies import API, AUDIO

Handler = Callable[[Request], Awaitable[Response]]


def _json(data: Any) -> Response:
    return Response(orjson.dumps(data), media_type="application/json")


class Upstream:
    """A slow dependency (a remote API) that counts its calls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0

    async def track(self, track_id: str) -> dict[str, Any]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return {"id": track_id, "name": "x" * 900, "tempo": 120.0, "energy": 0.8}

    async def features(self, ids: list[str]) -> Mapping[str, Any]:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return {i: {"id": i, "tempo": 100.0 + len(i)} for i in ids}


def _timed(handler: Handler) -> Handler:
    """Add ``Server-Timing: app;dur=<ms>``: the handler's own time, without HTTP."""

    async def timed(request: Request) -> Response:
        start = time.perf_counter()
        response = await handler(request)
        elapsed_ms = (time.perf_counter() - start) * 1000
        response.headers["server-timing"] = f"app;dur={elapsed_ms:.3f}"
        return response

    return timed


def server_ms(response: httpx.Response) -> float:
    """The handler time a `demo_app` response reports in its Server-Timing header."""
    return float(response.headers["server-timing"].split("dur=", 1)[1])


def demo_app(cache: RedisCache, upstream: Upstream) -> Starlette:
    async def uncached(request: Request) -> Response:
        return _json(await upstream.track(request.path_params["id"]))

    async def cached(request: Request) -> Response:
        track_id = request.path_params["id"]
        return _json(await cache.get_or_set(API, track_id, lambda: upstream.track(track_id)))

    async def audio_features(request: Request) -> Response:
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        return _json({"audio_features": await cache.get_many(AUDIO, ids, upstream.features)})

    async def stats(request: Request) -> Response:
        return _json(await cache.stats())

    return Starlette(
        routes=[
            Route("/uncached/{id}", _timed(uncached)),
            Route("/cached/{id}", _timed(cached)),
            Route("/audio-features", _timed(audio_features)),
            Route("/api/cache/stats", stats),
        ]
    )
