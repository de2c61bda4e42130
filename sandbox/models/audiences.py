"""Audiences and their memberships."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, dump, load
from sandbox.errors import Conflict, InvalidRequest, NotFound
from sandbox.models import campaigns, profiles
from sandbox.models.common import drop_none, ts
from sandbox.store import ACCOUNT_ID


def require(tx: Tx, audience_id: int) -> sqlite3.Row:
    row = tx.one("SELECT * FROM audiences WHERE id = ?", audience_id)
    if row is None:
        raise NotFound(f"Audience {audience_id} does not exist", resource="audience")
    return row


def as_audience(row: sqlite3.Row) -> dict:
    """The spec's Audience."""
    return drop_none({
        "accountId": ACCOUNT_ID,
        "id": row["id"],
        "created": row["created"],
        "name": row["name"],
        "sandbox": True,
        "description": row["description"],
        "integration": row["integration"],
        "integrationId": row["integration_id"],
        "createdIn3rdParty": bool(row["created_in_3rd_party"]),
        "lastUpdate": row["last_update"],
    })


def add_member(tx: Tx, audience_id: int, profile_id: int) -> None:
    tx.run("INSERT OR IGNORE INTO audience_members (audience_id, profile_id, created) VALUES (?, ?, ?)",
           audience_id, profile_id, ts(tx.now))


def remove_member(tx: Tx, audience_id: int, profile_id: int) -> None:
    tx.run("DELETE FROM audience_members WHERE audience_id = ? AND profile_id = ?", audience_id, profile_id)


def _touch(tx: Tx, audience_id: int) -> None:
    tx.run("UPDATE audiences SET last_update = ? WHERE id = ?", ts(tx.now), audience_id)


# --- the operations of the Integration API ---------------------------------------------------

def create(tx: Tx, body: dict) -> dict:
    """createAudienceV2: 409 when an audience with this integrationId exists (spec: 409)."""
    integration_id = body.get("integrationId")
    if integration_id and tx.one("SELECT id FROM audiences WHERE integration_id = ?", integration_id):
        raise Conflict(f"An audience with integrationId {integration_id!r} already exists", pointer="/integrationId")
    audience_id = tx.insert(
        "audiences", name=body["name"], description=body.get("description"), integration=body.get("integration"),
        integration_id=integration_id, created=ts(tx.now), last_update=ts(tx.now),
        created_in_3rd_party=int(bool(body.get("createdIn3rdParty") or body.get("integration"))))
    return as_audience(require(tx, audience_id))


def rename(tx: Tx, audience_id: int, name: str) -> dict:
    require(tx, audience_id)
    tx.run("UPDATE audiences SET name = ?, last_update = ? WHERE id = ?", name, ts(tx.now), audience_id)
    return as_audience(require(tx, audience_id))


def delete(tx: Tx, audience_id: int) -> None:
    require(tx, audience_id)
    # Talon.One refuses to delete an audience that a campaign's rules still use.
    using = campaigns.using_audience(tx, audience_id)
    if using:
        raise InvalidRequest(
            f"Audience {audience_id} is used by campaign(s) {', '.join(map(str, using))}; "
            "remove it from their rules first", parameter="audienceId")
    tx.run("DELETE FROM audience_members WHERE audience_id = ?", audience_id)
    tx.run("DELETE FROM audiences WHERE id = ?", audience_id)


def clear_memberships(tx: Tx, audience_id: int) -> None:
    require(tx, audience_id)
    tx.run("DELETE FROM audience_members WHERE audience_id = ?", audience_id)
    _touch(tx, audience_id)


def change_memberships(tx: Tx, changes: list[dict]) -> None:
    """updateCustomerProfileAudiences: all or nothing, 404 for an unknown audience.

    `add` of an unknown profile creates it (CustomerProfileAudienceRequestItem: "If the customer
    profile does not exist, it will be created"), unseen by the Application until a session or
    profile update names it; `delete` of an unknown profile has nothing to remove."""
    for change in changes:
        require(tx, change["audienceId"])
        if change["action"] == "add":
            profile = profiles.ensure(tx, change["profileIntegrationId"], in_application=False)
            add_member(tx, change["audienceId"], profile["id"])
        else:
            profile = profiles.find(tx, change["profileIntegrationId"])
            if profile is not None:
                remove_member(tx, change["audienceId"], profile["id"])
        _touch(tx, change["audienceId"])


def apply_profile_changes(tx: Tx, profile: sqlite3.Row, changes: dict) -> None:
    """A profile update's audiencesChanges: {adds: [ids], deletes: [ids]}."""
    for audience_id in changes.get("adds", []):
        require(tx, audience_id)
        add_member(tx, audience_id, profile["id"])
    for audience_id in changes.get("deletes", []):
        require(tx, audience_id)
        remove_member(tx, audience_id, profile["id"])


def update_member_attributes(tx: Tx, audience_id: int, attributes: dict) -> None:
    """updateAudienceCustomersAttributes: merge these attributes into every member's profile."""
    require(tx, audience_id)
    members = tx.all("SELECT p.* FROM profiles p JOIN audience_members m ON m.profile_id = p.id "
                     "WHERE m.audience_id = ?", audience_id)
    for member in members:
        profiles.merge_attributes(tx, member, attributes)


def members(tx: Tx, audience_id: int, profile_query: str | None, order: str = "p.id") -> list[sqlite3.Row]:
    """The audience's member profiles in ``order`` (an ORDER BY built from known columns)."""
    require(tx, audience_id)
    rows = tx.all("SELECT p.* FROM profiles p JOIN audience_members m ON m.profile_id = p.id "
                  f"WHERE m.audience_id = ? ORDER BY {order}", audience_id)
    if profile_query:
        needle = profile_query.lower()
        rows = [r for r in rows if needle in r["integration_id"].lower() or needle in
                " ".join(str(v) for v in load(r["attributes"], {}).values()).lower()]
    return rows


def member_counts(tx: Tx, audience_ids: list[int]) -> dict[int, int]:
    """{audience ID: member count} for those of `audience_ids` that exist (getAudiencesAnalytics).
    The IDs go in as one JSON array, so any number of them fits in one statement."""
    rows = tx.all("SELECT a.id, count(m.profile_id) AS members FROM audiences a "
                  "LEFT JOIN audience_members m ON m.audience_id = a.id "
                  "WHERE a.id IN (SELECT value FROM json_each(?)) GROUP BY a.id", dump(audience_ids))
    return {row["id"]: row["members"] for row in rows}
