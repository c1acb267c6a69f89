"""Fixtures of the rate limiter tests: a fake clock, and a real uvicorn server on loopback."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.embedded import free_port
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, RateLimitMiddleware


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def clear_of_window_edge(window: float, needed: float = 5.0) -> None:
    """Sleep past the next edge of ``window`` when fewer than ``needed`` seconds are left
    before it. The sliding window's edges are multiples of the window on Redis's clock
    (this machine's): a batch that straddles one may rightly be admitted differently."""
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.01)


def echo_app(limiter_box: dict[str, AsyncRateLimiter]) -> Starlette:
    """Routes answering which backend decided, so tests can watch the fallback."""

    async def echo(request: Request) -> JSONResponse:
        decision = request.scope.get("state", {}).get("rate_limit")
        backend = decision.backend if decision is not None else None
        return JSONResponse({"path": request.url.path, "backend": backend})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await limiter_box["limiter"].aclose()

    paths = ["/health", "/api/chat", "/api/spotify/me", "/api/other", "/"]
    return Starlette(routes=[Route(p, echo) for p in paths], lifespan=lifespan)


class LiveServer:
    """uvicorn serving the echo app behind `RateLimitMiddleware` on 127.0.0.1.

    uvicorn's own proxy-header handling is off: by default it trusts 127.0.0.1 and would
    rewrite the peer from X-Forwarded-For before our middleware sees the request."""

    def __init__(self, target: RedisTarget, config: LimiterConfig, keyspace: Keyspace) -> None:
        box: dict[str, AsyncRateLimiter] = {}
        self.limiter = AsyncRateLimiter(async_client(target), config, keyspace=keyspace,
                                        owns_client=True)  # fmt: skip
        box["limiter"] = self.limiter
        app = RateLimitMiddleware(echo_app(box), self.limiter)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                ws="none",
                lifespan="on",
                proxy_headers=False,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(keyspace: Keyspace) -> Iterator[Callable[[RedisTarget, LimiterConfig], LiveServer]]:
    started: list[LiveServer] = []

    def start(target: RedisTarget, config: LimiterConfig) -> LiveServer:
        server = LiveServer(target, config, keyspace).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
