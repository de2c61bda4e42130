"""Effects in words: the sentences staff read, and what a reopen or return rolls back."""
from __future__ import annotations

from datetime import date

import pytest

from app.talon.effects import (
    IS_ROLLBACK,
    KEPT,
    NOTHING_TO_UNDO,
    ROLLED_BACK,
    UNKNOWN,
    EffectWording,
    money,
    registered_types,
    rollback_behaviour,
    split_for_rollback,
)
from app.talon.models import CartItem, Effect
from tests.support.openapi import spec_dict

NAMES = {1: "Welcome", 2: "Summer coupons", 3: "Shoe week", 4: "Store card points"}
CART = [CartItem(sku="SHOE-01", name="Trail runner", quantity=1, price=80.0),
        CartItem(sku="SOCK-01", name="Wool socks", quantity=2, price=10.0)]


def wording(currency="EUR"):
    return EffectWording(currency, campaign_names=NAMES, cart_items=CART, today=date(2026, 11, 22))


def effect(effect_type, props, campaign_id=1, rule_name=""):
    return Effect(effect_type=effect_type, campaign_id=campaign_id, ruleset_id=1, rule_index=0,
                  rule_name=rule_name, props=props)


def test_cart_discount_names_amount_and_campaign():
    line = wording().describe(effect("setDiscount", {"name": "10% off the cart", "value": 8},
                                     rule_name="10% off the cart"))
    assert line.text == "10% off the cart (-€8.00), Welcome campaign"
    assert line.kind == "discount" and line.rolled_back_on_reopen


def test_pending_points_on_a_card():
    line = wording().describe(effect(
        "addLoyaltyPoints",
        {"name": "Earn", "programId": 1, "subLedgerId": "", "value": 120,
         "recipientIntegrationId": "cust-0001", "transactionUUID": "t",
         "cardIdentifier": "4000-1234", "startDate": "2026-12-12T00:00:00Z"},
        campaign_id=4, rule_name="Earn points"))
    assert line.text.startswith("+120 points on card 4000-1234 (pending until 12 Dec)")
    assert "Store card points campaign" in line.text and 'rule "Earn points"' in line.text


def test_rejected_coupon_says_why():
    line = wording().describe(effect(
        "rejectCoupon", {"value": "SUMMER20", "rejectionReason": "CouponReservationRequired"},
        campaign_id=2))
    assert line.text.startswith("Coupon SUMMER20 rejected: reservation required")
    assert line.rollback == NOTHING_TO_UNDO


def test_unknown_rejection_reason_is_still_words():
    line = wording().describe(effect(
        "rejectCoupon", {"value": "X", "rejectionReason": "CouponSomethingNewHappened"}))
    assert "Coupon X rejected: something new happened" in line.text


def test_per_item_discount_names_the_item():
    line = wording().describe(effect(
        "setDiscountPerItem", {"name": "Shoe week 15%", "value": 12, "position": 0}, campaign_id=3))
    assert line.text == "Shoe week 15% on Trail runner (-€12.00), Shoe week campaign"


def test_per_item_discount_drops_talon_ones_position_suffix():
    # Talon.One names per-item discounts "<name>#<position>"; the item is already in words.
    line = wording().describe(effect(
        "setDiscountPerItem", {"name": "Shoe week 15%#0", "value": 12, "position": 0}, campaign_id=3))
    assert line.text.startswith("Shoe week 15% on Trail runner")
    back = wording().describe(effect(
        "rollbackDiscount", {"name": "Shoe week 15%#0", "value": 6, "cartItemPosition": 0}))
    assert back.text.startswith("Discount Shoe week 15% on Trail runner taken back")


def test_amounts_use_the_configured_currency():
    assert money(1234.5, "USD", sign="-") == "-$1,234.50"
    assert money(3, "GBP") == "£3.00"
    assert money(3, "XYZ") == "XYZ\u00a03.00"  # CLDR currencySpacing
    line = wording("GBP").describe(effect("setDiscount", {"name": "Off", "value": 2.5}))
    assert "(-£2.50)" in line.text


def test_unknown_campaign_is_named_by_id():
    line = wording().describe(effect("acceptCoupon", {"value": "SUMMER-0001"}, campaign_id=77))
    assert line.text == "Coupon SUMMER-0001 accepted, campaign 77"


def test_unknown_effect_type_falls_back_to_a_readable_line():
    line = wording().describe(effect("grantLoungeAccess", {"loungeName": "Gold", "hours": 3,
                                                           "nested": {"x": 1}}))
    assert line.text.startswith("Grant lounge access: lounge name Gold, hours 3")
    assert line.kind == "other" and line.rollback == UNKNOWN


def test_odd_props_never_break_a_page():
    line = wording().describe(effect("setDiscountPerItem", {"value": "lots", "position": "x"}))
    assert "Item discount on an item" in line.text


@pytest.mark.parametrize(
    ("effect_type", "behaviour"),
    [
        ("setDiscount", ROLLED_BACK), ("setDiscountPerItem", ROLLED_BACK),
        ("acceptCoupon", ROLLED_BACK), ("acceptReferral", ROLLED_BACK),
        ("addLoyaltyPoints", ROLLED_BACK), ("deductLoyaltyPoints", ROLLED_BACK),
        ("increaseAchievementProgress", ROLLED_BACK),
        ("addFreeItem", KEPT), ("couponCreated", KEPT), ("referralCreated", KEPT),
        ("reserveCoupon", KEPT), ("updateAttribute", KEPT), ("addToAudience", KEPT),
        ("awardGiveaway", KEPT), ("customEffect", KEPT),
        ("rejectCoupon", NOTHING_TO_UNDO), ("showNotification", NOTHING_TO_UNDO),
        ("rollbackDiscount", IS_ROLLBACK), ("rollbackAddedLoyaltyPoints", IS_ROLLBACK),
    ],
)
def test_what_a_reopen_or_return_rolls_back(effect_type, behaviour):
    assert rollback_behaviour(effect_type) == behaviour


def test_split_for_rollback_lists_undone_and_kept():
    effects = [effect("setDiscount", {"name": "d", "value": 1}),
               effect("addFreeItem", {"sku": "GIFT", "name": "Gift"}),
               effect("rejectCoupon", {"value": "X", "rejectionReason": "CouponExpired"}),
               effect("mysteryEffect", {})]
    undone, kept = split_for_rollback(effects)
    assert [e.effect_type for e in undone] == ["setDiscount"]
    assert [e.effect_type for e in kept] == ["addFreeItem", "mysteryEffect"]


def test_every_effect_type_with_props_in_the_spec_has_wording():
    """Each *EffectProps schema of talon-openapi.json names an effect type we word explicitly."""
    schemas = spec_dict()["components"]["schemas"]
    spec_types = {
        name[0].lower() + name[1:-len("EffectProps")]
        for name in schemas if name.endswith("EffectProps") and name != "EffectProps"
    }
    # props schemas whose effect type is spelled differently on the wire
    spec_types -= {"custom", "strikethrough", "strikethroughSetDiscountPerItemMember",
                   "showBundleMetadata", "strikethroughSetDiscountPerItem"}
    spec_types |= {"customEffect"}
    missing = spec_types - registered_types()
    assert not missing, f"effect types without wording: {sorted(missing)}"


def test_every_sentence_in_the_registry_renders_from_spec_examples():
    """Word every effect type with its props schema's required fields filled with samples."""
    schemas = spec_dict()["components"]["schemas"]
    samples = {"string": "X", "integer": 3, "number": 2.5, "boolean": True, "object": {}, "array": []}
    for name, schema in schemas.items():
        if not name.endswith("EffectProps") or name == "EffectProps":
            continue
        props = {key: samples.get(spec.get("type"), "X")
                 for key, spec in schema.get("properties", {}).items()}
        effect_type = name[0].lower() + name[1:-len("EffectProps")]
        line = wording().describe(effect(effect_type, props))
        assert line.text and "{" not in line.text and "None" not in line.text, (effect_type, line.text)
