"""Returns, cancel and reopen: what rolls back, by how much, and idempotent returns."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.sandbox.conftest import assert_error, new_id, of_type, put_session

PROFILE, CARD = "cust-0013", "4000-0013"
SHOES = {"sku": "RUN-100", "name": "Trail runner", "category": "shoes", "price": 89.9, "quantity": 2}
SHIRTS = {"sku": "TEE-010", "name": "T-shirt", "category": "shirts", "price": 19.9, "quantity": 3}
SUBTOTAL = Decimal("239.50")


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def share(total, part, whole, places=2) -> Decimal:
    """Talon.One's proportional rollback: total x part / whole, rounded half-up."""
    return (Decimal(str(total)) * Decimal(str(part)) / Decimal(str(whole))).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def by_campaign(effects, effect_type, campaign_id):
    found = [e for e in effects if e["effectType"] == effect_type and e["campaignId"] == campaign_id]
    assert len(found) == 1, effects
    return found[0]["props"]


def card_balance(api) -> dict:
    return api.get(f"/v1/loyalty_programs/1/cards/{CARD}/balances").json()["balance"]


def members_balance(api) -> dict:
    return api.get(f"/v1/loyalty_programs/2/profile/{PROFILE}/balances").json()["balance"]


def coupon(api, value: str) -> dict:
    response = api.post("/v1/applications/1/coupons_search_advanced/no_total",
                        params={"value": value, "exactMatch": "true"}, json={}, key="management")
    [found] = response.json()["data"]
    return found


@pytest.fixture
def closed_order(api):
    """A closed order with a cart discount (SUMMER20), a per-item discount (shoes) and points."""
    session_id = new_id("order")
    put_session(api, session_id, profileId=PROFILE, cartItems=[SHOES, SHIRTS], couponCodes=["SUMMER20"],
                loyaltyCards=[CARD])
    answer = put_session(api, session_id, state="closed")
    return session_id, answer["effects"]


def test_closing_commits_the_effects(api, closed_order):
    _session_id, effects = closed_order
    summer = by_campaign(effects, "setDiscount", 2)
    assert cents(summer["value"]) == share(SUBTOTAL, 20, 100)                    # 47.90
    # Flattened: one effect per shoe, 15% of 89.90 each (13.485 -> 13.49).
    shoes = [e["props"] for e in of_type(effects, "setDiscountPerItem")]
    assert [(s["position"], s["subPosition"], cents(s["value"])) for s in shoes] == \
        [(0, 0, cents("13.49")), (0, 1, cents("13.49"))]
    card_points = by_campaign(effects, "addLoyaltyPoints", 4)
    assert card_points["value"] == 239 and card_points["cardIdentifier"] == CARD and "startDate" in card_points
    assert by_campaign(effects, "addLoyaltyPoints", 10)["value"] == 479
    assert coupon(api, "SUMMER20")["usageCounter"] >= 1


def test_return_rolls_back_the_returned_share(api, closed_order):
    session_id, effects = closed_order
    card_before, members_before = card_balance(api), members_balance(api)
    response = api.post(f"/v2/customer_sessions/{session_id}/returns", json={
        "return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}, "responseContent": ["customerSession"]})
    assert response.status_code == 200, response.text
    answer = response.json()
    rollbacks = answer["effects"]
    # Per-unit discount: the returned shoe's own; cart discount: the returned share of the value.
    shoe_back = by_campaign(rollbacks, "rollbackDiscount", 3)
    assert (cents(shoe_back["value"]), shoe_back["cartItemPosition"], shoe_back["cartItemSubPosition"]) == \
        (cents("13.49"), 0, 0)
    assert cents(by_campaign(rollbacks, "rollbackDiscount", 2)["value"]) == share("47.90", "89.90", SUBTOTAL)
    assert by_campaign(rollbacks, "rollbackAddedLoyaltyPoints", 4)["value"] == share(239, "89.90", SUBTOTAL, 0)
    assert by_campaign(rollbacks, "rollbackAddedLoyaltyPoints", 10)["value"] == share(479, "89.90", SUBTOTAL, 0)
    assert not of_type(rollbacks, "rollbackCoupon")   # the coupon stays redeemed on a partial return
    item = answer["customerSession"]["cartItems"][0]
    assert (item["returnedQuantity"], item["remainingQuantity"]) == (1, 1)
    assert answer["customerSession"]["state"] == "partially_returned"
    assert answer["return"]["returnedCartItems"] == [{"position": 0, "quantity": 1, "sku": "RUN-100"}]
    assert answer["previousReturns"] == []
    # The card's points were pending (14 days), so the rollback takes them from pending.
    assert card_balance(api)["pendingPoints"] == card_before["pendingPoints"] - 90
    assert members_balance(api)["activePoints"] == members_before["activePoints"] - 180


def test_successive_returns_and_cancel_add_up_exactly(api, closed_order):
    session_id, effects = closed_order
    card_before, members_before = card_balance(api), members_balance(api)
    usage_before = coupon(api, "SUMMER20")["usageCounter"]
    rolled = []
    for quantity in (1, 1):
        response = api.post(f"/v2/customer_sessions/{session_id}/returns",
                            json={"return": {"returnedCartItems": [{"position": 0, "quantity": quantity}]}})
        rolled += response.json()["effects"]
    second = response.json()
    assert len(second["previousReturns"]) == 1
    shoe_back = by_campaign(second["effects"], "rollbackDiscount", 3)
    assert (cents(shoe_back["value"]), shoe_back["cartItemSubPosition"]) == (cents("13.49"), 1)
    cancel = put_session(api, session_id, state="cancelled")["effects"]
    rolled += cancel
    assert of_type(cancel, "rollbackCoupon")[0]["props"]["value"] == "SUMMER20"
    assert coupon(api, "SUMMER20")["usageCounter"] == usage_before - 1

    def total(effect_type, campaign_id, source):
        return sum(Decimal(str(e["props"]["value"])) for e in source
                   if e["effectType"] == effect_type and e["campaignId"] == campaign_id)

    # Everything given at close is taken back exactly once, to the cent and to the point.
    assert total("rollbackDiscount", 2, rolled) == total("setDiscount", 2, effects)
    assert total("rollbackDiscount", 3, rolled) == total("setDiscountPerItem", 3, effects)
    assert total("rollbackAddedLoyaltyPoints", 4, rolled) == 239
    assert total("rollbackAddedLoyaltyPoints", 10, rolled) == 479
    assert card_balance(api)["pendingPoints"] == card_before["pendingPoints"] - 239
    assert members_balance(api)["activePoints"] == members_before["activePoints"] - 479


def test_returning_more_than_remains_is_400(api, closed_order):
    session_id, _ = closed_order
    url = f"/v2/customer_sessions/{session_id}/returns"
    assert_error(api.post(url, json={"return": {"returnedCartItems": [{"position": 0, "quantity": 3}]}}), 400,
                 "remain")
    assert_error(api.post(url, json={"return": {"returnedCartItems": [{"position": 7, "quantity": 1}]}}), 400,
                 "position 7")
    assert_error(api.post(url, json={"return": {"returnedCartItems": [{"position": 0, "sku": "TEE-010"}]}}), 400,
                 "SKU")
    api.post(url, json={"return": {"returnedCartItems": [{"position": 0, "quantity": 2}]}})
    assert_error(api.post(url, json={"return": {"returnedCartItems": [{"position": 0, "quantity": 1}]}}), 400,
                 "0 remain")


def test_a_return_without_quantity_returns_what_remains(api, closed_order):
    session_id, _ = closed_order
    response = api.post(f"/v2/customer_sessions/{session_id}/returns",
                        json={"return": {"returnedCartItems": [{"sku": "TEE-010"}]}})
    assert response.json()["return"]["returnedCartItems"] == [{"position": 1, "quantity": 3, "sku": "TEE-010"}]


def test_reopen_rolls_back_everything_and_a_new_close_commits_again(api):
    session_id = new_id("reopen")
    code = "SUMMER-0050"
    card_before = card_balance(api)
    put_session(api, session_id, profileId=PROFILE, cartItems=[SHOES], couponCodes=[code], loyaltyCards=[CARD])
    closed = put_session(api, session_id, state="closed")["effects"]
    assert coupon(api, code)["usageCounter"] == 1
    response = api.put(f"/v2/customer_sessions/{session_id}/reopen")
    rollbacks = response.json()["effects"]
    assert of_type(rollbacks, "rollbackCoupon")[0]["props"]["value"] == code
    assert by_campaign(rollbacks, "rollbackDiscount", 2)["value"] == by_campaign(closed, "setDiscount", 2)["value"]
    assert by_campaign(rollbacks, "rollbackAddedLoyaltyPoints", 4)["value"] == 179
    assert coupon(api, code)["usageCounter"] == 0
    assert card_balance(api) == card_before
    # The single-use code is free again, so closing once more redeems it again.
    again = put_session(api, session_id, state="closed")["effects"]
    assert of_type(again, "acceptCoupon")[0]["props"]["value"] == code
    assert coupon(api, code)["usageCounter"] == 1


def test_reopen_and_cancel_leave_what_never_rolls_back(api):
    """Free items and notifications are not rolled back (DESIGN.md section 5)."""
    session_id = new_id("vip")
    put_session(api, session_id, profileId="cust-0001", cartItems=[SHIRTS])
    closed = put_session(api, session_id, state="closed")["effects"]
    assert of_type(closed, "addFreeItem")
    rollbacks = api.put(f"/v2/customer_sessions/{session_id}/reopen").json()["effects"]
    assert not [e for e in rollbacks if e["campaignId"] == 5]
    kept = api.get(f"/v2/customer_sessions/{session_id}").json()["effects"]
    assert of_type(kept, "addFreeItem") and not of_type(kept, "setDiscount")


class TestIdempotentReturns:
    BODY = {"return": {"returnedCartItems": [{"position": 1, "quantity": 1}]}}

    def test_same_key_same_body_answers_the_stored_answer_once_applied(self, api, closed_order):
        session_id, _ = closed_order
        url = f"/v2/customer_sessions/{session_id}/returns"
        first = api.post(url, json=self.BODY, headers={"Idempotency-Key": "ret-1"})
        second = api.post(url, json=self.BODY, headers={"Idempotency-Key": "ret-1"})
        assert second.status_code == first.status_code == 200
        assert second.json() == first.json()
        session = api.get(f"/v2/customer_sessions/{session_id}").json()["customerSession"]
        assert session["cartItems"][1]["returnedQuantity"] == 1          # applied once
        log = api.get("/sandbox/requests").json()["requests"]
        assert [e["idempotencyKey"] for e in log if e["path"] == url] == ["ret-1", "ret-1"]

    def test_same_key_different_body_is_refused(self, api, closed_order):
        session_id, _ = closed_order
        url = f"/v2/customer_sessions/{session_id}/returns"
        api.post(url, json=self.BODY, headers={"Idempotency-Key": "ret-2"})
        other = {"return": {"returnedCartItems": [{"position": 1, "quantity": 2}]}}
        assert_error(api.post(url, json=other, headers={"Idempotency-Key": "ret-2"}), 400, "Idempotency-Key")
        session = api.get(f"/v2/customer_sessions/{session_id}").json()["customerSession"]
        assert session["cartItems"][1]["returnedQuantity"] == 1

    def test_a_key_is_forgotten_after_a_reset(self, api, closed_order, talon_sandbox):
        session_id, _ = closed_order
        api.post(f"/v2/customer_sessions/{session_id}/returns", json=self.BODY, headers={"Idempotency-Key": "ret-3"})
        api.post("/sandbox/reset")
        response = api.post("/v2/customer_sessions/sess-00001/returns", json=self.BODY,
                            headers={"Idempotency-Key": "ret-3"})
        assert response.status_code == 200
        assert response.json()["return"]["sessionIntegrationId"] == "sess-00001"


def test_profile_sales_follow_close_return_and_cancel(api, closed_order):
    def sales():
        return api.get(f"/v1/customer_profiles/{PROFILE}/inventory", params={"profile": "true"}).json()["profile"]

    session_id, effects = closed_order
    before = sales()
    api.post(f"/v2/customer_sessions/{session_id}/returns",
             json={"return": {"returnedCartItems": [{"position": 1, "quantity": 3}]}})
    after_return = sales()
    put_session(api, session_id, state="cancelled")
    after_cancel = sales()
    assert after_cancel["closedSessions"] == before["closedSessions"] - 1
    paid = SUBTOTAL - sum(Decimal(str(e["props"]["value"])) for e in effects
                          if e["effectType"] in ("setDiscount", "setDiscountPerItem"))
    # The return and the cancel together take back exactly what the order added.
    assert cents(before["totalSales"] - after_cancel["totalSales"]) == cents(paid)
    assert after_return["totalSales"] > after_cancel["totalSales"]
