"""Any failure of the asyncio sender answers every waiting decision by ``on_redis_error``.

The failure injected is the one redis-py 5.0-5.2 caused: its pool's ``get_connection``
required a command name, so the fast path raised ``TypeError`` (not a Redis error) and,
before the fix, every request through the middleware waited forever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from perfkit.connection import Keyspace, RedisTarget, async_client
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, Policy, PolicySet, wire

EXPECTED = {"fallback": "memory", "open": "fail_open", "closed": "fail_closed"}


async def _broken_exchange(self: Any, commands: list[bytes]) -> list[Any]:
    raise TypeError("get_connection() missing 1 required positional argument: 'command_name'")


@pytest.mark.anyio
@pytest.mark.parametrize("pipelining", [True, False])
@pytest.mark.parametrize("mode", ["fallback", "open", "closed"])
async def test_an_unexpected_error_resolves_every_pending_decision(
    redis_target: RedisTarget,
    keyspace: Keyspace,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    pipelining: bool,
) -> None:
    config = LimiterConfig(policies=PolicySet([Policy("p", 3, 60.0)]), local_cache=False,
                           on_redis_error=mode, pipelining=pipelining)  # type: ignore[arg-type]  # fmt: skip
    limiter = AsyncRateLimiter(async_client(redis_target), config, keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    monkeypatch.setattr(wire.AsyncConnections, "exchange", _broken_exchange)
    try:
        decisions = await asyncio.wait_for(
            asyncio.gather(*(limiter.hit("caller") for _ in range(20))), timeout=10
        )
    finally:
        await limiter.aclose()
    assert {d.backend for d in decisions} == {EXPECTED[mode]}
    if mode == "fallback":  # the in-process limiter still enforces the policy
        assert sum(d.allowed for d in decisions) == 3
    assert limiter.stats()["redis"]["errors"] >= 1
