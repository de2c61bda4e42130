"""The rule engine: every condition and effect type, codes and their rejections, schedules,
evaluableCampaignIds and rule failure reasons. Every effect and failure reason produced in these
tests is validated against the spec (see test_engine_support.run)."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from sandbox.engine import evaluate
from tests.sandbox.test_engine_support import (
    NOW,
    campaign,
    card,
    coupon,
    item,
    of_type,
    only,
    referral,
    request,
    rule,
    run,
)

TEN_PERCENT = {"type": "setDiscount", "name": "ten", "percent": 10}


def discount_campaign(*conditions, campaign_id: int = 1, **fields) -> dict:
    return campaign(campaign_id, [rule(list(conditions), [TEN_PERCENT])], **fields)


def fires(result) -> bool:
    return bool(of_type(result, "setDiscount"))


# --- conditions -------------------------------------------------------------------------------

@pytest.mark.parametrize("op, amount, expected", [
    (">=", 40, True), (">=", 40.01, False), ("<=", 40, True), ("<=", 39.99, False),
    (">", 40, False), ("<", 40.01, True), ("==", 40, True),
])
def test_cart_subtotal_compares_price_times_quantity(op, amount, expected):
    cart = [item(0, "tee", 15.0, 2), item(1, "cap", 10.0)]
    assert fires(run([discount_campaign({"type": "cartSubtotal", "op": op, "amount": amount})],
                     cart=cart)) is expected


@pytest.mark.parametrize("selector, min_quantity, expected", [
    ({"sku": "boot"}, 2, True), ({"sku": "boot"}, 3, False),
    ({"category": "shoes"}, 3, True), ({"category": "shoes"}, 4, False), ({"category": "hats"}, 1, False),
])
def test_cart_item_counts_units_by_sku_or_category(selector, min_quantity, expected):
    cart = [item(0, "boot", 80.0, 2, "shoes"), item(1, "sandal", 30.0, 1, "shoes")]
    condition = {"type": "cartItem", "minQuantity": min_quantity, **selector}
    assert fires(run([discount_campaign(condition)], cart=cart)) is expected


@pytest.mark.parametrize("profile_id, closed, expected", [("cust-1", 0, True), ("cust-1", 1, False), ("", 0, False)])
def test_first_session_needs_a_profile_without_closed_sessions(profile_id, closed, expected):
    result = run([discount_campaign({"type": "firstSession"})], profile_id=profile_id,
                 profile={"closed_session_count": closed})
    assert fires(result) is expected


def test_in_audience():
    condition = {"type": "inAudience", "audienceId": 2}
    assert fires(run([discount_campaign(condition)], profile={"audience_ids": [1, 2]}))
    assert not fires(run([discount_campaign(condition)], profile={"audience_ids": [1]}))


@pytest.mark.parametrize("op, value, expected", [
    ("equals", "gold", True), ("equals", "silver", False),
    ("contains", "ol", True), ("contains", "x", False),
    ("exists", None, True),
])
def test_profile_attribute_string_operators(op, value, expected):
    condition = {"type": "profileAttribute", "name": "tier", "op": op, "value": value}
    assert fires(run([discount_campaign(condition)], profile={"attributes": {"tier": "gold"}})) is expected


@pytest.mark.parametrize("op, value, expected", [("greater", 17, True), ("greater", 18, False),
                                                 ("less", 19, True), ("less", 18, False)])
def test_profile_attribute_numeric_operators(op, value, expected):
    condition = {"type": "profileAttribute", "name": "age", "op": op, "value": value}
    assert fires(run([discount_campaign(condition)], profile={"attributes": {"age": 18}})) is expected


def test_profile_attribute_contains_list_member_and_missing_attribute_fails():
    condition = {"type": "profileAttribute", "name": "interests", "op": "contains", "value": "running"}
    assert fires(run([discount_campaign(condition)], profile={"attributes": {"interests": ["running"]}}))
    assert not fires(run([discount_campaign(condition)], profile={"attributes": {}}))
    not_a_number = {"type": "profileAttribute", "name": "tier", "op": "greater", "value": 1}
    assert not fires(run([discount_campaign(not_a_number)], profile={"attributes": {"tier": "gold"}}))


def test_session_attribute():
    condition = {"type": "sessionAttribute", "name": "channel", "op": "equals", "value": "app"}
    assert fires(run([discount_campaign(condition)], attributes={"channel": "app"}))
    assert not fires(run([discount_campaign(condition)], attributes={"channel": "web"}))


def test_session_state_and_transition():
    on_close = discount_campaign({"type": "sessionState", "states": ["closed"]})
    assert not fires(run([on_close], state="open"))
    assert fires(run([on_close], state="closed"))
    on_closing = discount_campaign({"type": "sessionState", "states": ["closed"], "previousStates": ["open"]})
    req = request([on_closing], state="closed")
    req.previous_state = "open"
    assert fires(evaluate(req))
    req.previous_state = "closed"
    assert not fires(evaluate(req))


def test_store_condition():
    condition = {"type": "store", "stores": ["store-munich"]}
    assert fires(run([discount_campaign(condition)], storeIntegrationId="store-munich"))
    assert not fires(run([discount_campaign(condition)], storeIntegrationId="store-berlin"))


def test_loyalty_card_condition_needs_a_card_of_that_program():
    condition = {"type": "loyaltyCard", "programId": 1}
    cards = [card("4000-0001", 1), card("5000-0001", 3)]
    assert fires(run([discount_campaign(condition)], cards=cards, loyaltyCards=["4000-0001"]))
    assert not fires(run([discount_campaign(condition)], cards=cards, loyaltyCards=["5000-0001"]))
    assert not fires(run([discount_campaign(condition)], cards=cards, loyaltyCards=["9999-9999"]))


def test_all_conditions_must_hold_and_the_first_failure_is_reported():
    target = discount_campaign({"type": "cartSubtotal", "op": ">=", "amount": 10},
                               {"type": "inAudience", "audienceId": 1},
                               {"type": "cartSubtotal", "op": ">=", "amount": 1000})
    result = run([target], profile={"audience_ids": []})
    assert not result.effects and result.triggered_campaign_ids == []
    [reason] = result.rule_failure_reasons
    assert reason["conditionIndex"] == 1 and reason["campaignID"] == 1 and reason["ruleName"] == "rule"
    assert "audience 1" in reason["details"]


# --- discounts --------------------------------------------------------------------------------

def test_set_discount_percent_and_fixed_round_half_up():
    cart = [item(0, "tee", 10.05, 1)]
    percent = run([discount_campaign()], cart=cart)
    assert only(percent, "setDiscount")["props"] == {"name": "ten", "value": 1.01}  # 1.005 -> 1.01
    fixed = campaign(1, [rule([], [{"type": "setDiscount", "name": "five", "amount": 5}])])
    assert only(run([fixed], cart=cart), "setDiscount")["props"] == {"name": "five", "value": 5}


def test_discounts_are_capped_at_the_cart_value_with_desired_value():
    cart = [item(0, "tee", 30.0)]
    big = campaign(1, [rule([], [{"type": "setDiscount", "name": "big", "amount": 25}])])
    more = campaign(2, [rule([], [{"type": "setDiscount", "name": "more", "amount": 10}])])
    result = run([big, more], cart=cart)
    assert [e["props"] for e in of_type(result, "setDiscount")] == [
        {"name": "big", "value": 25}, {"name": "more", "value": 5, "desiredValue": 10}]
    nothing_left = campaign(3, [rule([], [{"type": "setDiscount", "name": "x", "amount": 1}])])
    result = run([big, more, nothing_left], cart=cart)
    assert len(of_type(result, "setDiscount")) == 2
    assert result.rule_failure_reasons[-1]["effectIndex"] == 0


def test_set_discount_per_item_one_effect_per_unit_of_each_matching_line():
    """Cart items are flattened: two boots are two effects, sub-positions 0 and 1."""
    cart = [item(0, "boot", 80.0, 2, "shoes"), item(1, "tee", 20.0, 1, "shirts"), item(2, "sandal", 33.33, 1, "shoes")]
    per_item = {"type": "setDiscountPerItem", "name": "Shoes 15%", "category": "shoes", "percent": 15}
    shoes = campaign(3, [rule([], [per_item])])
    effects = of_type(run([shoes], cart=cart), "setDiscountPerItem")
    assert [e["props"] for e in effects] == [
        {"name": "Shoes 15%#0", "value": 12, "position": 0, "subPosition": 0},
        {"name": "Shoes 15%#0", "value": 12, "position": 0, "subPosition": 1},
        {"name": "Shoes 15%#2", "value": 5.0, "position": 2, "subPosition": 0},  # 4.9995 -> 5.00
    ]
    per_unit = campaign(3, [rule([], [{"type": "setDiscountPerItem", "name": "2 off", "sku": "boot", "amount": 2}])])
    assert [e["props"]["value"] for e in of_type(run([per_unit], cart=cart), "setDiscountPerItem")] == [2, 2]


def test_per_item_discount_is_capped_at_the_unit_price():
    cart = [item(0, "sock", 3.0, 1)]
    first = campaign(1, [rule([], [{"type": "setDiscountPerItem", "name": "a", "amount": 2}])])
    second = campaign(2, [rule([], [{"type": "setDiscountPerItem", "name": "b", "amount": 2}])])
    values = [e["props"] for e in of_type(run([first, second], cart=cart), "setDiscountPerItem")]
    assert values == [{"name": "a#0", "value": 2, "position": 0, "subPosition": 0},
                      {"name": "b#0", "value": 1, "desiredValue": 2, "position": 0, "subPosition": 0}]


# --- coupons ----------------------------------------------------------------------------------

COUPON_RULES = [rule([{"type": "couponValid"}], [{"type": "acceptCoupon"}, TEN_PERCENT], title="coupon 10%")]


def coupon_campaign(campaign_id: int = 2, **fields) -> dict:
    return campaign(campaign_id, COUPON_RULES, **fields)


def rejection(result) -> dict:
    effect = only(result, "rejectCoupon")
    return effect


def test_valid_coupon_is_accepted_and_its_discount_names_the_coupon():
    result = run([coupon_campaign()], coupons=[coupon("SAVE", 2, coupon_id=41)], couponCodes=["SAVE"])
    accepted = only(result, "acceptCoupon")
    assert accepted["props"] == {"value": "SAVE"} and accepted["triggeredByCoupon"] == 41
    assert only(result, "setDiscount")["triggeredByCoupon"] == 41
    assert result.triggered_campaign_ids == [2] and not of_type(result, "rejectCoupon")


def test_unknown_code_is_rejected_with_campaign_zero():
    effect = rejection(run([coupon_campaign()], couponCodes=["NOPE"]))
    assert effect["campaignId"] == 0 and effect["rulesetId"] == 0
    assert effect["props"] == {"value": "NOPE", "rejectionReason": "CouponNotFound"}
    assert "triggeredByCoupon" not in effect


@pytest.mark.parametrize("fields, reason", [
    ({"expiryDate": (NOW - timedelta(days=1)).isoformat()}, "CouponExpired"),
    ({"startDate": "2030-01-01T00:00:00Z"}, "CouponStartDateInFuture"),
    ({"usageLimit": 1, "usageCounter": 1}, "CouponLimitReached"),
    ({"recipientIntegrationId": "cust-0099"}, "CouponRecipientDoesNotMatch"),
    ({"isReservationMandatory": True, "reserved_by": {"cust-0099"}}, "CouponReservationRequired"),
])
def test_coupon_rejection_reasons(fields, reason):
    result = run([coupon_campaign()], coupons=[coupon("C1", 2, **fields)], couponCodes=["C1"])
    effect = rejection(result)
    assert effect["props"]["rejectionReason"] == reason
    assert effect["campaignId"] == 2 and effect["triggeredByCoupon"] == 1
    assert not of_type(result, "acceptCoupon") and not of_type(result, "setDiscount")


def test_hard_reservation_admits_the_profile_that_reserved_it():
    hard = coupon("VIP-1", 2, isReservationMandatory=True, reserved_by={"cust-0001"})
    assert of_type(run([coupon_campaign()], coupons=[hard], couponCodes=["VIP-1"]), "acceptCoupon")
    anonymous = run([coupon_campaign()], coupons=[hard], couponCodes=["VIP-1"], profile_id="")
    assert rejection(anonymous)["props"]["rejectionReason"] == "CouponReservationRequired"


def test_soft_reservation_lets_anyone_redeem():
    soft = coupon("GOOD-1", 2, isReservationMandatory=False, reserved_by={"cust-0099"})
    assert of_type(run([coupon_campaign()], coupons=[soft], couponCodes=["GOOD-1"]), "acceptCoupon")


def test_coupon_of_disabled_or_unscheduled_campaign_is_part_of_not_running_campaign():
    for fields in ({"state": "disabled"}, {"startTime": "2030-12-01T00:00:00Z"},
                   {"endTime": (NOW - timedelta(seconds=1)).isoformat()}):
        result = run([coupon_campaign(**fields)], coupons=[coupon("C1", 2)], couponCodes=["C1"])
        assert rejection(result)["props"]["rejectionReason"] == "CouponPartOfNotRunningCampaign"


def test_coupon_rejected_by_condition_points_at_the_failing_rule_and_condition():
    guarded = campaign(2, [rule([{"type": "couponValid"}, {"type": "cartSubtotal", "op": ">=", "amount": 100}],
                                [{"type": "acceptCoupon"}, TEN_PERCENT], title="big carts")])
    result = run([guarded], coupons=[coupon("C1", 2, coupon_id=5)], couponCodes=["C1"])
    effect = rejection(result)
    assert effect["props"]["rejectionReason"] == "CouponRejectedByCondition"
    assert effect["props"]["conditionIndex"] == 1 and effect["ruleName"] == "big carts"
    [reason] = result.rule_failure_reasons
    assert reason["couponID"] == 5 and reason["couponValue"] == "C1" and reason["conditionIndex"] == 1


def test_valid_coupon_without_accept_coupon_effect_is_rejected_by_condition():
    no_accept = campaign(2, [rule([{"type": "couponValid"}], [TEN_PERCENT])])
    result = run([no_accept], coupons=[coupon("C1", 2)], couponCodes=["C1"])
    assert rejection(result)["props"]["rejectionReason"] == "CouponRejectedByCondition"


def test_one_coupon_per_campaign_and_codes_filtered_by_prefix():
    rules = [rule([{"type": "couponValid", "prefix": "GW-"}],
                  [{"type": "acceptCoupon"}, {"type": "setDiscount", "name": "gw", "amount": 10}], title="goodwill"),
             rule([{"type": "couponValid", "excludePrefix": "GW-"}],
                  [{"type": "acceptCoupon"}, {"type": "setDiscount", "name": "pct", "percent": 20}], title="percent")]
    coupons = [coupon("GW-1", 2, coupon_id=1), coupon("SUM-1", 2, coupon_id=2)]
    result = run([campaign(2, rules)], cart=[item(0, "x", 100.0)], coupons=coupons, couponCodes=["GW-1", "SUM-1"])
    assert [e["props"]["value"] for e in of_type(result, "acceptCoupon")] == ["GW-1"]
    assert [e["props"]["name"] for e in of_type(result, "setDiscount")] == ["gw"]
    assert rejection(result)["props"] == {"value": "SUM-1", "rejectionReason": "CouponRejectedByCondition",
                                          "details": "the campaign already redeemed GW-1 in this session"}


def test_duplicate_code_in_session_is_one_code():
    result = run([coupon_campaign()], coupons=[coupon("C1", 2)], couponCodes=["C1", "C1"])
    assert len(of_type(result, "acceptCoupon")) == 1 and not of_type(result, "rejectCoupon")


def test_reserve_coupon_and_coupon_created():
    rules = [rule([{"type": "couponValid"}],
                  [{"type": "acceptCoupon"}, {"type": "reserveCoupon"},
                   {"type": "couponCreated", "prefix": "THANKS"}])]
    result = run([campaign(2, rules)], coupons=[coupon("C1", 2)], couponCodes=["C1"])
    assert only(result, "reserveCoupon")["props"] == {
        "couponValue": "C1", "profileIntegrationId": "cust-0001", "isNewReservation": True}
    created = only(result, "couponCreated")["props"]
    assert created["profileId"] == "cust-0001" and created["value"].startswith("THANKS-")
    assert len(created["value"]) == len("THANKS-") + 8
    again = run([campaign(2, rules)], coupons=[coupon("C1", 2, reserved_by={"cust-0001"})], couponCodes=["C1"])
    assert only(again, "reserveCoupon")["props"]["isNewReservation"] is False
    assert only(again, "couponCreated")["props"]["value"] == created["value"]  # deterministic
    later = run([campaign(2, rules)], coupons=[coupon("C1", 2)], couponCodes=["C1"], updateCount=4)
    assert only(later, "couponCreated")["props"]["value"] != created["value"]


def test_reserve_named_coupon_without_coupon_in_scope_and_anonymous_failure():
    rules = [rule([], [{"type": "reserveCoupon", "couponValue": "GW-1"}])]
    result = run([campaign(2, rules)], coupons=[coupon("GW-1", 2)])
    assert only(result, "reserveCoupon")["props"]["couponValue"] == "GW-1"
    anonymous = run([campaign(2, rules)], coupons=[coupon("GW-1", 2)], profile_id="")
    assert not anonymous.effects and anonymous.rule_failure_reasons[0]["effectIndex"] == 0


# --- referrals --------------------------------------------------------------------------------

REFERRAL_RULES = [rule([{"type": "referralValid"}],
                       [{"type": "acceptReferral"}, {"type": "setDiscount", "name": "ref", "amount": 5},
                        {"type": "addLoyaltyPoints", "programId": 2, "recipient": "advocate", "points": 50}])]


def test_valid_referral_is_accepted_and_the_advocate_earns():
    result = run([campaign(6, REFERRAL_RULES)], referrals=[referral("REF-A", 6, advocate="cust-0002")],
                 referralCode="REF-A")
    assert only(result, "acceptReferral")["props"] == {"value": "REF-A"}
    points = only(result, "addLoyaltyPoints")["props"]
    assert points["recipientIntegrationId"] == "cust-0002" and points["value"] == 50
    assert not of_type(result, "rejectReferral")


@pytest.mark.parametrize("fields, code, reason", [
    ({}, "REF-NONE", "ReferralNotFound"),
    ({"advocate": "cust-0001"}, "REF-A", "ReferralRecipientIdSameAsAdvocate"),
    ({"friendProfileIntegrationId": "cust-0050"}, "REF-A", "ReferralRecipientDoesNotMatch"),
    ({"expiryDate": "2026-01-01T00:00:00Z"}, "REF-A", "ReferralExpired"),
    ({"startDate": "2027-01-01T00:00:00Z"}, "REF-A", "ReferralStartDateInFuture"),
    ({"usageLimit": 2, "usageCounter": 2}, "REF-A", "ReferralLimitReached"),
])
def test_referral_rejection_reasons(fields, code, reason):
    result = run([campaign(6, REFERRAL_RULES)], referrals=[referral("REF-A", 6, **fields)], referralCode=code)
    effect = only(result, "rejectReferral")
    assert effect["props"]["rejectionReason"] == reason
    assert effect["campaignId"] == (0 if reason == "ReferralNotFound" else 6)
    assert not of_type(result, "acceptReferral")


def test_referral_of_disabled_campaign_and_rejected_by_condition():
    disabled = run([campaign(6, REFERRAL_RULES, state="disabled")], referrals=[referral("REF-A", 6)],
                   referralCode="REF-A")
    assert only(disabled, "rejectReferral")["props"]["rejectionReason"] == "ReferralPartOfNotRunningCampaign"
    guarded = campaign(6, [rule([{"type": "referralValid"}, {"type": "firstSession"}], [{"type": "acceptReferral"}])])
    result = run([guarded], referrals=[referral("REF-A", 6)], referralCode="REF-A")
    effect = only(result, "rejectReferral")
    assert effect["props"]["rejectionReason"] == "ReferralRejectedByCondition"
    assert effect["props"]["conditionIndex"] == 1
    assert result.rule_failure_reasons[0]["referralValue"] == "REF-A"


# --- loyalty ----------------------------------------------------------------------------------

CARD_POINTS = campaign(4, [rule([{"type": "loyaltyCard", "programId": 1}],
                                [{"type": "addLoyaltyPoints", "name": "card pts", "programId": 1, "recipient": "card",
                                  "pointsPerUnit": 1, "precision": 0, "pendingDays": 14, "expiryDays": 365}])])


def test_card_points_are_pending_with_start_and_expiry_dates():
    result = run([CARD_POINTS], cart=[item(0, "tee", 45.99)], cards=[card("4000-0001")], loyaltyCards=["4000-0001"])
    props = only(result, "addLoyaltyPoints")["props"]
    assert props["value"] == 45 and props["cardIdentifier"] == "4000-0001"
    assert props["programId"] == 1 and props["subLedgerId"] == "" and props["recipientIntegrationId"] == "cust-0001"
    assert props["startDate"] == "2026-03-16T10:00:00Z" and props["expiryDate"] == "2027-03-16T10:00:00Z"


@pytest.mark.parametrize("bad_card, words", [(card("4000-0031", status="inactive"), "inactive"),
                                             (card("4000-0035", block_reason="stolen"), "blocked")])
def test_inactive_or_blocked_card_earns_nothing_and_is_a_rule_failure(bad_card, words):
    result = run([CARD_POINTS], cards=[bad_card], loyaltyCards=[bad_card["identifier"]])
    assert not of_type(result, "addLoyaltyPoints")
    [reason] = result.rule_failure_reasons
    assert reason["effectIndex"] == 0 and words in reason["details"]


def test_an_active_card_is_preferred_over_an_inactive_one():
    cards = [card("4000-0031", status="inactive"), card("4000-0002")]
    result = run([CARD_POINTS], cards=cards, loyaltyCards=["4000-0031", "4000-0002"])
    assert only(result, "addLoyaltyPoints")["props"]["cardIdentifier"] == "4000-0002"


def test_profile_points_are_immediate_and_need_a_profile():
    members = campaign(10, [rule([], [{"type": "addLoyaltyPoints", "programId": 2, "pointsPerUnit": 2,
                                       "precision": 0, "base": "total"}]), ])
    other = campaign(1, [rule([], [{"type": "setDiscount", "name": "5 off", "amount": 5}])])
    result = run([other, members], cart=[item(0, "tee", 20.0)])
    props = only(result, "addLoyaltyPoints")["props"]
    assert props["value"] == 30 and "startDate" not in props and "cardIdentifier" not in props  # (20 - 5) x 2
    anonymous = run([members], profile_id="")
    assert not anonymous.effects and "profile" in anonymous.rule_failure_reasons[0]["details"]


def test_transaction_uuids_are_deterministic_and_distinct():
    first = run([CARD_POINTS], cards=[card("4000-0001")], loyaltyCards=["4000-0001"])
    second = run([CARD_POINTS], cards=[card("4000-0001")], loyaltyCards=["4000-0001"])
    reclosed = run([CARD_POINTS], cards=[card("4000-0001")], loyaltyCards=["4000-0001"], updateCount=7)
    uuid_of = lambda result: only(result, "addLoyaltyPoints")["props"]["transactionUUID"]  # noqa: E731
    assert uuid_of(first) == uuid_of(second) != uuid_of(reclosed)


def test_deduct_loyalty_points_only_when_the_balance_covers_it():
    spend = campaign(11, [rule([], [{"type": "deductLoyaltyPoints", "programId": 2, "points": 100, "name": "Spend"}],
                               title="spend 100")])
    result = run([spend], balances={(2, None): 150})
    props = only(result, "deductLoyaltyPoints")["props"]
    assert props["value"] == 100 and props["ruleTitle"] == "spend 100" and props["name"] == "Spend"
    short = run([spend], balances={(2, None): 99.5})
    assert not short.effects and "99.5" in short.rule_failure_reasons[0]["details"]


def test_deduct_from_card():
    spend = campaign(11, [rule([{"type": "loyaltyCard", "programId": 1}],
                               [{"type": "deductLoyaltyPoints", "programId": 1, "points": 10, "recipient": "card"}])])
    result = run([spend], cards=[card("4000-0001")], loyaltyCards=["4000-0001"], balances={(1, "4000-0001"): 10})
    assert only(result, "deductLoyaltyPoints")["props"]["cardIdentifier"] == "4000-0001"


# --- other effects ----------------------------------------------------------------------------

def test_free_item_notification_and_audience():
    effects = [{"type": "addFreeItem", "sku": "GIFT-WRAP", "name": "Gift wrap", "desiredQuantity": 1},
               {"type": "showNotification", "notificationType": "info", "title": "Hi", "body": "There"},
               {"type": "addToAudience", "audienceId": 2, "audienceName": "Newsletter"}]
    result = run([campaign(5, [rule([], effects)])])
    assert only(result, "addFreeItem")["props"] == {"sku": "GIFT-WRAP", "name": "Gift wrap", "desiredQuantity": 1}
    assert only(result, "showNotification")["props"] == {"notificationType": "info", "title": "Hi", "body": "There"}
    assert only(result, "addToAudience")["props"] == {"audienceId": 2, "audienceName": "Newsletter",
                                                      "profileIntegrationId": "cust-0001"}
    member = run([campaign(5, [rule([], effects)])], profile={"audience_ids": [2]})
    assert not of_type(member, "addToAudience")


def test_achievement_progress_completes_and_stops():
    step = campaign(7, [rule([], [{"type": "increaseAchievementProgress", "achievementId": 1,
                                   "achievementName": "Three purchases", "delta": 1, "target": 3}])])
    props = only(run([step], progress={1: 1}), "increaseAchievementProgress")["props"]
    assert props == {"achievementId": 1, "achievementName": "Three purchases", "delta": 1, "value": 2,
                     "target": 3, "isJustCompleted": False}
    assert only(run([step], progress={1: 2}), "increaseAchievementProgress")["props"]["isJustCompleted"] is True
    done = run([step], progress={1: 3})
    assert not done.effects and "complete" in done.rule_failure_reasons[0]["details"]


def test_effects_needing_a_scope_report_a_failure_without_it():
    card_points = {"type": "addLoyaltyPoints", "programId": 1, "recipient": "card", "points": 1}
    result = run([campaign(2, [rule([], [{"type": "acceptCoupon"}, {"type": "acceptReferral"}, card_points])])])
    assert not result.effects
    assert [r["effectIndex"] for r in result.rule_failure_reasons] == [0, 1, 2]


# --- schedules, states and evaluableCampaignIds -----------------------------------------------

def test_schedule_window_is_start_inclusive_end_exclusive():
    window = {"startTime": NOW.isoformat(), "endTime": (NOW + timedelta(hours=1)).isoformat()}
    assert fires(run([discount_campaign(**window)]))
    assert not fires(run([discount_campaign(**window)], now=NOW + timedelta(hours=1)))
    assert not fires(run([discount_campaign(**window)], now=NOW - timedelta(seconds=1)))


def test_listed_campaigns_run_when_disabled_but_only_in_their_schedule():
    disabled = discount_campaign(campaign_id=8, state="disabled")
    future = discount_campaign(campaign_id=9, startTime="2030-12-01T00:00:00Z", endTime="2030-12-27T00:00:00Z")
    running = discount_campaign(campaign_id=1)
    archived = discount_campaign(campaign_id=4, state="archived")
    campaigns = [running, archived, disabled, future]
    assert run(campaigns).triggered_campaign_ids == [1]
    assert run(campaigns, evaluable=[4, 8, 9]).triggered_campaign_ids == [8]
    assert run(campaigns, evaluable=[]).triggered_campaign_ids == []
    in_window = datetime(2030, 12, 5, tzinfo=timezone.utc)
    assert run(campaigns, evaluable=[8, 9], now=in_window).triggered_campaign_ids == [8, 9]
    for outside in (datetime(2030, 11, 30, 23, 59, tzinfo=timezone.utc), datetime(2030, 12, 27, tzinfo=timezone.utc),
                    datetime(2031, 2, 1, tzinfo=timezone.utc)):
        assert run(campaigns, evaluable=[9], now=outside).triggered_campaign_ids == []
    assert run(campaigns, now=in_window).triggered_campaign_ids == [1, 9]   # running and in its window


def test_coupon_of_running_campaign_left_out_of_evaluable_ids_is_not_triggered():
    result = run([coupon_campaign()], coupons=[coupon("C1", 2)], couponCodes=["C1"], evaluable=[1])
    assert rejection(result)["props"]["rejectionReason"] == "CouponPartOfNotTriggeredCampaign"
    listed = run([coupon_campaign(state="disabled")], coupons=[coupon("C1", 2)], couponCodes=["C1"], evaluable=[2])
    assert of_type(listed, "acceptCoupon")


@pytest.mark.parametrize("state", ["cancelled", "partially_returned"])
def test_cancelled_and_returned_sessions_are_not_evaluated(state):
    result = run([discount_campaign()], state=state, couponCodes=["NOPE"])
    assert result.effects == [] and result.rule_failure_reasons == []


def test_the_engine_leaves_its_inputs_alone():
    req = request([CARD_POINTS, coupon_campaign()], cards=[card("4000-0001")], loyaltyCards=["4000-0001"],
                  coupons=[coupon("C1", 2)], couponCodes=["C1", "X"])
    before = (copy.deepcopy(req.session), copy.deepcopy(req.campaigns), copy.deepcopy(req.profile))
    assert evaluate(req).effects == evaluate(req).effects
    assert (req.session, req.campaigns, req.profile) == before


# --- the spec check itself --------------------------------------------------------------------

def test_every_effect_type_has_a_spec_props_schema():
    from sandbox.rules_effects import EFFECTS
    from sandbox.rules_rollback import ROLLBACK_EFFECT_TYPE
    from tests.sandbox.test_engine_support import props_schema
    from tests.support.openapi import spec_dict

    schemas = spec_dict()["components"]["schemas"]
    types = set(EFFECTS) | set(ROLLBACK_EFFECT_TYPE.values()) | {"rejectCoupon", "rejectReferral"}
    assert {props_schema(t) for t in types} <= set(schemas)


@pytest.mark.parametrize("props", [
    {"name": "x"},                              # value missing
    {"name": "x", "value": "1"},                # value not a number
    {"name": "x", "value": 1, "amount": 1},     # a field Talon.One does not send
])
def test_the_spec_check_catches_bad_props(props):
    from tests.sandbox.test_engine_support import assert_effect_valid

    effect = {"campaignId": 1, "rulesetId": 1, "ruleIndex": 0, "ruleName": "r", "effectType": "setDiscount",
              "props": props}
    with pytest.raises(AssertionError):
        assert_effect_valid(effect)


def test_the_spec_check_catches_a_bad_date():
    from tests.sandbox.test_engine_support import assert_matches_schema

    props = {"name": "p", "programId": 1, "subLedgerId": "", "value": 1, "recipientIntegrationId": "c",
             "transactionUUID": "u", "startDate": "next week"}
    with pytest.raises(AssertionError):
        assert_matches_schema(props, "AddLoyaltyPointsEffectProps")
