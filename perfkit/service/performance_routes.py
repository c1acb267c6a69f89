"""The performance surface: reports, stats, health, analytics, the baseline trigger, metrics."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from perfkit.service.baseline_job import BaselineBusy, BaselineUnavailable
from perfkit.service.metrics import exposition
from perfkit.service.music_routes import json
from perfkit.service.state import ServiceState

TOKEN_HEADER = "x-perfkit-token"


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


async def _cache_stats(state: ServiceState) -> dict[str, Any]:
    if state.cache is None:
        return {"enabled": False}
    return {"enabled": True, **await state.cache.stats()}


async def performance(request: Request) -> Response:
    return json(await _state(request).monitor.areport())


async def cache_stats(request: Request) -> Response:
    """The cache's figures and the requests' ``performance``
    block (``totalRequests``, ``slowRequests``, ``averageResponseTime``)."""
    state = _state(request)
    report = await state.monitor.areport()
    return json({**await _cache_stats(state), "performance": report["performance"]})


async def rate_limit_stats(request: Request) -> Response:
    return json(_state(request).limiter.stats())


async def redis_health(request: Request) -> Response:
    health = await _state(request).redis_health()
    return json(health, 200 if health["status"] != "unhealthy" else 503)


async def mcp_analytics(request: Request) -> Response:
    state = _state(request)
    if not state.settings.mcp_analytics_enabled:
        return json({"error": "disabled", "message": "MCP_ANALYTICS_ENABLED is false"}, 404)
    # imported here: the analysis half pulls in scipy, which would double the start-up time
    from perfkit.analysis.report import AnalyticsOptions, analytics_from_live  # noqa: PLC0415

    report = analytics_from_live(
        await state.monitor.areport(), await _cache_stats(state), await state.redis_health(),
        options=AnalyticsOptions.from_settings(state.settings),  # as the CLI and MCP read them
    )  # fmt: skip
    return json(report)


def _presented_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get(TOKEN_HEADER)


async def start_baseline(request: Request) -> Response:
    jobs = _state(request).baselines
    if not jobs.enabled:
        return json({"error": "disabled",
                     "message": "set PERFKIT_BASELINE_TOKEN to enable the baseline trigger"},
                    403)  # fmt: skip
    if not jobs.authorized(_presented_token(request)):
        return json({"error": "unauthorized",
                     "message": "a valid token is required (Authorization: Bearer ...)"},
                    401)  # fmt: skip
    try:
        job = await jobs.start()  # the service's configured address, never the Host header
    except BaselineBusy:
        return json({"error": "busy", "message": "a baseline is already running"}, 409)
    except BaselineUnavailable as exc:
        return json({"error": "unavailable", "message": str(exc)}, 503)
    body = {**job.to_dict(), "status_url": f"/api/performance/baseline/{job.run_id}"}
    return json(body, 202)


async def baseline_status(request: Request) -> Response:
    status = await _state(request).baselines.status(request.path_params["run_id"])
    if status is None:
        return json({"error": "not_found", "message": "no such baseline run"}, 404)
    return json(status)


async def metrics(request: Request) -> Response:
    return Response(exposition(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)


def routes() -> list[BaseRoute]:
    return [
        Route("/api/performance", performance),
        Route("/api/cache/stats", cache_stats),
        Route("/api/rate-limit/stats", rate_limit_stats),
        Route("/api/redis/health", redis_health),
        Route("/api/mcp/analytics", mcp_analytics),
        Route("/api/performance/baseline", start_baseline, methods=["POST"]),
        Route("/api/performance/baseline/{run_id}", baseline_status),
        Route("/metrics", metrics),
    ]
