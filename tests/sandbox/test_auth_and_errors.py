"""Talon.One's authentication and error bodies: 401s, 404s, and 400s for malformed input."""
from __future__ import annotations

import pytest

from tests.sandbox.conftest import assert_error, new_id

CART_ITEM = {"sku": "TEE-010", "quantity": 1, "price": 19.9}


@pytest.mark.parametrize("header", [None, "ApiKey-v1 wrong-key", "ManagementKey-v1 sandbox-management-key",
                                    "Bearer sandbox-integration-key", "sandbox-integration-key"])
def test_integration_endpoints_need_the_integration_key(raw, header):
    # `raw`: a request without a valid key breaks the spec's security requirement on purpose.
    headers = {} if header is None else {"Authorization": header}
    response = raw.get("/v2/customer_sessions/sess-00001", key=None, headers=headers)
    assert_error(response, 401, "ApiKey-v1")


@pytest.mark.parametrize("header", [None, "ManagementKey-v1 nope", "ApiKey-v1 sandbox-integration-key"])
def test_management_endpoints_need_the_management_key(raw, header):
    headers = {} if header is None else {"Authorization": header}
    response = raw.get("/v1/applications/1/sessions", key=None, headers=headers)
    assert_error(response, 401, "ManagementKey-v1")


def test_both_keys_work_where_they_belong(api):
    assert api.get("/v2/customer_sessions/sess-00001").status_code == 200
    assert api.get("/v1/applications/1/sessions", key="management").status_code == 200


def test_unknown_ids_are_404(api):
    assert_error(api.get("/v1/customer_profiles/nobody/inventory"), 404, "nobody")
    assert_error(api.get("/v1/loyalty_programs/1/cards/9999-9999/balances"), 404)
    assert_error(api.get("/v1/loyalty_programs/7/cards/4000-0001/balances"), 404)
    assert_error(api.get("/v1/applications/1/sessions/999999", key="management"), 404)
    assert_error(api.get("/v1/applications/2/sessions", key="management"), 404, "Application")
    assert_error(api.delete("/v2/audiences/999"), 404)


def test_an_unknown_session_is_the_400_its_operations_document(api):
    """getCustomerSession, returnCartItems and reopenCustomerSession list 200, 400 and 401."""
    assert_error(api.get("/v2/customer_sessions/no-such-session"), 400, "no-such-session")
    assert_error(api.post("/v2/customer_sessions/no-such-session/returns",
                          json={"return": {"returnedCartItems": [{"position": 0}]}}), 400, "no-such-session")
    assert_error(api.put("/v2/customer_sessions/no-such-session/reopen"), 400, "no-such-session")


def test_unknown_route_and_wrong_method(raw):
    assert_error(raw.get("/v2/no_such_thing"), 404)
    assert_error(raw.delete("/v2/customer_sessions/sess-00001"), 405)


@pytest.mark.parametrize("body", ["{not json", "[1, 2", "\xff\xfe", "null", "[]", "42", ""])
def test_malformed_bodies_are_400(raw, body):
    response = raw.put(f"/v2/customer_sessions/{new_id()}", data=body.encode("latin-1"),
                       headers={"Content-Type": "application/json"})
    assert_error(response, 400)


@pytest.mark.parametrize("session, pointer", [
    ({"cartItems": "many"}, "/customerSession/cartItems"),
    ({"cartItems": [{"sku": "X", "quantity": "2", "price": 1}]}, "/customerSession/cartItems/0/quantity"),
    ({"cartItems": [{"sku": "X", "quantity": 0, "price": 1}]}, "/customerSession/cartItems/0/quantity"),
    ({"cartItems": [{"sku": "X", "quantity": True, "price": 1}]}, "/customerSession/cartItems/0/quantity"),
    ({"cartItems": [{"quantity": 1, "price": 1}]}, "/customerSession/cartItems/0/sku"),
    ({"cartItems": [{"sku": "X", "quantity": 1, "price": "free"}]}, "/customerSession/cartItems/0/price"),
    ({"couponCodes": "SUMMER20"}, "/customerSession/couponCodes"),
    ({"state": "shipped"}, "/customerSession/state"),
    ({"profileId": 17}, "/customerSession/profileId"),
    ({"attributes": []}, "/customerSession/attributes"),
])
def test_wrong_types_name_the_field(raw, session, pointer):
    response = raw.put(f"/v2/customer_sessions/{new_id()}", json={"customerSession": session})
    body = assert_error(response, 400)
    assert body["errors"][0]["source"]["pointer"] == pointer


def test_missing_customer_session_is_400(raw):
    assert_error(raw.put(f"/v2/customer_sessions/{new_id()}", json={"responseContent": []}), 400,
                 "customerSession")


def test_item_without_price_outside_the_catalog_is_400(api):
    response = api.put(f"/v2/customer_sessions/{new_id()}",
                       json={"customerSession": {"cartItems": [{"sku": "NOT-IN-CATALOG", "quantity": 1}]}})
    assert_error(response, 400, "price")


def test_item_in_the_catalog_takes_its_price(api):
    response = api.put(f"/v2/customer_sessions/{new_id()}", json={
        "customerSession": {"cartItems": [{"sku": "TEE-010", "quantity": 2}]}, "responseContent": ["customerSession"]})
    assert response.status_code == 200
    assert response.json()["customerSession"]["cartItemTotal"] == 39.8


def test_more_than_1000_cart_items_is_400(api):
    items = [dict(CART_ITEM, sku=f"S{i}") for i in range(1001)]
    assert_error(api.put(f"/v2/customer_sessions/{new_id()}", json={"customerSession": {"cartItems": items}}),
                 400, "at most 1000 items")


def test_1000_cart_items_are_fine(api):
    items = [dict(CART_ITEM, sku=f"S{i}") for i in range(1000)]
    response = api.put(f"/v2/customer_sessions/{new_id()}", json={"customerSession": {"cartItems": items}})
    assert response.status_code == 200, response.text[:300]


def test_quantities_over_10000_are_400(api):
    items = [dict(CART_ITEM, quantity=5000), dict(CART_ITEM, sku="SOCK-001", quantity=5001)]
    assert_error(api.put(f"/v2/customer_sessions/{new_id()}", json={"customerSession": {"cartItems": items}}),
                 400, "10000")


@pytest.mark.parametrize("path", ["/v1/applications/1/sessions?pageSize=0", "/v1/applications/1/sessions?pageSize=1001",
                                  "/v1/applications/1/sessions?skip=-1", "/v1/applications/1/sessions?state=lost",
                                  "/v1/applications/1/sessions?createdBefore=yesterday",
                                  "/v1/applications/1/sessions?sort=colour"])
def test_bad_query_parameters_are_400(raw, path):
    assert_error(raw.get(path, key="management"), 400)


def test_non_integer_path_ids_are_400(raw):
    assert_error(raw.put("/v2/audiences/abc", json={"name": "x"}), 400, "audienceId")
    assert_error(raw.get("/v1/loyalty_programs/one/cards/4000-0001/balances"), 400, "loyaltyProgramId")
