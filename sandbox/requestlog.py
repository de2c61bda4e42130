"""The log of API requests since the last reset (GET /sandbox/requests), for tests that must
prove a call was sent exactly once."""
from __future__ import annotations

import threading
from collections import deque

MAX_ENTRIES = 10000


class RequestLog:
    """Each entry also carries `started` and `finished`: positions on one counter that ticks at
    every arrival and every answer. Requests overlapped exactly when each started before the
    others finished, so tests can prove that calls ran in parallel by order, not by a clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=MAX_ENTRIES)
        self._next = 1
        self._tick = 0

    def arrived(self) -> int:
        with self._lock:
            self._tick += 1
            return self._tick

    def add(self, method: str, path: str, query: str, status: int, idempotency_key: str | None,
            started: int | None = None) -> None:
        with self._lock:
            self._tick += 1
            self._entries.append({"id": self._next, "method": method, "path": path, "query": query,
                                  "status": status, "idempotencyKey": idempotency_key,
                                  "started": started, "finished": self._tick})
            self._next += 1

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
