"""Small ASGI apps the load runner is tested against, over real uvicorn on loopback."""

from __future__ import annotations

import asyncio
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


class Counter:
    def __init__(self) -> None:
        self.hits = 0


def status_app(counter: Counter | None = None) -> Starlette:
    """/ok 200, /boom 500, /limited 429, /slow 300 ms, /echo echoes the body;
    /api/performance a JSON report with the number of requests served."""
    counter = counter or Counter()

    async def ok(request: Request) -> Response:
        counter.hits += 1
        return PlainTextResponse("ok")

    async def boom(request: Request) -> Response:
        return PlainTextResponse("boom", status_code=500)

    async def limited(request: Request) -> Response:
        return PlainTextResponse("slow down", status_code=429)

    async def slow(request: Request) -> Response:
        await asyncio.sleep(0.3)
        return PlainTextResponse("late")

    async def echo(request: Request) -> Response:
        body = await request.body()
        return PlainTextResponse(body, status_code=200 if body == b'{"a":1}' else 400)

    async def performance(request: Request) -> Response:
        return JSONResponse({"served_ok": counter.hits})

    return Starlette(
        routes=[
            Route("/ok", ok),
            Route("/boom", boom),
            Route("/limited", limited),
            Route("/slow", slow),
            Route("/echo", echo, methods=["POST"]),
            Route("/api/performance", performance),
        ]
    )


def stalling_app(after_s: float, stall_s: float = 1.0) -> Starlette:
    """Answers /work at once, except the first request `after_s` after the first one: that
    one blocks the whole server (the event loop) for `stall_s`, as a GC pause would."""
    state: dict[str, float] = {}

    async def work(request: Request) -> Response:
        now = time.monotonic()
        first = state.setdefault("first", now)
        if now - first >= after_s and "stalled" not in state:
            state["stalled"] = now
            time.sleep(stall_s)  # blocks the loop on purpose
        return PlainTextResponse("done")

    return Starlette(routes=[Route("/work", work)])
