"""`RateLimiter` (sync) and `AsyncRateLimiter` (asyncio): the I/O shells around the core.

Usage::

    limiter = AsyncRateLimiter.from_settings(Settings.from_env(), target)
    decision = await limiter.hit("203.0.113.9", "/api/chat")
    if not decision.allowed: ...            # decision.headers(), .retry_after, .message
    @limiter.limit("30/minute")              # one route (perfkit.ratelimit.routes)
    limiter.stats()                          # the /api/rate-limit/stats document
    limiter.counters()                       # {policy: {outcome: n}} for Prometheus
    await limiter.aclose()

While Redis fails, decisions come from the fallback (``decision.backend``); a background
PING every ``retry_interval`` seconds switches back to Redis as soon as it answers.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from perfkit.config import Settings
from perfkit.connection import (
    AsyncClient,
    Keyspace,
    RedisTarget,
    SyncClient,
    async_client,
    sync_client,
    target_from_settings,
)
from perfkit.errors import ConfigError, RedisUnavailable
from perfkit.ratelimit.core import Call, LimiterCore
from perfkit.ratelimit.decision import Decision
from perfkit.ratelimit.lease_client import LeaseClient
from perfkit.ratelimit.policy import Policy
from perfkit.ratelimit.routes import KeySpec, RouteLimit
from perfkit.ratelimit.scripts import AsyncScriptRunner, Script, SyncScriptRunner
from perfkit.ratelimit.settings import LimiterConfig

P = ParamSpec("P")
T = TypeVar("T")


class _Base:
    core: LimiterCore

    @property
    def config(self) -> LimiterConfig:
        return self.core.config

    def stats(self) -> dict[str, Any]:
        """JSON-able: current backend, per-limiter counts, decisions by backend, fallback
        decisions, Redis errors and breaker state, the most blocked identities, config."""
        return self.core.snapshot(self._redis_info())

    def counters(self) -> dict[str, dict[str, int]]:
        """``{policy: {"allowed", "near_limit", "blocked", "shadow": n}}`` (monotonic)."""
        return self.core.stats.counters()

    def backend_counters(self) -> dict[str, int]:
        """``{backend: decisions}`` (redis, memory, local, fail_open, fail_closed, none)."""
        return self.core.stats.backends()

    def _redis_info(self) -> dict[str, Any]:
        return {}


class RateLimiter(_Base):
    """Blocking limiter over a sync client (thread-safe)."""

    def __init__(
        self,
        client: SyncClient,
        config: LimiterConfig | None = None,
        *,
        keyspace: Keyspace | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        owns_client: bool = False,
    ) -> None:
        config = config or LimiterConfig()
        if config.mode != "exact":
            raise ConfigError("lease mode is for the asyncio limiter (AsyncRateLimiter)")
        self.core = LimiterCore(config, keyspace or Keyspace(), clock=clock,
                                wall_clock=wall_clock)  # fmt: skip
        self.runner = SyncScriptRunner(client, Script())
        self._owns_client = owns_client
        self._probe: threading.Thread | None = None
        self._closed = threading.Event()

    @classmethod
    def from_settings(
        cls, settings: Settings, target: RedisTarget | None = None, policies: Sequence[Policy] = ()
    ) -> RateLimiter:
        """A limiter with ``PERFKIT_RATELIMIT_*`` configuration, ``policies`` (the service's
        own; none by default) and its own client."""
        target = target or target_from_settings(settings)
        return cls(sync_client(target), LimiterConfig.from_settings(settings, policies),
                   keyspace=Keyspace(settings.redis_key_prefix), owns_client=True)  # fmt: skip

    def hit(
        self, identity: str, path: str = "/", *, policies: Sequence[Policy] | None = None
    ) -> Decision:
        """Decide one request of ``identity`` (an `identity_key` form) to ``path``; or
        against ``policies`` (custom limiters) instead of the path's."""
        call = self.core.prepare(identity, path, policies)
        if isinstance(call, Decision):
            return call
        return self._decide(call)

    def _decide(self, call: Call) -> Decision:
        core = self.core
        if core.try_redis():
            try:
                reply = self.runner.run(call.keys, call.argv)
            except RedisUnavailable:
                core.redis_failed()
                self._start_probe()
            else:
                core.redis_ok()
                return core.from_reply(call, reply)
        return core.degraded(call)

    def _start_probe(self) -> None:
        if self._probe is not None and self._probe.is_alive():
            return
        self._probe = threading.Thread(target=self._probe_loop, name="ratelimit-probe",
                                       daemon=True)  # fmt: skip
        self._probe.start()

    def _probe_loop(self) -> None:
        while not self._closed.wait(self.core.config.retry_interval):
            if self.core.breaker.state == "closed" or self.runner.ping():
                self.core.redis_ok()
                return

    def close(self) -> None:
        self._closed.set()
        if self._probe is not None:
            self._probe.join()
        self.runner.close()
        if self._owns_client:
            self.runner.client.close()


class AsyncRateLimiter(_Base):
    """asyncio limiter; concurrent decisions share round trips (auto-pipelining)."""

    def __init__(
        self,
        client: AsyncClient,
        config: LimiterConfig | None = None,
        *,
        keyspace: Keyspace | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        owns_client: bool = False,
    ) -> None:
        config = config or LimiterConfig()
        self.core = LimiterCore(config, keyspace or Keyspace(), clock=clock,
                                wall_clock=wall_clock, threaded=False)  # fmt: skip
        self.runner = AsyncScriptRunner(client, Script(), pipelining=config.pipelining)
        self._owns_client = owns_client
        self._probe: asyncio.Task[None] | None = None
        self.leases = LeaseClient(self.core, client, clock) if config.mode == "lease" else None

    @classmethod
    def from_settings(
        cls, settings: Settings, target: RedisTarget | None = None, policies: Sequence[Policy] = ()
    ) -> AsyncRateLimiter:
        """A limiter with ``PERFKIT_RATELIMIT_*`` configuration, ``policies`` (the service's
        own; none by default) and its own client."""
        target = target or target_from_settings(settings)
        return cls(async_client(target), LimiterConfig.from_settings(settings, policies),
                   keyspace=Keyspace(settings.redis_key_prefix), owns_client=True)  # fmt: skip

    def limit(
        self, rate: str, *, key: KeySpec = "ip", name: str = ""
    ) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
        """``@limiter.limit("30/minute")``: a decorator limiting one endpoint (see
        `perfkit.ratelimit.routes`); a bad rate or key fails here, at declaration."""
        return RouteLimit(self, rate, key=key, name=name).decorate

    def depends(
        self, rate: str, *, key: KeySpec = "ip", name: str = ""
    ) -> Callable[[Request, Response], Awaitable[None]]:
        """``Depends(limiter.depends("30/minute"))``: the same limit as a dependency."""
        return RouteLimit(self, rate, key=key, name=name).dependency()

    async def hit(
        self, identity: str, path: str = "/", *, policies: Sequence[Policy] | None = None
    ) -> Decision:
        """The asyncio flavour of `RateLimiter.hit`."""
        started = self.begin(identity, path, policies)
        if isinstance(started, Decision):
            return started
        return await self.complete(started)

    def begin(
        self, identity: str, path: str = "/", policies: Sequence[Policy] | None = None
    ) -> Decision | Call:
        """`hit` split in two for the middleware's hot path: the `Decision` when it needs
        no I/O (no policy applies, the local over-limit cache, a live lease), else the
        `Call` to pass to `complete`. Saves a coroutine per request where nothing awaits."""
        core = self.core
        chosen = core.select(identity, path, policies)
        if isinstance(chosen, Decision):
            return chosen
        leases = self.leases
        if leases is not None:
            outcomes = leases.book.spend(chosen, identity)  # the fast path: no keys, no I/O
            if outcomes is not None:
                return core.finish(Decision(True, identity, "lease", outcomes))
        return core.call(identity, chosen)

    def complete(self, call: Call) -> Awaitable[Decision]:
        """The decision `begin` could not make without Redis, to await (the coroutine
        that makes it, not one wrapping it: a frame less per request)."""
        leases = self.leases
        if leases is not None:
            return self._hit_leased(call, leases)
        return self._hit_exact(call)

    async def _hit_exact(self, call: Call) -> Decision:
        core = self.core
        if core.try_redis():
            try:
                reply = await self.runner.run(call.keys, call.argv)
            except RedisUnavailable:
                core.redis_failed()
                self._start_probe()
            else:
                core.redis_ok()
                return core.from_reply(call, reply)
        return core.degraded(call)

    async def _hit_leased(self, call: Call, leases: LeaseClient) -> Decision:
        core = self.core
        if core.try_redis():
            try:
                decision = await leases.decide(call)
            except RedisUnavailable:
                core.redis_failed()
                self._start_probe()
            else:
                core.redis_ok()
                return decision if decision is not None else await self._hit_exact(call)
        return core.degraded(call)

    def stats(self) -> dict[str, Any]:
        document = super().stats()
        if self.leases is not None:
            document["lease"] = self.leases.stats()
        return document

    def _start_probe(self) -> None:
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._probe_loop())

    async def _probe_loop(self) -> None:
        while True:
            await asyncio.sleep(self.core.config.retry_interval)
            if self.core.breaker.state == "closed" or await self.runner.ping():
                self.core.redis_ok()
                return

    def _redis_info(self) -> dict[str, Any]:
        return {"pipeline_batches": self.runner.batches,
                "pipelined_calls": self.runner.batched_calls}  # fmt: skip

    async def aclose(self) -> None:
        if self.leases is not None:
            await self.leases.aclose()
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
        await self.runner.aclose()
        if self._owns_client:
            await self.runner.client.aclose()
