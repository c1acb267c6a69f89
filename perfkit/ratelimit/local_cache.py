"""The local over-limit cache (Envoy's idea): once an identity is over a limit, later
requests inside the same wait are refused in-process, so an abusive client costs Redis
nothing. Entries expire when Redis said the caller may retry; memory is bounded."""

from __future__ import annotations

import time
from collections.abc import Callable


class OverLimitCache:
    """``(policy name, identity) -> the monotonic time until which it is refused``.

    ``until`` is that mapping, public so the hot path can skip the lookups when it is
    empty (the usual state: nobody is over a limit)."""

    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.max_entries = max_entries
        self.clock = clock
        self.until: dict[tuple[str, str], float] = {}

    def blocked_for(self, policy: str, identity: str) -> float:
        """Seconds the pair is still refused, or 0."""
        until = self.until.get((policy, identity))
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            self.until.pop((policy, identity), None)
            return 0.0
        return left

    def block(self, policy: str, identity: str, seconds: float) -> None:
        if seconds <= 0:
            return
        if len(self.until) >= self.max_entries:
            self._prune()
        self.until[(policy, identity)] = self.clock() + seconds

    def _prune(self) -> None:
        now = self.clock()
        for pair in [p for p, until in self.until.items() if until <= now]:
            del self.until[pair]
        while len(self.until) >= self.max_entries:  # all live: drop the oldest entries
            del self.until[next(iter(self.until))]

    def __len__(self) -> int:
        return len(self.until)
