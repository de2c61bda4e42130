"""Rollbacks: cancel / reopen undo what can be undone; returns undo the returned units' share.

Every rollback effect is validated against the spec's Rollback*EffectProps."""
from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.engine import (
    NOT_ROLLED_BACK_EFFECT_TYPES,
    is_rolled_back,
    return_rollback_effects,
    rollback_effects,
)
from tests.sandbox.test_engine_support import (
    assert_effect_valid,
    campaign,
    card,
    coupon,
    item,
    of_type,
    only,
    referral,
    rule,
    run,
)

# Shoes: 2 x 60.00 at position 0 (15% each line), a shirt 1 x 30.00 at position 1.
CART = [item(0, "boot", 60.0, 2, "shoes"), item(1, "tee", 30.0, 1, "shirts")]

EVERYTHING = [
    campaign(2, [rule([{"type": "couponValid"}], [{"type": "acceptCoupon"},
                                                  {"type": "setDiscount", "name": "Summer 20%", "percent": 20}])]),
    campaign(3, [rule([], [{"type": "setDiscountPerItem", "name": "Shoes 15%", "category": "shoes", "percent": 15}])]),
    campaign(4, [rule([{"type": "loyaltyCard", "programId": 1}],
                      [{"type": "addLoyaltyPoints", "programId": 1, "recipient": "card", "pointsPerUnit": 1,
                        "precision": 0, "pendingDays": 14}])]),
    campaign(5, [rule([], [{"type": "addFreeItem", "sku": "GIFT-WRAP", "name": "Gift wrap"},
                           {"type": "addToAudience", "audienceId": 2, "audienceName": "Newsletter"},
                           {"type": "couponCreated", "prefix": "THANKS"}])]),
    campaign(6, [rule([{"type": "referralValid"}], [{"type": "acceptReferral"}])]),
    campaign(7, [rule([], [{"type": "increaseAchievementProgress", "achievementId": 1,
                           "achievementName": "Three purchases", "delta": 1, "target": 3}])]),
    campaign(11, [rule([], [{"type": "deductLoyaltyPoints", "programId": 2, "points": 40}])]),
]


def closed_effects(progress: int = 0) -> list[dict]:
    return run(EVERYTHING, cart=CART, state="closed", coupons=[coupon("SUMMER20", 2)], couponCodes=["SUMMER20"],
               cards=[card("4000-0001")], loyaltyCards=["4000-0001"], referrals=[referral("REF-A", 6)],
               referralCode="REF-A", balances={(2, None): 100}, progress={1: progress}).effects


def valid(effects: list[dict]) -> list[dict]:
    for effect in effects:
        assert_effect_valid(effect)
    return effects


def test_cancel_rolls_back_every_undoable_effect_with_its_envelope():
    effects = closed_effects()
    rollbacks = valid(rollback_effects(effects, profile_integration_id="cust-0001"))
    assert sorted(e["effectType"] for e in rollbacks) == sorted([
        "rollbackCoupon", "rollbackDiscount", "rollbackDiscount", "rollbackDiscount", "rollbackAddedLoyaltyPoints",
        "rollbackReferral", "rollbackIncreasedAchievementProgress", "rollbackDeductedLoyaltyPoints"])
    coupon_back = only(rollbacks, "rollbackCoupon")
    assert coupon_back["props"] == {"value": "SUMMER20"} and coupon_back["campaignId"] == 2
    assert coupon_back["triggeredByCoupon"] == 1
    assert sorted((e["props"] for e in of_type(rollbacks, "rollbackDiscount")), key=str) == [
        {"name": "Shoes 15%#0", "value": 9, "cartItemPosition": 0, "cartItemSubPosition": 0},
        {"name": "Shoes 15%#0", "value": 9, "cartItemPosition": 0, "cartItemSubPosition": 1},
        {"name": "Summer 20%", "value": 30}]
    added = only(effects, "addLoyaltyPoints")["props"]
    points_back = only(rollbacks, "rollbackAddedLoyaltyPoints")["props"]
    assert points_back == {"value": 150, "programId": 1, "subLedgerId": "", "recipientIntegrationId": "cust-0001",
                           "transactionUUID": added["transactionUUID"], "cardIdentifier": "4000-0001"}
    assert only(rollbacks, "rollbackDeductedLoyaltyPoints")["props"]["recipientIntegrationId"] == "cust-0001"
    assert only(rollbacks, "rollbackIncreasedAchievementProgress")["props"] == {
        "achievementId": 1, "achievementName": "Three purchases", "progressTrackerId": 1,
        "decreaseProgressBy": 1, "currentProgress": 0, "target": 3}


def test_free_items_created_codes_reservations_and_audiences_are_not_rolled_back():
    effects = closed_effects()
    kept = {e["effectType"] for e in effects if not is_rolled_back(e["effectType"])}
    assert {"addFreeItem", "addToAudience", "couponCreated"} <= kept
    assert kept - {"rejectCoupon", "rejectReferral", "showNotification"} <= NOT_ROLLED_BACK_EFFECT_TYPES
    assert not any(is_rolled_back(t) for t in NOT_ROLLED_BACK_EFFECT_TYPES)


def test_a_just_completed_achievement_is_not_rolled_back():
    effects = closed_effects(progress=2)
    assert only(effects, "increaseAchievementProgress")["props"]["isJustCompleted"] is True
    assert not of_type(rollback_effects(effects), "rollbackIncreasedAchievementProgress")


def test_achievement_rollback_uses_live_progress_when_given():
    rollbacks = rollback_effects(closed_effects(progress=1), achievement_progress=lambda _id: 2)
    assert only(rollbacks, "rollbackIncreasedAchievementProgress")["props"]["currentProgress"] == 1


def test_rollback_of_nothing_is_nothing():
    assert rollback_effects([]) == []


def test_returning_one_of_two_shoes_rolls_back_half_of_its_discount_and_the_cart_share():
    effects = closed_effects()
    rollbacks = valid(return_rollback_effects(effects, CART, {0: 1}, points_places={1: 0}))
    discounts = {e["props"]["name"]: e["props"] for e in of_type(rollbacks, "rollbackDiscount")}
    # Per unit: the first shoe's 9.00, whole. Cart level: 60 of 150 returned -> 40% of 30.00.
    assert discounts == {"Shoes 15%#0": {"name": "Shoes 15%#0", "value": 9, "cartItemPosition": 0,
                                         "cartItemSubPosition": 0},
                         "Summer 20%": {"name": "Summer 20%", "value": 12}}
    assert only(rollbacks, "rollbackAddedLoyaltyPoints")["props"]["value"] == 60  # 40% of 150
    # Coupons, referrals, achievements, deductions stay on a partial return.
    assert {e["effectType"] for e in rollbacks} == {"rollbackDiscount", "rollbackAddedLoyaltyPoints"}


def test_returning_an_undiscounted_item_rolls_back_only_cart_level_amounts():
    rollbacks = valid(return_rollback_effects(closed_effects(), CART, {1: 1}, points_places={1: 0}))
    assert [e["props"] for e in of_type(rollbacks, "rollbackDiscount")] == [{"name": "Summer 20%", "value": 6}]
    assert only(rollbacks, "rollbackAddedLoyaltyPoints")["props"]["value"] == 30


def successive_returns(effects, cart, steps, **kwargs) -> list[list[dict]]:
    """Apply returns one after another, as the store does, updating returnedQuantity."""
    cart = [dict(line) for line in cart]
    rounds = []
    for returned in steps:
        rounds.append(valid(return_rollback_effects(effects, cart, returned, **kwargs)))
        for line in cart:
            line["returnedQuantity"] += returned.get(line["position"], 0)
    return rounds


def total(rollbacks, name) -> Decimal:
    return sum((Decimal(str(e["props"]["value"])) for e in rollbacks
                if e["props"].get("name") == name or e["effectType"] == name), Decimal(0))


def test_successive_returns_add_up_to_exactly_what_was_given():
    cart = [item(0, "sock", 3.33, 3, "shoes"), item(1, "tee", 7.77, 1)]
    effects = run(EVERYTHING[1:4], cart=cart, cards=[card("4000-0001")], loyaltyCards=["4000-0001"]).effects
    per_unit = of_type(effects, "setDiscountPerItem")
    assert [e["props"]["subPosition"] for e in per_unit] == [0, 1, 2]
    given_item = sum(Decimal(str(e["props"]["value"])) for e in per_unit)
    rounds = successive_returns(effects, cart, [{0: 1}, {0: 1, 1: 1}, {0: 1}], points_places={1: 2})
    all_rollbacks = [e for r in rounds for e in r]
    assert total(all_rollbacks, "Shoes 15%#0") == given_item == Decimal("1.50")
    assert [total(r, "Shoes 15%#0") for r in rounds] == [Decimal("0.50"), Decimal("0.50"), Decimal("0.50")]
    # Each return takes back the next unit, by sub-position.
    assert [[e["props"]["cartItemSubPosition"] for e in r if e["props"].get("name") == "Shoes 15%#0"]
            for r in rounds] == [[0], [1], [2]]
    given_points = Decimal(str(only(effects, "addLoyaltyPoints")["props"]["value"]))
    assert total(all_rollbacks, "rollbackAddedLoyaltyPoints") == given_points == 17


def test_uneven_cents_are_split_without_losing_one():
    cart = [item(0, "pen", 1.0, 3)]
    effects = run([campaign(1, [rule([], [{"type": "setDiscount", "name": "one", "amount": 1}])])], cart=cart).effects
    rounds = successive_returns(effects, cart, [{0: 1}, {0: 1}, {0: 1}])
    assert [total(r, "one") for r in rounds] == [Decimal("0.33"), Decimal("0.34"), Decimal("0.33")]


def test_points_earned_on_a_position_follow_that_position():
    effect = {"campaignId": 4, "rulesetId": 4, "ruleIndex": 0, "ruleName": "r", "effectType": "addLoyaltyPoints",
              "props": {"name": "p", "programId": 1, "subLedgerId": "", "value": 10, "recipientIntegrationId": "c",
                        "transactionUUID": "u", "cartItemPosition": 1}}
    assert return_rollback_effects([effect], CART, {0: 2}) == []
    [back] = valid(return_rollback_effects([effect], CART, {1: 1}))
    assert back["props"]["value"] == 10 and back["props"]["cartItemPosition"] == 1


@pytest.mark.parametrize("returned", [{5: 1}, {0: 3}, {0: 0}])
def test_impossible_returns_are_refused(returned):
    with pytest.raises(ValueError):
        return_rollback_effects(closed_effects(), CART, returned)


def test_returning_more_than_remains_after_earlier_returns_is_refused():
    cart = [dict(CART[0], returnedQuantity=2), CART[1]]
    with pytest.raises(ValueError):
        return_rollback_effects(closed_effects(), cart, {0: 1})
