"""Points added and deducted by hand through the Management API: addLoyaltyPoints and
removeLoyaltyPoints (a profile in a profile-based program), addLoyaltyCardPoints and
deductLoyaltyCardPoints (a card). Every exchange of `api` is checked against the spec."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sandbox.models.manual_points import after
from tests.sandbox.conftest import assert_error

PROFILE = "/v1/loyalty_programs/2/profile/{}/{}"
CARD = "/v1/loyalty_programs/1/cards/{}/{}"


def balance(api, path: str, **params) -> dict:
    return api.get(path, params=params).json()["balance"]


def profile_balance(api, profile: str = "cust-0003", **params) -> dict:
    return balance(api, f"/v1/loyalty_programs/2/profile/{profile}/balances", **params)


def card_balance(api, card: str = "4000-0003", **params) -> dict:
    return balance(api, f"/v1/loyalty_programs/1/cards/{card}/balances", **params)


def newest(api, path: str) -> dict:
    return api.get(path, params={"pageSize": 1}).json()["data"][0]


def test_points_added_to_a_profile_are_a_manual_transaction(api):
    before = profile_balance(api)["activePoints"]
    response = api.put(PROFILE.format("cust-0003", "add_points"), key="management",
                       json={"points": 50, "name": "Goodwill: late delivery", "pendingDuration": "immediate"})
    assert response.status_code == 204 and response.content == b""
    assert profile_balance(api)["activePoints"] == before + 50
    row = newest(api, "/v1/loyalty_programs/2/profile/cust-0003/transactions")
    assert (row["type"], row["amount"], row["name"]) == ("addition", 50, "Goodwill: late delivery")
    assert row["startDate"] == "immediate" and row["expiryDate"] == "unlimited"
    manual = api.get("/v1/loyalty_programs/2/profile/cust-0003/transactions",
                     params={"loyaltyTransactionType": "manual"}).json()["data"]
    assert manual[0]["transactionUUID"] == row["transactionUUID"]


def test_pending_and_expiring_points_on_a_card_with_a_subledger(api):
    response = api.put(CARD.format("4000-0003", "add_points"), key="management",
                       json={"points": 30, "name": "Goodwill", "pendingDuration": "2D",
                             "validityDuration": "30D", "subledgerId": "goodwill"})
    assert response.status_code == 204
    row = newest(api, "/v1/loyalty_programs/1/cards/4000-0003/transactions")
    start = datetime.fromisoformat(row["startDate"])
    expiry = datetime.fromisoformat(row["expiryDate"])
    assert row["subledgerId"] == "goodwill" and row["cardIdentifier"] == "4000-0003"
    assert timedelta(days=1.99) < start - datetime.fromisoformat(row["created"]) < timedelta(days=2.01)
    assert expiry - start == timedelta(days=30)
    sub = api.get("/v1/loyalty_programs/1/cards/4000-0003/balances",
                  params={"subledgerId": "goodwill"}).json()["subledgerBalances"]["goodwill"]
    assert (sub["pendingPoints"], sub["activePoints"]) == (30, 0)


def test_the_programs_default_pending_applies_when_none_is_given(api):
    # Store Card: defaultPending 14D
    api.put(CARD.format("4000-0004", "add_points"), key="management", json={"points": 5})
    row = newest(api, "/v1/loyalty_programs/1/cards/4000-0004/transactions")
    assert row["startDate"] != "immediate"


def test_deducting_takes_only_active_points(api):
    active = card_balance(api, "4000-0001")["activePoints"]
    assert_error(api.put(CARD.format("4000-0001", "deduct_points"), key="management",
                         json={"points": active + 1, "name": "Correction"}), 400, "Only active points")
    assert card_balance(api, "4000-0001")["activePoints"] == active
    response = api.put(CARD.format("4000-0001", "deduct_points"), key="management",
                       json={"points": 10, "name": "Correction"})
    assert response.status_code == 204
    after_deduction = card_balance(api, "4000-0001")
    assert after_deduction["activePoints"] == active - 10
    row = newest(api, "/v1/loyalty_programs/1/cards/4000-0001/transactions")
    assert (row["type"], row["amount"], row["name"]) == ("subtraction", 10, "Correction")


def test_deducting_from_a_profile(api):
    before = profile_balance(api, "cust-0004")["activePoints"]
    api.put(PROFILE.format("cust-0004", "add_points"), key="management", json={"points": 20})
    assert api.put(PROFILE.format("cust-0004", "deduct_points"), key="management",
                   json={"points": 20}).status_code == 204
    assert profile_balance(api, "cust-0004")["activePoints"] == before


@pytest.mark.parametrize("path,body,status,words", [
    (CARD.format("4000-0031", "add_points"), {"points": 5}, 400, "inactive"),
    (CARD.format("4000-0035", "add_points"), {"points": 5}, 400, "inactive"),  # blocked
    (CARD.format("9999-9999", "add_points"), {"points": 5}, 404, None),
    ("/v1/loyalty_programs/2/cards/4000-0001/add_points", {"points": 5}, 400, "not card-based"),
    (PROFILE.format("nobody-here", "add_points"), {"points": 5}, 404, None),
    ("/v1/loyalty_programs/1/profile/cust-0001/add_points", {"points": 5}, 400, "not profile-based"),
    (PROFILE.format("cust-0003", "add_points"), {"points": 0}, 400, "more than 0"),
    (PROFILE.format("cust-0003", "add_points"), {"points": -3}, 400, "more than 0"),
    (PROFILE.format("cust-0003", "add_points"), {"points": 5, "validityDuration": "5D",
                                                 "validUntil": "2099-01-01T00:00:00Z"}, 400, "not both"),
    (PROFILE.format("cust-0003", "add_points"), {"points": 5, "pendingDuration": "soon"}, 400, "not a duration"),
    (PROFILE.format("cust-0003", "add_points"), {"points": 5, "pendingDuration": "on_action"}, 400, "not emulated"),
    (PROFILE.format("cust-0003", "add_points"), {"points": 5, "validUntil": "2001-01-01T00:00:00Z"}, 400, "later than now"),
    (PROFILE.format("cust-0003", "add_points"), {"points": 5, "applicationId": 7}, 400, "not connected"),
    (PROFILE.format("cust-0003", "deduct_points"), {"points": 1, "subledgerId": "nothing-here"}, 400, "Only active points"),
])
def test_refusals(api, path, body, status, words):
    assert_error(api.put(path, key="management", json=body), status, words)


def test_bodies_are_checked_against_the_spec(raw):
    assert_error(raw.put(PROFILE.format("cust-0003", "add_points"), key="management", json={"name": "x"}), 400)
    assert_error(raw.put(PROFILE.format("cust-0003", "add_points"), key="management",
                         json={"points": "many"}), 400)
    assert_error(raw.put(PROFILE.format("cust-0003", "add_points"), key="integration",
                         json={"points": 1}), 401)


@pytest.mark.parametrize("duration,expected", [
    ("30s", datetime(2026, 3, 2, 10, 0, 30)), ("2h", datetime(2026, 3, 2, 12)),
    ("5D", datetime(2026, 3, 7, 10)), ("5D_D", datetime(2026, 3, 7)),
    ("5D_U", datetime(2026, 3, 7, 23, 59, 59)), ("1W_U", datetime(2026, 3, 15, 23, 59, 59)),
    ("1M", datetime(2026, 4, 2, 10)), ("1M_U", datetime(2026, 4, 30, 23, 59, 59)),
    ("1Y_U", datetime(2027, 12, 31, 23, 59, 59)),
])
def test_durations_in_the_specs_format(duration, expected):
    start = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    assert after(start, duration, "/d") == expected.replace(tzinfo=timezone.utc)


def test_a_month_later_keeps_to_the_months_length():
    assert after(datetime(2026, 1, 31, tzinfo=timezone.utc), "1M", "/d") == datetime(2026, 2, 28, tzinfo=timezone.utc)
