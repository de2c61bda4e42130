"""Cart item catalogs: sync actions (add, patch, remove; one or many) on SKUs."""
from __future__ import annotations

import operator
import sqlite3

from sandbox.db import Tx, dump, load
from sandbox.errors import InvalidRequest, NotFound
from sandbox.models.common import ts
from sandbox.store import ACCOUNT_ID, APPLICATION_ID
from sandbox.validate import validate_component

# Each action type's payload, as the spec defines it (CatalogAction leaves `payload` open).
PAYLOADS = {"ADD": "AddItemCatalogAction", "PATCH": "PatchItemCatalogAction", "REMOVE": "RemoveItemCatalogAction",
            "PATCH_MANY": "PatchManyItemsCatalogAction", "REMOVE_MANY": "RemoveManyItemsCatalogAction",
            "ADD_PRICE_ADJUSTMENT": "AddPriceAdjustmentCatalogAction"}
OPERATORS = {"EQ": operator.eq, "LT": operator.lt, "LE": operator.le, "GT": operator.gt, "GE": operator.ge,
             "IN": lambda actual, wanted: actual in (wanted if isinstance(wanted, list) else [wanted])}


def require(tx: Tx, catalog_id: int) -> sqlite3.Row:
    row = tx.one("SELECT * FROM catalogs WHERE id = ?", catalog_id)
    if row is None:
        raise NotFound(f"Catalog {catalog_id} does not exist", resource="catalog")
    return row


def as_catalog(row: sqlite3.Row) -> dict:
    """The spec's Catalog."""
    return {"id": row["id"], "created": row["created"], "accountId": ACCOUNT_ID, "modified": row["modified"],
            "name": row["name"], "description": row["description"], "subscribedApplicationsIds": [APPLICATION_ID],
            "version": row["version"], "createdBy": 1}


def _item(tx: Tx, catalog_id: int, sku: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM catalog_items WHERE catalog_id = ? AND sku = ?", catalog_id, sku)


def _matches(row: sqlite3.Row, filters: list[dict]) -> bool:
    attributes = {**load(row["attributes"], {}), "sku": row["sku"], "price": row["price"]}
    for condition in filters:
        actual = attributes.get(condition["attr"])
        try:
            if actual is None or not OPERATORS[condition["op"]](actual, condition["value"]):
                return False
        except TypeError:
            return False  # comparing a text attribute with a number matches nothing
    return True


def _put(tx: Tx, catalog_id: int, payload: dict, existing: sqlite3.Row | None) -> None:
    attributes = {**(load(existing["attributes"], {}) if existing else {}), **(payload.get("attributes") or {})}
    price = payload.get("price", existing["price"] if existing else None)
    product = payload.get("product", load(existing["product"]) if existing and existing["product"] else None)
    tx.run("INSERT OR REPLACE INTO catalog_items (catalog_id, sku, price, attributes, product) VALUES (?, ?, ?, ?, ?)",
           catalog_id, payload["sku"], price, dump(attributes), dump(product) if product is not None else None)


def _apply(tx: Tx, catalog_id: int, kind: str, payload: dict, pointer: str) -> None:
    validate_component(payload, PAYLOADS[kind], pointer)
    if kind in ("ADD", "PATCH", "REMOVE", "ADD_PRICE_ADJUSTMENT"):
        existing = _item(tx, catalog_id, payload["sku"])
        if kind == "ADD":
            if existing is not None and not payload.get("replaceIfExists"):
                raise InvalidRequest(f"SKU {payload['sku']!r} is already in the catalog", pointer=f"{pointer}/sku")
            _put(tx, catalog_id, payload, None)
        elif kind == "PATCH":
            if existing is None and not payload.get("createIfNotExists"):
                raise InvalidRequest(f"SKU {payload['sku']!r} is not in the catalog", pointer=f"{pointer}/sku")
            _put(tx, catalog_id, payload, existing)
        elif existing is None:
            raise InvalidRequest(f"SKU {payload['sku']!r} is not in the catalog", pointer=f"{pointer}/sku")
        elif kind == "REMOVE":
            tx.run("DELETE FROM catalog_items WHERE catalog_id = ? AND sku = ?", catalog_id, payload["sku"])
        return  # price adjustments are accepted and not emulated
    rows = [r for r in tx.all("SELECT * FROM catalog_items WHERE catalog_id = ?", catalog_id)
            if _matches(r, payload.get("filters") or [])]
    for row in rows:
        if kind == "REMOVE_MANY":
            tx.run("DELETE FROM catalog_items WHERE catalog_id = ? AND sku = ?", catalog_id, row["sku"])
        else:
            _put(tx, catalog_id, {**payload, "sku": row["sku"]}, row)


def sync(tx: Tx, catalog_id: int, body: dict) -> dict:
    """syncCatalog: apply every action or none; each sync makes a new version."""
    row = require(tx, catalog_id)
    if "version" in body and body["version"] != row["version"]:
        raise InvalidRequest(f"Catalog {catalog_id} is at version {row['version']}, not {body['version']}",
                             pointer="/version")
    for index, action in enumerate(body["actions"]):
        _apply(tx, catalog_id, action["type"], action["payload"], f"/actions/{index}/payload")
    tx.run("UPDATE catalogs SET version = version + 1, modified = ? WHERE id = ?", ts(tx.now), catalog_id)
    return as_catalog(require(tx, catalog_id))
