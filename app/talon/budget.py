"""The console's share of Talon.One's Management API limit: per endpoint, at most N requests in
any window of 1 s plus a margin, counted for every thread, worker and instance together
(budget_slots.py: Redis when scaled out, this process otherwise).

Talon.One, "Management API overview": each Management endpoint takes at most 3 requests per
second; the Integration API, the high-load API, has no published cap (so it is not budgeted).

A call waits for its slot instead of being sent to be refused, up to a deadline that depends on
who is asking (``priority``):

- ``INTERACTIVE`` (the default: a page or section a person is looking at) may use every slot
  and waits up to TALON_BUDGET_WAIT seconds;
- ``SUGGEST`` (suggestions while typing) uses a slot only when one is free at once and another
  is left for pages: it never waits and never takes the last slot;
- ``BULK`` (jobs that page through lists or run case after case) also leaves the last slot to
  pages, steps aside while a page of this process waits for the same endpoint, and waits up to
  TALON_BUDGET_BULK_WAIT seconds: it paces itself to what is left.

When the deadline cannot be met, the call fails with TalonBudgetExhausted (a TalonRateLimited),
which the section shows as its own message; nothing was sent. A 429 from Talon.One (another tool
using the same key) blocks the endpoint for everyone for its Retry-After, so the console's own
retries wait their turn in the budget instead of adding load. Every wait is logged as a warning
and counted with the requests and the 429s received (``report()``, shown by /healthz).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Lock
from typing import Any, Callable, Iterator

from .budget_slots import Slots
from .errors import TalonRateLimited

log = logging.getLogger("app.talon")

INTERACTIVE = "interactive"
SUGGEST = "suggest"
BULK = "bulk"
PRIORITIES = (INTERACTIVE, SUGGEST, BULK)
#: how often a bulk call looks again while a page waits for the same endpoint
YIELD_STEP = 0.05

_priority: contextvars.ContextVar[str] = contextvars.ContextVar("talon_priority", default=INTERACTIVE)


@contextmanager
def priority(level: str) -> Iterator[None]:
    """Calls made inside (fan-out workers included: they copy the context) have this priority."""
    if level not in PRIORITIES:
        raise ValueError(f"unknown priority {level!r}")
    token = _priority.set(level)
    try:
        yield
    finally:
        _priority.reset(token)


def as_bulk(function: Callable) -> Callable:
    """Decorator: the function's Talon.One calls are bulk work (a job's step)."""
    @functools.wraps(function)
    def in_bulk(*args, **kwargs):
        with priority(BULK):
            return function(*args, **kwargs)
    return in_bulk


def current_priority() -> str:
    return _priority.get()


class TalonBudgetExhausted(TalonRateLimited):
    """No slot of the Management API's per-endpoint limit came free within the deadline, so the
    call was not sent (Talon.One would have refused it)."""

    headline = "Talon.One's Management API is at its limit"


@dataclass(frozen=True)
class BudgetSettings:
    #: Talon.One's limit per endpoint (3); 0 turns the budget off
    per_second: int = 3
    #: seconds added to the 1 s window, for the time between taking a slot and arriving
    margin: float = 0.25
    interactive_wait: float = 3.0
    bulk_wait: float = 30.0

    @property
    def window(self) -> float:
        return 1.0 + self.margin

    def limit(self, level: str) -> int:
        if level == INTERACTIVE:
            return self.per_second
        return max(1, self.per_second - 1)

    def max_wait(self, level: str) -> float:
        return {INTERACTIVE: self.interactive_wait, SUGGEST: 0.0, BULK: self.bulk_wait}[level]


class ManagementBudget:
    def __init__(self, settings: BudgetSettings, slots: Slots, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.slots = slots
        self._sleep = sleep
        self._lock = Lock()
        self._pages_waiting: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.settings.per_second > 0

    def acquire(self, endpoint: str, description: str = "") -> float:
        """Wait for a slot on ``endpoint`` (a method and path template); the seconds waited.
        Raises TalonBudgetExhausted when the caller's deadline would pass first."""
        if not self.enabled:
            return 0.0
        level = _priority.get()
        limit, deadline = self.settings.limit(level), self.settings.max_wait(level)
        waited = 0.0
        waiting = False
        try:
            while True:
                if level == BULK and self._pages_waiting.get(endpoint):
                    wait = YIELD_STEP
                else:
                    wait = self.slots.take(endpoint, limit, self.settings.window)
                    if wait <= 0:
                        return waited
                if waited + wait > deadline:
                    self.slots.count(endpoint, "gave_up")
                    raise self._exhausted(endpoint, level, waited, wait)
                if not waiting:
                    waiting = True
                    self._started_waiting(endpoint, level)
                    log.warning("talon budget: waiting %.2fs for a free %s request (%d per %.2fs, %s%s)",
                                wait, endpoint, limit, self.settings.window, level,
                                f", {description}" if description else "")
                self._sleep(wait)
                waited += wait
        finally:
            if waiting:
                self._stopped_waiting(endpoint, level, waited)

    def refused_upstream(self, endpoint: str, retry_after: float | None) -> None:
        """Talon.One answered 429: someone else (another tool with the key) used the slots.
        Everyone holds off for its Retry-After (1 s when it sent none)."""
        self.slots.count(endpoint, "refused_upstream")
        self.slots.block(endpoint, retry_after if retry_after and retry_after > 0 else 1.0)
        log.warning("talon budget: Talon.One refused %s with 429 (Retry-After %s); holding off",
                    endpoint, retry_after)

    def report(self) -> dict[str, Any]:
        return {
            "per_second": self.settings.per_second,
            "window_seconds": self.settings.window,
            "interactive_wait_seconds": self.settings.interactive_wait,
            "endpoints": self.slots.report(self.settings.window) if self.enabled else {},
        }

    # -- bookkeeping ------------------------------------------------------------------------

    def _started_waiting(self, endpoint: str, level: str) -> None:
        self.slots.count(endpoint, "waits")
        if level == INTERACTIVE:
            with self._lock:
                self._pages_waiting[endpoint] = self._pages_waiting.get(endpoint, 0) + 1

    def _stopped_waiting(self, endpoint: str, level: str, waited: float) -> None:
        self.slots.count(endpoint, "wait_ms", int(round(waited * 1000)))
        if level == INTERACTIVE:
            with self._lock:
                self._pages_waiting[endpoint] -= 1
                if not self._pages_waiting[endpoint]:
                    del self._pages_waiting[endpoint]

    def _exhausted(self, endpoint: str, level: str, waited: float, wait: float) -> TalonBudgetExhausted:
        method, _, path = endpoint.partition(" ")
        if level == SUGGEST:
            message = ("Skipped to leave Talon.One's Management API limit "
                       f"({self.settings.per_second} requests per second per endpoint) to pages")
        else:
            message = (f"Talon.One's Management API takes {self.settings.per_second} requests per "
                       f"second per endpoint, and this one has none free for "
                       f"{math.ceil(waited + wait)} s (another tool may be using the same key)")
        return TalonBudgetExhausted(message, status=None, retry_after=max(1.0, wait),
                                    method=method, path=path)
