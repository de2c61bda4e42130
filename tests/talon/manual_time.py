"""Time that moves only when a test moves it, for the budget and the cache.

``ManualTime(blocking=False)``: ``sleep(s)`` moves the clock by ``s`` at once (one thread).
``ManualTime(blocking=True)``: ``sleep(s)`` blocks until the test's ``advance()`` has moved the
clock past the sleeper's wake time, so a test with several threads decides who wakes when.
``on_advance`` is told every move (e.g. to move the sandbox's manual rate-limit clock along).
"""
from __future__ import annotations

import threading
from typing import Callable


class ManualTime:
    def __init__(self, start: float = 1000.0, *, blocking: bool = False,
                 on_advance: Callable[[float], None] | None = None) -> None:
        self._now = start
        self._blocking = blocking
        self._on_advance = on_advance
        self._changed = threading.Condition()
        self.sleepers = 0
        self.slept: list[float] = []

    def now(self) -> float:
        with self._changed:
            return self._now

    def sleep(self, seconds: float) -> None:
        if not self._blocking:
            with self._changed:
                self.slept.append(seconds)
            self.advance(seconds)
            return
        with self._changed:
            self.slept.append(seconds)
            wake = self._now + seconds
            self.sleepers += 1
            self._changed.notify_all()
            try:
                if not self._changed.wait_for(lambda: self._now >= wake, timeout=30):
                    raise AssertionError("a sleeper was never woken (the test did not advance time)")
            finally:
                self.sleepers -= 1
                self._changed.notify_all()

    def advance(self, seconds: float) -> None:
        with self._changed:
            self._now += seconds
            self._changed.notify_all()
        if self._on_advance is not None:
            self._on_advance(seconds)

    def wait_for_sleepers(self, count: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.sleepers >= count, timeout=30), \
                f"expected {count} sleeping threads, have {self.sleepers}"
