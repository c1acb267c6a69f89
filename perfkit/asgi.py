"""perfkit on your own ASGI app (FastAPI or Starlette) in one object: measurement, the rate
limiter, the cache, ``/metrics``, and a lifespan that opens and closes their clients.

::

    from fastapi import FastAPI, Request
    from perfkit.asgi import Perfkit

    perf = Perfkit.from_env(ttls={"users": 600})   # REDIS_URL and PERFKIT_* are read here
    app = FastAPI()

    @app.get("/users/{user_id}")
    @perf.cached(ttl="5m", key="user:{user_id}")
    async def user(user_id: int) -> dict[str, object]: ...

    @app.get("/search")
    @perf.limit("30/minute")
    async def search(request: Request, q: str) -> list[str]: ...

    perf.install(app)                               # middleware, /metrics, lifespan

Everything is built before the event loop runs and connects lazily, so ``perf`` can be
made at import and its decorators used on the routes below it. `install` adds the
measurement middleware (outermost, so a 429 is measured too; with ``PERFKIT_PROFILE=true``
it samples per route and serves ``/_perfkit/profile``, which ``perfkit baseline`` and
``perfkit ab`` keep beside their runs, as the reference service does) and the rate limit
middleware (for ``policies`` given here or by ``PERFKIT_RATELIMIT_POLICIES``; routes are
limited one by one with ``perf.limit``), serves ``/metrics`` (Prometheus text: request
latencies, cache hits per namespace, limiter decisions) and wraps the app's lifespan:
the monitor starts with the app, and the cache, limiter and Redis client close after the
app's own shutdown. The library never starts a Redis: with ``REDIS_URL`` unset,
`from_env` stops with a `ConfigError` saying so.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, ParamSpec, Protocol, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from perfkit.cache import CachePolicy, RedisCache
from perfkit.cache.decorator import KeySpec as CacheKey
from perfkit.collectors import CacheCollector, LimiterCollector
from perfkit.config import Settings
from perfkit.connection import Keyspace, RedisTarget, async_client, target_from_settings
from perfkit.measure.measurement import Measurement
from perfkit.measure.prometheus import register_metrics
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, Policy, RateLimitMiddleware
from perfkit.ratelimit.routes import KeySpec as LimitKey

P = ParamSpec("P")
T = TypeVar("T")
Lifespan = Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]


class Router(Protocol):
    lifespan_context: Lifespan


class App(Protocol):
    """What `install` needs of an app: Starlette's (and so FastAPI's) methods."""

    router: Router

    def add_middleware(self, middleware_class: Any, *args: Any, **kwargs: Any) -> None: ...

    def add_route(self, path: str, route: Callable[[Request], Awaitable[Response]],
                  methods: list[str] | None = None, name: str | None = None,
                  include_in_schema: bool = True) -> None: ...  # fmt: skip


class Perfkit:
    """The runtime parts for one app, sharing one Redis client and key prefix."""

    def __init__(
        self,
        settings: Settings,
        target: RedisTarget | None = None,
        *,
        policies: Iterable[Policy] = (),
        ttls: Mapping[str, int] = MappingProxyType({}),
    ) -> None:
        self.settings = settings
        keyspace = Keyspace(settings.redis_key_prefix)
        self.redis = async_client(target or target_from_settings(settings))
        limiter_config = LimiterConfig.from_settings(settings, tuple(policies))
        self.limiter = AsyncRateLimiter(self.redis, limiter_config, keyspace=keyspace)
        self.cache = RedisCache(self.redis, keyspace, CachePolicy.from_settings(settings, ttls))
        self.measurement = Measurement.from_settings(settings, self.redis, keyspace)
        self.monitor = self.measurement.monitor
        self.registry = CollectorRegistry()
        register_metrics(self.registry, self.monitor)
        self.registry.register(CacheCollector(self.cache))
        self.registry.register(LimiterCollector(self.limiter))

    @classmethod
    def from_env(
        cls, *, policies: Iterable[Policy] = (), ttls: Mapping[str, int] = MappingProxyType({})
    ) -> Perfkit:
        """Settings from the environment (``REDIS_URL``, ``PERFKIT_*``), read once, now."""
        return cls(Settings.from_env(), policies=policies, ttls=ttls)

    # -- the decorators, on the routes -------------------------------------------------

    def limit(
        self, rate: str, *, key: LimitKey = "ip", name: str = ""
    ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
        """``@perf.limit("30/minute")``: `AsyncRateLimiter.limit`."""
        return self.limiter.limit(rate, key=key, name=name)

    def depends(
        self, rate: str, *, key: LimitKey = "ip", name: str = ""
    ) -> Callable[[Request, Response], Awaitable[None]]:
        """``Depends(perf.depends("30/minute"))``: `AsyncRateLimiter.depends`."""
        return self.limiter.depends(rate, key=key, name=name)

    def cached(
        self, namespace: str = "", *, key: CacheKey = None, ttl: float | str | None = None
    ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
        """``@perf.cached(ttl="5m", key="user:{user_id}")``: `RedisCache.cached`."""
        return self.cache.cached(namespace, key=key, ttl=ttl)

    # -- the app -----------------------------------------------------------------------

    def install(self, app: App, *, metrics_path: str = "/metrics") -> None:
        """Middleware, ``metrics_path`` and the lifespan on ``app`` (before it starts)."""
        app.add_middleware(RateLimitMiddleware, limiter=self.limiter)
        measure = self.measurement.middleware()  # added last: outermost
        app.add_middleware(measure.cls, *measure.args, **measure.kwargs)
        app.add_route(metrics_path, self.metrics, include_in_schema=False)
        own = app.router.lifespan_context

        @contextlib.asynccontextmanager
        async def lifespan(running: Any) -> AsyncIterator[Any]:
            async with self.running(), own(running) as state:
                yield state

        app.router.lifespan_context = lifespan

    async def metrics(self, request: Request) -> Response:
        """``GET /metrics``: the Prometheus text format."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Start the monitor; on exit stop it and close the cache, limiter and client."""
        self.monitor.start()
        try:
            yield
        finally:
            await self.monitor.stop()
            await self.cache.aclose()
            await self.limiter.aclose()
            await self.redis.aclose()
