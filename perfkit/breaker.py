"""A circuit breaker for Redis calls, shared by the rate limiter and the cache.

When Redis fails, the breaker opens and callers use their in-process fallback at once
instead of paying a timeout per call. After ``cooldown`` seconds one caller is let
through as a trial (half-open); its success closes the breaker, its failure opens it for
another cooldown. The clock is passed in, so the state machine is tested without sleeping.

Usage::

    if breaker.allow():
        try:
            result = redis_call()
        except RedisError:
            breaker.record_failure()
            result = fallback()
        else:
            breaker.record_success()
    else:
        result = fallback()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

State = Literal["closed", "open", "half_open"]


@dataclass
class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; retries after ``cooldown`` s."""

    failure_threshold: int = 1
    cooldown: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = field(default=0, init=False)
    _opened_at: float | None = field(default=None, init=False)
    _trial_in_flight: bool = field(default=False, init=False)
    opened_count: int = field(default=0, init=False)

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self.clock() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May the caller try Redis now? In half-open state, only one trial at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        self._trial_in_flight = False
        if self._opened_at is not None or self._failures >= self.failure_threshold:
            if self._opened_at is None:
                self.opened_count += 1
            self._opened_at = self.clock()
