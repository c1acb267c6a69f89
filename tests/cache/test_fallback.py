from __future__ import annotations

from perfkit.cache.fallback import MemoryLRU
from tests.cache.conftest import FakeClock


def test_entries_expire_on_the_given_clock() -> None:
    clock = FakeClock()
    lru = MemoryLRU(10, 1000, clock=clock)
    lru.set("a", b"1", ttl=5)
    clock.advance(4.9)
    assert lru.get("a") == b"1"
    clock.advance(0.2)
    assert lru.get("a") is None
    assert lru.entries == 0 and lru.bytes == 0


def test_the_entry_bound_evicts_the_least_recently_used() -> None:
    lru = MemoryLRU(2, 1000, clock=FakeClock())
    lru.set("a", b"1", 10)
    lru.set("b", b"2", 10)
    assert lru.get("a") == b"1"  # b is now the least recently used
    lru.set("c", b"3", 10)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (b"1", None, b"3")
    assert lru.evictions == 1


def test_the_byte_bound_counts_keys_and_values_and_refuses_what_cannot_fit() -> None:
    lru = MemoryLRU(100, 10, clock=FakeClock())
    assert lru.set("k1", b"abc", 10)  # 5 bytes
    assert lru.set("k2", b"abc", 10)  # 10 bytes
    assert lru.set("k3", b"a", 10)  # 13 > 10: k1 goes
    assert (lru.get("k1"), lru.bytes) == (None, 8)
    assert not lru.set("huge", b"x" * 20, 10)
    assert lru.get("huge") is None and lru.bytes == 8


def test_clear_by_prefix_and_overwrite_keep_the_byte_count_exact() -> None:
    lru = MemoryLRU(100, 1000, clock=FakeClock())
    lru.set("p:audio:1", b"aaaa", 10)
    lru.set("p:audio:1", b"a", 10)
    lru.set("p:users:1", b"b", 10)
    assert lru.clear("p:audio:") == 1
    assert (lru.entries, lru.bytes) == (1, len("p:users:1") + 1)
