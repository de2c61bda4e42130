"""The sandbox's state holder: database, clock, entity locks, and the seed to reset to.

Models receive a `Tx` from `Store.write()` / `Store.read()`; handlers never touch SQL.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sandbox.clock import Clock
from sandbox.db import Database, Tx, load
from sandbox.locks import EntityLocks

APPLICATION_ID = 1
ACCOUNT_ID = 1


class Store:
    def __init__(self, db_path: str | Path | None = None) -> None:
        # Without a file, a fresh in-memory database: nothing survives the process, nothing is
        # left on disk, and resets copy memory to memory (about 2 ms for the demo).
        self.db = Database(db_path or ":memory:")
        self.clock = Clock()
        self.locks = EntityLocks()
        self._campaigns: list[dict] | None = None

    @contextmanager
    def write(self, *, dry: bool = False, now: datetime | None = None) -> Iterator[Tx]:
        """A transaction; rolled back at the end when `dry` (see Database.transaction)."""
        with self.db.transaction(now or self.clock.now(), dry=dry) as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self.db.lock:
            yield Tx(self.db.conn, self.clock.now(), dry=True)

    def campaigns(self, tx: Tx) -> list[dict]:
        """Campaign definitions sorted by ID, cached until updateCampaign changes one
        (``forget_campaigns``) or a reset."""
        if self._campaigns is None:
            rows = tx.all("SELECT definition FROM campaigns ORDER BY id")
            self._campaigns = [load(row["definition"]) for row in rows]
        return self._campaigns

    def forget_campaigns(self) -> None:
        self._campaigns = None

    def is_seeded(self) -> bool:
        with self.read() as tx:
            return tx.scalar("SELECT count(*) FROM campaigns") > 0 or tx.scalar("SELECT count(*) FROM profiles") > 0

    def snapshot(self) -> None:
        self.db.snapshot()

    def reset(self) -> None:
        self.db.restore()
        self._campaigns = None

    def close(self) -> None:
        self.db.close()
