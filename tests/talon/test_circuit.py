"""The circuit breaker's state machine, driven by a fake clock."""
from __future__ import annotations

from app.talon.circuit import CLOSED, HALF_OPEN, OPEN, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_consecutive_failures():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # the streak is broken
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == CLOSED and breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN
    assert not breaker.allow()
    snap = breaker.snapshot()
    assert snap.consecutive_failures == 3 and snap.retry_in == 10


def test_half_open_admits_one_trial_and_success_closes():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=5, clock=clock)
    breaker.record_failure()
    clock.now += 5
    assert breaker.state == HALF_OPEN
    assert breaker.allow()          # the trial
    assert not breaker.allow()      # everyone else still fails fast
    breaker.record_success()
    assert breaker.state == CLOSED and breaker.allow()


def test_failed_trial_opens_for_another_cooldown():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=5, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 6
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == OPEN and breaker.snapshot().retry_in == 5


def test_released_trial_lets_the_next_call_try():
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=1, clock=clock)
    breaker.record_failure()
    clock.now += 1
    assert breaker.allow()
    breaker.release_trial()
    assert breaker.allow()


def test_threshold_zero_disables_the_breaker():
    breaker = CircuitBreaker(threshold=0, cooldown=1)
    for _ in range(100):
        breaker.record_failure()
    assert breaker.allow() and breaker.state == CLOSED
