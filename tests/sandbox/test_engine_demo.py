"""The demo campaigns: the IDs and names CONTRIBUTING.md promises, served as spec `Campaign`s,
and each one doing what the README says it does."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sandbox.demo_campaigns import DEMO_ACHIEVEMENTS, DEMO_CAMPAIGNS, DEMO_COUPONS
from sandbox.engine import campaign_frontend_state, public_campaign
from tests.sandbox.test_engine_support import (
    NOW,
    assert_matches_schema,
    card,
    coupon,
    item,
    of_type,
    only,
    referral,
    run,
)

PROMISED = {1: "Welcome discount", 2: "Summer coupons", 3: "Shoe week", 4: "Store card points", 5: "VIP perk",
            6: "Refer a friend", 7: "Three purchases", 8: "Black Friday preview", 9: "Christmas 2030",
            10: "Members points"}
COUPONS = [coupon(c["value"], c["campaignId"], coupon_id=i, usageLimit=c["usageLimit"],
                  isReservationMandatory=c["isReservationMandatory"]) for i, c in enumerate(DEMO_COUPONS, 1)]
# A returning customer who is in no audience, with a 50.00 shirt: no campaign fires by default.
SHIRT = [item(0, "tee", 50.0, 1, "shirts")]


def demo(**kwargs):
    kwargs.setdefault("cart", SHIRT)
    kwargs.setdefault("coupons", COUPONS)
    return run(DEMO_CAMPAIGNS, **kwargs)


def campaigns_with(result, effect_type: str) -> list[int]:
    return [e["campaignId"] for e in of_type(result, effect_type)]


def test_ids_and_names_are_the_promised_ones():
    assert {c["id"]: c["name"] for c in DEMO_CAMPAIGNS} == PROMISED


@pytest.mark.parametrize("demo_campaign", DEMO_CAMPAIGNS, ids=lambda c: c["name"])
def test_each_campaign_is_a_spec_campaign(demo_campaign):
    shown = public_campaign(demo_campaign, NOW)
    assert "rules" not in shown and demo_campaign["rules"]
    assert_matches_schema(shown, "Campaign")


def test_frontend_states():
    states = {c["id"]: campaign_frontend_state(c, NOW) for c in DEMO_CAMPAIGNS}
    assert states == {**{i: "running" for i in PROMISED}, 8: "disabled", 9: "scheduled"}
    christmas = DEMO_CAMPAIGNS[8]
    assert campaign_frontend_state(christmas, datetime(2031, 1, 1, tzinfo=timezone.utc)) == "expired"


def test_demo_coupons_and_achievements():
    values = [c["value"] for c in DEMO_COUPONS]
    assert len(values) == len(set(values)) == 1 + 50 + 10 + 20 + 1 + 1
    assert {"SUMMER20", "SUMMER-0001", "SUMMER-0050", "VIPONLY-010", "GOODWILL-020", "BF30",
            "EASTER25"} <= set(values)
    assert all(c["isReservationMandatory"] == c["value"].startswith("VIPONLY-") for c in DEMO_COUPONS)
    for achievement in DEMO_ACHIEVEMENTS:
        assert_matches_schema({**achievement, "created": "2025-01-06T09:00:00Z"}, "Achievement")


def test_a_plain_open_session_triggers_nothing():
    result = demo()
    assert result.effects == [] and result.triggered_campaign_ids == []


def test_welcome_discount_on_a_first_order_of_20_or_more():
    first = {"closed_session_count": 0}
    assert only(demo(profile=first), "setDiscount")["props"] == {"name": "Welcome 10%", "value": 5}
    assert not of_type(demo(profile=first, cart=[item(0, "cap", 19.99)]), "setDiscount")


@pytest.mark.parametrize("code, discount", [("SUMMER20", {"name": "Summer 20%", "value": 10}),
                                            ("SUMMER-0007", {"name": "Summer 20%", "value": 10}),
                                            ("GOODWILL-003", {"name": "Goodwill 10.00", "value": 10})])
def test_summer_coupons(code, discount):
    result = demo(couponCodes=[code])
    assert only(result, "acceptCoupon")["props"] == {"value": code}
    assert only(result, "setDiscount")["props"] == discount


def test_viponly_codes_need_a_reservation_and_bf30_needs_evaluable_ids():
    result = demo(couponCodes=["VIPONLY-001", "BF30"])
    reasons = {e["props"]["value"]: e["props"]["rejectionReason"] for e in of_type(result, "rejectCoupon")}
    assert reasons == {"VIPONLY-001": "CouponReservationRequired", "BF30": "CouponPartOfNotRunningCampaign"}
    reserved = [dict(c, reserved_by={"cust-0001"}) if c["value"] == "VIPONLY-001" else c for c in COUPONS]
    assert of_type(demo(coupons=reserved, couponCodes=["VIPONLY-001"]), "acceptCoupon")
    dry = demo(couponCodes=["BF30"], evaluable=[8])
    assert only(dry, "setDiscount")["props"] == {"name": "Black Friday 30%", "value": 15}


def test_shoe_week_discounts_each_pair():
    cart = [item(0, "boot", 80.0, 1, "shoes"), item(1, "runner", 40.0, 2, "shoes"), *[dict(SHIRT[0], position=2)]]
    effects = of_type(demo(cart=cart), "setDiscountPerItem")
    assert [(e["props"]["position"], e["props"]["subPosition"], e["props"]["value"]) for e in effects] == \
        [(0, 0, 12), (1, 0, 6), (1, 1, 6)]


def test_store_card_points_are_pending_for_14_days():
    result = demo(cards=[card("4000-0001")], loyaltyCards=["4000-0001"], cart=[item(0, "tee", 45.8)])
    props = only(result, "addLoyaltyPoints")["props"]
    assert props["value"] == 45 and props["programId"] == 1 and props["startDate"] == "2026-03-16T10:00:00Z"
    inactive = demo(cards=[card("4000-0031", status="inactive")], loyaltyCards=["4000-0031"])
    [failure] = [r for r in inactive.rule_failure_reasons if r["campaignID"] == 4]
    assert not inactive.effects and failure["effectIndex"] == 0 and "inactive" in failure["details"]


def test_vip_perk_is_for_audience_1_only():
    result = demo(profile={"audience_ids": [1]})
    assert only(result, "addFreeItem")["props"] == {"sku": "GIFT-WRAP", "name": "Gift wrap"}
    assert only(result, "showNotification")["campaignId"] == 5
    assert not demo(profile={"audience_ids": [2]}).effects


def test_refer_a_friend():
    result = demo(referrals=[referral("REF-ALICE", 6, advocate="cust-0001")], referralCode="REF-ALICE",
                  profile_id="cust-0042")
    assert only(result, "acceptReferral")["props"] == {"value": "REF-ALICE"}
    assert only(result, "setDiscount")["props"] == {"name": "Referral 5.00", "value": 5}
    points = only(result, "addLoyaltyPoints")["props"]
    assert (points["programId"], points["recipientIntegrationId"], points["value"]) == (2, "cust-0001", 50)


def test_closing_counts_a_purchase_and_earns_members_points():
    result = demo(state="closed", cart=[item(0, "tee", 12.75, 2)])
    assert only(result, "increaseAchievementProgress")["props"]["delta"] == 1
    members = only(result, "addLoyaltyPoints")["props"]
    assert members["programId"] == 2 and members["value"] == 51 and "startDate" not in members
    assert sorted(result.triggered_campaign_ids) == [7, 10]


def test_christmas_2030_runs_on_a_dry_run_in_december_2030():
    december = datetime(2030, 12, 5, tzinfo=timezone.utc)
    assert only(demo(now=december), "setDiscount")["props"] == {"name": "Christmas 25%", "value": 12.5}
