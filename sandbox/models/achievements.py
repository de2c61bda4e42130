"""Achievements: definitions, and each profile's progress towards them."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, load
from sandbox.errors import NotFound
from sandbox.models.common import drop_none, ts


def definitions(tx: Tx) -> list[sqlite3.Row]:
    return tx.all("SELECT * FROM achievements ORDER BY id")


def current(tx: Tx, achievement_id: int, profile: str) -> sqlite3.Row | None:
    """The profile's latest progress record for the achievement."""
    return tx.one("SELECT * FROM achievement_progress WHERE achievement_id = ? AND profile_integration_id = ? "
                  "ORDER BY id DESC LIMIT 1", achievement_id, profile)


def progress_value(tx: Tx, achievement_id: int, profile: str) -> float:
    row = current(tx, achievement_id, profile) if profile else None
    return float(row["progress"]) if row is not None else 0.0


def increase(tx: Tx, achievement_id: int, profile: str, value: float, target: float) -> None:
    """Record increaseAchievementProgress: `value` is the progress after the increase."""
    row = current(tx, achievement_id, profile)
    completed = value >= target
    if row is None or row["status"] != "inprogress":
        if row is not None and row["status"] == "completed":
            return  # no_recurrence: a completed achievement stays completed
        tx.insert("achievement_progress", achievement_id=achievement_id, profile_integration_id=profile,
                  progress=value, status="completed" if completed else "inprogress", start_date=ts(tx.now),
                  completion_date=ts(tx.now) if completed else None)
        return
    tx.update("achievement_progress", row["id"], progress=value,
              status="completed" if completed else "inprogress",
              completion_date=ts(tx.now) if completed else None)


def decrease(tx: Tx, achievement_id: int, profile: str, by: float) -> None:
    """Record rollbackIncreasedAchievementProgress (completed achievements are never rolled back)."""
    row = current(tx, achievement_id, profile)
    if row is None or row["status"] != "inprogress":
        return
    tx.update("achievement_progress", row["id"], progress=max(float(row["progress"]) - by, 0.0))


def _progress(row: sqlite3.Row | None) -> dict:
    """The spec's AchievementProgress (not_started when there is no record)."""
    if row is None:
        return {"status": "not_started", "progress": 0}
    return drop_none({
        "status": row["status"],
        "progress": row["progress"],
        "startDate": row["start_date"],
        "completionDate": row["completion_date"],
        "endDate": row["end_date"],
    })


def _status(definition: dict) -> str:
    return definition.get("status", "active")


def as_status_entry(tx: Tx, row: sqlite3.Row, profile: str) -> dict:
    """The spec's AchievementStatusEntry."""
    definition = load(row["definition"])
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "name": definition["name"],
        "title": definition["title"],
        "description": definition["description"],
        "target": definition["target"],
        "period": definition.get("period"),
        "recurrencePolicy": definition.get("recurrencePolicy"),
        "activationPolicy": definition.get("activationPolicy"),
        "campaignId": row["campaign_id"],
        "status": _status(definition),
        "currentProgress": _progress(current(tx, row["id"], profile)),
    })


def as_inventory_entry(tx: Tx, row: sqlite3.Row, profile: str) -> dict:
    """The spec's AchievementProgressWithDefinition."""
    definition = load(row["definition"])
    return drop_none({
        **_progress(current(tx, row["id"], profile)),
        "achievementId": row["id"],
        "name": definition["name"],
        "title": definition["title"],
        "description": definition["description"],
        "campaignId": row["campaign_id"],
        "target": definition["target"],
        "achievementRecurrencePolicy": definition.get("recurrencePolicy", "no_recurrence"),
        "achievementActivationPolicy": definition.get("activationPolicy", "fixed_schedule"),
    })


def inventory(tx: Tx, profile: str) -> list[dict]:
    """Achievements the profile has progress in."""
    rows = tx.all("SELECT * FROM achievements WHERE id IN (SELECT achievement_id FROM achievement_progress "
                  "WHERE profile_integration_id = ?) ORDER BY id", profile)
    return [as_inventory_entry(tx, row, profile) for row in rows]


# --- the operations of the Integration API ---------------------------------------------------

def list_for_profile(tx: Tx, profile: str, filters: dict) -> dict:
    """getCustomerAchievements."""
    entries = []
    for row in definitions(tx):
        definition = load(row["definition"])
        if filters.get("campaignIds") and str(row["campaign_id"]) not in filters["campaignIds"]:
            continue
        if filters.get("achievementIds") and str(row["id"]) not in filters["achievementIds"]:
            continue
        wanted_status = filters.get("achievementStatus") or ["active"]
        if _status(definition) not in wanted_status:
            continue
        entry = as_status_entry(tx, row, profile)
        if filters.get("currentProgressStatus") and \
                entry["currentProgress"]["status"] not in filters["currentProgressStatus"]:
            continue
        entries.append(entry)
    skip, size = filters["skip"], filters["pageSize"]
    return {"totalResultSize": len(entries), "data": entries[skip:skip + size]}


def history(tx: Tx, profile: str, achievement_id: int, filters: dict) -> dict:
    """getCustomerAchievementHistory: every progress record, newest first."""
    if tx.one("SELECT id FROM achievements WHERE id = ?", achievement_id) is None:
        raise NotFound(f"Achievement {achievement_id} does not exist", resource="achievement")
    rows = tx.all("SELECT * FROM achievement_progress WHERE achievement_id = ? AND profile_integration_id = ? "
                  "ORDER BY id DESC", achievement_id, profile)
    chosen = []
    for row in rows:
        if filters.get("progressStatus") and row["status"] not in filters["progressStatus"]:
            continue
        if filters.get("startDate") and row["start_date"] < ts(filters["startDate"]):
            continue
        if filters.get("endDate") and row["start_date"] > ts(filters["endDate"]):
            continue
        chosen.append(_progress(row))
    skip, size = filters["skip"], filters["pageSize"]
    return {"totalResultSize": len(chosen), "data": chosen[skip:skip + size]}
