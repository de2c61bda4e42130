"""The log of API requests since the last reset (GET /sandbox/requests), for tests that must
prove a call was sent exactly once."""
from __future__ import annotations

import threading
from collections import deque

MAX_ENTRIES = 10000


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=MAX_ENTRIES)
        self._next = 1

    def add(self, method: str, path: str, query: str, status: int, idempotency_key: str | None) -> None:
        with self._lock:
            self._entries.append({"id": self._next, "method": method, "path": path, "query": query,
                                  "status": status, "idempotencyKey": idempotency_key})
            self._next += 1

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
