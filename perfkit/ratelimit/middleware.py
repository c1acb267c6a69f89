"""`RateLimitMiddleware`: plain ASGI (no BaseHTTPMiddleware), for any ASGI app.

Every HTTP request not on an exempt path is decided by an `AsyncRateLimiter`. A refused
request gets 429 with a JSON body carrying the binding limiter's message; every limited
response carries one set of ``RateLimit-Limit/Remaining/Reset`` and ``RateLimit-Policy``
headers (or the draft-08 ``RateLimit`` and ``RateLimit-Policy``, or none: the config's
``headers``), for the most restrictive policy (never one set per policy), and
``Retry-After`` on 429. Route limits (``@limiter.limit``, ``limiter.depends``) of a
request it passes leave their decisions in the scope; the response then carries the one
set for the most restrictive policy of the middleware's and the routes' together (a
route's 429 included). Non-HTTP scopes (websocket, lifespan) pass straight through.

Usage::

    limiter = AsyncRateLimiter.from_settings(settings, target)
    app = RateLimitMiddleware(app, limiter)   # identity and exempt paths from its config
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import orjson

from perfkit.ratelimit.decision import RATE_LIMIT_HEADERS, Decision, HeaderStyle, combine
from perfkit.ratelimit.identity import IdentityResolver
from perfkit.ratelimit.limiter import AsyncRateLimiter
from perfkit.ratelimit.routes import ROUTE_DECISIONS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Identify = Callable[[Scope], str]
Exempt = Callable[[Scope], Awaitable[bool]]
_REFUSAL_HEADERS = RATE_LIMIT_HEADERS | {b"retry-after"}  # a route's 429 (an app's own
# Retry-After, on a 503 say, is kept when every limit allowed the request)


class RateLimitMiddleware:
    """``identify``: scope -> identity key (default: an `IdentityResolver` built from the
    limiter's config: trusted proxies, IPv6 prefix, hashing). ``exempt_paths``: exact
    paths never limited (default: the config's, i.e. the health checks and /metrics).
    ``exempt``: an async predicate; requests it answers True for pass unlimited and
    uncounted (the reference service's own baseline, recognised by a secret)."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: AsyncRateLimiter,
        *,
        identify: Identify | None = None,
        exempt_paths: Iterable[str] | None = None,
        exempt: Exempt | None = None,
    ) -> None:
        config = limiter.config
        self.app = app
        self.limiter = limiter
        self.identify: Identify = identify or IdentityResolver(
            config.trusted_proxies,
            ipv6_prefix=config.ipv6_prefix,
            hash_identities=config.hash_identities,
        )
        paths = config.exempt_paths if exempt_paths is None else exempt_paths
        self.exempt_paths = frozenset(paths)
        self.enabled = config.enabled
        self.exempt = exempt
        self.header_style = config.headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not self.enabled
            or scope["path"] in self.exempt_paths
            or (self.exempt is not None and await self.exempt(scope))
        ):
            await self.app(scope, receive, send)
            return
        limiter = self.limiter
        decision = limiter.begin(self.identify(scope), scope["path"])
        if not isinstance(decision, Decision):
            decision = await limiter.complete(decision)
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["rate_limit"] = decision
        if not decision.allowed:
            await _refuse(decision, send, self.header_style)
            return
        style = self.header_style
        if style == "none":
            await self.app(scope, receive, send)
            return
        headers = decision.headers(style)
        routed: list[Decision] = []  # the decisions of route limits (`perfkit.ratelimit.routes`)
        state[ROUTE_DECISIONS] = routed

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent = message.get("headers", ())
                if routed:  # one set for the most restrictive of all: the routes' replaced
                    overall = combine(decision, routed)
                    drop = RATE_LIMIT_HEADERS if overall.allowed else _REFUSAL_HEADERS
                    sent = [h for h in sent if h[0] not in drop]
                    message["headers"] = [*sent, *overall.headers(style)]
                elif headers:
                    message["headers"] = [*sent, *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _refuse(decision: Decision, send: Send, style: HeaderStyle) -> None:
    binding = decision.binding
    body = orjson.dumps(
        {
            "error": "Too Many Requests",
            "message": decision.message or "Too many requests, please try again later.",
            "limiter": binding.policy.name if binding is not None else None,
            "retryAfter": decision.retry_after,
        }
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *decision.headers(style),
    ]
    if not any(name == b"retry-after" for name, _ in headers):
        headers.append((b"retry-after", str(max(1, decision.retry_after)).encode()))
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
