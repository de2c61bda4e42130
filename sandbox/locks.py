"""Per-entity locks that refuse instead of wait, as Talon.One answers 409 to parallel updates.

Talon.One processes one update of a session (or profile) at a time and answers a concurrent
one with 409 rather than queueing it. `EntityLocks.hold(("session", "s1"), ("profile", "p1"))`
takes every lock without blocking or raises Conflict, releasing whatever it already took.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Hashable, Iterator

from sandbox.errors import Conflict


class EntityLocks:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: set[Hashable] = set()

    @contextmanager
    def hold(self, *keys: Hashable) -> Iterator[None]:
        wanted = [key for key in dict.fromkeys(keys) if key is not None]
        with self._guard:
            busy = [key for key in wanted if key in self._held]
            if busy:
                kind, name = busy[0]
                raise Conflict(
                    f"Another request is updating {kind} {name!r} right now; retry after it completes",
                    resource=f"{kind}/{name}",
                )
            self._held.update(wanted)
        try:
            yield
        finally:
            with self._guard:
                self._held.difference_update(wanted)
