"""Returns of cart items by position and quantity, with proportional rollbacks.

Only closed and partially_returned sessions take returns. Each return rolls back the returned
units' share of the discounts and earned points (engine.return_rollback_effects), records a
Return, and moves the session to partially_returned. `Idempotency-Key` makes a retried request
answer what the first one answered for 24 hours; the same key with another body is refused.
"""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sandbox import engine
from sandbox.db import Tx, dump, load
from sandbox.errors import InvalidRequest
from sandbox.models import events, loyalty, return_log, sessions
from sandbox.models.common import money, ts
from sandbox.models.effects import Commit, apply
from sandbox.models.responses import Outcome, session_state
from sandbox.store import Store

IDEMPOTENCY_TTL = timedelta(hours=24)
OPERATION = "returnCartItems"
RETURNABLE = ("closed", "partially_returned")


def _fingerprint(integration_id: str, body: dict, run_rule_engine: bool) -> str:
    canonical = json.dumps([integration_id, body, run_rule_engine], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_answer(tx: Tx, key: str, fingerprint: str) -> dict | None:
    tx.run("DELETE FROM idempotency WHERE created < ?", ts(tx.now - IDEMPOTENCY_TTL))
    row = tx.one("SELECT * FROM idempotency WHERE key = ? AND operation = ?", key, OPERATION)
    if row is None:
        return None
    if row["request_hash"] != fingerprint:
        raise InvalidRequest(f"Idempotency-Key {key!r} was already used with a different request; "
                             "use a new key for a new return", parameter="Idempotency-Key")
    return load(row["body"])


def _returned_quantities(items: list[dict], requested: list[dict]) -> dict[int, int]:
    """{position: quantity} from the request, checked against what remains of each item."""
    returned: dict[int, int] = {}
    for index, wanted in enumerate(requested):
        pointer = f"/return/returnedCartItems/{index}"
        position = wanted.get("position")
        if position is None:
            if "sku" not in wanted:
                raise InvalidRequest("Name the item to return by position (or sku)", pointer=pointer)
            matches = [i for i in items if i["sku"] == wanted["sku"]
                       and i["remainingQuantity"] - returned.get(i["position"], 0) > 0]
            if not matches:
                raise InvalidRequest(f"No returnable item with SKU {wanted['sku']!r}", pointer=f"{pointer}/sku")
            position = matches[0]["position"]
        if not 0 <= position < len(items):
            raise InvalidRequest(f"The cart has no item at position {position}", pointer=f"{pointer}/position")
        item = items[position]
        if "sku" in wanted and wanted["sku"] != item["sku"]:
            raise InvalidRequest(f"The item at position {position} has SKU {item['sku']!r}, not {wanted['sku']!r}",
                                 pointer=f"{pointer}/sku")
        left = item["remainingQuantity"] - returned.get(position, 0)
        quantity = wanted.get("quantity", left)
        if quantity <= 0 or quantity > left:
            raise InvalidRequest(f"Cannot return {quantity} of position {position}: {left} remain",
                                 pointer=f"{pointer}/quantity")
        returned[position] = returned.get(position, 0) + quantity
    return returned


def _apply_return(tx: Tx, row, returned: dict[int, int]) -> tuple[list[dict], list[dict], int]:
    """Roll back, update the cart and the session; answer (rollbacks, returned items, return ID)."""
    data = load(row["data"], {})
    items = data["cartItems"]
    committed = load(row["committed"], [])
    try:
        rollbacks = engine.return_rollback_effects(committed, items, returned,
                                                   points_places=loyalty.points_places(tx))
    except ValueError as exc:
        raise InvalidRequest(str(exc), pointer="/return/returnedCartItems") from None
    profile = row["profile_integration_id"]
    apply(Commit(tx, row["integration_id"], profile), rollbacks)
    returned_items = []
    returned_value = 0.0
    for position, quantity in sorted(returned.items()):
        item = items[position]
        item["returnedQuantity"] += quantity
        item["remainingQuantity"] -= quantity
        returned_value += float(item["price"]) * quantity
        returned_items.append({"position": position, "quantity": quantity, "sku": item["sku"]})
    discount_back = sum(float(e["props"]["value"]) for e in rollbacks if e["effectType"] == "rollbackDiscount")
    tx.update("sessions", row["id"], state="partially_returned", data=data, updated=ts(tx.now),
              update_count=row["update_count"] + 1,
              total_discounts=money(max(row["total_discounts"] - discount_back, 0)))
    if profile:
        tx.run("UPDATE profiles SET total_sales = max(total_sales - ?, 0) WHERE integration_id = ?",
               returned_value - discount_back, profile)
    event_id = events.record(tx, "talon_return", profile=profile, store=row["store_integration_id"],
                             session=row["integration_id"], effects=rollbacks,
                             attributes={"returnedCartItems": returned_items})
    return_id = tx.insert("returns", session_id=row["id"], created=ts(tx.now), returned_items=returned_items,
                          event_id=event_id, profile_integration_id=profile or None, effects=rollbacks)
    return rollbacks, returned_items, return_id


def return_items(store: Store, integration_id: str, body: dict, *, dry: bool, run_rule_engine: bool,
                 idempotency_key: str | None) -> dict:
    """returnCartItems."""
    content = body.get("responseContent") or []
    # Dry runs store nothing, so they neither consult nor fill the idempotency records.
    key = idempotency_key if idempotency_key and not dry else None
    fingerprint = _fingerprint(integration_id, body, run_rule_engine)
    locks = [] if dry else [("session", integration_id)]
    with store.locks.hold(*locks), store.write(dry=dry) as tx:
        if key is not None:
            stored = _stored_answer(tx, key, fingerprint)
            if stored is not None:
                return stored
        row = sessions.require_existing(tx, integration_id)
        if row["state"] not in RETURNABLE:
            raise InvalidRequest(f"Only closed or partially returned sessions take returns; session "
                                 f"{integration_id!r} is {row['state']}", resource="customerSession")
        items = load(row["data"], {}).get("cartItems", [])
        returned = _returned_quantities(items, body["return"]["returnedCartItems"])
        rollbacks, _items, return_id = _apply_return(tx, row, returned)
        updated = sessions.require(tx, integration_id)
        outcome = Outcome(effects=rollbacks, event_id=tx.scalar("SELECT event_id FROM returns WHERE id = ?", return_id))
        answer = session_state(tx, outcome, sessions.as_customer_session(updated), content)
        answer["return"] = return_log.as_return(tx, tx.one("SELECT * FROM returns WHERE id = ?", return_id))
        answer["previousReturns"] = return_log.previous(tx, row["id"], before=return_id)
        if key is not None:
            tx.insert("idempotency", key=key, operation=OPERATION, request_hash=fingerprint, status=200,
                      body=dump(answer), created=ts(tx.now))
        return answer
