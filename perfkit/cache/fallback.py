"""The in-process cache used while Redis is unavailable: a TTL LRU bounded twice.

It holds the same encoded entries as Redis, so reading it goes through the same decoder
and its byte bound counts exactly what is stored. Both bounds hold after every `set`:
least recently used entries are evicted until the entry count and the byte total fit.
The clock is an argument, so expiry is tested without sleeping.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class MemoryLRU:
    """A TTL LRU of ``bytes`` values, at most ``max_entries`` and ``max_bytes``."""

    max_entries: int
    max_bytes: int
    clock: Callable[[], float] = time.monotonic
    _data: OrderedDict[str, tuple[float, bytes]] = field(default_factory=OrderedDict)
    _bytes: int = 0
    evictions: int = 0

    def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires_at, raw = item
        if self.clock() >= expires_at:
            self._remove(key)
            return None
        self._data.move_to_end(key)
        return raw

    def set(self, key: str, raw: bytes, ttl: float) -> bool:
        """Store ``raw`` for ``ttl`` seconds; False when it alone exceeds ``max_bytes``."""
        size = len(raw) + len(key)
        self._remove(key)
        if size > self.max_bytes or ttl <= 0:
            return False
        self._data[key] = (self.clock() + ttl, raw)
        self._bytes += size
        while len(self._data) > self.max_entries or self._bytes > self.max_bytes:
            oldest = next(iter(self._data))
            self._remove(oldest)
            self.evictions += 1
        return True

    def delete(self, key: str) -> None:
        self._remove(key)

    def clear(self, prefix: str = "") -> int:
        """Drop every entry whose key starts with ``prefix``; return how many."""
        doomed = [k for k in self._data if k.startswith(prefix)]
        for key in doomed:
            self._remove(key)
        return len(doomed)

    def _remove(self, key: str) -> None:
        item = self._data.pop(key, None)
        if item is not None:
            self._bytes -= len(item[1]) + len(key)

    @property
    def entries(self) -> int:
        return len(self._data)

    @property
    def bytes(self) -> int:
        return self._bytes
