"""Headers, 429 bodies and identity through a real HTTP round trip (uvicorn on loopback)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from perfkit.connection import RedisTarget
from perfkit.ratelimit import LimiterConfig, Policy, PolicySet

from .conftest import LiveServer, clear_of_window_edge

Start = Callable[[RedisTarget, LimiterConfig], LiveServer]
RATE_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


def _policies(**overrides: object) -> LimiterConfig:
    """Global 100/15 min (GCRA) and chat 3/min (sliding window: the caller's test starts
    at least 10 s before the next minute, so its requests all fall in one window)."""
    clear_of_window_edge(60.0, needed=10.0)
    policies = PolicySet([
        Policy("global", 100, 900.0),
        Policy("chat", 3, 60.0, "sliding_window", ("/api/chat",),
               message="Too many chat requests, please slow down."),
    ])  # fmt: skip
    return LimiterConfig(**{"policies": policies, **overrides})  # type: ignore[arg-type]


def test_headers_of_the_most_restrictive_limit_and_a_429_body(
    live_server: Start, redis_target: RedisTarget
) -> None:
    server = live_server(redis_target, _policies())
    with httpx.Client(base_url=server.url, timeout=30) as client:
        ok = [client.get("/api/chat") for _ in range(3)]
        refused = client.get("/api/chat")
        other = client.get("/api/other")
    for number, response in enumerate(ok):
        assert response.status_code == 200
        for name in RATE_HEADERS:  # one set of headers, for chat (3/min), not global
            assert len(response.headers.get_list(name)) == 1
        assert response.headers["ratelimit-limit"] == "3"
        assert response.headers["ratelimit-remaining"] == str(2 - number)
        assert response.headers["ratelimit-policy"] == "3;w=60"
        assert "retry-after" not in response.headers
    assert refused.status_code == 429
    assert refused.json()["message"] == "Too many chat requests, please slow down."
    assert refused.json()["limiter"] == "chat"
    assert refused.headers["content-type"] == "application/json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit-remaining"] == "0"
    assert other.status_code == 200
    assert other.headers["ratelimit-limit"] == "100"
    assert other.headers["ratelimit-remaining"] == "96"  # 3 chat requests + this one served


def test_the_structured_draft_8_headers_and_none(
    live_server: Start, redis_target: RedisTarget
) -> None:
    """``headers="draft-8"``: the two structured fields of the current IETF draft instead
    of the four; ``"none"``: no RateLimit headers; a 429 has Retry-After either way."""
    server = live_server(redis_target, _policies(headers="draft-8"))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        ok = [client.get("/api/chat") for _ in range(3)]
        refused = client.get("/api/chat")
    fields = [re.fullmatch(r'"chat";r=(\d+);t=(\d+)', r.headers["ratelimit"]) for r in ok]
    assert [int(f[1]) for f in fields if f] == [2, 1, 0]
    assert all(f and 0 < int(f[2]) <= 60 for f in fields)  # seconds to the window's reset
    assert ok[0].headers.get_list("ratelimit-policy") == ['"chat";q=3;w=60']
    assert not any(name in ok[0].headers for name in RATE_HEADERS[:3])
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit"].startswith('"chat";r=0;t=')
    config = _policies(headers="none", policies=PolicySet([Policy("solo", 1, 60.0)]))
    server = live_server(redis_target, config)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        first, second = client.get("/"), client.get("/")
    assert first.status_code == 200 and second.status_code == 429
    assert not [name for name in first.headers if name.startswith("ratelimit")]
    assert not [name for name in second.headers if name.startswith("ratelimit")]
    assert int(second.headers["retry-after"]) >= 1


def test_exempt_paths_are_never_limited(live_server: Start, redis_target: RedisTarget) -> None:
    config = _policies(policies=PolicySet([Policy("global", 1, 900.0)]))
    server = live_server(redis_target, config)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        health = [client.get("/health") for _ in range(5)]
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 429
    assert {r.status_code for r in health} == {200}
    assert all("ratelimit-limit" not in r.headers for r in health)


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
    live_server: Start, redis_target: RedisTarget
) -> None:
    server = live_server(redis_target, _policies())  # no trusted proxies
    with httpx.Client(base_url=server.url, timeout=30) as client:
        statuses = [
            client.get("/api/chat", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(5)
        ]
    assert statuses == [200, 200, 200, 429, 429]


def test_forwarded_for_is_honoured_from_a_trusted_proxy(
    live_server: Start, redis_target: RedisTarget
) -> None:
    server = live_server(redis_target, _policies(trusted_proxies=("127.0.0.1/32",)))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        first = [
            client.get("/api/chat", headers={"X-Forwarded-For": "203.0.113.7"}) for _ in range(4)
        ]
        # the client forges a left-most entry; our proxy appended the real address
        forged = client.get("/api/chat", headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.7"})
        another = client.get("/api/chat", headers={"X-Forwarded-For": "203.0.113.8:5555"})
    assert [r.status_code for r in first] == [200, 200, 200, 429]
    assert forged.status_code == 429
    assert another.status_code == 200
    assert server.limiter.stats()["top_blocked"][0] == {"identity": "203.0.113.7", "blocked": 2}
