"""Limits on single routes: ``@limiter.limit("30/minute")`` and ``limiter.depends(...)``.

::

    @app.get("/search")
    @limiter.limit("30/minute", key="ip")           # a decorator: the endpoint takes
    async def search(request: Request, q: str): ... # a ``request: Request`` parameter

    @app.get("/me", dependencies=[Depends(limiter.depends("10/second", key="user"))])
    async def me(): ...                              # a FastAPI dependency

Each route limit is its own `Policy` (named after the function, or the route's path for a
dependency), decided by the same limiter, script and fallback as the middleware's. ``key``
says who is counted: ``"ip"`` (the client address, through the limiter's trusted proxies),
``"user"`` (Starlette's authenticated ``request.user``), ``"header:X-API-Key"`` (a header,
hashed in keys), or a function of the `Request` returning the key; where that gives
nothing (no user, no header), the client address is counted. A refusal raises Starlette's
``HTTPException(429)`` with ``Retry-After`` and the RateLimit headers, which Starlette and
FastAPI both answer without any handler installed. Every other response of a limited
route carries the RateLimit headers too (as the middleware's, one set): sent by
`RateLimitMiddleware` when it runs, else by the route limit itself (`send_headers`).
Bad rates, keys and endpoints fail when the route is declared.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from perfkit.errors import ConfigError
from perfkit.ratelimit.decision import RATE_LIMIT_HEADERS, Decision, combine
from perfkit.ratelimit.identity import IdentityResolver, identity_key
from perfkit.ratelimit.policy import Policy
from perfkit.ratelimit.rates import parse

if TYPE_CHECKING:
    from perfkit.ratelimit.limiter import AsyncRateLimiter

P = ParamSpec("P")
T = TypeVar("T")
KeySpec = str | Callable[[Request], str | None]
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
ROUTE_DECISIONS = "route_rate_limits"
"""Key in the request's ``scope["state"]``: `RateLimitMiddleware` puts a list there and
the route limits of the request append their decisions to it."""
_OWN_DECISIONS = "route_rate_limits_unsent"  # without the middleware: the routes' own list


def _key_function(spec: KeySpec, by_address: IdentityResolver) -> Callable[[Request], str]:
    """``request -> identity`` for a ``key=`` spec; the client address when it gives none."""
    custom: Callable[[Request], str | None]
    if callable(spec):
        custom = spec
    elif spec == "ip":
        return lambda request: by_address(request.scope)
    elif spec == "user":
        custom = _user
    elif spec.startswith("header:") and len(spec) > len("header:"):
        name = spec.removeprefix("header:").lower()
        custom = lambda request: _hashed_header(request, name)  # noqa: E731
    else:
        raise ConfigError(
            f"rate limit key {spec!r} must be 'ip', 'user', 'header:<Name>' or a function "
            "of the request"
        )

    def identify(request: Request) -> str:
        found = custom(request)
        return identity_key(found) if found else by_address(request.scope)

    return identify


def _user(request: Request) -> str | None:
    user = request.scope.get("user")  # set by Starlette's AuthenticationMiddleware
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return "user:" + str(getattr(user, "identity", None) or user.display_name)


def _hashed_header(request: Request, name: str) -> str | None:
    value = request.headers.get(name)
    if not value:
        return None
    return "key:" + hashlib.blake2b(value.encode(), digest_size=12).hexdigest()


def policy_name(text: str) -> str:
    """A policy name for a function or a route path: safe characters, at most 40, and a
    digest of the whole text when it had to be changed (so two routes never share one)."""
    cleaned = _UNSAFE.sub("-", text).strip("-") or "route"
    if cleaned == text and len(text) <= 40:
        return text
    digest = hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
    return f"{cleaned[:31]}-{digest}"


class RouteLimit:
    """One rate for routes; `decorate` an endpoint or `check` a request (a dependency)."""

    def __init__(
        self, limiter: AsyncRateLimiter, rate: str, *, key: KeySpec = "ip", name: str = ""
    ) -> None:
        self.limiter = limiter
        self.rate = parse(rate)
        config = limiter.config
        by_address = IdentityResolver(config.trusted_proxies, ipv6_prefix=config.ipv6_prefix,
                                      hash_identities=config.hash_identities)  # fmt: skip
        self.identify = _key_function(key, by_address)
        self.name = name
        self._policies: dict[str, tuple[Policy, ...]] = {}

    def policies(self, name: str) -> tuple[Policy, ...]:
        found = self._policies.get(name)
        if found is None:
            found = self._policies[name] = (self.rate.policy(policy_name(self.name or name)),)
        return found

    async def check(self, request: Request, name: str = "") -> Decision:
        """Count ``request``; `HTTPException` 429 when over the rate. The decision is kept
        in the request's state for the headers (`send_headers`, or the middleware's)."""
        if not name:
            route = request.scope.get("route")
            name = getattr(route, "path", None) or request.url.path
        limiter = self.limiter
        started = limiter.begin(self.identify(request), "/", self.policies(name))
        decision = started if isinstance(started, Decision) else await limiter.complete(started)
        state = request.scope.setdefault("state", {})
        routed = state.get(ROUTE_DECISIONS)
        if routed is None:  # no middleware: the routes' own list, for `headers_to_send`
            routed = state.setdefault(_OWN_DECISIONS, [])
        routed.append(decision)
        if not decision.allowed:
            style = limiter.config.headers
            headers = {k.decode(): v.decode() for k, v in decision.headers(style)}
            headers.setdefault("retry-after", str(max(1, decision.retry_after)))
            raise HTTPException(429, decision.message or "Too many requests", headers=headers)
        return decision

    def send_headers(self, request: Request, response: Response) -> None:
        """Puts the RateLimit headers on ``response`` when no `RateLimitMiddleware` will
        (it sends one set per response for the most restrictive of its own and the
        routes' decisions): one set, for the most restrictive route limit of the request
        so far (a second limit on the route replaces the first's set)."""
        own: list[Decision] = request.scope["state"].get(_OWN_DECISIONS, [])
        if not own:
            return
        style = self.limiter.config.headers
        if len(own) == 1:  # the common case: nothing to combine, no earlier set
            response.raw_headers.extend(own[0].headers(style))
            return
        kept = [h for h in response.raw_headers if h[0] not in RATE_LIMIT_HEADERS]
        response.raw_headers[:] = [*kept, *combine(own[0], own[1:]).headers(style)]

    def decorate(self, func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """The endpoint, counting each call; it must take a ``Request`` parameter. Its
        response carries the RateLimit headers: a `Response` it returns gets them, and for
        a value FastAPI serialises, FastAPI's own ``Response`` parameter (added to the
        signature FastAPI reads, unless the endpoint already has one) carries them."""
        parameter = _request_parameter(func)
        name = self.name or f"{func.__module__}.{func.__qualname__}"
        self.policies(name)  # the name is checked now
        signature, response_parameter = _with_response_parameter(func)

        @functools.wraps(func)
        async def limited(*args: P.args, **kwargs: P.kwargs) -> T:
            request = kwargs.get(parameter)
            if not isinstance(request, Request):
                request = next(a for a in args if isinstance(a, Request))
            await self.check(request, name)
            if response_parameter == _ADDED_RESPONSE:
                sub_response = kwargs.pop(_ADDED_RESPONSE, None)
            else:
                sub_response = kwargs.get(response_parameter)
            result = await func(*args, **kwargs)
            target = result if isinstance(result, Response) else sub_response
            if isinstance(target, Response):
                self.send_headers(request, target)
            return result

        limited.__signature__ = signature  # type: ignore[attr-defined]
        return limited

    def dependency(self) -> Callable[[Request, Response], Awaitable[None]]:
        """An async callable for ``Depends(...)``; FastAPI's ``Response`` parameter carries
        the RateLimit headers to a response FastAPI builds from the endpoint's value."""

        async def rate_limit(request: Request, response: Response) -> None:
            await self.check(request)
            self.send_headers(request, response)

        return rate_limit


_ADDED_RESPONSE = "perfkit_rate_limit_response"


def _with_response_parameter(func: Callable[..., Any]) -> tuple[inspect.Signature, str]:
    """``func``'s signature with a `Response` parameter FastAPI fills in, and its name:
    the endpoint's own when it has one, else an added keyword-only one (default None, so a
    Starlette route calling ``endpoint(request)`` works unchanged)."""
    signature = inspect.signature(func)
    parameters = list(signature.parameters.values())
    for parameter in parameters:
        if parameter.annotation in (Response, "Response"):
            return signature, parameter.name
    added = inspect.Parameter(
        _ADDED_RESPONSE, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Response
    )
    at = len(parameters)
    if parameters and parameters[-1].kind is inspect.Parameter.VAR_KEYWORD:
        at -= 1
    parameters.insert(at, added)
    return signature.replace(parameters=parameters), _ADDED_RESPONSE


def _request_parameter(func: Callable[..., Any]) -> str:
    """The name of ``func``'s `Request` parameter; `ConfigError` when it has none."""
    if not inspect.iscoroutinefunction(func):
        raise ConfigError(f"@limiter.limit: {func.__qualname__} must be an async def endpoint")
    parameters = inspect.signature(func).parameters
    for parameter in parameters.values():
        if parameter.annotation in (Request, "Request") or parameter.name == "request":
            return parameter.name
    raise ConfigError(
        f"@limiter.limit: {func.__qualname__} needs a `request: Request` parameter "
        "(or use Depends(limiter.depends(...)))"
    )
