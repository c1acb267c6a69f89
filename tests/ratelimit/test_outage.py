"""Redis going away and coming back: fallback decisions, no 5xx, and recovery."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import httpx
import pytest

from perfkit.connection import Keyspace, RedisTarget, sync_client
from perfkit.embedded import EmbeddedServer
from perfkit.ratelimit import LimiterConfig, Policy, PolicySet, RateLimiter

from .conftest import LiveServer

Start = Callable[[RedisTarget, LimiterConfig], LiveServer]


@pytest.mark.anyio
async def test_redis_stopped_mid_load_falls_back_without_5xx_and_recovers(
    live_server: Start, private_server: EmbeddedServer
) -> None:
    config = LimiterConfig(policies=PolicySet([Policy("global", 1_000_000, 900.0)]),
                           retry_interval=0.2)  # fmt: skip
    server = live_server(private_server.target(), config)
    seen: list[tuple[str, int, str | None]] = []  # (phase, status, backend)
    phase = "before"

    async def worker(client: httpx.AsyncClient) -> None:
        while phase != "done":
            response = await client.get("/api/other")
            backend = response.json().get("backend") if response.status_code == 200 else None
            seen.append((phase, response.status_code, backend))

    async with (
        httpx.AsyncClient(base_url=server.url, timeout=5) as client,
        anyio.create_task_group() as tg,
    ):
        for _ in range(8):
            tg.start_soon(worker, client)
        await anyio.sleep(0.3)
        private_server.stop()
        phase = "outage"
        await anyio.sleep(0.7)
        private_server.start()  # same port, empty: the script must be loaded again
        phase = "after"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            recent = [b for p, _, b in seen[-20:] if p == "after"]
            if len(recent) == 20 and set(recent) == {"redis"}:
                break
            await anyio.sleep(0.05)
        phase = "done"

    assert {status for _, status, _ in seen} == {200}  # never a 5xx, never refused
    assert {b for p, _, b in seen if p == "before"} == {"redis"}
    assert "memory" in {b for p, _, b in seen if p == "outage"}
    assert [b for p, _, b in seen if p == "after"][-20:] == ["redis"] * 20
    stats = server.limiter.stats()
    assert stats["fallback_decisions"] > 0
    assert stats["redis"]["errors"] >= 1
    assert stats["backend"] == "redis"


def _limiter(server: EmbeddedServer, **config: object) -> RateLimiter:
    policies = PolicySet([Policy("p", 4, 60.0)])
    return RateLimiter(sync_client(server.target()),
                       LimiterConfig(**{"policies": policies, "retry_interval": 0.1, **config}),  # type: ignore[arg-type]
                       keyspace=Keyspace("t:"), owns_client=True)  # fmt: skip


def test_fallback_keeps_the_same_semantics_divided_by_instances(
    private_server: EmbeddedServer,
) -> None:
    limiter = _limiter(private_server, fallback_instances=2)
    try:
        assert limiter.hit("a").backend == "redis"
        private_server.stop()
        decisions = [limiter.hit("a") for _ in range(4)]
    finally:
        limiter.close()
    assert [d.backend for d in decisions] == ["memory", "memory", "memory", "local"]
    assert [d.allowed for d in decisions] == [True, True, False, False]  # 4 / 2 instances
    assert decisions[0].outcomes[0].remaining == 1


@pytest.mark.parametrize(("mode", "allowed"), [("open", True), ("closed", False)])
def test_fail_open_and_fail_closed(
    private_server: EmbeddedServer, mode: str, allowed: bool
) -> None:
    limiter = _limiter(private_server, on_redis_error=mode, local_cache=False)
    private_server.stop()
    try:
        decision = limiter.hit("a")
    finally:
        limiter.close()
    assert decision.backend == f"fail_{mode}"
    assert decision.allowed is allowed
    assert limiter.stats()["fallback_decisions"] == 1


def test_background_probe_switches_back_to_redis(private_server: EmbeddedServer) -> None:
    limiter = _limiter(private_server)
    try:
        private_server.stop()
        assert limiter.hit("a").backend == "memory"
        breaker = limiter.core.breaker
        assert breaker.state == "open"
        private_server.start()
        deadline = time.monotonic() + 5
        while str(breaker.state) != "closed" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert str(breaker.state) == "closed"  # closed by the probe, no request needed
        assert limiter.hit("a").backend == "redis"
    finally:
        limiter.close()
