"""The log of API requests since the last reset (GET /sandbox/requests), for tests that must
prove a call was sent exactly once."""
from __future__ import annotations

import threading
from collections import deque

MAX_ENTRIES = 10000
PARSED_BODY = "sandbox.json_body"   # the environ key where api.params.json_body leaves the body


class RequestLog:
    """Each entry also carries `started` and `finished`: positions on one counter that ticks at
    every arrival and every answer. Requests overlapped exactly when each started before the
    others finished, so tests can prove that calls ran in parallel by order, not by a clock.
    `items` is the length of a JSON body's list (its `data` array, as in POST
    /v2/customer_audiences, or the body itself), else None: with it a test counts the rows that
    reached the sandbox without the log keeping the bodies."""

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
            started: int | None = None, items: int | None = None) -> None:
        with self._lock:
            self._tick += 1
            self._entries.append({"id": self._next, "method": method, "path": path, "query": query,
                                  "status": status, "idempotencyKey": idempotency_key,
                                  "started": started, "finished": self._tick, "items": items})
            self._next += 1

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def body_items(request) -> int | None:
    """The number of entries of a write request's JSON list (RequestLog: `items`), from the body
    the handler parsed (never parsed twice)."""
    body = request.environ.get(PARSED_BODY)
    if isinstance(body, dict):
        body = body.get("data")
    return len(body) if isinstance(body, list) else None
