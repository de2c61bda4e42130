"""Giveaways: codes from a pool, awarded to profiles (the inventory shows them)."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, load
from sandbox.models.common import drop_none


def as_giveaway(tx: Tx, row: sqlite3.Row) -> dict:
    """The spec's Giveaway."""
    profile_id = tx.scalar("SELECT id FROM profiles WHERE integration_id = ?", row["profile_integration_id"]) \
        if row["profile_integration_id"] else None
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "code": row["code"],
        "poolId": row["pool_id"],
        "startDate": row["start_date"],
        "endDate": row["end_date"],
        "attributes": load(row["attributes"], {}),
        "used": bool(row["used"]),
        "profileIntegrationId": row["profile_integration_id"],
        "profileId": profile_id,
    })


def award(tx: Tx, giveaway_id: int, profile: str) -> None:
    tx.run("UPDATE giveaways SET profile_integration_id = ? WHERE id = ? AND profile_integration_id IS NULL",
           profile, giveaway_id)


def inventory(tx: Tx, profile: str) -> list[dict]:
    rows = tx.all("SELECT * FROM giveaways WHERE profile_integration_id = ? ORDER BY id", profile)
    return [as_giveaway(tx, row) for row in rows]
