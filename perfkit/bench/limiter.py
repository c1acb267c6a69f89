"""`perfkit bench limiter`: decisions per second, side by side, on one server in one run.

Candidates: perfkit's three algorithms (asyncio: auto-pipelined), a raw EVALSHA of a
trivial one-key script through redis-py (the ceiling for one round trip per call), and
the `limits` library's moving window and sliding window counter with its redis-py storage.
Each runs for ``seconds`` against one key and against 10,000 keys, sync (one caller) and
asyncio (``tasks`` concurrent tasks). Every limit is large enough that all calls are
admitted: the admit path is what is measured. Also: refusals answered by the local
over-limit cache, and Redis bytes per limited key (MEMORY USAGE) at 1000/minute.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from limits import RateLimitItemPerMinute
from limits.aio import strategies as aio_strategies
from limits.aio.storage import RedisStorage as AsyncLimitsStorage
from limits.storage import RedisStorage as LimitsStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from perfkit.connection import Keyspace, RedisTarget, async_client, sync_client
from perfkit.errors import InputError
from perfkit.machine import describe_machine
from perfkit.ratelimit.limiter import AsyncRateLimiter, RateLimiter
from perfkit.ratelimit.policy import ALGORITHMS, Policy, PolicySet
from perfkit.ratelimit.settings import LimiterConfig

BIG = 10**9
KEY_COUNTS = (1, 10_000)
TRIVIAL = "return 1"
SyncCall = Callable[[int], object]
AsyncCall = Callable[[int], Awaitable[object]]


@dataclass
class BenchResult:
    rates: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> column -> /s
    local_over_limit: float = 0.0
    # perfkit gcra / raw EVALSHA on the sync per-call path, one ratio per interleaved round
    sync_ratios: list[float] = field(default_factory=list)
    memory_bytes: dict[str, int] = field(default_factory=dict)
    not_from_redis: int = 0  # perfkit decisions that did not come from Redis (must be 0)
    environment: dict[str, Any] = field(default_factory=dict)


def _sync_rate(call: SyncCall, seconds: float) -> float:
    n, start = 0, time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        for _ in range(50):
            call(n)
            n += 1
    return n / (time.perf_counter() - start)


async def _async_rate(call: AsyncCall, seconds: float, tasks: int) -> float:
    counts = [0] * tasks
    end = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        i = index
        while time.perf_counter() < end:
            await call(i)
            i += tasks
            counts[index] += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in range(tasks)))
    return sum(counts) / (time.perf_counter() - start)


def _ident(keys: int, tag: str) -> Callable[[int], str]:
    names = [f"{tag}{i}" for i in range(keys)]
    return lambda i: names[i % keys]


def _config(algorithm: str, limit: int = BIG, local: bool = False) -> LimiterConfig:
    policy = Policy(f"bench-{algorithm}", limit, 60.0, algorithm)  # type: ignore[arg-type]
    return LimiterConfig(policies=PolicySet([policy]), local_cache=local)


def _not_from_redis(limiters: list[RateLimiter] | list[AsyncRateLimiter]) -> int:
    return sum(n for lim in limiters for b, n in lim.backend_counters().items() if b != "redis")


def _sync_candidates(
    target: RedisTarget, keyspace: Keyspace, limiters: list[RateLimiter]
) -> dict[str, Callable[[str], object]]:
    """name -> a call taking the identity (every candidate decides one request)."""
    client = sync_client(target)
    sha = client.script_load(TRIVIAL)
    storage = LimitsStorage(target.url)
    item = RateLimitItemPerMinute(BIG)
    calls: dict[str, Callable[[str], object]] = {}
    for algorithm in ALGORITHMS:
        limiters.append(RateLimiter(client, _config(algorithm), keyspace=keyspace))
        calls[f"perfkit {algorithm}"] = limiters[-1].hit
    calls["raw EVALSHA (trivial)"] = lambda ident: client.evalsha(sha, 1, ident)
    moving, counter = MovingWindowRateLimiter(storage), SlidingWindowCounterRateLimiter(storage)
    calls["limits moving window"] = lambda ident: moving.hit(item, ident)
    calls["limits sliding window counter"] = lambda ident: counter.hit(item, ident)
    return calls


def _async_candidates(
    target: RedisTarget, keyspace: Keyspace, limiters: list[AsyncRateLimiter]
) -> dict[str, Callable[[str], Awaitable[object]]]:
    client = async_client(target)
    storage = AsyncLimitsStorage("async+" + target.url, implementation="redispy")
    item = RateLimitItemPerMinute(BIG)
    calls: dict[str, Callable[[str], Awaitable[object]]] = {}
    for algorithm in ALGORITHMS:
        limiters.append(AsyncRateLimiter(client, _config(algorithm), keyspace=keyspace))
        calls[f"perfkit {algorithm}"] = limiters[-1].hit
    unpipelined = LimiterConfig(policies=_config("gcra").policies, local_cache=False,
                                pipelining=False)  # fmt: skip
    limiters.append(AsyncRateLimiter(client, unpipelined, keyspace=keyspace))
    calls["perfkit gcra, no pipelining"] = limiters[-1].hit
    script = client.register_script(TRIVIAL)
    calls["raw EVALSHA (trivial)"] = lambda ident: script(keys=[ident])
    moving = aio_strategies.MovingWindowRateLimiter(storage)
    counter = aio_strategies.SlidingWindowCounterRateLimiter(storage)
    calls["limits moving window"] = lambda ident: moving.hit(item, ident)
    calls["limits sliding window counter"] = lambda ident: counter.hit(item, ident)
    return calls


def _column(mode: str, keys: int) -> str:
    return f"{mode}, {keys:,} key{'s' if keys > 1 else ''}"


def _sync_rates(
    target: RedisTarget, keyspace: Keyspace, seconds: float, result: BenchResult
) -> None:
    limiters: list[RateLimiter] = []
    for name, call in _sync_candidates(target, keyspace, limiters).items():
        for keys in KEY_COUNTS:
            ident = _ident(keys, f"s{keys}-")
            rate = _sync_rate(lambda i, c=call, f=ident: c(f(i)), seconds)  # type: ignore[misc]
            result.rates.setdefault(name, {})[_column("sync", keys)] = rate
    result.not_from_redis += _not_from_redis(limiters)


async def _async_rates(
    target: RedisTarget, keyspace: Keyspace, seconds: float, tasks: int, result: BenchResult
) -> None:
    limiters: list[AsyncRateLimiter] = []
    for name, call in _async_candidates(target, keyspace, limiters).items():
        for keys in KEY_COUNTS:
            ident = _ident(keys, f"a{keys}-")
            rate = await _async_rate(lambda i, c=call, f=ident: c(f(i)), seconds, tasks)  # type: ignore[misc]
            result.rates.setdefault(name, {})[_column(f"asyncio x{tasks}", keys)] = rate
    result.not_from_redis += _not_from_redis(limiters)


def _local_rate(target: RedisTarget, keyspace: Keyspace, seconds: float) -> float:
    """Refusals of an over-limit caller, answered by the local cache."""
    client = sync_client(target)
    limiter = RateLimiter(client, _config("gcra", limit=1, local=True), keyspace=keyspace)
    limiter.hit("abuser")
    rate = _sync_rate(lambda _: limiter.hit("abuser"), seconds)
    client.close()
    return rate


def _memory(target: RedisTarget, keyspace: Keyspace) -> dict[str, int]:
    """Redis bytes per key after 1000 requests at 1000/minute (a full window)."""
    client = sync_client(target)
    found: dict[str, int] = {}
    try:
        for algorithm in ALGORITHMS:
            limiter = RateLimiter(client, _config(algorithm, limit=1000), keyspace=keyspace)
            for _ in range(1000):
                limiter.hit(f"mem-{algorithm}")
            found[f"perfkit {algorithm}"] = _usage(client, f"*mem-{algorithm}*")
        storage = LimitsStorage(target.url)
        item = RateLimitItemPerMinute(1000)
        strategies = {
            "moving window": MovingWindowRateLimiter(storage),
            "sliding window counter": SlidingWindowCounterRateLimiter(storage),
        }
        for name, strategy in strategies.items():
            ident = f"mem-{uuid.uuid4().hex[:8]}"
            for _ in range(1000):
                strategy.hit(item, ident)
            found[f"limits {name}"] = _usage(client, f"*{ident}*")
    finally:
        client.close()
    return found


def _usage(client: Any, pattern: str) -> int:
    return sum(int(client.memory_usage(key) or 0) for key in client.scan_iter(match=pattern))


def _environment(target: RedisTarget) -> dict[str, Any]:
    client = sync_client(target)
    info = client.info("server")
    client.close()
    server = "valkey" if "valkey_version" in info else "redis"
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": describe_machine().line(),
        "redis_py": redis.__version__,
        "server": f"{server} {info.get('valkey_version') or info.get('redis_version')}",
    }


def _interleaved_sync(
    target: RedisTarget, keyspace: Keyspace, seconds: float, rounds: int = 12
) -> list[float]:
    """perfkit gcra against raw EVALSHA, sync, one caller: short slices back to back, in
    alternating order, so both see the same machine load; the ratio of each round."""
    client = sync_client(target)
    sha = client.script_load(TRIVIAL)
    limiter = RateLimiter(client, _config("gcra"), keyspace=keyspace)

    def perfkit(_: int) -> object:
        return limiter.hit("interleaved")

    def raw(_: int) -> object:
        return client.evalsha(sha, 1, "interleaved")

    slice_s = max(0.05, seconds / 4)
    ratios = []
    try:
        for n in range(rounds):
            if n % 2:
                a, b = _sync_rate(perfkit, slice_s), _sync_rate(raw, slice_s)
            else:
                b, a = _sync_rate(raw, slice_s), _sync_rate(perfkit, slice_s)
            ratios.append(a / b)
    finally:
        client.close()
    return ratios


def run_bench(target: RedisTarget, *, seconds: float = 2.0, tasks: int = 50) -> BenchResult:
    """Every measurement, one after another on the same server."""
    if target.cluster:
        raise InputError("perfkit bench limiter needs a single Redis server, not a cluster")
    keyspace = Keyspace(f"bench-{uuid.uuid4().hex[:8]}:")
    result = BenchResult(environment=_environment(target))
    _sync_rates(target, keyspace, seconds, result)
    asyncio.run(_async_rates(target, keyspace, seconds, tasks, result))
    result.local_over_limit = _local_rate(target, keyspace, seconds)
    result.sync_ratios = _interleaved_sync(target, keyspace, seconds)
    result.memory_bytes = _memory(target, keyspace)
    return result


def markdown(result: BenchResult) -> str:
    """The README table: decisions/s per column, and each row as a ratio of raw EVALSHA."""
    columns = list(next(iter(result.rates.values())))
    raw = result.rates["raw EVALSHA (trivial)"]
    lines = ["| candidate | " + " | ".join(columns) + " |",
             "|---|" + "---:|" * len(columns)]  # fmt: skip
    for name, rates in result.rates.items():
        cells = [
            f"{rates[c]:,.0f} ({rates[c] / raw[c]:.2f}x)" if c in rates else "" for c in columns
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    local = result.local_over_limit
    lines.append(
        f"Over-limit caller answered by the local cache: {local:,.0f}/s "
        f"({local / raw[columns[0]]:.0f}x raw EVALSHA, sync)."
    )
    if result.sync_ratios:
        ratios = sorted(result.sync_ratios)
        lines.append(
            f"Sync per-call path, interleaved ({len(ratios)} rounds): perfkit gcra at "
            f"**{statistics.median(ratios):.2f}x** raw EVALSHA (median of the per-round "
            f"ratios; range {ratios[0]:.2f}-{ratios[-1]:.2f})."
        )
    if result.not_from_redis:
        lines.append(
            f"WARNING: {result.not_from_redis} perfkit decisions fell back (Redis errors)."
        )
    lines.append("")
    lines.append("| Redis memory per key (1000/minute, 1000 requests) | bytes |")
    lines.append("|---|---:|")
    lines.extend(f"| {name} | {size:,} |" for name, size in result.memory_bytes.items())
    return "\n".join(lines)
