"""Small helpers the parity tests share: session updates, effects by type, error answers."""
from __future__ import annotations

import requests

from tests.support.openapi import check_error_body

SHOE = {"sku": "PARITY-SHOE", "name": "Parity shoe", "price": 80.0, "quantity": 1}
SHIRT = {"sku": "PARITY-TEE", "name": "Parity tee", "price": 20.0, "quantity": 1}
READ_ONLY_ITEM_FIELDS = ("position", "returnedQuantity", "remainingQuantity")


def put_session(talon, session_id: str, *, params: dict | None = None, content: list[str] | None = None,
                expect: int = 200, **session) -> dict:
    body = {"customerSession": session}
    if content:
        body["responseContent"] = content
    response = talon.put(f"/v2/customer_sessions/{session_id}", json=body, params=params)
    assert response.status_code == expect, response.text[:800]
    return response.json()


def get_session(talon, session_id: str) -> dict:
    response = talon.get(f"/v2/customer_sessions/{session_id}")
    assert response.status_code == 200, response.text[:800]
    return response.json()


def stored_payload(talon, session_id: str) -> dict:
    """The session as a client sends it again: what a dry run evaluates."""
    session = get_session(talon, session_id)["customerSession"]
    items = [{k: v for k, v in item.items() if k not in READ_ONLY_ITEM_FIELDS} for item in session["cartItems"]]
    return {"profileId": session.get("profileId", ""), "cartItems": items,
            "couponCodes": session.get("couponCodes") or [], "loyaltyCards": session.get("loyaltyCards") or []}


def of_type(effects: list[dict], *types: str) -> list[dict]:
    return [e for e in effects if e["effectType"] in types]


def from_campaign(effects: list[dict], campaign_id: int) -> list[dict]:
    return [e for e in effects if e["campaignId"] == campaign_id]


def assert_error(response: requests.Response, status: int) -> dict:
    """`status` with Talon.One's error body (ErrorResponse: a message, maybe errors)."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:500]}"
    check_error_body(response, f"{response.request.method} {response.request.url}")
    return response.json()


def returns(talon, session_id: str, items: list[dict], *, key: str | None = None, params: dict | None = None,
            expect: int = 200) -> dict:
    headers = {"Idempotency-Key": key} if key else None
    response = talon.post(f"/v2/customer_sessions/{session_id}/returns", headers=headers, params=params,
                          json={"return": {"returnedCartItems": items}, "responseContent": ["customerSession"]})
    assert response.status_code == expect, response.text[:800]
    return response.json()


def coupon_by_code(talon, application_id: int, code: str) -> dict:
    response = talon.post(f"/v1/applications/{application_id}/coupons_search_advanced/no_total",
                          params={"value": code, "exactMatch": "true"}, json={}, key="management")
    assert response.status_code == 200, response.text
    [found] = response.json()["data"]
    return found


def card(talon, program_id: int, identifier: str) -> dict:
    response = talon.get(f"/v1/loyalty_programs/{program_id}/cards/{identifier}", key="management")
    assert response.status_code == 200, response.text
    return response.json()


def new_card(talon, program_id: int, identifier: str, profiles: list[str] | None = None) -> dict:
    response = talon.post(f"/v1/loyalty_programs/{program_id}/cards",
                          json={"status": "active", "cardIdentifier": identifier,
                                "customerProfileIds": profiles or []})
    assert response.status_code == 200, response.text
    return response.json()


def new_profile(talon, profile_id: str, **attributes) -> None:
    response = talon.put(f"/v2/customer_profiles/{profile_id}", json={"attributes": attributes})
    assert response.status_code == 200, response.text
