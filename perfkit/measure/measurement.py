"""`Measurement`: the measurement half of a service, built from its settings in one place.

The reference service (`perfkit.service.state`) and `perfkit.asgi.Perfkit` both take their
monitor, its worker store and the profiler from here, so a setting read for one is read
for the other: ``PERFKIT_PROFILE`` (and its interval and bound, `ProfilerConfig`) makes
the middleware of either sample per route and answer ``GET /_perfkit/profile``, which
``perfkit baseline``, ``perfkit ab`` and ``perfkit bisect`` fetch and keep beside their
runs. With profiling off the middleware gets no sampler and runs none of its code.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.middleware import Middleware

from perfkit.config import Settings
from perfkit.connection import AsyncClient, Keyspace
from perfkit.measure.config import MeasureConfig
from perfkit.measure.middleware import PerformanceMiddleware
from perfkit.measure.monitor import PerformanceMonitor
from perfkit.measure.workers import RedisWorkerStore
from perfkit.profiling.sampler import ProfilerConfig, RouteSampler


@dataclass(frozen=True)
class Measurement:
    monitor: PerformanceMonitor
    profiler: RouteSampler | None = None  # PERFKIT_PROFILE=true

    @classmethod
    def from_settings(
        cls, settings: Settings, redis: AsyncClient, keyspace: Keyspace
    ) -> Measurement:
        """The monitor (its snapshots merged across workers through ``redis``) and the
        sampler when ``PERFKIT_PROFILE`` is on; nothing connects or starts here."""
        config = MeasureConfig.from_settings(settings)
        store = RedisWorkerStore(redis, keyspace, ttl_s=config.worker_ttl_s)
        profiler = ProfilerConfig.from_settings(settings).sampler()
        return cls(PerformanceMonitor(config, store=store), profiler)

    def middleware(self) -> Middleware:
        """`PerformanceMiddleware` with the monitor and the sampler (``app.add_middleware``
        takes it as ``*middleware``)."""
        return Middleware(PerformanceMiddleware, monitor=self.monitor, profiler=self.profiler)
