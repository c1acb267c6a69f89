"""Bad declarations fail where they are written, in one line, never at a request: rate
strings, route limits without a request, unknown key specs, cache key templates naming an
argument the function lacks, TTL strings; and `perfkit init --from-openapi` refuses a
document that is not OpenAPI (exit 2, nothing written). Good ones are checked too."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from perfkit.cache import RedisCache
from perfkit.cache.decorator import template_key
from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.durations import parse_duration
from perfkit.errors import ConfigError
from perfkit.ratelimit import AsyncRateLimiter
from perfkit.ratelimit.routes import policy_name

pytestmark = pytest.mark.anyio


@pytest.fixture
async def parts(redis_target: RedisTarget) -> AsyncIterator[tuple[AsyncRateLimiter, RedisCache]]:
    client = async_client(redis_target)  # connects lazily: nothing here talks to Redis
    yield AsyncRateLimiter(client), RedisCache(client, Keyspace("pktest-face:"))
    await client.aclose()


@pytest.mark.parametrize(
    ("rate", "problem"),
    [("30/minutes", "plural unit needs a count"), ("0/s", "at least 1 request, not 0"),
     ("-1/h", "at least 1 request, not -1")],
)  # fmt: skip
async def test_a_bad_rate_fails_at_the_decorator(
    parts: tuple[AsyncRateLimiter, RedisCache], rate: str, problem: str
) -> None:
    limiter, _ = parts
    with pytest.raises(ConfigError, match=problem):

        @limiter.limit(rate)
        async def endpoint(request: Request) -> None: ...

    with pytest.raises(ConfigError, match=problem):
        limiter.depends(rate)


async def test_a_route_limit_needs_an_async_endpoint_with_a_request_and_a_known_key(
    parts: tuple[AsyncRateLimiter, RedisCache],
) -> None:
    limiter, _ = parts
    with pytest.raises(ConfigError, match="needs a `request: Request` parameter"):

        @limiter.limit("5/second")
        async def no_request(q: str) -> None: ...

    with pytest.raises(ConfigError, match="must be an async def"):
        limiter.limit("5/second")(lambda request: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigError, match="must be 'ip', 'user', 'header:<Name>'"):
        limiter.depends("5/second", key="cookie")


def test_policy_names_of_routes_are_safe_and_distinct() -> None:
    assert policy_name("search") == "search"
    long = policy_name("/items/{item_id}/reviews/{review_id}/comments")
    assert len(long) <= 40 and long != policy_name("/items/{item_id}/reviews/{review_id}/comment")
    assert policy_name("/a.b") != policy_name("/a-b")


async def test_a_key_template_naming_a_missing_argument_fails_at_decoration(
    parts: tuple[AsyncRateLimiter, RedisCache],
) -> None:
    _, cache = parts
    with pytest.raises(ConfigError, match=r"names 'uid', which user\(user_id\) does not take"):

        @cache.cached(ttl="5m", key="user:{uid}")
        async def user(user_id: int) -> dict[str, int]:
            return {"id": user_id}

    async def profile(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    with pytest.raises(ConfigError, match="name a parameter in every field"):
        cache.cached(key="user:{}")(profile)


def test_a_key_template_fills_arguments_with_defaults_and_attributes() -> None:
    def page(user_id: int, number: int = 1, *, sort: str = "new") -> None: ...

    key = template_key(page, "user:{user_id}:page:{number:03d}:{sort}")
    assert key(7) == "user:7:page:001:new"
    assert key(7, 12, sort="old") == "user:7:page:012:old"


@pytest.mark.parametrize(
    ("text", "seconds"), [("5m", 300), ("90s", 90), ("1 hour", 3600), ("2 days", 172800), (30, 30)]
)
def test_ttl_strings(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "problem"),
    [("5 fortnights", "unknown unit"), ("0s", "more than 0"), ("soon", "not a duration")],
)
def test_bad_ttl_strings_fail_when_declared(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_duration(text, "cache ttl")


@pytest.mark.parametrize(
    ("content", "problem"),
    [('{"swagger": "2.0", "paths": {}}', "Swagger 2, not 3"),
     ('{"name": "not an api"}', "no 'openapi: 3.x' field"),
     ('{"openapi": "3.1.0"}', "no 'paths' object"), ("<html></html>", "is not JSON")],
)  # fmt: skip
def test_init_refuses_a_document_that_is_not_openapi(
    tmp_path: Path, content: str, problem: str
) -> None:
    document = tmp_path / "api.json"
    document.write_text(content)
    project = tmp_path / "project"
    project.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "perfkit", "init", "--from-openapi", str(document)],
        cwd=project, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and problem in result.stderr
    assert list(project.iterdir()) == []


def test_plain_init_writes_an_empty_commented_scenario_that_says_what_to_do(
    tmp_path: Path,
) -> None:
    made = subprocess.run([sys.executable, "-m", "perfkit", "init"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert made.returncode == 0, made.stderr
    scenario = (tmp_path / "performance" / "scenario.toml").read_text()
    assert "[[endpoints]]" not in scenario.replace("#   [[endpoints]]", "")
    assert "EchoTune" not in scenario and "/api/chat" not in scenario
    smoke = subprocess.run([sys.executable, "-m", "perfkit", "smoke", "--target",
                            "http://127.0.0.1:9"], cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert smoke.returncode == 2
    assert "no endpoints yet" in smoke.stderr and "--from-openapi" in smoke.stderr


class HeaderUser(AuthenticationBackend):
    """Starlette authentication from an ``x-user`` header (a stand-in for a real login)."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, SimpleUser] | None:
        name = conn.headers.get("x-user")
        return (AuthCredentials(["authenticated"]), SimpleUser(name)) if name else None


async def test_a_route_limited_per_user_counts_each_user_and_falls_back_to_the_address(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    client = async_client(redis_target)
    limiter = AsyncRateLimiter(client, keyspace=keyspace)

    @limiter.limit("2/minute", key="user")
    async def me(request: Request) -> Response:
        return JSONResponse({"ok": True})

    login = Middleware(AuthenticationMiddleware, backend=HeaderUser())
    app = Starlette(routes=[Route("/me", me)], middleware=[login])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        ann = [(await http.get("/me", headers={"x-user": "ann"})).status_code for _ in range(3)]
        bob = (await http.get("/me", headers={"x-user": "bob"})).status_code
        anonymous = [(await http.get("/me")).status_code for _ in range(3)]
        refused = await http.get("/me", headers={"x-user": "ann"})
    await limiter.aclose()
    await client.aclose()
    assert (ann, bob, anonymous) == ([200, 200, 429], 200, [200, 200, 429])
    assert int(refused.headers["retry-after"]) >= 1 and refused.headers["ratelimit-limit"] == "2"


def test_init_from_an_unreachable_openapi_url_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "perfkit", "init", "--from-openapi", "http://127.0.0.1:9/openapi.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "cannot read the OpenAPI document http://127.0.0.1:9/openapi.json" in result.stderr
    assert list(tmp_path.iterdir()) == []
