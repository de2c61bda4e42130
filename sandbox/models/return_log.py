"""Recorded returns, in the spec's Return shape."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, load
from sandbox.models.common import drop_none
from sandbox.store import ACCOUNT_ID, APPLICATION_ID


def as_return(tx: Tx, row: sqlite3.Row) -> dict:
    session = tx.one("SELECT integration_id FROM sessions WHERE id = ?", row["session_id"])
    profile_id = tx.scalar("SELECT id FROM profiles WHERE integration_id = ?", row["profile_integration_id"]) \
        if row["profile_integration_id"] else None
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "applicationId": APPLICATION_ID,
        "accountId": ACCOUNT_ID,
        "returnedCartItems": load(row["returned_items"], []),
        "eventId": row["event_id"],
        "sessionId": row["session_id"],
        "sessionIntegrationId": session["integration_id"] if session else "",
        "profileId": profile_id,
        "profileIntegrationId": row["profile_integration_id"],
    })


def previous(tx: Tx, session_id: int, before: int | None = None) -> list[dict]:
    """The session's returns, oldest first (those before return `before`, when given)."""
    rows = tx.all("SELECT * FROM returns WHERE session_id = ? AND id < ? ORDER BY id", session_id,
                  before if before is not None else 2 ** 62)
    return [as_return(tx, row) for row in rows]
