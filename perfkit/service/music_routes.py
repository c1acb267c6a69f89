"""The music API: health checks, chat, and the Spotify hot paths the cache serves."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from perfkit.service.state import ServiceState
from perfkit.service.upstreams import UpstreamError
from perfkit.service.validation import BadRequest, parse_chat, parse_id, parse_ids, parse_limit


def _state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def json(data: object, status_code: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status_code, media_type="application/json")


def bad_request(exc: BadRequest) -> Response:
    return json({"error": "bad_request", "message": str(exc)}, 400)


def upstream_failed(name: str) -> Response:
    return json({"error": "upstream_unavailable", "message": f"{name} did not answer"}, 502)


async def health(request: Request) -> Response:
    return json({"status": "ok"})


async def ready(request: Request) -> Response:
    """Ready when Redis answers, or when the fallbacks are serving without it."""
    redis_health = await _state(request).redis_health()
    return json({"status": "ready", "redis": redis_health["status"]})


async def api_health(request: Request) -> Response:
    state = _state(request)
    redis_health = await state.redis_health()
    return json(
        {
            "status": "ok" if redis_health["status"] != "unhealthy" else "degraded",
            "redis": redis_health["status"],
            "uptime_s": round(state.uptime(), 3),
            "providers": {"spotify": "simulated", "chat": "simulated"},
        }
    )


async def chat(request: Request) -> Response:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return bad_request(BadRequest("the body is not valid JSON"))
    try:
        message, session = parse_chat(body)
    except BadRequest as exc:
        return bad_request(exc)
    try:
        reply = await _state(request).chat(message, session)
    except UpstreamError:
        return upstream_failed("the chat model")
    return json({"reply": reply, "session_id": session})


async def spotify_me(request: Request) -> Response:
    try:
        user = parse_id(request.headers.get("x-user-id", "demo"), "X-User-ID")
    except BadRequest as exc:
        return bad_request(exc)
    try:
        return json(await _state(request).profile(user))
    except UpstreamError:
        return upstream_failed("Spotify")


async def audio_features(request: Request) -> Response:
    try:
        ids = parse_ids(request.query_params.get("ids"))
    except BadRequest as exc:
        return bad_request(exc)
    try:
        features = await _state(request).audio_features(ids)
    except UpstreamError:
        return upstream_failed("Spotify")
    return json({"audio_features": features})


async def recommendations(request: Request) -> Response:
    try:
        seed = parse_id(request.query_params.get("seed", "echotune"), "seed")
        limit = parse_limit(request.query_params.get("limit"))
    except BadRequest as exc:
        return bad_request(exc)
    try:
        tracks = await _state(request).recommendations(seed, limit)
    except UpstreamError:
        return upstream_failed("Spotify")
    return json({"seed": seed, "tracks": tracks})
