"""A small thread-safe circuit breaker.

After ``threshold`` consecutive failed calls (no answer, timeouts, 5xx) the circuit opens and
calls fail fast with TalonCircuitOpen for ``cooldown`` seconds, so a Talon.One outage costs each
page one quick error instead of a full timeout per section. After the cool-down one trial call is
let through (half-open): success closes the circuit, failure opens it for another cool-down.
Client errors (4xx) are answers, so they count as success: the service is up.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass(frozen=True)
class CircuitSnapshot:
    state: str
    consecutive_failures: int
    threshold: int
    cooldown: float
    #: seconds until a trial call is allowed (0 unless open)
    retry_in: float

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "consecutive_failures": self.consecutive_failures,
            "threshold": self.threshold,
            "cooldown_seconds": self.cooldown,
            "retry_in_seconds": round(self.retry_in, 3),
        }


class CircuitBreaker:
    def __init__(
        self, threshold: int = 5, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # threshold 0 disables the breaker (useful when a caller wants every call to go out)
        self.threshold = max(0, int(threshold))
        self.cooldown = float(cooldown)
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call is admitted."""
        if self.threshold == 0:
            return True
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.cooldown:
                return False
            if self._trial_in_flight:
                return False
            self._trial_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        if self.threshold == 0:
            return
        with self._lock:
            self._failures += 1
            if self._trial_in_flight or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial_in_flight = False

    def release_trial(self) -> None:
        """A trial call ended without telling us anything about upstream health (e.g. a local
        error before sending): let the next call be the trial instead."""
        with self._lock:
            self._trial_in_flight = False

    def snapshot(self) -> CircuitSnapshot:
        with self._lock:
            if self._opened_at is None:
                state, retry_in = CLOSED, 0.0
            else:
                elapsed = self._clock() - self._opened_at
                if elapsed < self.cooldown:
                    state, retry_in = OPEN, self.cooldown - elapsed
                else:
                    state, retry_in = HALF_OPEN, 0.0
            return CircuitSnapshot(state, self._failures, self.threshold, self.cooldown, retry_in)

    @property
    def state(self) -> str:
        return self.snapshot().state
