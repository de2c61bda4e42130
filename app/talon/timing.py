"""Per-request upstream accounting, for the console's Server-Timing header and its logs.

The console (app.request_timing) opens a RequestContext at the start of each request; the transport
(client.py) marks each logical call's start and end on it. What it adds up is wall time during
which at least one Talon.One call was in flight (the union of the calls' intervals), so the calls
of a fan-out, which overlap, count once and not as their sum. Fan-out workers run in a copy of the
caller's context variables, so they see the same RequestContext object.

Outside a request (CLI, background jobs) there is no context and nothing is recorded.
"""

from __future__ import annotations

import contextvars
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator


class RequestContext:
    def __init__(self, request_id: str | None = None, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.request_id = request_id
        self._clock = clock
        self.calls = 0
        self._lock = threading.Lock()
        self._in_flight = 0
        self._since = 0.0
        self._total = 0.0

    def begin(self) -> None:
        with self._lock:
            if self._in_flight == 0:
                self._since = self._clock()
            self._in_flight += 1
            self.calls += 1

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._total += self._clock() - self._since

    @property
    def upstream_seconds(self) -> float:
        """Wall time with a call in flight so far (a call still running counts up to now)."""
        with self._lock:
            running = self._clock() - self._since if self._in_flight else 0.0
            return self._total + running


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "talon_request_context", default=None
)


def start(request_id: str | None = None) -> contextvars.Token:
    return _current.set(RequestContext(request_id))


def finish(token: contextvars.Token) -> None:
    try:
        _current.reset(token)
    except ValueError:  # reset from another context: just clear it
        _current.set(None)


def current() -> RequestContext | None:
    return _current.get()


def request_id() -> str:
    """The console request's ID for log lines ("-" outside a request or without one)."""
    context = _current.get()
    return (context.request_id if context is not None else None) or "-"


@contextmanager
def upstream_call() -> Iterator[None]:
    context = _current.get()
    if context is None:
        yield
        return
    context.begin()
    try:
        yield
    finally:
        context.end()
