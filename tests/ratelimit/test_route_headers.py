"""Route limits send the RateLimit headers on every response of a limited route, as the
middleware does (names and format of its draft-6 style), not only on 429: for the
decorator on an endpoint returning a value or a `Response`, and for the dependency. Over
real HTTP (uvicorn on loopback) on the session's Redis, with perfkit's middleware
installed (one set per response, the most restrictive of the middleware's policy and
the route's) and without any middleware (the route's own)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from perfkit.connection import RedisTarget
from perfkit.serving import serve_process

REPO = Path(__file__).resolve().parents[2]
NAMES = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


@pytest.fixture(params=["perfkit", "bare"])
def served(
    request: pytest.FixtureRequest, redis_target: RedisTarget, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    stack: str = request.param
    env = {**os.environ, "REDIS_URL": redis_target.url, "ROUTE_LIMITS_STACK": stack,
           "REDIS_KEY_PREFIX": f"route-headers-{uuid.uuid4().hex[:8]}:",
           "PERFKIT_SLOW_LOG_PATH": str(tmp_path / "slow.log")}  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(REPO), "--host", "127.0.0.1",
               "--port", "{port}", "--log-level", "warning", "--factory",
               "tests.ratelimit.route_limits_app:create_app"]  # fmt: skip
    with serve_process(command, name="the route limits app", ready_path="/metrics",
                       env=env) as server:  # fmt: skip
        yield stack, server.url


def _limits(response: httpx.Response) -> tuple[int, str, str, int, str]:
    """(status, limit, remaining, reset, policy); exactly one of each header."""
    for name in NAMES:
        assert len(response.headers.get_list(name)) == 1, (name, response.headers)
    h = response.headers
    reset = int(h["ratelimit-reset"])
    assert 0 <= reset <= 60
    return (response.status_code, h["ratelimit-limit"], h["ratelimit-remaining"], reset,
            h["ratelimit-policy"])  # fmt: skip


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/search", {}), ("/page", {}), ("/me", {"x-api-key": "a"})],
    ids=["decorator-value", "decorator-response", "dependency"],
)
def test_every_response_of_a_limited_route_carries_its_limit(
    served: tuple[str, str], path: str, headers: dict[str, str]
) -> None:
    _, url = served
    with httpx.Client(base_url=url, headers=headers) as client:
        responses = [client.get(path) for _ in range(4)]
    seen = [_limits(r) for r in responses]
    assert [(s, limit, left, policy) for s, limit, left, _, policy in seen] == [
        (200, "3", "2", "3;w=60"), (200, "3", "1", "3;w=60"), (200, "3", "0", "3;w=60"),
        (429, "3", "0", "3;w=60"),
    ]  # fmt: skip
    assert all("retry-after" not in r.headers for r in responses[:3])
    assert responses[3].headers.get_list("retry-after") == [responses[3].headers["retry-after"]]
    assert 1 <= int(responses[3].headers["retry-after"]) <= 60


def test_the_most_restrictive_of_middleware_and_route_is_sent(served: tuple[str, str]) -> None:
    stack, url = served
    with httpx.Client(base_url=url) as client:
        spent = [client.get("/search").status_code for _ in range(2)]
        roomy = _limits(client.get("/roomy"))
    assert spent == [200, 200]
    if stack == "perfkit":  # the middleware's 10/minute has 7 left, the route's 100 has 99
        assert roomy[:3] + roomy[4:] == (200, "10", "7", "10;w=60")
    else:
        assert roomy[:3] + roomy[4:] == (200, "100", "99", "100;w=60")


def test_an_endpoints_own_retry_after_is_kept_when_the_limits_allow(
    served: tuple[str, str],
) -> None:
    stack, url = served
    busy = httpx.get(url + "/busy")
    assert busy.status_code == 503 and busy.headers.get_list("retry-after") == ["30"]
    assert _limits(busy)[1:3] == (("10", "9") if stack == "perfkit" else ("100", "99"))


def test_two_limits_on_one_route_send_one_set(served: tuple[str, str]) -> None:
    _, url = served
    with httpx.Client(base_url=url) as client:
        seen = [_limits(client.get("/double")) for _ in range(4)]
    assert [(s, limit, left) for s, limit, left, _, _ in seen] == [
        (200, "3", "2"), (200, "3", "1"), (200, "3", "0"), (429, "3", "0")]  # fmt: skip
