"""Opening the store for a server: seed a new database, keep an existing one, remember the seed.

A database that already holds data (a --db file from an earlier run) is used as it is; a new
one is seeded with "demo" (sandbox/demo.py) or left "empty". Either way the state at start-up is
snapshotted, and POST /sandbox/reset goes back to it.
"""
from __future__ import annotations

from sandbox.store import Store

SEEDS = ("demo", "empty")


def open_seeded_store(db: str | None, seed: str) -> Store:
    if seed not in SEEDS:
        raise ValueError(f"seed must be one of {', '.join(SEEDS)}, not {seed!r}")
    store = Store(db)
    if seed == "demo" and not store.is_seeded():
        from sandbox import demo
        demo.seed(store)
    store.snapshot()
    return store
