"""A FastAPI app with route limits, for tests/ratelimit/test_route_headers.py, served by
uvicorn: ``ROUTE_LIMITS_STACK=perfkit`` installs it with `Perfkit` (measurement and the
rate limit middleware, whose own policy is 10 per minute on every route);
``ROUTE_LIMITS_STACK=bare`` uses the limiter's decorator and dependency alone, no
middleware."""

from __future__ import annotations

import os

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse

from perfkit.asgi import Perfkit
from perfkit.config import Settings
from perfkit.ratelimit import Policy


def create_app() -> FastAPI:
    stack = os.environ["ROUTE_LIMITS_STACK"]
    perf = Perfkit(Settings.from_env(), policies=[Policy("everything", 10, 60)])
    app = FastAPI()

    @app.get("/search")
    @perf.limit("3/minute")
    async def search(request: Request, q: str = "") -> dict[str, str]:
        return {"q": q}

    @app.get("/page")
    @perf.limit("3/minute")
    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse("a page")

    @app.get("/me", dependencies=[Depends(perf.depends("3/minute", key="header:X-API-Key"))])
    async def me() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/roomy")
    @perf.limit("100/minute")
    async def roomy(request: Request) -> dict[str, bool]:
        return {"ok": True}

    @app.get("/double", dependencies=[Depends(perf.depends("5/minute"))])
    @perf.limit("3/minute")
    async def double(request: Request) -> dict[str, bool]:
        return {"ok": True}

    @app.get("/busy")
    @perf.limit("100/minute")
    async def busy(request: Request) -> PlainTextResponse:
        return PlainTextResponse("come back later", 503, headers={"retry-after": "30"})

    if stack == "perfkit":
        perf.install(app)  # serves /metrics, which the middleware never limits
    else:
        app.add_route("/metrics", perf.metrics)
    return app
