"""A calibration target whose endpoints all take 10-50 ms: `perfkit bench verdicts --target slow`.

The case the reference service does not cover: a service with no sub-millisecond endpoint
(its fastest request takes 10 ms), where a floor taken from the fastest request hides
every latency change smaller than 10 ms. Each endpoint waits its latency (``asyncio.sleep``
for the upstream it stands for) after a little CPU work of its own (about 0.3 ms, JSON
built in the handler), so a loaded machine slows it the way it slows a real handler.

``PERFKIT_SLOW_FACTOR`` (default 1) multiplies the latency of the endpoint named by
``PERFKIT_SLOW_ENDPOINT`` (default ``lookup``, the fastest): the injected slowdown.
Served by ``python -m uvicorn perfkit.bench.slow_service:app``.
"""

from __future__ import annotations

import asyncio
import os
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

#: endpoint name -> its latency in ms (the path is ``/api/<name>``)
LATENCY_MS = {"lookup": 10.0, "list": 20.0, "search": 30.0, "report": 50.0}
SLOWED_DEFAULT = "lookup"
_CPU_S = 0.0003


def _latencies() -> dict[str, float]:
    slowed = os.environ.get("PERFKIT_SLOW_ENDPOINT", SLOWED_DEFAULT)
    factor = float(os.environ.get("PERFKIT_SLOW_FACTOR", "1"))
    if slowed not in LATENCY_MS or not factor > 0:
        raise SystemExit(f"PERFKIT_SLOW_ENDPOINT={slowed!r} / PERFKIT_SLOW_FACTOR={factor!r}")
    return {name: ms * (factor if name == slowed else 1.0) for name, ms in LATENCY_MS.items()}


def _busy(seconds: float) -> int:
    """A little CPU, as a handler spends building its answer."""
    end, spins = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        spins += 1
    return spins


def _endpoint(name: str, latency_ms: float) -> Route:
    async def handle(request: Request) -> Response:
        spins = _busy(_CPU_S)
        await asyncio.sleep(max(latency_ms / 1000 - _CPU_S, 0.0))
        return JSONResponse({"endpoint": name, "spins": spins})

    return Route(f"/api/{name}", handle)


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[Route("/health", _health), *(_endpoint(n, ms) for n, ms in _latencies().items())]
)
