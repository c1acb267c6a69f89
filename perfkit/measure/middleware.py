"""`PerformanceMiddleware`: plain ASGI (not ``BaseHTTPMiddleware``), one record per request.

Usage with Starlette (FastAPI: ``app.add_middleware`` with the same arguments)::

    monitor = PerformanceMonitor(MeasureConfig.from_settings(Settings.from_env()))
    app = Starlette(routes=..., middleware=[Middleware(PerformanceMiddleware, monitor=monitor)])

It times the request from the call until the app returns (the whole body sent), reads
the status from ``http.response.start`` and the route template from the scope the
router filled in, and gives each request an id: a valid incoming ``X-Request-ID`` is
kept, else one is made; it is echoed as a response header and put in
``scope["state"]["request_id"]`` (``request.state.request_id``). An exception before the
response started is recorded as 500 and re-raised; a cancelled request (client gone)
as 499. On ASGI lifespan startup/shutdown it starts/stops the monitor's background
tasks; without lifespan events they start on the first request.

Given a `RouteSampler` (``profiler=``, only when ``PERFKIT_PROFILE`` is on), it also
registers each request with the sampler, hands it the route when the request ends, and
answers ``GET /_perfkit/profile`` with the profile per route (``?reset=1`` starts a new
one); without a sampler none of this code runs.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import sys
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from perfkit.measure.monitor import PerformanceMonitor
from perfkit.measure.routes import KNOWN_METHODS, OTHER_METHOD, RouteResolver
from perfkit.profiling.profile import PROFILE_PATH
from perfkit.profiling.sampler import RouteSampler

REQUEST_ID_HEADER = b"x-request-id"
CLIENT_CLOSED = 499
_VALID_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")


class PerformanceMiddleware:
    def __init__(
        self, app: ASGIApp, monitor: PerformanceMonitor, profiler: RouteSampler | None = None
    ) -> None:
        self.app = app
        self.monitor = monitor
        self.profiler = profiler
        self.resolver = RouteResolver()
        self._id_prefix = secrets.token_hex(4)
        self._counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.profiler is not None:
                await self._profiled(scope, receive, send, self.profiler)
                return
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.app(scope, self._lifespan_receive(receive), send)
        else:
            await self.app(scope, receive, send)

    def _request_id(self, scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER and _VALID_ID.fullmatch(value):
                return str(value.decode("ascii"))
        return f"{self._id_prefix}-{next(self._counter):x}"

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        monitor = self.monitor
        if not monitor.running:
            monitor.start()
        request_id = self._request_id(scope)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        scope.setdefault("state", {})["request_id"] = request_id
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            status = status or CLIENT_CLOSED
            raise
        except BaseException:
            status = status or 500
            raise
        finally:
            duration_ms = (time.perf_counter() - started) * 1000.0
            method = scope["method"]
            monitor.observe(
                method if method in KNOWN_METHODS else OTHER_METHOD,
                self.resolver.template(scope),
                status or 500,
                duration_ms,
                request_id,
            )

    async def _profiled(
        self, scope: Scope, receive: Receive, send: Send, profiler: RouteSampler
    ) -> None:
        if scope["path"] == PROFILE_PATH and scope["method"] == "GET":
            await profiler.serve(scope.get("query_string", b""), send)
            return
        if not profiler.running:
            profiler.start()
        frame = sys._getframe()  # on the stack below the route's frames while it runs
        bucket = profiler.begin(frame)
        try:
            await self._http(scope, receive, send)
        finally:
            method = scope["method"]
            route = self.resolver.template(scope)
            profiler.end(frame, bucket, f"{method} {route}")

    def _lifespan_receive(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.monitor.start()
                if self.profiler is not None:
                    self.profiler.start()
            elif message["type"] == "lifespan.shutdown":
                await self.monitor.stop()
                if self.profiler is not None:
                    self.profiler.stop()
            return message

        return wrapped
