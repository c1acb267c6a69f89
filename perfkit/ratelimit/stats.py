"""Counters for ``/api/rate-limit/stats`` and Prometheus.

Per policy: ``allowed`` (admitted and served), ``near_limit`` (those of the allowed that
left the caller at >= 80 % of the quota used), ``blocked`` (refused by this policy) and
``shadow`` (a shadow policy would have refused). Per backend: how many decisions each
made. The most blocked identities are kept by the Space-Saving algorithm (Metwally et al.),
so memory stays bounded however many identities are refused.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from perfkit.ratelimit.decision import Decision

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
        return sorted(self._counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


@dataclass
class LimiterStats:
    """Thread-safe counters fed with every decision."""

    top_capacity: int = 100
    by_policy: dict[str, Counter[str]] = field(default_factory=dict)
    by_backend: Counter[str] = field(default_factory=Counter)
    redis_errors: int = 0
    _top: TopK = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._top = TopK(self.top_capacity)

    def record(self, decision: Decision) -> None:
        allowed = decision.allowed
        with self._lock:
            self.by_backend[decision.backend] += 1
            for outcome in decision.outcomes:
                policy = outcome.policy
                counts = self.by_policy.get(policy.name)
                if counts is None:
                    counts = self.by_policy[policy.name] = Counter()
                if not outcome.allowed:
                    counts["shadow" if policy.shadow else "blocked"] += 1
                elif allowed:
                    counts["allowed"] += 1
                    if policy.limit - outcome.remaining >= NEAR_LIMIT_RATIO * policy.limit:
                        counts["near_limit"] += 1
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
                name: {outcome: counts[outcome] for outcome in OUTCOMES}
                for name, counts in self.by_policy.items()
            }

    def backends(self) -> dict[str, int]:
        with self._lock:
            return dict(self.by_backend)

    def top_blocked(self, n: int = 10) -> list[dict[str, object]]:
        with self._lock:
            return [{"identity": ident, "blocked": count} for ident, count in self._top.top(n)]

    @property
    def fallback_decisions(self) -> int:
        with self._lock:
            return sum(self.by_backend[b] for b in ("memory", "fail_open", "fail_closed"))
