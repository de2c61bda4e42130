"""Cart item catalog sync: actions on SKUs, versions, and prices that carts take from it."""
from __future__ import annotations

from tests.sandbox.conftest import assert_error, new_id, put_session

SYNC = "/v1/catalogs/1/sync"


def price_in_cart(api, sku: str) -> float:
    answer = put_session(api, new_id(), cartItems=[{"sku": sku, "quantity": 1}], content=["customerSession"])
    return answer["customerSession"]["cartItems"][0]["price"]


def test_add_patch_and_remove_items(api):
    response = api.put(SYNC, json={"actions": [
        {"type": "ADD", "payload": {"sku": "SCARF-1", "price": 15, "attributes": {"colour": "red"}}},
        {"type": "ADD", "payload": {"sku": "SCARF-2", "price": 17, "attributes": {"colour": "blue"}}}]})
    assert response.status_code == 200
    catalog = response.json()
    assert catalog["id"] == 1 and catalog["version"] == 2
    assert price_in_cart(api, "SCARF-1") == 15
    api.put(SYNC, json={"version": 2, "actions": [{"type": "PATCH", "payload": {"sku": "SCARF-1", "price": 12.5}}]})
    assert price_in_cart(api, "SCARF-1") == 12.5
    api.put(SYNC, json={"actions": [{"type": "PATCH_MANY", "payload": {
        "filters": [{"attr": "colour", "op": "EQ", "value": "blue"}], "price": 9}}]})
    assert price_in_cart(api, "SCARF-2") == 9
    api.put(SYNC, json={"actions": [{"type": "REMOVE_MANY", "payload": {
        "filters": [{"attr": "price", "op": "LT", "value": 10}]}}]})
    assert_error(api.put(f"/v2/customer_sessions/{new_id()}",
                         json={"customerSession": {"cartItems": [{"sku": "SCARF-2", "quantity": 1}]}}), 400, "price")
    api.put(SYNC, json={"actions": [{"type": "REMOVE", "payload": {"sku": "SCARF-1"}}]})
    assert_error(api.put(SYNC, json={"actions": [{"type": "REMOVE", "payload": {"sku": "SCARF-1"}}]}), 400,
                 "not in the catalog")


def test_sync_is_all_or_nothing(api):
    response = api.put(SYNC, json={"actions": [
        {"type": "ADD", "payload": {"sku": "HAT-9", "price": 30}},
        {"type": "ADD", "payload": {"sku": "RUN-100", "price": 1}}]})     # RUN-100 exists already
    assert_error(response, 400, "already in the catalog")
    assert_error(api.put(f"/v2/customer_sessions/{new_id()}",
                         json={"customerSession": {"cartItems": [{"sku": "HAT-9", "quantity": 1}]}}), 400)
    assert price_in_cart(api, "RUN-100") == 89.9


def test_sync_errors(api, raw):
    remove = [{"type": "REMOVE", "payload": {"sku": "RUN-100"}}]
    assert_error(api.put("/v1/catalogs/9/sync", json={"actions": remove}), 404)
    assert_error(api.put(SYNC, json={"version": 7, "actions": remove}), 400, "version 1")
    assert_error(raw.put(SYNC, json={"actions": []}), 400, "at least 1")
    assert_error(raw.put(SYNC, json={"actions": [{"type": "ADD", "payload": {"price": 3}}]}), 400, "sku")
    assert_error(api.put(SYNC, json={"actions": [{"type": "PATCH", "payload": {"sku": "NEW-SKU", "price": 3}}]}), 400)
    created = api.put(SYNC, json={"actions": [{"type": "PATCH", "payload": {
        "sku": "NEW-SKU", "price": 3, "createIfNotExists": True}}]})
    assert created.status_code == 200 and price_in_cart(api, "NEW-SKU") == 3
