"""Cart items as the sandbox stores them: positions, return counters, prices and totals."""
from __future__ import annotations

from sandbox.db import Tx, load
from sandbox.errors import InvalidRequest
from sandbox.models.common import money

# Talon.One's limits on one session's cart.
MAX_CART_ITEMS = 1000
MAX_CART_UNITS = 10000


def normalize(tx: Tx, items: list[dict], pointer: str = "/customerSession/cartItems") -> list[dict]:
    """Number the items, start their return counters, and take missing prices from the catalog."""
    if len(items) > MAX_CART_ITEMS:
        raise InvalidRequest(f"A cart holds at most {MAX_CART_ITEMS} items; this one has {len(items)}",
                             pointer=pointer)
    units = sum(item["quantity"] for item in items)
    if units > MAX_CART_UNITS:
        raise InvalidRequest(f"The quantities of a cart add up to at most {MAX_CART_UNITS}; these add up to {units}",
                             pointer=pointer)
    normalized = []
    for index, item in enumerate(items):
        item = {key: value for key, value in item.items() if key not in ("returnedQuantity", "remainingQuantity")}
        if "price" not in item:
            catalog_item = tx.one("SELECT catalog_id, price FROM catalog_items WHERE sku = ? AND price IS NOT NULL "
                                  "ORDER BY catalog_id LIMIT 1", item["sku"])
            if catalog_item is None:
                raise InvalidRequest(f"Cart item {index} (SKU {item['sku']!r}) needs a price: it is in no catalog",
                                     pointer=f"{pointer}/{index}/price")
            item["price"] = catalog_item["price"]
            item["catalogItemID"] = item.get("catalogItemID", catalog_item["catalog_id"])
        item["position"] = index
        item["returnedQuantity"] = 0
        item["remainingQuantity"] = item["quantity"]
        normalized.append(item)
    return normalized


def totals(data: dict) -> dict:
    """cartItemTotal, additionalCostTotal and total, before discounts (spec CustomerSessionV2)."""
    items = data.get("cartItems") or []
    cart_total = sum(float(item.get("price") or 0) * item["quantity"] for item in items)
    item_costs = sum(float(cost.get("price") or 0) * item["quantity"]
                     for item in items for cost in (item.get("additionalCosts") or {}).values())
    session_costs = sum(float(cost.get("price") or 0) for cost in (data.get("additionalCosts") or {}).values())
    additional = item_costs + session_costs
    return {"cartItemTotal": money(cart_total), "additionalCostTotal": money(additional),
            "total": money(cart_total + additional)}


def discounts_by_name(effects: list[dict]) -> dict[str, float]:
    """ApplicationSession.discounts: discount effects summed by name, net of their rollbacks."""
    found: dict[str, float] = {}
    for effect in effects:
        kind, props = effect["effectType"], effect["props"]
        if kind in ("setDiscount", "setDiscountPerItem"):
            found[props["name"]] = found.get(props["name"], 0.0) + float(props["value"])
        elif kind == "rollbackDiscount":
            found[props["name"]] = found.get(props["name"], 0.0) - float(props["value"])
    return {name: money(value) for name, value in found.items()}


def session_data(row) -> dict:
    return load(row["data"], {})
