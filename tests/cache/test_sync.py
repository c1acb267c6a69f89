"""`SyncRedisCache`: the async cache driven from plain threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from perfkit.cache.sync import SyncRedisCache
from perfkit.config import Settings
from perfkit.connection import Keyspace, RedisTarget, sync_client
from perfkit.service.policies import AUDIO, SERVICE_TTLS, USERS


@pytest.fixture
def sync_cache(redis_target: RedisTarget, keyspace: Keyspace) -> Iterator[SyncRedisCache]:
    settings = Settings.from_env({"REDIS_KEY_PREFIX": keyspace.prefix})
    with SyncRedisCache.from_settings(settings, redis_target, SERVICE_TTLS) as cache:
        yield cache
        cache.clear()


def test_threads_calling_a_cold_key_share_one_load(sync_cache: SyncRedisCache) -> None:
    calls, lock = [], threading.Lock()

    def slow() -> dict[str, str]:
        with lock:
            calls.append(threading.current_thread().name)
        time.sleep(0.05)
        return {"id": "u1"}

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: sync_cache.get_or_set(USERS, "u1", slow), range(16)))
    assert results == [{"id": "u1"}] * 16
    assert len(calls) == 1
    users = sync_cache.snapshot()["namespaces"][USERS]
    assert (users["misses"], users["loader_calls"]) == (1, 1)


def test_batch_set_get_and_ttl(sync_cache: SyncRedisCache, redis_target: RedisTarget) -> None:
    def features(ids: list[str]) -> Mapping[str, Any]:
        return {i: {"id": i} for i in ids}

    assert sync_cache.get_many(AUDIO, ["a", "b", "a"], features) == [
        {"id": "a"},
        {"id": "b"},
        {"id": "a"},
    ]
    assert sync_cache.set(USERS, "x", [1, 2])
    assert sync_cache.get(USERS, "x") == [1, 2]
    client = sync_client(redis_target)
    try:
        pttl = client.pttl(sync_cache.cache.key(AUDIO, "a"))  # default jitter: up to 5 % less
        assert 21_600_000 * 0.95 - 2000 < pttl <= 21_600_000
    finally:
        client.close()
    assert sync_cache.stats()["redis"]["connected"] is True


def test_loader_errors_reach_the_calling_thread(sync_cache: SyncRedisCache) -> None:
    def broken() -> int:
        raise LookupError("upstream down")

    with pytest.raises(LookupError, match="upstream down"):
        sync_cache.get_or_set(USERS, "k", broken)
