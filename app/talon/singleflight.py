"""Single flight: identical reads in flight at the same time are sent once and shared.

Ten agents opening the same customer at once, or a page's sections asking for the same list,
make one Talon.One call; the others wait for it and get its answer (or its error). Only calls
that change nothing join: the key is the whole request (API, method, path, query, body) and the
caller's budget priority (a suggestion that gives up must not fail a page that would wait).
After the console changes something, ``forget()`` makes later reads start their own call
instead of joining one that began before the change.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable


class _Flight:
    __slots__ = ("done", "result", "error", "followers")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self.followers = 0


class SingleFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        #: calls that joined another's flight instead of being sent (for /healthz and tests)
        self.shared = 0

    def run(self, key: Hashable, call: Callable[[], Any]) -> Any:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = _Flight()
            else:
                flight.followers += 1
                self.shared += 1
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.result
        try:
            flight.result = call()
            return flight.result
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    def forget(self) -> None:
        with self._lock:
            self._flights.clear()
