"""The demo campaigns, coupons, achievements and loyalty programs the sandbox seeds.

Everything here is data in the rule DSL (see sandbox/engine.py and the README's "Rule DSL"); the
IDs and names are the ones CONTRIBUTING.md's demo table promises. Amounts are in EUR.
"""
from __future__ import annotations

CREATED = "2025-01-06T09:00:00Z"
ALWAYS = "2025-01-06T09:00:00Z"  # start of every campaign that runs now

# Code patterns: '#' is one character of validCharacters (spec CodeGeneratorSettings).
_DIGITS = list("0123456789")


def _campaign(campaign_id: int, name: str, description: str, rules: list[dict], *,
              state: str = "enabled", start: str | None = ALWAYS, end: str | None = None,
              features: tuple[str, ...] = (), tags: tuple[str, ...] = (),
              coupon_pattern: str | None = None) -> dict:
    """A campaign with the Management API fields the spec's `Campaign` requires, plus rules."""
    campaign = {
        "id": campaign_id,
        "applicationId": 1,
        "userId": 1,
        "created": CREATED,
        "name": name,
        "description": description,
        "state": state,
        "type": "advanced",
        "features": list(features),
        "tags": list(tags),
        "limits": [],
        "reevaluateOnReturn": False,
        "storesImported": False,
        # Talon.One numbers rulesets on their own; 1000 + id keeps them apart from campaign IDs.
        "activeRulesetId": 1000 + campaign_id,
        "rules": rules,
    }
    if start:
        campaign["startTime"] = start
    if end:
        campaign["endTime"] = end
    if coupon_pattern:
        campaign["couponSettings"] = {"validCharacters": _DIGITS, "couponPattern": coupon_pattern}
    return campaign


def _rule(title: str, conditions: list[dict], effects: list[dict]) -> dict:
    return {"title": title, "conditions": conditions, "effects": effects}


WELCOME_DISCOUNT = _campaign(
    1, "Welcome discount", "10% off a customer's first order of 20.00 or more.",
    [_rule("10% off the first order",
           [{"type": "firstSession"}, {"type": "cartSubtotal", "op": ">=", "amount": 20}],
           [{"type": "setDiscount", "name": "Welcome 10%", "percent": 10}])],
    tags=("welcome",),
)

SUMMER_COUPONS = _campaign(
    2, "Summer coupons",
    "20% off with SUMMER20, SUMMER-0001..0050 and the reserved VIPONLY codes; "
    "GOODWILL codes give 10.00 off.",
    [_rule("Goodwill code: 10.00 off",
           [{"type": "couponValid", "prefix": "GOODWILL-"}],
           [{"type": "acceptCoupon"}, {"type": "setDiscount", "name": "Goodwill 10.00", "amount": 10}]),
     _rule("Summer code: 20% off",
           [{"type": "couponValid", "excludePrefix": "GOODWILL-"}],
           [{"type": "acceptCoupon"}, {"type": "setDiscount", "name": "Summer 20%", "percent": 20}])],
    features=("coupons",), tags=("summer", "coupons"), coupon_pattern="SUMMER-####",
)

SHOE_WEEK = _campaign(
    3, "Shoe week", "15% off every pair of shoes.",
    [_rule("15% off shoes",
           [{"type": "cartItem", "category": "shoes", "minQuantity": 1}],
           [{"type": "setDiscountPerItem", "name": "Shoe week 15%", "category": "shoes", "percent": 15}])],
    tags=("shoes",),
)

STORE_CARD_POINTS = _campaign(
    4, "Store card points",
    "1 point per euro of the subtotal on a Store Card; points activate after 14 days.",
    [_rule("1 point per euro on the store card",
           [{"type": "loyaltyCard", "programId": 1}],
           [{"type": "addLoyaltyPoints", "name": "Store card points", "programId": 1,
             "recipient": "card", "pointsPerUnit": 1, "precision": 0, "pendingDays": 14}])],
    features=("loyalty",), tags=("loyalty",),
)

VIP_PERK = _campaign(
    5, "VIP perk", "Free gift wrap for members of the VIP audience.",
    [_rule("Gift wrap for VIPs",
           [{"type": "inAudience", "audienceId": 1}],
           [{"type": "addFreeItem", "sku": "GIFT-WRAP", "name": "Gift wrap"},
            {"type": "showNotification", "notificationType": "info", "title": "VIP perk",
             "body": "Free gift wrap for our VIP customers."}])],
    tags=("vip",),
)

REFER_A_FRIEND = _campaign(
    6, "Refer a friend",
    "5.00 off for the friend; the advocate earns 50 Members Points.",
    [_rule("Referral: 5.00 off and points for the advocate",
           [{"type": "referralValid"}],
           [{"type": "acceptReferral"},
            {"type": "setDiscount", "name": "Referral 5.00", "amount": 5},
            {"type": "addLoyaltyPoints", "name": "Referral reward", "programId": 2,
             "recipient": "advocate", "points": 50}])],
    features=("referrals", "loyalty"), tags=("referral",),
)

THREE_PURCHASES = _campaign(
    7, "Three purchases", "Progress towards the 'Three purchases' achievement on every order.",
    [_rule("Count a purchase",
           [{"type": "sessionState", "states": ["closed"]}],
           [{"type": "increaseAchievementProgress", "achievementId": 1,
             "achievementName": "Three purchases", "delta": 1, "target": 3}])],
    features=("achievements",), tags=("achievement",),
)

BLACK_FRIDAY_PREVIEW = _campaign(
    8, "Black Friday preview", "30% off with BF30. Disabled: try it with evaluableCampaignIds.",
    [_rule("30% off with BF30",
           [{"type": "couponValid"}],
           [{"type": "acceptCoupon"}, {"type": "setDiscount", "name": "Black Friday 30%", "percent": 30}])],
    state="disabled", features=("coupons",), tags=("black-friday",),
)

CHRISTMAS_2030 = _campaign(
    9, "Christmas 2030", "25% off everything, from 1 December 2030.",
    [_rule("25% off for Christmas",
           [{"type": "cartSubtotal", "op": ">", "amount": 0}],
           [{"type": "setDiscount", "name": "Christmas 25%", "percent": 25}])],
    start="2030-12-01T00:00:00Z", end="2030-12-27T00:00:00Z", tags=("christmas",),
)

MEMBERS_POINTS = _campaign(
    10, "Members points", "2 Members Points per euro of the subtotal on every order, active at once.",
    [_rule("2 points per euro for members",
           [{"type": "sessionState", "states": ["closed"]}],
           [{"type": "addLoyaltyPoints", "name": "Members points", "programId": 2,
             "recipient": "profile", "pointsPerUnit": 2, "precision": 0}])],
    features=("loyalty",), tags=("loyalty",),
)

DEMO_CAMPAIGNS: list[dict] = [
    WELCOME_DISCOUNT, SUMMER_COUPONS, SHOE_WEEK, STORE_CARD_POINTS, VIP_PERK,
    REFER_A_FRIEND, THREE_PURCHASES, BLACK_FRIDAY_PREVIEW, CHRISTMAS_2030, MEMBERS_POINTS,
]


def _series(campaign_id: int, prefix: str, width: int, count: int, **fields) -> list[dict]:
    return [{"value": f"{prefix}{number:0{width}d}", "campaignId": campaign_id, **fields}
            for number in range(1, count + 1)]


# The coupons the demo campaigns' rules expect, in the shape EvaluationRequest.coupon returns
# (the store adds id, usageCounter, dates, reserved_by). usageLimit 0 means unlimited.
DEMO_COUPONS: list[dict] = [
    {"value": "SUMMER20", "campaignId": 2, "usageLimit": 0, "isReservationMandatory": False},
    *_series(2, "SUMMER-", 4, 50, usageLimit=1, isReservationMandatory=False),
    *_series(2, "VIPONLY-", 3, 10, usageLimit=1, isReservationMandatory=True),
    *_series(2, "GOODWILL-", 3, 20, usageLimit=1, isReservationMandatory=False),
    {"value": "BF30", "campaignId": 8, "usageLimit": 0, "isReservationMandatory": False},
    # An Easter code of 2025: expired, so a customer typing it gets CouponExpired.
    {"value": "EASTER25", "campaignId": 2, "usageLimit": 0, "isReservationMandatory": False,
     "startDate": "2025-04-14T00:00:00Z", "expiryDate": "2025-04-22T00:00:00Z"},
]

# Spec `Achievement` fields (the store adds created).
DEMO_ACHIEVEMENTS: list[dict] = [
    {"id": 1, "name": "three_purchases", "title": "Three purchases",
     "description": "Place three orders.", "target": 3, "campaignId": 7, "userId": 1,
     "recurrencePolicy": "no_recurrence", "activationPolicy": "fixed_schedule"},
]

# What the engine assumes of the two loyalty programs (the store owns the full records).
DEMO_LOYALTY_PROGRAMS: list[dict] = [
    {"id": 1, "name": "store_card", "title": "Store Card", "cardBased": True, "usersPerCardLimit": 2,
     "defaultPending": "14D", "defaultValidity": "unlimited", "pointsPlaces": 0},
    {"id": 2, "name": "members_points", "title": "Members Points", "cardBased": False,
     "defaultPending": "immediate", "defaultValidity": "unlimited", "pointsPlaces": 0},
]
