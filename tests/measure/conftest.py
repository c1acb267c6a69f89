"""A small Starlette app of our own, measured, and uvicorn servers on loopback."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from perfkit.embedded import free_port
from perfkit.measure import MeasureConfig, PerformanceMiddleware, PerformanceMonitor, Thresholds

FAST_THRESHOLDS = Thresholds(slow_ms=50, very_slow_ms=150, critical_ms=400)


async def user(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["id"], "rid": request.state.request_id})


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params["ms"]) / 1000)
    return PlainTextResponse("slow")


async def unavailable(request: Request) -> Response:
    return PlainTextResponse("down", status_code=503)


async def boom(request: Request) -> Response:
    raise RuntimeError("boom")


async def item(request: Request) -> Response:
    return PlainTextResponse("item")


def measured_app(monitor: PerformanceMonitor) -> Starlette:
    """Routes, a mount of routes, a mounted sub-app, and the report endpoint."""

    async def performance(request: Request) -> Response:
        return JSONResponse(await monitor.areport())

    sub_app = Starlette(routes=[Route("/things/{name}", item)])
    return Starlette(
        routes=[
            Route("/api/users/{id:int}", user),
            Route("/slow", slow),
            Route("/unavailable", unavailable),
            Route("/boom", boom),
            Route("/api/performance", performance),
            Mount("/v1", routes=[Route("/items/{item_id}", item)]),
            Mount("/sub", app=sub_app),
        ],
        middleware=[Middleware(PerformanceMiddleware, monitor=monitor)],
    )


def plain_asgi_app(monitor: PerformanceMonitor) -> ASGIApp:
    """An ASGI app with no router at all, wrapped in the middleware."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()  # startup
            await send({"type": "lifespan.startup.complete"})
            await receive()  # shutdown
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return PerformanceMiddleware(app, monitor=monitor)


@contextmanager
def serve(app: ASGIApp, lifespan: str = "on") -> Iterator[str]:
    """Run ``app`` under uvicorn on a free loopback port (in a thread); yield its URL.
    ``lifespan="off"``: a server that sends no lifespan events (the monitor starts lazily)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def measure_config(tmp_path: Path) -> MeasureConfig:
    return MeasureConfig(
        thresholds=FAST_THRESHOLDS,
        slow_log_path=tmp_path / "logs" / "slow-requests.log",
        flush_interval_s=0.1,
        loop_lag_interval_s=0.02,
    )


@pytest.fixture
def wait_until() -> Callable[[Callable[[], bool], float], None]:
    def wait(condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.02)

    return wait
