"""Customer profiles: creation on first sight, attributes, and their spec shapes."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, load
from sandbox.errors import NotFound
from sandbox.models.common import drop_none, money, ts
from sandbox.store import ACCOUNT_ID


def find(tx: Tx, integration_id: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM profiles WHERE integration_id = ?", integration_id)


def require(tx: Tx, integration_id: str) -> sqlite3.Row:
    row = find(tx, integration_id)
    if row is None:
        raise NotFound(f"Customer profile {integration_id!r} does not exist", resource="customerProfile")
    return row


def ensure(tx: Tx, integration_id: str, *, in_application: bool = True) -> sqlite3.Row:
    """The profile, created empty if it is new (Talon.One does this on session updates).

    in_application=False is for a profile an audience change creates: "If the customer profile
    does not exist, it will be created. The profile will not be visible in any Application until
    a session or profile update is received for that profile" (CustomerProfileAudienceRequestItem).
    Any other caller is such an update, and makes the profile visible."""
    row = find(tx, integration_id)
    if row is None:
        now = ts(tx.now)
        tx.insert("profiles", integration_id=integration_id, created=now, last_activity=now, attributes={},
                  in_application=int(in_application))
        row = find(tx, integration_id)
    elif in_application and not row["in_application"]:
        tx.update("profiles", row["id"], in_application=1)
        row = find(tx, integration_id)
    return row


def merge_attributes(tx: Tx, row: sqlite3.Row, attributes: dict) -> sqlite3.Row:
    merged = {**load(row["attributes"], {}), **attributes}
    tx.update("profiles", row["id"], attributes=merged, last_activity=ts(tx.now))
    return find(tx, row["integration_id"])


def touch(tx: Tx, integration_id: str) -> None:
    tx.run("UPDATE profiles SET last_activity = ? WHERE integration_id = ?", ts(tx.now), integration_id)


def audience_ids(tx: Tx, profile_id: int) -> list[int]:
    return [r[0] for r in tx.all(
        "SELECT audience_id FROM audience_members WHERE profile_id = ? ORDER BY audience_id", profile_id)]


def as_customer_profile(tx: Tx, row: sqlite3.Row) -> dict:
    """The spec's CustomerProfile."""
    audiences = tx.all(
        "SELECT a.id, a.name FROM audience_members m JOIN audiences a ON a.id = m.audience_id "
        "WHERE m.profile_id = ? ORDER BY a.id", row["id"])
    memberships = tx.all(
        "SELECT program_id, joined FROM loyalty_members WHERE profile_integration_id = ? ORDER BY program_id",
        row["integration_id"])
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "integrationId": row["integration_id"],
        "attributes": load(row["attributes"], {}),
        "accountId": ACCOUNT_ID,
        "closedSessions": row["closed_sessions"],
        "totalSales": money(row["total_sales"]),
        "loyaltyMemberships": [{"joined": m["joined"], "loyaltyProgramId": m["program_id"]} for m in memberships],
        "audienceMemberships": [{"id": a["id"], "name": a["name"]} for a in audiences],
        "lastActivity": row["last_activity"],
        "sandbox": True,
    })


def as_application_customer(tx: Tx, row: sqlite3.Row) -> dict:
    """The Management API's ApplicationCustomer: a CustomerProfile plus the advocate."""
    shown = as_customer_profile(tx, row)
    if row["advocate_integration_id"]:
        shown["advocateIntegrationId"] = row["advocate_integration_id"]
    return shown
