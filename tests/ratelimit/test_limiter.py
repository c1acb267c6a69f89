"""The limiter end to end on Redis: window resets, the local over-limit cache, shadow
mode, stats and counters, custom limiters, NOSCRIPT after SCRIPT FLUSH."""

from __future__ import annotations

import time

import pytest

from perfkit.connection import Keyspace, SyncClient
from perfkit.ratelimit import LimiterConfig, Policy, PolicySet, RateLimiter
from perfkit.ratelimit.local_cache import OverLimitCache
from perfkit.ratelimit.stats import TopK

from .conftest import FakeClock


def _limiter(
    client: SyncClient, keyspace: Keyspace, *policies: Policy, **kw: object
) -> RateLimiter:
    config = LimiterConfig(**{"policies": PolicySet(policies), **kw})  # type: ignore[arg-type]
    return RateLimiter(client, config, keyspace=keyspace)


RESET_WINDOW = 0.6  # s; three requests per window, so GCRA refills one every 0.2 s


def _sleep_to_window(index: int) -> None:
    """Sleep to just after the start of window ``index`` (a multiple of RESET_WINDOW on the
    wall clock, which is the clock Redis's TIME reads on this machine: the sliding
    window's edges fall there)."""
    time.sleep(max(0.0, index * RESET_WINDOW + 0.005 - time.time()))


def _batch(limiter: RateLimiter, identity: str) -> tuple[list[bool], bool]:
    """Four hits, and whether they could be judged: all in one aligned window and within
    one GCRA interval of each other (a batch straddling an edge may rightly admit a fourth:
    the sliding counter weighs the previous window, GCRA refills, a fixed window expires)."""
    started = time.time()
    allowed = [limiter.hit(identity).allowed for _ in range(4)]
    ended = time.time()
    same_window = int(started // RESET_WINDOW) == int(ended // RESET_WINDOW)
    return allowed, same_window and ended - started < RESET_WINDOW / 3


@pytest.mark.parametrize("algorithm", ["fixed_window", "sliding_window", "gcra"])
def test_windows_reset(redis_client: SyncClient, keyspace: Keyspace, algorithm: str) -> None:
    """Three of four admitted, and three of four again once the window has passed.

    Each batch starts just after a window edge of the server's clock, so it never straddles
    one; a batch the machine slowed past an edge or a refill is not judged and the whole
    check runs again with a fresh caller (at most five times)."""
    limiter = _limiter(redis_client, keyspace, Policy("p", 3, RESET_WINDOW, algorithm),  # type: ignore[arg-type]
                       local_cache=False)  # fmt: skip
    for attempt in range(5):
        identity = f"caller-{attempt}"
        first_window = int(time.time() // RESET_WINDOW) + 1
        _sleep_to_window(first_window)
        first, judged = _batch(limiter, identity)
        if not judged:
            continue
        # two edges later: the sliding window's previous window is then empty, the fixed
        # window's key has expired and GCRA's theoretical arrival time has passed
        _sleep_to_window(first_window + 2)
        second, judged = _batch(limiter, identity)
        if not judged:
            continue
        assert first == second == [True, True, True, False]
        return
    pytest.skip("five batches in a row took longer than a GCRA interval: machine too loaded")


def test_keys_expire_and_the_default_uses_little_memory(
    redis_client: SyncClient, keyspace: Keyspace
) -> None:
    limiter = _limiter(redis_client, keyspace, Policy("p", 1000, 60.0))
    limiter.hit("198.51.100.23")
    (key,) = redis_client.keys(keyspace.pattern())
    assert 0 < redis_client.pttl(key) <= 61
    assert 0 < (redis_client.memory_usage(key) or 0) <= 100


def test_over_limit_callers_are_answered_locally(
    redis_client: SyncClient, keyspace: Keyspace
) -> None:
    limiter = _limiter(redis_client, keyspace, Policy("p", 2, 60.0))
    backends = [limiter.hit("a").backend for _ in range(5)]
    assert backends == ["redis", "redis", "redis", "local", "local"]
    assert limiter.hit("b").backend == "redis"  # other callers are unaffected
    local = limiter.hit("a")
    assert not local.allowed and local.retry_after >= 1
    assert limiter.counters()["p"]["blocked"] == 4


def test_local_cache_expires_with_the_wait() -> None:
    clock = FakeClock()
    cache = OverLimitCache(max_entries=2, clock=clock)
    cache.block("p", "a", 1.5)
    assert cache.blocked_for("p", "a") == 1.5
    clock.now += 1.5
    assert cache.blocked_for("p", "a") == 0
    for name in "bcd":
        cache.block("p", name, 10)
    assert len(cache) <= 2  # bounded


def test_shadow_policy_counts_without_refusing(
    redis_client: SyncClient, keyspace: Keyspace
) -> None:
    limiter = _limiter(redis_client, keyspace, Policy("dark", 2, 60.0, shadow=True),
                       Policy("lit", 100, 60.0))  # fmt: skip
    decisions = [limiter.hit("a") for _ in range(5)]
    assert all(d.allowed for d in decisions)
    counts = limiter.counters()
    assert counts["dark"] == {"allowed": 2, "near_limit": 1, "blocked": 0, "shadow": 3}
    assert counts["lit"]["allowed"] == 5
    assert decisions[-1].headers()[0] == (b"ratelimit-limit", b"100")  # shadow sends no headers


def test_stats_document(redis_client: SyncClient, keyspace: Keyspace) -> None:
    limiter = _limiter(redis_client, keyspace, Policy("p", 5, 60.0))
    for caller, times in (("noisy", 9), ("quiet", 6), ("fine", 2)):
        for _ in range(times):
            limiter.hit(caller)
    stats = limiter.stats()
    assert stats["limiters"]["p"] == {"allowed": 12, "near_limit": 4, "blocked": 5, "shadow": 0}
    assert stats["top_blocked"] == [{"identity": "noisy", "blocked": 4},
                                    {"identity": "quiet", "blocked": 1}]  # fmt: skip
    assert stats["decisions_by_backend"] == {"redis": 14, "local": 3}
    assert stats["backend"] == "redis" and stats["fallback_decisions"] == 0
    assert stats["config"]["policies"][0]["limit"] == 5


def test_top_k_stays_bounded_and_keeps_heavy_hitters() -> None:
    top = TopK(capacity=10)
    for i in range(1000):
        top.add(f"rare{i}")
        if i % 2 == 0:
            top.add("heavy")
    assert top.top(1)[0][0] == "heavy"
    assert len(top.top(100)) == 10


def test_custom_limiter_and_script_flush(redis_client: SyncClient, keyspace: Keyspace) -> None:
    limiter = _limiter(redis_client, keyspace, Policy("p", 100, 60.0))
    custom = Policy("custom", 1, 60.0, message="Custom rate limit message")
    assert limiter.hit("a", policies=[custom]).allowed
    redis_client.script_flush()  # as after a restart or failover: NOSCRIPT on the next call
    refused = limiter.hit("a", policies=[custom])
    assert (refused.allowed, refused.backend, refused.message) == (
        False, "redis", "Custom rate limit message")  # fmt: skip
    assert limiter.hit("a").allowed  # the path's own policies are separate


def test_a_callers_call_is_built_once_and_never_shared_with_another(
    redis_client: SyncClient, keyspace: Keyspace
) -> None:
    """The core memoises the script call of a (policies, identity) pair; another
    identity or a custom policy tuple gets its own keys."""
    limiter = _limiter(redis_client, keyspace, Policy("p", 5, 60.0),
                       Policy("q", 3, 60.0, prefixes=("/api",)))  # fmt: skip
    core = limiter.core
    chosen = core.config.policies.for_path("/api/x")
    first = core.call("a", chosen)
    assert core.call("a", chosen) is first
    assert first.keys == [keyspace.key("rl", "p", "g") + ":{a}",
                          keyspace.key("rl", "q", "g") + ":{a}"]  # fmt: skip
    assert core.call("b", chosen).keys == [k.replace("{a}", "{b}") for k in first.keys]
    custom = Policy("custom", 2, 60.0)
    assert core.call("a", (custom,)).keys == [keyspace.key("rl", "custom", "g") + ":{a}"]
    decisions = [limiter.hit("a", "/api/x") for _ in range(4)]  # the memoised call, in use
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [limiter.hit("b", "/api/x").allowed for _ in range(4)] == [True, True, True, False]
