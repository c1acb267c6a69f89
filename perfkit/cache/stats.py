"""Counters of the cache, per namespace, and the ``/api/cache/stats`` document.

One `Counters` per namespace is incremented on the hot path (one attribute add per
event); the global block is summed when a snapshot is taken. ``hit_rate`` is
``hits / (hits + misses)`` and 0.0 before the first lookup (``lookups`` tells the two
apart); ``avgResponseTime`` is the mean time in ms of the cache's own lookups (the
Redis or fallback read, not the loader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any


@dataclass(slots=True)
class Counters:
    hits: int = 0  # served from the cache (Redis or fallback), stale ones included
    misses: int = 0  # not in the cache, or unreadable: the loader was needed
    stale_served: int = 0  # past the soft expiry, served while a reload ran
    early_refreshes: int = 0  # XFetch or stale reloads started in the background
    refresh_errors: int = 0  # background reloads whose loader failed
    decode_errors: int = 0  # stored bytes that were not an entry (counted as misses)
    oversize: int = 0  # values larger than max_value_bytes, returned but not cached
    unserializable: int = 0  # values orjson could not write, returned but not cached
    writes: int = 0  # values written (Redis or fallback)
    loader_calls: int = 0
    redis_errors: int = 0  # Redis calls that failed (the fallback served them)
    fallback_hits: int = 0
    fallback_misses: int = 0
    lookup_seconds: float = 0.0

    def add(self, other: Counters) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict[str, Any]:
        lookups = self.hits + self.misses
        data: dict[str, Any] = {
            "hits": self.hits,
            "misses": self.misses,
            "lookups": lookups,
            "hit_rate": round(self.hits / lookups, 4) if lookups else 0.0,
            "avgResponseTime": round(self.lookup_seconds * 1000 / lookups, 3) if lookups else 0.0,
        }
        for f in fields(self):
            if f.name not in data and f.name != "lookup_seconds":
                data[f.name] = getattr(self, f.name)
        return data


class CacheStats:
    """Per-namespace `Counters`, created on first use."""

    def __init__(self) -> None:
        self.namespaces: dict[str, Counters] = {}

    def of(self, namespace: str) -> Counters:
        counters = self.namespaces.get(namespace)
        if counters is None:
            counters = self.namespaces[namespace] = Counters()
        return counters

    def total(self) -> Counters:
        total = Counters()
        for counters in self.namespaces.values():
            total.add(counters)
        return total

    def reset(self) -> None:
        self.namespaces.clear()

    def to_dict(
        self,
        redis: dict[str, Any],
        fallback: dict[str, Any],
        ttl_of: Callable[[str], int],
        known: Iterable[str] = (),
    ) -> dict[str, Any]:
        """The document: ``redis``, ``global``, then ``namespaces`` and ``fallback``.

        ``known`` namespaces are listed even before their first lookup.
        """
        names = sorted({*known, *self.namespaces})
        return {
            "redis": redis,
            "global": self.total().to_dict(),
            "namespaces": {n: {**self.of(n).to_dict(), "ttl": ttl_of(n)} for n in names},
            "fallback": fallback,
        }
