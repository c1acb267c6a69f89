"""The default app of `perfkit bench middleware`, until the reference service is measured.

``create_app(stack)`` is the factory contract of the benchmark: the same app with
(``stack=True``) or without its perfkit middleware, settings read from the environment.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from perfkit.config import Settings
from perfkit.measure.config import MeasureConfig
from perfkit.measure.middleware import PerformanceMiddleware
from perfkit.measure.monitor import PerformanceMonitor


def profile(user_id: int) -> dict[str, object]:
    return {"id": user_id, "name": f"user-{user_id}", "plan": "premium"}


async def user(request: Request) -> Response:
    return JSONResponse(profile(request.path_params["id"]))


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(stack: bool) -> Starlette:
    middleware = []
    if stack:
        monitor = PerformanceMonitor(MeasureConfig.from_settings(Settings.from_env()))
        middleware.append(Middleware(PerformanceMiddleware, monitor=monitor))
    return Starlette(
        routes=[Route("/api/users/{id:int}", user), Route("/health", health)],
        middleware=middleware,
    )
