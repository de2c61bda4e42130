"""Rule failure reasons as the spec's RuleFailureReason describes them (campaign, ruleset, rule,
condition or effect index, details, and the coupon or referral being evaluated), for every
condition kind the engine knows and for effects that cannot apply. Each reason is validated
against talon-openapi.json by tests.sandbox.test_engine_support.run."""
from __future__ import annotations

import pytest

from sandbox.rules_conditions import CONDITIONS
from tests.sandbox.test_engine_support import campaign, card, coupon, item, referral, rule, run

TEN_PERCENT = {"type": "setDiscount", "name": "ten", "percent": 10}

# One failing case per condition kind: (condition, what else the session needs, words of details)
FAILING = {
    "cartSubtotal": ({"type": "cartSubtotal", "op": ">=", "amount": 100}, {},
                     "cart subtotal 20.00 is not >= 100.00"),
    "cartItem": ({"type": "cartItem", "category": "shoes", "minQuantity": 2}, {},
                 "cart has 0 of category shoes, needs 2"),
    "couponValid": ({"type": "couponValid"}, {}, "no valid coupon code of this campaign"),
    "referralValid": ({"type": "referralValid"}, {}, "no valid referral code of this campaign"),
    "firstSession": ({"type": "firstSession"}, {}, "profile has 3 closed sessions"),
    "inAudience": ({"type": "inAudience", "audienceId": 4}, {}, "profile is not in audience 4"),
    "profileAttribute": ({"type": "profileAttribute", "name": "Tier", "op": "equals", "value": "gold"},
                         {}, "profile attribute Tier=None does not satisfy equals 'gold'"),
    "sessionAttribute": ({"type": "sessionAttribute", "name": "channel", "op": "equals", "value": "web"},
                         {"attributes": {"channel": "store"}},
                         "session attribute channel='store' does not satisfy equals 'web'"),
    "loyaltyCard": ({"type": "loyaltyCard", "programId": 1}, {},
                    "no loyalty card of program 1 in the session"),
    "sessionState": ({"type": "sessionState", "states": ["closed"]}, {}, "session state is open"),
    "store": ({"type": "store", "stores": ["store-munich"]}, {}, "store store-berlin is not eligible"),
}


def test_every_condition_kind_has_a_failing_case():
    assert set(FAILING) == set(CONDITIONS)


@pytest.mark.parametrize("kind", sorted(FAILING))
def test_a_failed_condition_is_reported_with_its_campaign_ruleset_rule_and_index(kind):
    condition, session, words = FAILING[kind]
    always = {"type": "cartSubtotal", "op": ">", "amount": 0}
    target = campaign(5, [rule([always, condition], [TEN_PERCENT], title="The rule")],
                      name="Spring", activeRulesetId=1005)
    result = run([target], **session)
    assert result.triggered_campaign_ids == []
    [reason] = result.rule_failure_reasons
    assert reason == {**reason, "campaignID": 5, "campaignName": "Spring", "rulesetID": 1005,
                      "ruleIndex": 0, "ruleName": "The rule", "conditionIndex": 1}
    assert words in reason["details"]
    assert "effectIndex" not in reason and "couponID" not in reason and "referralID" not in reason


def test_a_refused_coupon_is_named_as_the_coupon_being_evaluated():
    reserved = coupon("VIPONLY-003", 2, coupon_id=33, isReservationMandatory=True,
                      reserved_by={"cust-0007"})
    target = campaign(2, [rule([{"type": "couponValid"}], [{"type": "acceptCoupon"}, TEN_PERCENT])])
    result = run([target], coupons=[reserved], couponCodes=["VIPONLY-003"])
    [reason] = result.rule_failure_reasons
    assert (reason["couponID"], reason["couponValue"], reason["conditionIndex"]) == (33, "VIPONLY-003", 0)
    assert reason["details"] == "coupon VIPONLY-003 is not valid here: CouponReservationRequired"


def test_a_code_outside_a_rules_prefix_says_so():
    summer = coupon("SUMMER20", 2, coupon_id=20)
    target = campaign(2, [rule([{"type": "couponValid", "prefix": "GOODWILL-"}], [TEN_PERCENT],
                               title="Goodwill")])
    [reason] = run([target], coupons=[summer], couponCodes=["SUMMER20"]).rule_failure_reasons
    assert reason["couponValue"] == "SUMMER20"
    assert reason["details"] == "coupon SUMMER20 is not valid here: this rule takes only codes starting with GOODWILL-"


def test_a_coupon_accepted_then_a_later_condition_failing_names_the_coupon():
    summer = coupon("SUMMER20", 2, coupon_id=20)
    target = campaign(2, [rule([{"type": "couponValid"}, {"type": "cartSubtotal", "op": ">=", "amount": 50}],
                               [{"type": "acceptCoupon"}, TEN_PERCENT])])
    [reason] = run([target], coupons=[summer], couponCodes=["SUMMER20"]).rule_failure_reasons
    assert (reason["couponID"], reason["conditionIndex"]) == (20, 1)


def test_a_refused_referral_is_named_as_the_referral_being_evaluated():
    own = referral("REF-ALICE", 6, advocate="cust-0001")
    target = campaign(6, [rule([{"type": "referralValid"}], [{"type": "acceptReferral"}])])
    [reason] = run([target], referrals=[own], referralCode="REF-ALICE").rule_failure_reasons
    assert (reason["referralID"], reason["referralValue"]) == (7, "REF-ALICE")
    assert reason["details"] == "referral code REF-ALICE is not valid here: ReferralRecipientIdSameAsAdvocate"


def test_a_code_of_another_campaign_is_not_named():
    other = coupon("BF30", 8, coupon_id=80)
    target = campaign(2, [rule([{"type": "couponValid"}], [TEN_PERCENT])])
    [reason] = run([target], coupons=[other], couponCodes=["BF30"]).rule_failure_reasons
    assert "couponID" not in reason


@pytest.mark.parametrize("effect,session,words", [
    ({"type": "addLoyaltyPoints", "name": "p", "programId": 1, "recipient": "card", "points": 5},
     {"cards": [card("4000-0031", status="inactive")], "loyaltyCards": ["4000-0031"]},
     "loyalty card 4000-0031 is inactive"),
    ({"type": "deductLoyaltyPoints", "name": "p", "programId": 2, "recipient": "profile", "points": 50},
     {}, "balance 0 is below 50 points"),
    ({"type": "setDiscount", "name": "all", "amount": 5}, {"cart": []}, "nothing left in the cart"),
])
def test_an_effect_that_cannot_apply_is_reported_with_its_index(effect, session, words):
    conditions = [{"type": "loyaltyCard", "programId": 1}] if effect.get("recipient") == "card" else []
    target = campaign(4, [rule(conditions, [{"type": "showNotification", "notificationType": "info",
                                             "title": "t", "body": "b"}, effect])])
    result = run([target], **session)
    [reason] = result.rule_failure_reasons
    assert reason["effectIndex"] == 1 and "conditionIndex" not in reason
    assert words in reason["details"]


def test_a_failing_effect_of_a_coupon_rule_names_the_coupon():
    summer = coupon("SUMMER20", 2, coupon_id=20)
    target = campaign(2, [rule([{"type": "couponValid"}],
                               [{"type": "acceptCoupon"}, {"type": "setDiscount", "name": "x", "amount": 5}])])
    [reason] = run([target], coupons=[summer], couponCodes=["SUMMER20"], cart=[]).rule_failure_reasons
    assert (reason["effectIndex"], reason["couponValue"]) == (1, "SUMMER20")


def test_every_rule_that_fails_is_reported_and_the_others_are_not():
    passing = rule([{"type": "cartSubtotal", "op": ">", "amount": 0}], [TEN_PERCENT], title="passes")
    failing = rule([{"type": "store", "stores": ["store-munich"]}], [TEN_PERCENT], title="fails")
    result = run([campaign(3, [passing, failing]), campaign(4, [failing])],
                 cart=[item(0, "tee", 20.0)])
    assert result.triggered_campaign_ids == [3]
    assert [(r["campaignID"], r["ruleIndex"], r["ruleName"]) for r in result.rule_failure_reasons] == [
        (3, 1, "fails"), (4, 0, "fails")]
