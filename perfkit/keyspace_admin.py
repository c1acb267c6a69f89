"""Operations over perfkit's keys in Redis: per-namespace counts and clearing.

Only SCAN (never KEYS) and UNLINK (never FLUSHDB/FLUSHALL) are used, always with a
MATCH pattern under the key prefix, so nothing outside the prefix is read or removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import redis

from perfkit.connection import Keyspace, SyncClient, describe_error, health
from perfkit.errors import RedisUnavailable

_SCAN_COUNT = 1000
_UNLINK_BATCH = 500


@dataclass(frozen=True)
class KeyspaceStats:
    """What `perfkit redis stats` prints."""

    prefix: str
    keys_by_namespace: dict[str, int]
    used_memory: int
    used_memory_human: str | None
    keyspace_hits: int
    keyspace_misses: int

    @property
    def hit_rate(self) -> float | None:
        total = self.keyspace_hits + self.keyspace_misses
        return self.keyspace_hits / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "keys_by_namespace": self.keys_by_namespace,
            "total_keys": sum(self.keys_by_namespace.values()),
            "used_memory": self.used_memory,
            "used_memory_human": self.used_memory_human,
            "keyspace_hits": self.keyspace_hits,
            "keyspace_misses": self.keyspace_misses,
            "hit_rate": self.hit_rate,
        }


def _decode(key: bytes | str) -> str:
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else key


def keyspace_stats(client: SyncClient, keyspace: Keyspace) -> KeyspaceStats:
    """Count keys per namespace under the prefix and read memory and hit counters."""
    try:
        counts: Counter[str] = Counter()
        for key in client.scan_iter(match=keyspace.pattern(), count=_SCAN_COUNT):
            namespace = keyspace.namespace_of(_decode(key))
            if namespace is not None:
                counts[namespace or "(none)"] += 1
        report = health(client)
        info = client.info("stats")
    except (redis.RedisError, OSError) as exc:
        raise RedisUnavailable(f"Redis stats failed: {describe_error(exc)}") from None
    if report.status == "unhealthy":
        raise RedisUnavailable(f"Redis stats failed: {report.error}")
    hits, misses = _counter(info, "keyspace_hits"), _counter(info, "keyspace_misses")
    return KeyspaceStats(
        prefix=keyspace.prefix,
        keys_by_namespace=dict(sorted(counts.items())),
        used_memory=report.used_memory or 0,
        used_memory_human=report.used_memory_human,
        keyspace_hits=hits,
        keyspace_misses=misses,
    )


def _counter(info: dict[str, Any], name: str) -> int:
    """A counter of INFO; a cluster client answers per node, which are summed."""
    if name in info:
        return int(info[name])
    return sum(int(v.get(name, 0)) for v in info.values() if isinstance(v, dict))


def clear(client: SyncClient, keyspace: Keyspace, namespace: str | None = None) -> int:
    """UNLINK every key of ``namespace`` (or of the whole prefix); return how many."""
    pattern = keyspace.pattern(namespace)
    removed = 0
    batch: list[bytes | str] = []
    try:
        for key in client.scan_iter(match=pattern, count=_SCAN_COUNT):
            batch.append(key)
            if len(batch) >= _UNLINK_BATCH:
                removed += int(client.unlink(*batch))
                batch.clear()
        if batch:
            removed += int(client.unlink(*batch))
    except (redis.RedisError, OSError) as exc:
        raise RedisUnavailable(f"Redis clear failed: {describe_error(exc)}") from None
    return removed
