"""The apps of `perfkit bench middleware --peers`: one app, many middleware stacks.

Every stack wraps the same one-route Starlette app (`perfkit.bench.middleware_app`), and
every limiter (perfkit's, slowapi's `limits`) uses the same Redis (``REDIS_URL``, set by
the benchmark). Each limiter has one policy, enforcing, with a limit so large that every
request is admitted: what is measured is the cost of a real decision per request. The
``+cache`` and ``+cashews`` stacks (the tutorial's: limiter, measurement and a cached
route) serve the route through perfkit's cache or cashews (``@cache(ttl="5m",
key="user:{user_id}")``), both on that Redis: one read of a cached value per request.

The ``route`` stacks limit the one route with a decorator instead of a middleware:
perfkit's with its RateLimit headers on every response and, to price the headers alone,
without them (``headers="none"``), and slowapi's with ``headers_enabled``.

``create_app(variant)`` is the factory the benchmark's server process calls.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_fastapi_instrumentator import Instrumentator
from slowapi import Limiter
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from perfkit.bench.middleware_app import health, profile, user
from perfkit.cache import CachePolicy, RedisCache
from perfkit.config import Settings
from perfkit.connection import Keyspace, async_client, target_from_settings
from perfkit.errors import InputError
from perfkit.measure.config import MeasureConfig
from perfkit.measure.middleware import PerformanceMiddleware
from perfkit.measure.monitor import PerformanceMonitor
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, Policy, PolicySet
from perfkit.ratelimit.middleware import RateLimitMiddleware

BIG_LIMIT = 10**9
WINDOW_S = 60.0

# name -> what the row is called in the table; the order is the table's.
VARIANTS: dict[str, str] = {
    "none": "no middleware",
    "measure": "perfkit measurement middleware",
    "instrumentator": "prometheus-fastapi-instrumentator",
    "limiter": "perfkit rate limiter (exact, one policy, enforcing)",
    "lease": "perfkit rate limiter (lease mode)",
    "slowapi": "slowapi (limits on Redis)",
    "limiter+measure": "perfkit limiter (exact) + measurement",
    "lease+measure": "perfkit limiter (lease) + measurement",
    "slowapi+instrumentator": "slowapi + instrumentator",
    "limiter+measure+cache": "perfkit limiter + measurement + cache (the tutorial's stack)",
    "slowapi+instrumentator+cashews": "slowapi + instrumentator + cashews",
    "route": "perfkit route limit (`@limiter.limit`), RateLimit headers on every response",
    "route-quiet": "perfkit route limit (`@limiter.limit`), no RateLimit headers",
    "slowapi-route": "slowapi route limit (`@limiter.limit`, headers_enabled)",
}
BASELINE = "none"


def _routes(cache: str = "", route_limit: str = "") -> list[Route]:
    """The app's routes; ``cache``: ``perfkit`` or ``cashews`` serve the user through it;
    ``route_limit``: a stack of `VARIANTS` limiting the route itself."""
    endpoint: Callable[[Request], Awaitable[Response]] = user
    if route_limit:
        endpoint = _route_limited(route_limit)
    elif cache == "perfkit":
        settings = Settings.from_env()
        client = async_client(target_from_settings(settings))
        store = RedisCache(client, Keyspace(settings.redis_key_prefix), CachePolicy(),
                           owns_client=True)  # fmt: skip
        endpoint = _cached_user(store.cached("users", ttl="5m", key="user:{user_id}"))
    elif cache == "cashews":
        from cashews import Cache  # noqa: PLC0415 - a dev extra, this stack only

        cashews = Cache()
        cashews.setup(os.environ["REDIS_URL"])
        endpoint = _cached_user(cashews(ttl="5m", key="user:{user_id}"))
    return [Route("/api/users/{id:int}", endpoint), Route("/health", health)]


def _cached_user(decorator: Any) -> Callable[[Request], Awaitable[Response]]:
    async def uncached(user_id: int) -> dict[str, object]:
        return profile(user_id)

    load: Callable[[int], Awaitable[dict[str, object]]] = decorator(uncached)

    async def cached_user(request: Request) -> Response:
        return JSONResponse(await load(request.path_params["id"]))

    return cached_user


def _route_limited(variant: str) -> Callable[[Request], Awaitable[Response]]:
    if variant == "slowapi-route":
        limiter = Limiter(key_func=get_remote_address, storage_uri=os.environ["REDIS_URL"],
                          headers_enabled=True)  # fmt: skip
        decorate = limiter.limit(f"{BIG_LIMIT}/minute")
    else:
        headers = "none" if variant == "route-quiet" else "draft-6"
        decorate = _limiter("exact", policies=(), headers=headers).limit(f"{BIG_LIMIT}/minute")

    async def limited_user(request: Request) -> Response:
        return await user(request)

    limited: Callable[[Request], Awaitable[Response]] = decorate(limited_user)
    return limited


def _limiter(
    mode: str, *, policies: tuple[Policy, ...] | None = None, headers: str = "draft-6"
) -> AsyncRateLimiter:
    settings = Settings.from_env()
    chosen = (Policy("bench", BIG_LIMIT, WINDOW_S),) if policies is None else policies
    config = LimiterConfig(policies=PolicySet(chosen), mode=mode, headers=headers)  # type: ignore[arg-type]
    client = async_client(target_from_settings(settings))
    keyspace = Keyspace(settings.redis_key_prefix)
    return AsyncRateLimiter(client, config, keyspace=keyspace, owns_client=True)


def _slowapi(app: Starlette) -> None:
    limiter = Limiter(
        key_func=get_remote_address,
        default_limits=[f"{BIG_LIMIT}/minute"],
        storage_uri=os.environ["REDIS_URL"],
    )
    app.state.limiter = limiter
    app.add_middleware(SlowAPIMiddleware)


def _instrumentator(app: Starlette) -> None:
    Instrumentator().instrument(app)


def create_app(variant: str) -> Starlette:
    """The app with the stack ``variant`` (a key of `VARIANTS`)."""
    if variant not in VARIANTS:
        raise InputError(f"unknown stack {variant!r} (use one of {', '.join(VARIANTS)})")
    parts = set(variant.split("+"))
    middleware: list[Middleware] = []
    # Starlette runs the first listed outermost: the limiter, then measurement (as the
    # reference service orders them).
    if parts & {"limiter", "lease"}:
        mode = "lease" if "lease" in parts else "exact"
        middleware.append(Middleware(RateLimitMiddleware, limiter=_limiter(mode)))
    if "measure" in parts:
        monitor = PerformanceMonitor(MeasureConfig.from_settings(Settings.from_env()))
        middleware.append(Middleware(PerformanceMiddleware, monitor=monitor))
    cache = "perfkit" if "cache" in parts else "cashews" if "cashews" in parts else ""
    route_limit = variant if variant.startswith(("route", "slowapi-route")) else ""
    app = Starlette(routes=_routes(cache, route_limit), middleware=middleware)
    # Peers add themselves with add_middleware, which puts each outermost: the limiter
    # last, so it runs first, like perfkit's.
    if "instrumentator" in parts:
        _instrumentator(app)
    if "slowapi" in parts:
        _slowapi(app)
    return app
