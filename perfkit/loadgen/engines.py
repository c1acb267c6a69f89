"""The HTTP engines under the runner: what actually sends the bytes.

Users configure requests with httpx's vocabulary (`HttpOptions`: headers, basic auth, TLS
verification, event hooks); the engine is picked by measurement (README, "bench
loadgen"): on one core against a trivial app, aiohttp directly sends several times more
requests per second than httpx over the `httpx-aiohttp` transport, which in turn beats
httpx's own pool (its pool scans every connection per request, encode/httpx#3215). A
generator that saturates its core reports its own queueing as server latency, so
``aiohttp`` is the default and ``httpx-aiohttp`` the engine that honours everything httpx
offers (event hooks, custom auth flows); a run records which one it used.

An engine's `send` returns the status code, or raises `TransportFailure` with the error
class (timeout, connect, protocol): the only place aiohttp and httpx errors are caught.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from perfkit.errors import InputError

ENGINES = ("aiohttp", "httpx-aiohttp", "httpx")
#: load generators outside this process (`perfkit.loadgen.generators`), picked the same way
EXTERNAL_ENGINES = ("k6", "locust")
DEFAULT_ENGINE = "aiohttp"


class TransportFailure(Exception):
    """No HTTP response: `error_class` is "timeout", "connect" or "protocol"."""

    def __init__(self, error_class: str, detail: str) -> None:
        super().__init__(detail)
        self.error_class = error_class


@dataclass(frozen=True)
class HttpOptions:
    """Request options in httpx terms, applied by every engine.

    `event_hooks` and any `auth` other than `httpx.BasicAuth` need the httpx engines.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    auth: httpx.Auth | None = None
    verify: bool | ssl.SSLContext = True
    timeout_s: float = 10.0
    event_hooks: Mapping[str, list[Callable[..., Any]]] = field(default_factory=dict)

    def check_engine(self, engine: str) -> None:
        if engine not in ENGINES:
            raise InputError(f"unknown engine {engine!r} (use one of: {', '.join(ENGINES)})")
        needs_httpx = bool(self.event_hooks) or (
            self.auth is not None and not isinstance(self.auth, httpx.BasicAuth)
        )
        if engine == "aiohttp" and needs_httpx:
            raise InputError("event hooks or custom auth need --engine httpx-aiohttp")


class Engine(Protocol):
    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> int: ...

    async def aclose(self) -> None: ...


class AiohttpEngine:
    """aiohttp's client session, with httpx options translated once."""

    def __init__(self, options: HttpOptions, connections: int) -> None:
        headers = dict(options.headers)
        if isinstance(options.auth, httpx.BasicAuth):
            # httpx keeps the encoded "Basic ..." value here; sent as-is on every request
            headers["Authorization"] = options.auth._auth_header
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections, ssl=options.verify),
            timeout=aiohttp.ClientTimeout(total=options.timeout_s),
            headers=headers,
        )

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> int:
        try:
            async with self._session.request(method, url, headers=headers, data=body) as resp:
                await resp.read()
                return resp.status
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise TransportFailure("timeout", str(exc) or "timed out") from None
        except aiohttp.ClientConnectorError as exc:
            raise TransportFailure("connect", str(exc)) from None
        except aiohttp.ClientError as exc:
            raise TransportFailure("protocol", str(exc) or type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._session.close()


class HttpxEngine:
    """httpx's AsyncClient, over the aiohttp transport or httpx's own pool."""

    def __init__(self, options: HttpOptions, connections: int, use_aiohttp: bool) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        transport: httpx.AsyncBaseTransport = (
            AiohttpTransport(verify=options.verify, limits=limits)
            if use_aiohttp
            else httpx.AsyncHTTPTransport(verify=options.verify, limits=limits)
        )
        self._client = httpx.AsyncClient(
            headers=dict(options.headers),
            auth=options.auth,
            verify=options.verify,
            timeout=options.timeout_s,
            limits=limits,
            event_hooks={k: list(v) for k, v in options.event_hooks.items()},
            transport=transport,
        )

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> int:
        try:
            response = await self._client.request(method, url, headers=headers, content=body)
            return response.status_code
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise TransportFailure("timeout", str(exc) or "timed out") from None
        except httpx.ConnectError as exc:
            raise TransportFailure("connect", str(exc)) from None
        except httpx.TransportError as exc:
            raise TransportFailure("protocol", str(exc) or type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._client.aclose()


def open_engine(name: str, options: HttpOptions, connections: int) -> Engine:
    """A new engine; call inside the event loop that will use it, `aclose()` when done."""
    options.check_engine(name)
    if name == "aiohttp":
        return AiohttpEngine(options, connections)
    return HttpxEngine(options, connections, use_aiohttp=name == "httpx-aiohttp")


def classify_status(status: int, expected: frozenset[int]) -> str | None:
    """The error class of an HTTP status, or None when it is one the endpoint expects."""
    if status in expected:
        return None
    if status == 429:
        return "429"
    if 400 <= status < 500:
        return "4xx"
    if status >= 500:
        return "5xx"
    return "unexpected"
