"""Where the Management budget keeps its count: per endpoint, the times of the requests sent in
the last minute, a "blocked until" after Talon.One refused one (429), and counters for /healthz.

- ``MemorySlots``: one process (``memory://``, the single-machine default); its clock is
  injectable, so tests move time by hand.
- ``RedisSlots``: every thread, worker and instance that shares the Redis (``redis://``); one
  Lua script checks and takes a slot atomically, timed by Redis's own clock, so instances on
  machines whose clocks differ still share one window.

Why not the ``limits`` library (which Flask-Limiter uses for the login throttle, and which has
moving windows on memory and Redis)? Three things this budget needs and it does not do: windows
of a fraction of a second (its windows are whole seconds, and its Redis script sets them with
EXPIRE, which takes whole seconds; the budget's window is 1 s plus a margin for the request's
travel, so that Talon.One, which counts on arrival, never sees N + 1 in a second); one clock
for all instances (it stamps each hit with the calling machine's time.time()); and a clock a
test can move (it reads time.time() inside its storage). Each of these stores is a few lines
over a sorted set or a deque.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import deque
from typing import Any, Callable, Protocol

log = logging.getLogger("app.talon")

RATE_SPAN = 60.0  # seconds of history kept per endpoint: /healthz's "per second" is over a minute
COUNTERS = ("requests", "waits", "wait_ms", "gave_up", "refused_upstream")


class Slots(Protocol):
    def take(self, endpoint: str, limit: int, window: float) -> float:
        """0 when a slot was taken (and counted) now; else the seconds until one may free."""

    def block(self, endpoint: str, seconds: float) -> None:
        """Nobody sends to ``endpoint`` for ``seconds`` (Talon.One's Retry-After)."""

    def count(self, endpoint: str, counter: str, amount: int = 1) -> None: ...

    def report(self, window: float) -> dict[str, dict[str, Any]]: ...


class MemorySlots:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: dict[str, deque] = {}
        self._blocked_until: dict[str, float] = {}
        self._counters: dict[str, dict[str, int]] = {}

    def take(self, endpoint: str, limit: int, window: float) -> float:
        with self._lock:
            now = self._clock()
            blocked = self._blocked_until.get(endpoint, 0.0) - now
            if blocked > 0:
                return blocked
            sent = self._sent.setdefault(endpoint, deque())
            while sent and sent[0] <= now - RATE_SPAN:
                sent.popleft()
            inside = sum(1 for _ in _newer_than(sent, now - window))
            if inside < limit:
                sent.append(now)
                self._bump(endpoint, "requests", 1)
                return 0.0
            # the limit-th newest request leaves the window first among those that must
            return max(sent[-limit] + window - now, 1e-3)

    def block(self, endpoint: str, seconds: float) -> None:
        with self._lock:
            until = self._clock() + seconds
            self._blocked_until[endpoint] = max(self._blocked_until.get(endpoint, 0.0), until)

    def count(self, endpoint: str, counter: str, amount: int = 1) -> None:
        with self._lock:
            self._bump(endpoint, counter, amount)

    def _bump(self, endpoint: str, counter: str, amount: int) -> None:
        counters = self._counters.setdefault(endpoint, dict.fromkeys(COUNTERS, 0))
        counters[counter] += amount

    def report(self, window: float) -> dict[str, dict[str, Any]]:
        with self._lock:
            now = self._clock()
            return {
                endpoint: _row(counters, in_window=sum(1 for _ in _newer_than(self._sent.get(endpoint, ()), now - window)),
                               last_minute=sum(1 for _ in _newer_than(self._sent.get(endpoint, ()), now - RATE_SPAN)),
                               blocked=max(0.0, self._blocked_until.get(endpoint, 0.0) - now))
                for endpoint, counters in sorted(self._counters.items())
            }


def _newer_than(times, since: float):
    for moment in reversed(times):
        if moment <= since:
            return
        yield moment


def _row(counters: dict, *, in_window: int, last_minute: int, blocked: float) -> dict[str, Any]:
    return {
        "in_window": in_window,
        "per_second_last_minute": round(last_minute / RATE_SPAN, 2),
        "requests": int(counters.get("requests", 0)),
        "waits": int(counters.get("waits", 0)),
        "wait_seconds": round(int(counters.get("wait_ms", 0)) / 1000, 1),
        "gave_up": int(counters.get("gave_up", 0)),
        "refused_upstream": int(counters.get("refused_upstream", 0)),
        "blocked_seconds": round(blocked, 2),
    }


# KEYS: the endpoint's sorted set of send times, its "blocked until" key, its counters hash, the
# hash of endpoints seen. ARGV: limit, window (seconds, may be fractional), a unique member, the
# span kept (seconds), the endpoint. Lua numbers become integers in Redis replies, so the wait
# goes back as a string.
_TAKE = """
redis.call('HSETNX', KEYS[4], ARGV[5], '1')
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return tostring(blocked - now) end
local limit, window, span = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
local inside = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
if inside < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(span) * 2)
  redis.call('HINCRBY', KEYS[3], 'requests', 1)
  return '0'
end
local nth = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. (now - window), 'WITHSCORES',
                       'LIMIT', limit - 1, 1)
return tostring(math.max(tonumber(nth[2]) + window - now, 0.001))
"""

# KEYS: the "blocked until" key. ARGV: seconds. Never shortens a block another instance set.
_BLOCK = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


class RedisSlots:
    def __init__(self, client, namespace: str) -> None:
        self._redis = client
        self._prefix = f"talon-desk:budget:{namespace}:"
        self._take = client.register_script(_TAKE)
        self._block = client.register_script(_BLOCK)

    def _keys(self, endpoint: str) -> tuple[str, str, str]:
        name = hashlib.sha256(endpoint.encode()).hexdigest()[:16]
        return (f"{self._prefix}sent:{name}", f"{self._prefix}blocked:{name}",
                f"{self._prefix}counters:{name}")

    def take(self, endpoint: str, limit: int, window: float) -> float:
        wait = self._take(keys=[*self._keys(endpoint), f"{self._prefix}endpoints"],
                          args=[limit, repr(window), uuid.uuid4().hex, repr(RATE_SPAN), endpoint])
        return float(wait)

    def block(self, endpoint: str, seconds: float) -> None:
        self._block(keys=[self._keys(endpoint)[1]], args=[repr(float(seconds))])

    def count(self, endpoint: str, counter: str, amount: int = 1) -> None:
        self._redis.hincrby(self._keys(endpoint)[2], counter, amount)

    def report(self, window: float) -> dict[str, dict[str, Any]]:
        endpoints = sorted(e.decode() if isinstance(e, bytes) else e
                           for e in self._redis.hkeys(f"{self._prefix}endpoints"))
        seconds, micros = self._redis.time()
        now = seconds + micros / 1_000_000
        pipe = self._redis.pipeline(transaction=False)
        for endpoint in endpoints:
            sent, blocked, counters = self._keys(endpoint)
            pipe.zcount(sent, f"({now - window}", "+inf")
            pipe.zcount(sent, f"({now - RATE_SPAN}", "+inf")
            pipe.get(blocked)
            pipe.hgetall(counters)
        answers = pipe.execute()
        report = {}
        for index, endpoint in enumerate(endpoints):
            in_window, last_minute, blocked, counters = answers[4 * index:4 * index + 4]
            counters = {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in counters.items()}
            report[endpoint] = _row(counters, in_window=in_window, last_minute=last_minute,
                                    blocked=max(0.0, float(blocked or 0) - now))
        return report


def namespace_for(base_url: str, management_key: str) -> str:
    """One budget per Talon.One deployment and Management key (Talon.One counts per key); the
    key itself never reaches Redis."""
    return hashlib.sha256(f"{base_url}\n{management_key}".encode()).hexdigest()[:16]


class FallbackSlots:
    """The shared store, or, while it cannot be reached, this process alone at one request per
    window and endpoint (it cannot know how many others there are), with a warning."""

    WARN_EVERY = 30.0  # seconds between the warnings of one outage

    def __init__(self, shared: Slots, local: MemorySlots, errors: tuple[type[BaseException], ...]) -> None:
        self.shared = shared
        self.local = local
        self._errors = errors
        self._warned_at = -self.WARN_EVERY

    def _failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at >= self.WARN_EVERY:
            self._warned_at = now
            log.warning("talon budget: the shared store is unreachable (%s); this process keeps "
                        "its own count, one request per window and endpoint", exc)

    def take(self, endpoint: str, limit: int, window: float) -> float:
        try:
            return self.shared.take(endpoint, limit, window)
        except self._errors as exc:
            self._failed(exc)
            return self.local.take(endpoint, 1, window)

    def block(self, endpoint: str, seconds: float) -> None:
        self.local.block(endpoint, seconds)
        try:
            self.shared.block(endpoint, seconds)
        except self._errors as exc:
            self._failed(exc)

    def count(self, endpoint: str, counter: str, amount: int = 1) -> None:
        try:
            self.shared.count(endpoint, counter, amount)
        except self._errors as exc:
            self._failed(exc)
            self.local.count(endpoint, counter, amount)

    def report(self, window: float) -> dict[str, dict[str, Any]]:
        try:
            return self.shared.report(window)
        except self._errors as exc:
            self._failed(exc)
            return {endpoint: {**row, "store": "this process (shared store unreachable)"}
                    for endpoint, row in self.local.report(window).items()}


def is_shared_store(storage_uri: str) -> bool:
    return storage_uri.startswith(("redis://", "rediss://", "unix://"))


def slots_for(storage_uri: str, namespace: str, clock: Callable[[], float] = time.monotonic) -> Slots:
    """``memory://`` (or empty) keeps the count in this process; ``redis://``/``rediss://`` in
    the Redis every instance shares."""
    if is_shared_store(storage_uri):
        import redis

        client = redis.Redis.from_url(storage_uri, socket_timeout=2, socket_connect_timeout=2)
        return FallbackSlots(RedisSlots(client, namespace), MemorySlots(clock),
                             (redis.RedisError, OSError))
    return MemorySlots(clock)
