from __future__ import annotations

from perfkit.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_on_failure_and_skips_redis_until_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown=1.0, clock=clock)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    clock.now += 0.99
    assert not breaker.allow()
    assert breaker.opened_count == 1


def test_half_open_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(cooldown=1.0, clock=clock)
    breaker.record_failure()
    clock.now += 1.0
    assert breaker.state == "half_open"
    assert breaker.allow()
    assert not breaker.allow()  # a second caller waits for the trial
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow() and breaker.allow()


def test_failed_trial_opens_for_another_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(cooldown=1.0, clock=clock)
    breaker.record_failure()
    clock.now += 1.5
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 0.5
    assert not breaker.allow()
    clock.now += 0.5
    assert breaker.allow()
    assert breaker.opened_count == 1
