"""Events: every session update, return, reopen and tracked event leaves one."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, load
from sandbox.models.common import drop_none, ts
from sandbox.store import APPLICATION_ID


def record(tx: Tx, event_type: str, *, profile: str | None = None, store: str | None = None,
           session: str | None = None, attributes: dict | None = None, effects: list | None = None,
           rule_failure_reasons: list | None = None) -> int:
    return tx.insert("events", created=ts(tx.now), type=event_type, profile_integration_id=profile or None,
                     store_integration_id=store or None, session_integration_id=session or None,
                     attributes=attributes or {}, effects=effects or [],
                     rule_failure_reasons=rule_failure_reasons or [])


def find(tx: Tx, event_id: int) -> sqlite3.Row:
    return tx.one("SELECT * FROM events WHERE id = ?", event_id)


def as_event(row: sqlite3.Row) -> dict:
    """The Integration API's Event (profile and session by integration ID)."""
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "applicationId": APPLICATION_ID,
        "profileId": row["profile_integration_id"],
        "storeIntegrationId": row["store_integration_id"],
        "type": row["type"],
        "attributes": load(row["attributes"], {}),
        "sessionId": row["session_integration_id"],
        "effects": load(row["effects"], []),
    })


def as_application_event(tx: Tx, row: sqlite3.Row) -> dict:
    """The Management API's ApplicationEvent (profile and session by internal ID)."""
    profile_id = tx.scalar("SELECT id FROM profiles WHERE integration_id = ?", row["profile_integration_id"]) \
        if row["profile_integration_id"] else None
    session_id = tx.scalar("SELECT id FROM sessions WHERE integration_id = ?", row["session_integration_id"]) \
        if row["session_integration_id"] else None
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "applicationId": APPLICATION_ID,
        "profileId": profile_id,
        "storeIntegrationId": row["store_integration_id"],
        "sessionId": session_id,
        "type": row["type"],
        "attributes": load(row["attributes"], {}),
        "effects": load(row["effects"], []),
        "ruleFailureReasons": load(row["rule_failure_reasons"], []),
    })
