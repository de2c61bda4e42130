"""Coupon reservations, hard and soft, and coupon rejections."""
from __future__ import annotations

from tests.parity.conftest import needs, source
from tests.parity.support import SHOE, coupon_by_code, of_type, put_session

RESERVATIONS = "spec: createCouponReservation / deleteCouponReservation / getReservedCustomers"
MANDATORY = "spec: Coupon.isReservationMandatory; RejectCouponEffectProps.rejectionReason CouponReservationRequired"


def reserve(talon, code: str, profiles: list[str], method: str = "post"):
    return getattr(talon, method)(f"/v1/coupon_reservations/{code}", json={"integrationIDs": profiles})


def reserved(talon, code: str) -> list[str]:
    response = talon.get(f"/v1/coupon_reservations/customerprofiles/{code}")
    assert response.status_code == 200, response.text
    return [p["integrationId"] for p in response.json()["data"]]


@source(MANDATORY)
@needs("reserved_coupon")
def test_a_hard_reserved_coupon_is_refused_to_others(talon, target, objects):
    answer = put_session(talon, target.new_id("sess"), profileId=target.new_id("prof"), cartItems=[SHOE],
                         couponCodes=[objects["reserved_coupon"]["code"]])
    [rejected] = of_type(answer["effects"], "rejectCoupon")
    assert rejected["props"]["rejectionReason"] == "CouponReservationRequired"


@source(MANDATORY)
@needs("reserved_coupon")
def test_a_hard_reserved_coupon_is_accepted_for_its_profile(talon, target, objects):
    code, profile = objects["reserved_coupon"]["code"], target.new_id("prof")
    put_session(talon, target.new_id("sess"), profileId=profile, cartItems=[SHOE])
    assert reserve(talon, code, [profile]).status_code == 201
    answer = put_session(talon, target.new_id("sess"), profileId=profile, cartItems=[SHOE], couponCodes=[code])
    assert [e["props"]["value"] for e in of_type(answer["effects"], "acceptCoupon")] == [code]


@source("spec: createCouponReservation ('the coupon is reserved ... soft reservation: anyone may redeem it')")
@needs("soft_coupon")
def test_a_soft_reserved_coupon_shows_in_the_inventory_and_anyone_may_redeem_it(talon, target, objects):
    code, owner = objects["soft_coupon"]["code"], target.new_id("prof")
    put_session(talon, target.new_id("sess"), profileId=owner, cartItems=[SHOE])
    assert reserve(talon, code, [owner]).status_code == 201
    inventory = talon.get(f"/v1/customer_profiles/{owner}/inventory", params={"coupons": "true"}).json()
    assert code in [c["value"] for c in inventory["coupons"]]
    other = put_session(talon, target.new_id("sess"), profileId=target.new_id("prof"), cartItems=[SHOE],
                        couponCodes=[code], params={"dry": "true"})
    assert of_type(other["effects"], "acceptCoupon")


@source(RESERVATIONS)
@needs("soft_coupon")
def test_reserving_twice_is_one_reservation_and_it_can_be_removed(talon, target, objects):
    code, profile = objects["soft_coupon"]["code"], target.new_id("prof")
    put_session(talon, target.new_id("sess"), profileId=profile, cartItems=[SHOE])
    assert reserve(talon, code, [profile]).status_code == 201
    assert reserve(talon, code, [profile]).status_code == 201
    assert reserved(talon, code).count(profile) == 1
    assert reserve(talon, code, [profile], method="delete").status_code == 204
    assert profile not in reserved(talon, code)


@source("spec: RejectCouponEffectProps.rejectionReason CouponNotFound")
def test_an_unknown_coupon_is_rejected_as_not_found(talon, target):
    code = target.new_id("CODE").upper()
    answer = put_session(talon, target.new_id("sess"), cartItems=[SHOE], couponCodes=[code])
    [rejected] = of_type(answer["effects"], "rejectCoupon")
    assert (rejected["props"]["value"], rejected["props"]["rejectionReason"]) == (code, "CouponNotFound")


@source("spec: Coupon.usageCounter (closing a session redeems its accepted coupon; cancelling gives it back)")
@needs("coupon")
def test_closing_counts_a_coupon_use_and_cancelling_gives_it_back(talon, target, objects):
    code = objects["coupon"]["code"]
    before = coupon_by_code(talon, target.application_id, code)["usageCounter"]
    session_id = target.new_id("sess")
    put_session(talon, session_id, state="closed", cartItems=[SHOE], couponCodes=[code])
    assert coupon_by_code(talon, target.application_id, code)["usageCounter"] == before + 1
    cancel = put_session(talon, session_id, state="cancelled")
    assert of_type(cancel["effects"], "rollbackCoupon")
    assert coupon_by_code(talon, target.application_id, code)["usageCounter"] == before
