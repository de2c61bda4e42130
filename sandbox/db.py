"""SQLite persistence: one connection, one lock, explicit transactions, and a fast reset.

Every operation runs inside `Database.transaction()`. A dry run is the same code in a
transaction that is rolled back, so `dry=true` cannot persist anything by construction.
One connection behind a re-entrant lock keeps the threaded server consistent; SQLite
operations take microseconds, so the lock is never what limits throughput.

`snapshot()` copies the seeded database into memory once; `restore()` copies it back with
SQLite's backup API, which is what makes `POST /sandbox/reset` take milliseconds.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

SCHEMA = (Path(__file__).with_name("schema.sql")).read_text()


class Tx:
    """One open transaction: the connection, the operation's `now`, and small query helpers."""

    def __init__(self, conn: sqlite3.Connection, now: datetime, dry: bool) -> None:
        self.conn = conn
        self.now = now
        self.dry = dry

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        return self.conn.execute(sql, args).fetchone()

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        return self.conn.execute(sql, args).fetchall()

    def scalar(self, sql: str, *args: Any) -> Any:
        row = self.conn.execute(sql, args).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, *args: Any) -> int:
        """Execute a write; answer how many rows it changed."""
        return self.conn.execute(sql, args).rowcount

    def insert(self, table: str, **columns: Any) -> int:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        values = [dump(v) if isinstance(v, (dict, list)) else v for v in columns.values()]
        return self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", values).lastrowid

    def update(self, table: str, row_id: int, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        values = [dump(v) if isinstance(v, (dict, list)) else v for v in columns.values()]
        self.conn.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values, row_id])


def dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def load(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


class Database:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.lock = threading.RLock()
        self.conn = self._connect(self.path)
        if self._is_empty():
            self.conn.executescript(SCHEMA)
        self._seed: sqlite3.Connection | None = None

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        # An emulator trades durability for speed: a crash may lose the last writes, never
        # consistency (WAL keeps the file valid).
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _is_empty(self) -> bool:
        return self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0

    @contextmanager
    def transaction(self, now: datetime, *, dry: bool = False) -> Iterator[Tx]:
        """Run a unit of work; commit it, or roll it back on error or when `dry`."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self.conn, now, dry)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("ROLLBACK" if dry else "COMMIT")

    def snapshot(self) -> None:
        """Remember the current state as the one `restore()` goes back to."""
        with self.lock:
            seed = sqlite3.connect(":memory:", check_same_thread=False)
            self.conn.backup(seed)
            self._seed = seed

    def restore(self) -> None:
        if self._seed is None:
            raise RuntimeError("no snapshot to restore")
        with self.lock:
            self._seed.backup(self.conn)

    def close(self) -> None:
        with self.lock:
            self.conn.close()
            if self._seed is not None:
                self._seed.close()
