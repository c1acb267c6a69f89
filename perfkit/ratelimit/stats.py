"""Counters for ``/api/rate-limit/stats`` and Prometheus.

Per policy: ``allowed`` (admitted and served), ``near_limit`` (those of the allowed that
left the caller at >= 80 % of the quota used), ``blocked`` (refused by this policy) and
``shadow`` (a shadow policy would have refused). Per backend: how many decisions each
made. The most blocked identities are kept by the Space-Saving algorithm (Metwally et al.),
so memory stays bounded however many identities are refused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import get_args

from perfkit.ratelimit.decision import Backend, Decision

NEAR_LIMIT_RATIO = 0.8
OUTCOMES = ("allowed", "near_limit", "blocked", "shadow")


class TopK:
    """Approximate heavy hitters in ``capacity`` counters (Space-Saving)."""

    def __init__(self, capacity: int = 100) -> None:
        self.capacity = capacity
        self._counts: dict[str, int] = {}

    def add(self, item: str) -> None:
        if item in self._counts or len(self._counts) < self.capacity:
            self._counts[item] = self._counts.get(item, 0) + 1
            return
        smallest = min(self._counts, key=self._counts.__getitem__)
        floor = self._counts.pop(smallest)
        self._counts[item] = floor + 1

    def top(self, n: int) -> list[tuple[str, int]]:
        return sorted(list(self._counts.items()), key=lambda kv: (-kv[1], kv[0]))[:n]


class _Counts:
    """One policy's counters (attributes, not a `Counter`: fewer steps per decision)."""

    __slots__ = ("allowed", "blocked", "near_limit", "shadow")

    def __init__(self) -> None:
        self.allowed = self.near_limit = self.blocked = self.shadow = 0


class LimiterStats:
    """Counters fed with every decision.

    ``threaded=True`` (the sync limiter, called from many threads): every update takes a
    lock. ``threaded=False`` (the asyncio limiter): only the event loop's thread updates,
    so ``record`` takes no lock (it runs for every request); readers in other threads
    still get consistent copies, as each copy is one step under the GIL.
    """

    def __init__(self, top_capacity: int = 100, *, threaded: bool = True) -> None:
        self.by_policy: dict[str, _Counts] = {}
        self.by_backend: dict[str, int] = dict.fromkeys(get_args(Backend), 0)
        self.redis_errors = 0
        self._top = TopK(top_capacity)
        self._lock = threading.Lock()
        self.record: Callable[[Decision], None] = self._record_locked if threaded else self._record

    def _record_locked(self, decision: Decision) -> None:
        with self._lock:
            self._record(decision)

    def _record(self, decision: Decision) -> None:
        allowed = decision.allowed
        by_policy = self.by_policy
        self.by_backend[decision.backend] += 1
        for outcome in decision.outcomes:
            policy = outcome.policy
            counts = by_policy.get(policy.name)
            if counts is None:
                counts = by_policy[policy.name] = _Counts()
            if not outcome.allowed:
                if policy.shadow:
                    counts.shadow += 1
                else:
                    counts.blocked += 1
            elif allowed:
                counts.allowed += 1
                limit = policy.limit
                if limit - outcome.remaining >= NEAR_LIMIT_RATIO * limit:
                    counts.near_limit += 1
        if not allowed:
            self._top.add(decision.identity)

    def record_redis_error(self) -> None:
        with self._lock:
            self.redis_errors += 1

    def counters(self) -> dict[str, dict[str, int]]:
        """``{policy: {"allowed", "near_limit", "blocked", "shadow": n}}``: monotonic
        counters, for Prometheus."""
        with self._lock:
            return {
                name: {outcome: getattr(counts, outcome) for outcome in OUTCOMES}
                for name, counts in list(self.by_policy.items())
            }

    def backends(self) -> dict[str, int]:
        """``{backend: decisions}`` of the backends that decided anything."""
        with self._lock:
            return {name: count for name, count in list(self.by_backend.items()) if count}

    def top_blocked(self, n: int = 10) -> list[dict[str, object]]:
        with self._lock:
            return [{"identity": ident, "blocked": count} for ident, count in self._top.top(n)]

    @property
    def fallback_decisions(self) -> int:
        with self._lock:
            return sum(self.by_backend[b] for b in ("memory", "fail_open", "fail_closed"))
