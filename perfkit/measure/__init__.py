"""Measurement: per-route latency histograms, slow requests, loop lag, worker merging.

The pieces a service wires together::

    from perfkit.measure import MeasureConfig, PerformanceMiddleware, PerformanceMonitor

    monitor = PerformanceMonitor(MeasureConfig.from_settings(settings), store=store)
    middleware = [Middleware(PerformanceMiddleware, monitor=monitor)]
    ...
    report = await monitor.areport()   # GET /api/performance

See docs/how-to/measurement.md for thresholds, the slow log and worker merging.
"""

from perfkit.histogram import LatencyHistogram
from perfkit.measure.config import MeasureConfig, Thresholds, status_class
from perfkit.measure.middleware import PerformanceMiddleware
from perfkit.measure.monitor import PerformanceMonitor
from perfkit.measure.prometheus import MonitorCollector, register_metrics
from perfkit.measure.report import SCHEMA_VERSION, build_report
from perfkit.measure.snapshot import WorkerSnapshot
from perfkit.measure.workers import RedisWorkerStore

__all__ = [
    "SCHEMA_VERSION",
    "LatencyHistogram",
    "MeasureConfig",
    "MonitorCollector",
    "PerformanceMiddleware",
    "PerformanceMonitor",
    "RedisWorkerStore",
    "Thresholds",
    "WorkerSnapshot",
    "build_report",
    "register_metrics",
    "status_class",
]
