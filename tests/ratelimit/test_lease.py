"""Lease mode: quota leased from Redis in slices, spent in-process, given back unused.

Exact mode stays the default. With several processes leasing from one Redis, the
requests admitted stay within the documented bound: the policy's allowance over the run,
give or take ``instances x slice``."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys

import pytest

from perfkit.config import Settings
from perfkit.connection import Keyspace, RedisTarget, async_client, sync_client
from perfkit.errors import ConfigError
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, Policy, PolicySet, RateLimiter
from perfkit.ratelimit.core import Call
from perfkit.ratelimit.decision import Decision
from perfkit.ratelimit.lease import lease_slice


def test_exact_mode_is_the_default_and_lease_mode_is_checked() -> None:
    assert LimiterConfig().mode == "exact"
    assert LimiterConfig.from_settings(Settings.from_env({})).mode == "exact"
    assert (
        LimiterConfig.from_settings(Settings.from_env({"PERFKIT_RATELIMIT_MODE": "lease"})).mode
        == "lease"
    )
    with pytest.raises(ConfigError, match="PERFKIT_RATELIMIT_MODE"):
        LimiterConfig.from_settings(Settings.from_env({"PERFKIT_RATELIMIT_MODE": "fast"}))
    with pytest.raises(ConfigError, match="GCRA"):
        LimiterConfig(policies=PolicySet([Policy("w", 5, 1.0, "fixed_window")]), mode="lease")
    with pytest.raises(ConfigError, match="asyncio"):
        RateLimiter(None, LimiterConfig(mode="lease"))  # type: ignore[arg-type]
    assert lease_slice(Policy("p", 1000, 60.0), 0.01) == 10
    assert lease_slice(Policy("p", 1000, 60.0, burst=4), 0.01) == 4
    assert lease_slice(Policy("p", 10, 60.0), 0.01) == 1


@pytest.mark.anyio
async def test_one_instance_admits_the_limit_mostly_locally_and_gives_back(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    policy = Policy("p", 40, 600.0)
    config = LimiterConfig(policies=PolicySet([policy]), mode="lease", lease_fraction=0.25)
    limiter = AsyncRateLimiter(async_client(redis_target), config, keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    first = await asyncio.gather(*(limiter.hit("caller") for _ in range(25)))
    stats = limiter.stats()
    lease = stats["lease"]
    assert lease["policies"]["p"] == {"slice": 10, "worst_case_over_admission": 10,
                                      "worst_case_early_refusals": 10}  # fmt: skip
    assert stats["config"]["mode"] == "lease"
    assert sum(d.allowed for d in first) == 25
    assert lease["leases"] == 3 and lease["local_decisions"] == 25
    assert {d.backend for d in first} == {"lease"}
    assert [d.outcomes[0].remaining for d in first][-1] == 15  # 40 - 25 left, as in exact
    await limiter.aclose()  # gives back the 5 leased and unspent
    assert limiter.stats()["lease"]["returned"] == 5
    exact = RateLimiter(sync_client(redis_target),
                        LimiterConfig(policies=PolicySet([policy])), keyspace=keyspace)  # fmt: skip
    rest = [exact.hit("caller") for _ in range(16)]
    assert [d.allowed for d in rest] == [True] * 15 + [False]  # 25 used: 15 left, exactly


@pytest.mark.anyio
async def test_begin_decides_from_live_leases_of_every_policy_without_io(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    """The middleware's hot path: `begin` answers from the leases of all the path's
    policies, or hands back the `Call` when one has none left (the whole request then
    goes to `complete`; nothing is spent from the others)."""
    small, big = Policy("small", 6, 600.0, prefixes=("/api",)), Policy("big", 100, 600.0)
    config = LimiterConfig(policies=PolicySet([big, small]), mode="lease", lease_fraction=0.5)
    limiter = AsyncRateLimiter(async_client(redis_target), config, keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    try:
        assert isinstance(limiter.begin("caller", "/api/x"), Call)  # no lease yet
        first = await limiter.hit("caller", "/api/x")  # leases 3 of small, 50 of big
        local = [limiter.begin("caller", "/api/x") for _ in range(3)]
        assert [type(d) for d in local] == [Decision, Decision, Call]  # small's lease spent
        assert isinstance(local[1], Decision)
        assert [(o.policy.name, o.remaining) for o in local[1].outcomes] == [
            ("big", 97), ("small", 3)]  # fmt: skip
        assert limiter.leases is not None and limiter.leases.book.held() == 47  # big's kept
        rest = [await limiter.hit("caller", "/api/x") for _ in range(4)]
    finally:
        await limiter.aclose()
    assert first.backend == "lease"
    assert [d.allowed for d in rest] == [True, True, True, False]  # 6 in all, exactly
    assert limiter.counters()["small"]["allowed"] == 6
    assert limiter.counters()["big"]["allowed"] == 6


@pytest.mark.anyio
async def test_a_shadow_policy_in_lease_mode_counts_and_refuses_nothing(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    config = LimiterConfig(policies=PolicySet([Policy("p", 4, 600.0, shadow=True)]),
                           mode="lease", lease_fraction=0.5)  # fmt: skip
    limiter = AsyncRateLimiter(async_client(redis_target), config, keyspace=keyspace,
                               owns_client=True)  # fmt: skip
    try:
        decisions = [await limiter.hit("caller") for _ in range(7)]
    finally:
        await limiter.aclose()
    assert all(d.allowed for d in decisions)
    assert limiter.counters()["p"]["shadow"] == 3  # the exact path decided those


CHILD = """
import asyncio, json, sys, time
from perfkit.connection import Keyspace, async_client, parse_redis_url
from perfkit.ratelimit import AsyncRateLimiter, LimiterConfig, Policy, PolicySet

url, prefix, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])

async def main():
    config = LimiterConfig(policies=PolicySet([Policy("p", 200, 60.0)]), mode="lease",
                           lease_fraction=0.05, local_cache=False)
    limiter = AsyncRateLimiter(async_client(parse_redis_url(url)), config,
                               keyspace=Keyspace(prefix), owns_client=True)
    await limiter.runner.ping()
    print("ready", flush=True)
    sys.stdin.readline()  # every process starts together, however slowly it got here
    end = time.monotonic() + seconds
    allowed = 0
    async def worker():
        nonlocal allowed
        while time.monotonic() < end:
            decision = await limiter.hit("shared")
            allowed += decision.allowed
            await asyncio.sleep(0)
    await asyncio.gather(*(worker() for _ in range(8)))
    await limiter.aclose()
    leased = limiter.backend_counters().get("lease", 0)
    print(json.dumps({"allowed": allowed, "from_leases": leased}))

asyncio.run(main())
"""


@pytest.mark.slow
def test_several_processes_stay_within_the_documented_bound(
    redis_target: RedisTarget, keyspace: Keyspace
) -> None:
    instances, limit, window, slice_ = 4, 200, 60.0, 10
    seconds = 1.5
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, redis_target.url, keyspace.prefix, str(seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(instances)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = []
    for child in children:
        out, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        reports.append(json.loads(out.splitlines()[-1]))
    refill = math.ceil((seconds + 2.0) * limit / window)  # the run, plus slack for the start
    total = sum(r["allowed"] for r in reports)
    # at most what exact mode allows plus instances x slice; at least that much less
    assert limit - instances * slice_ <= total <= limit + refill + instances * slice_
    assert total == sum(r["from_leases"] for r in reports)  # each admission spent a lease
