"""A one-route app for the profiler tests, served by uvicorn in a process of its own (the
sampler needs the main thread). ``SLOW_MS`` > 0 makes the route call `slow_function`;
``PROFILE=0`` serves it without the sampler. Both spin on the thread's CPU clock, so
they cost the same CPU however busy the machine is."""

from __future__ import annotations

import os
import time

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from perfkit.measure import MeasureConfig, PerformanceMiddleware, PerformanceMonitor
from perfkit.profiling import RouteSampler


def spin(ms: float) -> None:
    deadline = time.thread_time() + ms / 1000.0
    while time.thread_time() < deadline:
        pass


def slow_function(ms: float) -> None:
    deadline = time.thread_time() + ms / 1000.0
    while time.thread_time() < deadline:
        pass


async def work(request: Request) -> Response:
    spin(1.0)
    slow_ms = float(os.environ.get("SLOW_MS", "0"))
    if slow_ms:
        slow_function(slow_ms)
    return PlainTextResponse("ok")


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app() -> Starlette:
    monitor = PerformanceMonitor(MeasureConfig(slow_log_enabled=False))
    sampler = RouteSampler(interval_ms=1.0) if os.environ.get("PROFILE", "1") == "1" else None
    return Starlette(
        routes=[Route("/work/{n:int}", work), Route("/health", health)],
        middleware=[Middleware(PerformanceMiddleware, monitor=monitor, profiler=sampler)],
    )
