"""The slowdown `perfkit bench verdicts` injects: a wait of +N % of the endpoint's measured p50.

`InjectedDelay` wraps an ASGI app: the answers of one path wait ``delay`` seconds
(``asyncio.sleep``) before they start; everything else passes through. The bench sets the
wait over HTTP (``PUT /__bench/delay`` with ``{"ms": 30.5}``) to the size of the slowdown
times the slowed endpoint's p50 **as the load generator measured it** on the base build
in its latest recording, and again after every recording, so a "+20 %" candidate is
+20 % of that endpoint's latency at the load the machine is under now.

Why a wait set from the client's measurement, and not the two simpler ways:

- A fixed extra (the upstream 24 ms slower) is +20 % only on a quiet machine: under load
  the endpoint's own CPU and queueing grow and 24 ms becomes +15 % or less of its latency.
- Scaling each request by its own time in the app (tried first, 2026-12-04 07:35 UTC) is
  diluted as well: the client also sees time outside the app (the server's event loop
  before the app is called, the generator's own loop); +20 % of the app's time moved
  chat's measured p50 by +8 % at load 10.
- A wait, not CPU: a CPU-burning slowdown is stretched by a loaded machine and takes CPU
  from its neighbours, on 2 cores the base build of the same duet, which shrinks the very
  difference being measured. A wait costs no CPU.

Every instance of a calibration runs through this wrapper (the base and the A/A
instance with no wait), so they all serve the same code. Served by ``python -m uvicorn
--factory perfkit.bench.injected_delay:reference_app`` (or ``:slow_app``) with
``PERFKIT_BENCH_SLOWED_PATH`` in the environment.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH_ENV = "PERFKIT_BENCH_SLOWED_PATH"
CONTROL_PATH = "/__bench/delay"
_MAX_MS = 60_000.0


class InjectedDelay:
    """``app`` with the answers of ``path`` delayed by ``delay_s`` (set over HTTP)."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        if not path.startswith("/") or path == CONTROL_PATH:
            raise ValueError(f"slowed path {path!r} must be a path of the app")
        self.app, self.path, self.delay_s = app, path, 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == CONTROL_PATH:
            await self._control(scope, receive, send)
        elif scope["type"] == "http" and scope.get("path") == self.path and self.delay_s > 0:
            delay_s = self.delay_s

            async def delayed(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await asyncio.sleep(delay_s)
                await send(message)

            await self.app(scope, receive, delayed)
        else:
            await self.app(scope, receive, send)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        try:
            ms = float(json.loads(body)["ms"]) if scope["method"] == "PUT" else math.nan
        except (ValueError, KeyError, TypeError):
            ms = math.nan
        ok = 0 <= ms <= _MAX_MS  # NaN is neither
        if ok:
            self.delay_s = ms / 1000
        status = 204 if ok else 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def set_delay(url: str, ms: float) -> None:
    """Make the instance at ``url`` wait ``ms`` before each answer of its slowed path."""
    response = httpx.put(url.rstrip("/") + CONTROL_PATH, json={"ms": ms}, timeout=10.0)
    response.raise_for_status()


def _from_env(app: ASGIApp) -> InjectedDelay:
    return InjectedDelay(app, os.environ.get(PATH_ENV, "/"))


def reference_app() -> InjectedDelay:
    """The reference service (`perfkit.service.app.create_app`, settings from the
    environment) behind the wrapper."""
    from perfkit.service.app import create_app  # noqa: PLC0415  (read the env when served)

    return _from_env(create_app())


def slow_app() -> InjectedDelay:
    """The 10-50 ms service (`perfkit.bench.slow_service`) behind the wrapper."""
    from perfkit.bench.slow_service import app  # noqa: PLC0415  (read the env when served)

    return _from_env(app)
