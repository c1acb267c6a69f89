"""`create_app(settings)`: the reference service, assembled the way a user's service would be.

Request path: PerformanceMiddleware -> RateLimitMiddleware -> route -> cache -> upstream
(measurement outermost: the limiter's 429s are measured too).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from perfkit.config import Settings
from perfkit.embedded import EmbeddedServer
from perfkit.service import music_routes
from perfkit.service.metrics import build_registry
from perfkit.service.performance_routes import routes as performance_routes
from perfkit.service.state import ServiceState


def create_app(settings: Settings | None = None, *, stack: bool = True) -> Starlette:
    """The reference service for ``settings`` (default: read from the environment).

    ``stack=False`` leaves out the middleware (rate limiter and measurement), with the
    same routes and cache: the baseline of `perfkit bench middleware`.
    """
    settings = Settings.from_env() if settings is None else settings
    state = ServiceState.build(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await state.start()
        try:
            yield
        finally:
            await state.stop()

    routes = [
        Route("/health", music_routes.health),
        Route("/ready", music_routes.ready),
        Route("/api/health", music_routes.api_health),
        Route("/api/chat", music_routes.chat, methods=["POST"]),
        Route("/api/spotify/me", music_routes.spotify_me),
        Route("/api/spotify/audio-features", music_routes.audio_features),
        Route("/api/recommendations", music_routes.recommendations),
        *performance_routes(),
    ]
    middleware: list[Middleware] = state.middleware() if stack else []
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.service = state
    app.state.registry = build_registry(state)  # read by /metrics at scrape time
    return app


def create_bench_app(stack: bool = True) -> Starlette:
    """``perfkit bench middleware --app perfkit.service.app:create_bench_app``.

    The limiter runs in shadow mode (a benchmark from one client would otherwise measure
    cheap 429s); with no ``REDIS_URL`` an embedded server lives as long as the process.
    """
    os.environ.setdefault("PERFKIT_RATELIMIT_SHADOW", "true")
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = EmbeddedServer().start().url
    return create_app(stack=stack)
