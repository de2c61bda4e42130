"""Coupon reservations (hard and soft), coupon rejections, referrals."""
from __future__ import annotations

from tests.sandbox.conftest import assert_error, new_id, of_type, put_session

CART = [{"sku": "HOOD-020", "name": "Hoodie", "category": "shirts", "price": 49.9, "quantity": 2}]


def redeem(api, profile: str, code: str) -> dict:
    return put_session(api, new_id(), profileId=profile, cartItems=CART, couponCodes=[code], state="closed")


def reserved(api, code: str) -> list[str]:
    response = api.get(f"/v1/coupon_reservations/customerprofiles/{code}")
    assert response.status_code == 200
    return [profile["integrationId"] for profile in response.json()["data"]]


def inventory_codes(api, profile: str) -> dict[str, str]:
    coupons = api.get(f"/v1/customer_profiles/{profile}/inventory", params={"coupons": "true"}).json()["coupons"]
    return {coupon["value"]: coupon["state"] for coupon in coupons}


def test_hard_reservation_only_the_reserving_profile_redeems(api):
    # VIPONLY-010 is reservation-mandatory and reserved by nobody in the demo.
    refused = redeem(api, "cust-0002", "VIPONLY-010")
    assert of_type(refused["effects"], "rejectCoupon")[0]["props"]["rejectionReason"] == "CouponReservationRequired"
    response = api.post("/v1/coupon_reservations/VIPONLY-010", json={"integrationIDs": ["cust-0002"]})
    assert response.status_code == 201
    assert response.json()["isReservationMandatory"] is True
    assert reserved(api, "VIPONLY-010") == ["cust-0002"]
    other = redeem(api, "cust-0003", "VIPONLY-010")
    assert of_type(other["effects"], "rejectCoupon")[0]["props"]["rejectionReason"] == "CouponReservationRequired"
    accepted = redeem(api, "cust-0002", "VIPONLY-010")
    assert of_type(accepted["effects"], "acceptCoupon")[0]["props"]["value"] == "VIPONLY-010"
    assert inventory_codes(api, "cust-0002")["VIPONLY-010"] == "used"


def test_soft_reservation_shows_in_the_inventory_and_anyone_redeems(api):
    assert "GOODWILL-015" not in inventory_codes(api, "cust-0009")
    api.post("/v1/coupon_reservations/GOODWILL-015", json={"integrationIDs": ["cust-0009"]})
    assert inventory_codes(api, "cust-0009")["GOODWILL-015"] == "active"
    # A soft reservation does not stop someone else redeeming the code.
    accepted = redeem(api, "cust-0010", "GOODWILL-015")
    assert of_type(accepted["effects"], "acceptCoupon")[0]["props"]["value"] == "GOODWILL-015"
    assert [e["props"]["value"] for e in of_type(accepted["effects"], "setDiscount")] == [10]
    assert inventory_codes(api, "cust-0009")["GOODWILL-015"] == "used"   # its one use is gone


def test_deleting_a_reservation(api):
    assert "cust-0001" in reserved(api, "VIPONLY-001")
    response = api.delete("/v1/coupon_reservations/VIPONLY-001", json={"integrationIDs": ["cust-0001"]})
    assert response.status_code == 204
    assert "cust-0001" not in reserved(api, "VIPONLY-001")
    refused = redeem(api, "cust-0001", "VIPONLY-001")
    assert of_type(refused["effects"], "rejectCoupon")[0]["props"]["rejectionReason"] == "CouponReservationRequired"


def test_reservation_errors(api):
    assert_error(api.post("/v1/coupon_reservations/NO-SUCH-CODE", json={"integrationIDs": ["cust-0001"]}), 404)
    assert_error(api.post("/v1/coupon_reservations/GOODWILL-016", json={"integrationIDs": ["nobody"]}), 404)
    assert_error(api.get("/v1/coupon_reservations/customerprofiles/NO-SUCH-CODE"), 404)
    assert reserved(api, "GOODWILL-016") == []


def test_single_use_codes_are_used_up(api):
    first = redeem(api, "cust-0020", "SUMMER-0040")
    assert of_type(first["effects"], "acceptCoupon")
    second = redeem(api, "cust-0021", "SUMMER-0040")
    assert of_type(second["effects"], "rejectCoupon")[0]["props"]["rejectionReason"] == "CouponLimitReached"


def test_unknown_codes_are_rejected(api):
    answer = redeem(api, "cust-0020", "NO-SUCH-CODE")
    [rejection] = of_type(answer["effects"], "rejectCoupon")
    assert rejection["props"]["rejectionReason"] == "CouponNotFound"


def test_referral_for_an_advocate_and_its_redemption(api):
    response = api.post("/v1/referrals", json={"campaignId": 6, "advocateProfileIntegrationId": "cust-0030",
                                               "usageLimit": 1})
    assert response.status_code == 201
    code = response.json()["code"]
    answer = put_session(api, new_id(), profileId="cust-0031", cartItems=CART, referralCode=code, state="closed",
                         content=["referral"])
    assert of_type(answer["effects"], "acceptReferral")[0]["props"]["value"] == code
    points = [e for e in answer["effects"] if e["effectType"] == "addLoyaltyPoints" and e["campaignId"] == 6]
    assert points[0]["props"]["recipientIntegrationId"] == "cust-0030" and points[0]["props"]["value"] == 50
    assert answer["referral"]["referredCustomers"] == ["cust-0031"]
    referrals = api.get("/v1/customer_profiles/cust-0030/inventory", params={"referrals": "true"}).json()["referrals"]
    assert [(r["code"], r["usageCounter"]) for r in referrals] == [(code, 1)]
    again = put_session(api, new_id(), profileId="cust-0032", cartItems=CART, referralCode=code, state="closed")
    assert of_type(again["effects"], "rejectReferral")[0]["props"]["rejectionReason"] == "ReferralLimitReached"


def test_referrals_for_many_advocates(api):
    body = {"campaignId": 6, "advocateProfileIntegrationIds": ["cust-0040", "cust-0041"], "usageLimit": 3,
            "referralPattern": "FRIEND-####"}
    response = api.post("/v1/referrals_for_multiple_advocates", params={"silent": "no"}, json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["totalResultSize"] == 2
    assert [r["advocateProfileIntegrationId"] for r in created["data"]] == ["cust-0040", "cust-0041"]
    assert all(r["code"].startswith("FRIEND-") and len(r["code"]) == 11 for r in created["data"])
    assert api.post("/v1/referrals_for_multiple_advocates", json=body).status_code == 204   # silent=yes


def test_referral_errors(api):
    assert_error(api.post("/v1/referrals", json={"campaignId": 99, "advocateProfileIntegrationId": "cust-0001"}),
                 400, "Campaign 99")
    assert_error(api.post("/v1/referrals", json={"campaignId": 2, "advocateProfileIntegrationId": "cust-0001"}),
                 400, "referrals feature")


def test_the_advocate_cannot_use_their_own_code(api):
    answer = put_session(api, new_id(), profileId="cust-0001", cartItems=CART, referralCode="REF-ALICE")
    rejection = of_type(answer["effects"], "rejectReferral")[0]["props"]
    assert rejection["rejectionReason"] == "ReferralRecipientIdSameAsAdvocate"
