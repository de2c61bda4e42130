"""Custom attribute definitions: which attributes an entity (a customer profile, a session...)
has and of which type, as the Management API's getAttributes lists them."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, load
from sandbox.models.common import ts
from sandbox.store import ACCOUNT_ID, APPLICATION_ID


def create(tx: Tx, entity: str, name: str, type: str, title: str, description: str,
           suggestions: list[str] | None = None) -> None:
    tx.insert("attributes", entity=entity, name=name, type=type, title=title, description=description,
              suggestions=suggestions or [], created=ts(tx.now))


def as_attribute(row: sqlite3.Row) -> dict:
    """The spec's Attribute. Every sandbox attribute is custom and subscribed to its one application."""
    suggestions = load(row["suggestions"], [])
    return {
        "id": row["id"],
        "created": row["created"],
        "accountId": ACCOUNT_ID,
        "entity": row["entity"],
        "name": row["name"],
        "title": row["title"],
        "type": row["type"],
        "description": row["description"],
        "suggestions": suggestions,
        "hasAllowedList": False,
        "restrictedBySuggestions": False,
        "editable": bool(row["editable"]),
        "subscribedApplicationsIds": [APPLICATION_ID],
    }


def _has_table(tx: Tx) -> bool:
    # A --db file written before attribute definitions existed has no table: it lists none.
    return tx.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attributes'") is not None


def listing(tx: Tx, *, entity: str | None, type: str | None, kind: str | None, search: str | None,
            application_ids: list[int] | None, order: str) -> list[dict]:
    """The definitions matching every given filter (the spec's getAttributes filters)."""
    if not _has_table(tx) or kind == "builtin":  # the sandbox defines no built-in attributes
        return []
    if application_ids is not None and APPLICATION_ID not in application_ids:
        return []
    where, args = ["1 = 1"], []
    for column, value in (("entity", entity), ("type", type)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    rows = tx.all(f"SELECT * FROM attributes WHERE {' AND '.join(where)} ORDER BY {order}", *args)
    if search is not None:
        # Case-insensitive, through the name, the description and the type (the spec's words);
        # in Python, as SQLite's lower() folds ASCII only.
        needle = search.casefold()
        rows = [r for r in rows if any(needle in r[c].casefold() for c in ("name", "description", "type"))]
    return [as_attribute(row) for row in rows]
