"""`perfkit bench cache`: the cache beside raw redis-py and its peers, in one run.

Three measurements on one server, interleaved in rounds so that noise from other work
on the machine falls on every contender alike (the median round is reported):

1. hit path: reads/s of one cached 1 KB JSON value by one asyncio task;
2. a batch of 100 ids, all cached: batches/s, and the Redis commands one batch costs;
3. endpoint latency over loopback HTTP with a simulated upstream: the demo Starlette app
   (`perfkit.bench.cache_demo`, standing in for the reference service) under uvicorn,
   ``/uncached`` vs ``/cached``, requests alternating.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

import httpx
import orjson

from perfkit.bench.cache_demo import Upstream, demo_app, server_ms
from perfkit.bench.cache_peers import Peers
from perfkit.bench.cache_table import machine, render_markdown
from perfkit.cache.core import RedisCache
from perfkit.cache.policy import CachePolicy
from perfkit.config import Settings
from perfkit.connection import AsyncClient, Keyspace, RedisTarget, async_client
from perfkit.embedded import redis_target
from perfkit.errors import InputError
from perfkit.service.policies import API, AUDIO
from perfkit.serving import serve_app_async

Op = Callable[[], Awaitable[object]]
RAW_GET, RAW_MGET = "redis-py GET", "redis-py MGET"
VALUE: dict[str, Any] = {"id": "track", "name": "n" * 960, "tempo": 120.5, "energy": 0.8}


@dataclass(frozen=True)
class BenchOptions:
    ops: int = 3000  # hit-path reads per contender
    batches: int = 300  # batches of 100 per contender (100 sequential GETs: a tenth)
    requests: int = 60  # HTTP requests per endpoint
    upstream_ms: float = 50.0
    rounds: int = 20
    peers: bool = True

    def __post_init__(self) -> None:
        if min(self.ops, self.batches, self.requests, self.rounds) < 1:
            raise InputError("--ops, --batches, --requests and --rounds must be >= 1")
        if self.upstream_ms < 0:
            raise InputError("--upstream-ms must be >= 0")


@dataclass
class BenchResult:
    server: str
    hit: dict[str, Measured] = field(default_factory=dict)
    batch: dict[str, Measured] = field(default_factory=dict)
    batch_commands: dict[str, int] = field(default_factory=dict)  # perfkit: command -> calls
    # path -> client p50, client p95, server (handler) p50, in ms
    http: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def http_p50_cut(self, index: int = 0) -> float:
        """1 - cached / uncached p50: client-side (index 0) or handler time (index 2)."""
        return 1.0 - self.http["/cached"][index] / self.http["/uncached"][index]


class Measured(NamedTuple):
    rate: float  # median ops/s over the rounds
    cpu_us: float  # median CPU µs per op of this (client) process
    ratio: float  # median over rounds of rate / the first contender's rate in that round


async def _rounds(contenders: dict[str, tuple[Op, int]], rounds: int) -> dict[str, Measured]:
    """Run each contender's ``count`` ops per round, contenders interleaved (order
    rotating), ``rounds`` times. Ratios are paired per round, so a burst of other load
    on the machine hits the contender and its reference alike. CPU time (the client's;
    the server is another process) is what such load disturbs least."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for index in range(rounds):
        shift = index % len(names)  # rotate, so no contender always runs first
        for name in names[shift:] + names[:shift]:
            op, count = contenders[name]
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                await op()
            cpu[name].append((time.process_time() - start_cpu) * 1e6 / count)
            rates[name].append(count / (time.perf_counter() - start))
    reference = rates[next(iter(contenders))]
    return {
        name: Measured(
            statistics.median(rates[name]),
            statistics.median(cpu[name]),
            statistics.median(r / ref for r, ref in zip(rates[name], reference, strict=True)),
        )
        for name in contenders
    }


async def _command_calls(client: AsyncClient) -> dict[str, int]:
    """Calls per command from INFO commandstats, summed over nodes on a cluster."""
    info = await client.info("commandstats")
    nodes = [info] if any(k.startswith("cmdstat_") for k in info) else list(info.values())
    calls: dict[str, int] = {}
    for node in nodes:
        for name, stat in node.items():
            command = name.removeprefix("cmdstat_")
            calls[command] = calls.get(command, 0) + int(stat["calls"])
    return calls


async def run_bench(target: RedisTarget, options: BenchOptions) -> BenchResult:
    """Measure everything on ``target``; keys under ``perfkit-bench:``, removed after."""
    client = async_client(target)
    cache = RedisCache(client, Keyspace("perfkit-bench:"), CachePolicy())
    server_info = await client.info("server")
    if all(isinstance(v, dict) for v in server_info.values()):
        server_info = next(iter(server_info.values()))
    name = "valkey" if "valkey_version" in server_info else "redis"
    version = server_info.get("valkey_version") or server_info.get("redis_version")
    result = BenchResult(server=f"{name} {version}" + (" cluster" if target.cluster else ""))
    peers = Peers(cache.keyspace.prefix)
    try:
        if options.peers:
            await peers.setup(target, VALUE)
            result.notes.extend(peers.missing)
        await _hit_path(result, cache, peers, options)
        await _batches(result, cache, peers, options)
        await _http(result, cache, options)
    finally:
        await peers.aclose()
        await cache.clear()
        await client.aclose()
    return result


async def _hit_path(
    result: BenchResult, cache: RedisCache, peers: Peers, options: BenchOptions
) -> None:
    raw_key, json_key = cache.key("raw", "hit"), cache.key("raw", "json")
    await cache.client.set(raw_key, b"x" * 1024)
    await cache.client.set(json_key, orjson.dumps(VALUE))
    await cache.set(API, "hit", VALUE)

    async def loader() -> dict[str, Any]:
        return VALUE

    async def get_and_parse() -> object:
        return orjson.loads(cast("bytes", await cache.client.get(json_key)))

    ops: dict[str, Op] = {
        RAW_GET: lambda: cache.client.get(raw_key),
        RAW_GET + " + orjson.loads": get_and_parse,
        "perfkit get_or_set": lambda: cache.get_or_set(API, "hit", loader),
        "perfkit get": lambda: cache.get(API, "hit"),
        **await peers.hit_ops(),
    }
    count = max(1, options.ops // options.rounds)
    result.hit = await _rounds({n: (op, count) for n, op in ops.items()}, options.rounds)


async def _batches(
    result: BenchResult, cache: RedisCache, peers: Peers, options: BenchOptions
) -> None:
    ids = [f"track-{i}" for i in range(100)]
    raw_keys = [cache.key("raw", i) for i in ids]

    async def loader(missing: list[str]) -> dict[str, Any]:
        return dict.fromkeys(missing, VALUE)

    await cache.get_many(AUDIO, ids, loader)
    json_keys = [cache.key("raw", "json-" + i) for i in ids]
    for key, json_key in zip(raw_keys, json_keys, strict=True):
        await cache.client.set(key, b"x" * 1024)
        await cache.client.set(json_key, orjson.dumps(VALUE))

    async def mget_and_parse() -> object:
        return [orjson.loads(v) for v in cast("list[bytes]", await cache.client.mget(json_keys))]

    async def sequential() -> None:
        for key in raw_keys:
            await cache.client.get(key)

    before = await _command_calls(cache.client)
    await cache.get_many(AUDIO, ids, loader)
    after = await _command_calls(cache.client)
    after["info"] = after.get("info", 0) - 1  # our own INFO
    result.batch_commands = {
        k: v - before.get(k, 0) for k, v in after.items() if v > before.get(k, 0)
    }
    ops: dict[str, Op] = {
        RAW_MGET: lambda: cache.client.mget(raw_keys),
        RAW_MGET + " + orjson.loads": mget_and_parse,
        "perfkit get_many": lambda: cache.get_many(AUDIO, ids, loader),
        **await peers.batch_ops(ids, VALUE),
    }
    count = max(1, options.batches // options.rounds)
    contenders = {n: (op, count) for n, op in ops.items()}
    contenders["100 sequential GETs"] = (sequential, max(1, count // 10))
    result.batch = await _rounds(contenders, options.rounds)


async def _http(result: BenchResult, cache: RedisCache, options: BenchOptions) -> None:
    upstream = Upstream(options.upstream_ms / 1000)
    client: dict[str, list[float]] = {"/uncached": [], "/cached": []}
    server: dict[str, list[float]] = {"/uncached": [], "/cached": []}
    async with (
        serve_app_async(demo_app(cache, upstream)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        (await http.get("/cached/bench")).raise_for_status()  # the one miss
        for _ in range(options.requests):
            for path, times in client.items():
                start = time.perf_counter()
                response = await http.get(f"{path}/bench")
                times.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
                server[path].append(server_ms(response))
    for path, times in client.items():
        result.http[path] = (_p(times, 0.5), _p(times, 0.95), _p(server[path], 0.5))


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_cache(options: BenchOptions) -> str:
    """Run on the configured Redis (or an embedded server); return the Markdown report."""
    with redis_target(Settings.from_env()) as target:
        result = asyncio.run(run_bench(target, options))
    day = datetime.now(UTC).date().isoformat()
    return f"{render_markdown(result, options)}\n\n{day}; {machine()}; {result.server}.\n"
