"""`PerformanceMonitor`: per-route statistics of one worker, its background tasks, reports.

The middleware calls `observe` once per request (in the event loop; no I/O: a slow
request's log line goes to a queue). Background work runs in tasks started by
`start` (the middleware does it on ASGI lifespan startup, or lazily on the first
request) and stopped by `stop`: the loop-lag sampler, and with a `RedisWorkerStore`
the flusher that publishes this worker's snapshot every ``flush_interval_s``.

Memory is bounded: at most ``max_routes`` (method, route, status class) entries, later
new ones are counted under the ``(overflow)`` route; ``recent_slow`` slow requests; and
``hours`` hourly buckets per entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from perfkit.errors import ConfigError, RedisUnavailable
from perfkit.measure.config import STATUS_CLASSES, TOO_MANY_REQUESTS, MeasureConfig, SlowClass
from perfkit.measure.report import ReportContext, build_report, iso
from perfkit.measure.routes import OVERFLOW
from perfkit.measure.runtime import LoopLagSampler, rss_bytes
from perfkit.measure.slowlog import SlowRequestLog
from perfkit.measure.snapshot import WorkerSnapshot
from perfkit.measure.stats import RouteSnapshot, RouteStats
from perfkit.measure.workers import RedisWorkerStore

logger = logging.getLogger(__name__)

RouteKey = tuple[str, str, str]  # (method, route template, status class)
DRAIN_EVERY = 256


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class PerformanceMonitor:
    """Records requests and builds the performance report of this worker (or all)."""

    def __init__(
        self,
        config: MeasureConfig | None = None,
        *,
        store: RedisWorkerStore | None = None,
        worker_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config if config is not None else MeasureConfig()
        self.store = store
        self.worker_id = worker_id or default_worker_id()
        self.clock = clock
        self.started_at = clock()
        self.overflow_requests = 0
        self.last_flush_at: float | None = None
        self.last_flush_error: str | None = None
        self.slow_log_error: str | None = None
        self._stats: dict[RouteKey, RouteStats] = {}
        self._encoded: dict[RouteKey, tuple[int, str]] = {}
        self._recent: deque[dict[str, Any]] = deque(maxlen=self.config.recent_slow)
        self.slow_log = (
            SlowRequestLog(
                self.config.slow_log_path,
                self.config.slow_log_max_bytes,
                self.config.slow_log_backups,
            )
            if self.config.slow_log_enabled
            else None
        )
        self.lag = LoopLagSampler(self.config.loop_lag_interval_s)
        self._flusher: asyncio.Task[None] | None = None
        self._pending: list[tuple[str, str, int, float, float]] = []
        self._slow_ms = self.config.thresholds.slow_ms

    # -- the hot path -------------------------------------------------------------------

    def observe(
        self, method: str, route: str, status: int, duration_ms: float, request_id: str
    ) -> None:
        """Record one finished request (``method`` already normalised).

        Queued, then counted in bulk by `drain` (every ``DRAIN_EVERY`` requests, and before
        any read): per request only an append, and for a slow one its log entry."""
        pending = self._pending
        pending.append((method, route, status, duration_ms, self.clock()))
        if duration_ms >= self._slow_ms:
            self._slow_request(method, route, status, duration_ms, request_id)
        if len(pending) >= DRAIN_EVERY:
            self.drain()

    def _slow_request(
        self, method: str, route: str, status: int, duration_ms: float, request_id: str
    ) -> None:
        entry = {
            "time": iso(self.clock()),
            "route": route,
            "method": method,
            "status": status,
            "duration_ms": round(duration_ms, 3),
            "class": self.config.thresholds.classify(duration_ms),
            "request_id": request_id,
            "worker": self.worker_id,
        }
        self._recent.append(entry)
        if self.slow_log is not None:
            self.slow_log.write(entry)

    def drain(self) -> None:
        """Count the queued requests: grouped by (method, route, status, hour), each
        group's figures updated once (histogram counts with one array operation)."""
        pending = self._pending
        if not pending:
            return
        self._pending = []
        groups: dict[tuple[str, str, int, int], list[float]] = {}
        for method, route, status, duration_ms, at in pending:
            key = (method, route, status, int(at // 3600))  # hour_of, inlined
            durations = groups.get(key)
            if durations is None:
                groups[key] = [duration_ms]
            else:
                durations.append(duration_ms)
        thresholds = self.config.thresholds
        for (method, route, status, hour), durations in groups.items():
            sclass = STATUS_CLASSES[status // 100] if 100 <= status < 600 else "5xx"
            slow: dict[SlowClass, int] = {}
            if max(durations) >= self._slow_ms:
                for duration_ms in durations:
                    name = thresholds.classify(duration_ms)
                    if name != "normal":
                        slow[name] = slow.get(name, 0) + 1
            errors = len(durations) if status >= 500 else 0
            stats = self._stats_for(method, route, sclass, len(durations))
            stats.record_many(durations, errors, slow, hour)
            if status == TOO_MANY_REQUESTS or status >= 500:  # kept by code beside the class
                stats.count_code(status, len(durations))

    def _stats_for(self, method: str, route: str, sclass: str, requests: int) -> RouteStats:
        key = (method, route, sclass)
        stats = self._stats.get(key)
        if stats is None:
            if len(self._stats) >= self.config.max_routes:
                self.overflow_requests += requests
                key = ("*", OVERFLOW, sclass)
                stats = self._stats.get(key)
            if stats is None:
                stats = self._stats[key] = RouteStats(self.config.hours)
        return stats

    # -- reading ------------------------------------------------------------------------

    def entries(self) -> list[tuple[RouteKey, RouteStats]]:
        """The live statistics (for exporters); read-only."""
        self.drain()
        return list(self._stats.items())

    def snapshot(self, *, encode: bool = False) -> WorkerSnapshot:
        """This worker's figures now; ``encode`` prepares histograms for the wire."""
        now = self.clock()
        uptime = max(now - self.started_at, 1e-9)
        routes = []
        for key, stats in self.entries():
            snap = RouteSnapshot.of(key[0], key[1], key[2], stats, uptime)
            if encode:
                snap.encoded_histogram = self._encoding(key, stats)
            routes.append(snap)
        return WorkerSnapshot(
            worker_id=self.worker_id,
            pid=os.getpid(),
            started_at=self.started_at,
            taken_at=now,
            rss_bytes=rss_bytes(),
            loop_lag=self.lag.window.summary(),
            routes=routes,
            recent_slow=list(self._recent),
            overflow_requests=self.overflow_requests,
        )

    def _encoding(self, key: RouteKey, stats: RouteStats) -> str:
        cached = self._encoded.get(key)
        if cached is not None and cached[0] == stats.count:
            return cached[1]
        text = stats.histogram.encode()
        self._encoded[key] = (stats.count, text)
        return text

    def _context(self, source: str, error: str | None) -> ReportContext:
        log = self.slow_log
        return ReportContext(
            thresholds=self.config.thresholds,
            slow_log_enabled=log is not None,
            slow_log_path=str(log.path) if log is not None else None,
            slow_log_dropped=log.dropped if log is not None else 0,
            slow_log_error=self.slow_log_error,
            hours=self.config.hours,
            recent_limit=self.config.recent_slow,
            source=source,
            error=error,
        )

    def report(self) -> dict[str, Any]:
        """This worker's report (no I/O besides reading RSS)."""
        return build_report([self.snapshot()], self._context("local", None), self.clock())

    async def areport(self) -> dict[str, Any]:
        """Every live worker's figures merged through Redis; this worker's alone without it."""
        own = self.snapshot()
        if self.store is None:
            return build_report([own], self._context("local", None), self.clock())
        try:
            others = await self.store.collect(self.clock(), exclude=self.worker_id)
        except RedisUnavailable as exc:
            return build_report([own], self._context("local", str(exc)), self.clock())
        return build_report([own, *others], self._context("redis", None), self.clock())

    # -- background work ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Are the background tasks started (and not stopped)?"""
        return self._flusher is not None

    def start(self) -> None:
        """Start the loop-lag sampler and the flusher on the running loop; idempotent."""
        if self._flusher is not None:
            return
        if self.slow_log is not None:
            self._start_slow_log(self.slow_log)
        self.lag.start()
        self._flusher = asyncio.get_running_loop().create_task(
            self._flush_forever(), name="perfkit-measure-flush"
        )

    def _start_slow_log(self, log: SlowRequestLog) -> None:
        """A log that cannot be written is reported once (logged, and in the report) and
        left off: the requests are still served and counted, only not written down."""
        try:
            log.start()
        except ConfigError as exc:
            logger.error("slow-request log off: %s", exc)
            self.slow_log_error = str(exc)
            self.slow_log = None

    async def stop(self) -> None:
        """Stop the tasks, publish a last snapshot, close the slow log; idempotent."""
        flusher, self._flusher = self._flusher, None
        if flusher is None:
            return
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await self.lag.stop()
        await self.flush()
        if self.slow_log is not None:
            self.slow_log.stop()

    async def flush(self) -> bool:
        """Publish this worker's snapshot now; False (error kept) when Redis fails."""
        if self.store is None:
            return False
        try:
            await self.store.publish(self.snapshot(encode=True), self.clock())
        except RedisUnavailable as exc:
            self.last_flush_error = str(exc)
            return False
        self.last_flush_at = self.clock()
        self.last_flush_error = None
        return True

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_interval_s)
            self.drain()  # hourly buckets stay within one interval of the requests' hour
            await self.flush()
