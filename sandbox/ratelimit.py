"""Talon.One's Management API limit: at most N requests per endpoint and key in any second.

Talon.One, "Management API overview" (https://docs.talon.one/docs/dev/management-api/overview):
"This API is for back-office operations, not for real-time integrations that directly serve
your end users. Each of its endpoints has a limit of 3 requests per second." The reference
(https://docs.talon.one/management-api) repeats it: "This API supports a maximum of 3 requests
per second for each of these endpoints." The Integration API has no published cap.

So the sandbox counts, per endpoint (the method and the route's path template, so
`GET /v1/loyalty_programs/1/cards/4000-0001` and `.../cards/4000-0002` are one endpoint) and
per API key, the requests it admitted in the last second; beyond N it answers 429 with
Talon.One's error body and `Retry-After` (whole seconds, as HTTP defines the header). Refused
requests are not counted against the window, as a token or window limiter at a gateway does
not count what it turned away; they are counted in the report, which is what tests read to
prove that a client stayed within the limit.

The clock is injectable, and a test can switch to a manual clock over the control endpoint
(`POST /sandbox/rate-limit {"clock": "manual"}`, then `{"advanceSeconds": 1}`), so a test can
show what happens across seconds without waiting for them.
"""
from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from sandbox.errors import InvalidRequest
from sandbox.validate import validate

#: Talon.One's published limit; `make run`, the benchmarks and the e2e tests use it.
TALON_ONE_LIMIT = 3
WINDOW_SECONDS = 1.0

CONTROL_SCHEMA = {
    "type": "object",
    "properties": {
        "managementPerSecond": {"type": "integer", "minimum": 0, "maximum": 100000},
        "clock": {"type": "string", "enum": ["real", "manual"]},
        "advanceSeconds": {"type": "number", "minimum": 0, "maximum": 86400},
    },
}


class ManualClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@dataclass
class _Endpoint:
    admitted: deque = field(default_factory=deque)  # times of admitted requests in the window
    arrivals: deque = field(default_factory=deque)  # times of every request in the window
    requests: int = 0
    refused: int = 0
    peak: int = 0  # most requests that arrived within one second, refused ones included


class ManagementRateLimit:
    """Per (endpoint, key): at most ``per_second`` admitted requests in any rolling second;
    0 turns the limit off (requests are still counted)."""

    def __init__(self, per_second: int = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.start_per_second = int(per_second)
        self._start_clock = clock
        self._lock = threading.Lock()
        self.per_second = self.start_per_second
        self.clock = clock
        self._endpoints: dict[tuple[str, str], _Endpoint] = {}

    def admit(self, endpoint: str, key: str) -> int | None:
        """None when the request may proceed; else the Retry-After in whole seconds."""
        key_id = hashlib.sha256(key.encode()).hexdigest()[:12]  # the report never shows a key
        with self._lock:
            now = self.clock()
            state = self._endpoints.setdefault((endpoint, key_id), _Endpoint())
            for times in (state.admitted, state.arrivals):
                while times and times[0] <= now - WINDOW_SECONDS:
                    times.popleft()
            state.requests += 1
            state.arrivals.append(now)
            state.peak = max(state.peak, len(state.arrivals))
            if self.per_second and len(state.admitted) >= self.per_second:
                state.refused += 1
                # the oldest admitted request leaves the window at admitted[-N] + 1 s
                free_at = state.admitted[-self.per_second] + WINDOW_SECONDS
                return max(1, math.ceil(free_at - now))
            state.admitted.append(now)
            return None

    def configure(self, plan: dict) -> dict:
        """The control endpoint's body: ``managementPerSecond``, ``clock``, ``advanceSeconds``."""
        validate(plan, CONTROL_SCHEMA)
        unknown = sorted(set(plan) - set(CONTROL_SCHEMA["properties"]))
        if unknown:
            raise InvalidRequest(f"Unknown setting {unknown[0]!r}; known: "
                                 f"{', '.join(CONTROL_SCHEMA['properties'])}", pointer=f"/{unknown[0]}")
        with self._lock:
            if "managementPerSecond" in plan:
                self.per_second = int(plan["managementPerSecond"])
            if plan.get("clock") == "manual" and not isinstance(self.clock, ManualClock):
                self.clock = ManualClock(self.clock())
                self._endpoints.clear()  # times on the old clock mean nothing on the new one
            elif plan.get("clock") == "real" and isinstance(self.clock, ManualClock):
                self.clock = self._start_clock
                self._endpoints.clear()
            if "advanceSeconds" in plan:
                if not isinstance(self.clock, ManualClock):
                    raise InvalidRequest("advanceSeconds needs the manual clock ({\"clock\": \"manual\"})",
                                         pointer="/advanceSeconds")
                self.clock.advance(float(plan["advanceSeconds"]))
        return self.describe()

    def reset(self) -> None:
        """Back to the start-up limit and clock, with nothing counted."""
        with self._lock:
            self.per_second = self.start_per_second
            self.clock = self._start_clock
            self._endpoints.clear()

    def describe(self) -> dict:
        with self._lock:
            endpoints = {}
            for (endpoint, _key), state in sorted(self._endpoints.items()):
                row = endpoints.setdefault(endpoint, {"endpoint": endpoint, "requests": 0, "refused": 0,
                                                      "peakPerSecond": 0})
                row["requests"] += state.requests
                row["refused"] += state.refused
                row["peakPerSecond"] = max(row["peakPerSecond"], state.peak)
            return {"managementPerSecond": self.per_second,
                    "clock": "manual" if isinstance(self.clock, ManualClock) else "real",
                    "endpoints": list(endpoints.values())}
