"""A short-lived shared cache for Management reads that change rarely: campaigns and their names,
loyalty programs, attribute definitions, audiences (and the goodwill codes' search while a
customer page shows the widget).

The store is a Flask-Caching backend (``SimpleCache`` in this process by default,
``RedisCache`` when the console is scaled out: TALON_CACHE_STORAGE_URI, else
RATELIMIT_STORAGE_URI), so every worker and instance shares what one of them read. Entries are
grouped ("campaigns", "audiences", ...), and the console's own changes invalidate their group
everywhere at once: each group has a generation number in the same store, and an entry of an
older generation is never used. Freshness is checked against an injectable clock (the store's
own expiry only drops what nobody needs any more), so tests move time by hand.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any, Callable

log = logging.getLogger("app.talon")

MISSING = object()


class ReadCache:
    def __init__(self, backend, ttl: float, *, namespace: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        #: a cachelib/Flask-Caching backend (get_many, set, inc), or None for no caching
        self.backend = backend
        self.ttl = float(ttl)
        self._prefix = f"talon-desk:reads:{namespace}:"
        self._clock = clock
        self.hits = 0
        self.misses = 0
        self.errors = 0

    @property
    def enabled(self) -> bool:
        return self.backend is not None and self.ttl > 0

    def _entry_key(self, group: str, key: Any) -> str:
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:24]
        return f"{self._prefix}{group}:{digest}"

    def _generation_key(self, group: str) -> str:
        return f"{self._prefix}generation:{group}"

    def get(self, group: str, key: Any) -> Any:
        """The cached value, or MISSING when there is none fresh of the group's generation."""
        if not self.enabled:
            return MISSING
        try:
            entry, generation = self.backend.get_many(self._entry_key(group, key),
                                                      self._generation_key(group))
        except Exception as exc:  # noqa: BLE001 - the store is down: read from Talon.One
            self._store_failed(exc)
            return MISSING
        if (isinstance(entry, tuple) and len(entry) == 3 and entry[0] == (generation or 0)
                and self._clock() - entry[1] < self.ttl):
            self.hits += 1
            return entry[2]
        self.misses += 1
        return MISSING

    def put(self, group: str, key: Any, value: Any, *, generation: int | None = None) -> None:
        """Store ``value`` as read in ``generation`` (the group's generation before the read, so
        a change that happened during the read makes the entry stale at once)."""
        if not self.enabled:
            return
        if generation is None:
            generation = self.generation(group)
        try:
            # the store keeps it a little longer than it is fresh; freshness is our clock's call
            self.backend.set(self._entry_key(group, key), (generation, self._clock(), value),
                             timeout=int(self.ttl) + 5)
        except Exception as exc:  # noqa: BLE001
            self._store_failed(exc)

    def generation(self, group: str) -> int:
        if not self.enabled:
            return 0
        try:
            return int(self.backend.get(self._generation_key(group)) or 0)
        except Exception as exc:  # noqa: BLE001
            self._store_failed(exc)
            return -1  # matches no entry: nothing is served from a store we cannot read

    def invalidate(self, *groups: str) -> None:
        """The console changed something these groups hold: every process reads them afresh."""
        if not self.enabled:
            return
        for group in groups:
            try:
                if self.backend.inc(self._generation_key(group)) is None:
                    self.backend.set(self._generation_key(group), self.generation(group) + 1, timeout=0)
            except Exception as exc:  # noqa: BLE001
                self._store_failed(exc)

    def _store_failed(self, exc: Exception) -> None:
        self.errors += 1
        if self.errors == 1 or self.errors % 100 == 0:
            log.warning("talon read cache: the store failed (%s: %s); reading from Talon.One",
                        type(exc).__name__, exc)

    def fetch(self, group: str, key: Any, read: Callable[[], Any]) -> Any:
        """The cached value, or ``read()`` stored for the next caller."""
        value = self.get(group, key)
        if value is not MISSING:
            return value
        generation = self.generation(group)
        value = read()
        self.put(group, key, value, generation=generation)
        return value

    # -- entries kept for a later request (app/handoff.py) -----------------------------------

    def hold(self, key: Any, value: Any, seconds: int, *, group: str | None = None) -> None:
        """Keep ``value`` under ``key`` for ``seconds``; with a ``group``, only while the
        group's generation stays as it is now (a console change to what it holds ends it)."""
        if not self.enabled:
            return
        generation = self.generation(group) if group else 0
        try:
            self.backend.set(self._entry_key("held", key), (generation, value),
                             timeout=max(1, int(seconds)))
        except Exception as exc:  # noqa: BLE001 - nothing held: the next request reads itself
            self._store_failed(exc)

    def held(self, key: Any, *, group: str | None = None, take: bool = False) -> Any:
        """The value held under ``key`` (with ``take``, gone from the store), or MISSING."""
        if not self.enabled:
            return MISSING
        entry_key = self._entry_key("held", key)
        try:
            entry, generation = self.backend.get_many(
                entry_key, self._generation_key(group) if group else entry_key)
            if take and entry is not None:
                self.backend.delete(entry_key)
        except Exception as exc:  # noqa: BLE001
            self._store_failed(exc)
            return MISSING
        if not (isinstance(entry, tuple) and len(entry) == 2):
            return MISSING
        if group and entry[0] != (generation or 0):
            return MISSING
        return entry[1]

    def report(self) -> dict[str, Any]:
        return {"ttl_seconds": self.ttl, "backend": type(self.backend).__name__ if self.enabled else None,
                "hits": self.hits, "misses": self.misses, "store_errors": self.errors}


def cache_backend(storage_uri: str, ttl: float):
    """Flask-Caching's backend for the storage: ``RedisCache`` on a redis:// URL (shared by
    every instance), else ``SimpleCache`` (this process); None when the TTL is 0 (no cache)."""
    if ttl <= 0:
        return None
    from flask_caching.backends import RedisCache, SimpleCache

    from .budget_slots import is_shared_store

    if is_shared_store(storage_uri):
        import redis

        client = redis.Redis.from_url(storage_uri, socket_timeout=2, socket_connect_timeout=2)
        return RedisCache(host=client, default_timeout=0)
    return SimpleCache(threshold=5000, default_timeout=0)
