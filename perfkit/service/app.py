"""`create_app(settings)`: the reference service, assembled the way a user's service would be.

Request path: RateLimitMiddleware -> PerformanceMiddleware -> route -> cache -> upstream.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from perfkit.config import Settings
from perfkit.service import music_routes
from perfkit.service.performance_routes import routes as performance_routes
from perfkit.service.state import ServiceState


def create_app(settings: Settings | None = None) -> Starlette:
    """The reference service for ``settings`` (default: read from the environment)."""
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
    middleware: list[Middleware] = state.middleware()
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.service = state
    return app
