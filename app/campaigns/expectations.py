"""What a saved test case promises, and how a run's result is compared with it.

Expectations are plain JSON (saved with the case, exported with the suite):
    effects          effect types that must appear            ["setDiscount", "acceptCoupon"]
    absent_effects   effect types that must not appear        ["addFreeItem"]
    amounts          {effect type: expected sum of props.value} {"setDiscount": "24.00"}
    tolerance        how far an amount may be off              "0.01"
    coupons_accepted codes that must be accepted               ["BF30"]
    coupons_rejected {code: reason or ""}                       {"VIPONLY-001": "CouponReservationRequired"}
A difference is one sentence saying what was expected and what happened.
"""

from __future__ import annotations

from decimal import Decimal

from .evaluation import BenchResult

DEFAULT_TOLERANCE = "0.01"


def empty() -> dict:
    return {"effects": [], "absent_effects": [], "amounts": {}, "tolerance": DEFAULT_TOLERANCE,
            "coupons_accepted": [], "coupons_rejected": {}}


def from_result(result: BenchResult) -> dict:
    """Today's outcome as the expectation: what a new case promises until someone edits it."""
    amounts = {}
    for effect_type in result.effect_types:
        amount = result.amount_of(effect_type)
        if amount:
            amounts[effect_type] = f"{amount:.2f}"
    return {**empty(), "effects": list(result.effect_types), "amounts": amounts,
            "coupons_accepted": list(result.coupons_accepted),
            "coupons_rejected": {code: reason for code, reason in result.coupons_rejected}}


# Effect types as staff say them (the expectations keep Talon.One's names, which the editor's
# fields take; what a run reports is written in words).
EFFECT_WORDS = {
    "setDiscount": "discount", "setDiscountPerItem": "per-item discount",
    "setDiscountPerAdditionalCost": "discount on an additional cost", "acceptCoupon": "accepted coupon",
    "rejectCoupon": "rejected coupon", "acceptReferral": "accepted referral", "rejectReferral": "rejected referral",
    "addLoyaltyPoints": "loyalty points", "deductLoyaltyPoints": "loyalty points deduction",
    "addFreeItem": "free item", "showNotification": "notification", "reserveCoupon": "coupon reservation",
    "couponCreated": "new coupon", "referralCreated": "new referral code", "addToAudience": "audience membership",
    "removeFromAudience": "audience removal", "increaseAchievementProgress": "achievement progress",
    "awardGiveaway": "giveaway", "updateAttribute": "attribute update",
}


def effect_words(effect_type: str) -> str:
    return EFFECT_WORDS.get(effect_type, effect_type)


def differences(expected: dict, result: BenchResult) -> list[str]:
    """Every way the result breaks the expectations (empty: the case passes)."""
    found: list[str] = []
    present = set(result.effect_types)
    for effect_type in expected.get("effects", []):
        if effect_type not in present:
            found.append(f"Expected a {effect_words(effect_type)} effect; there was none.")
    for effect_type in expected.get("absent_effects", []):
        if effect_type in present:
            found.append(f"Expected no {effect_words(effect_type)} effect; there was one.")
    tolerance = Decimal(str(expected.get("tolerance") or DEFAULT_TOLERANCE))
    for effect_type, amount in (expected.get("amounts") or {}).items():
        wanted, got = Decimal(str(amount)), result.amount_of(effect_type)
        if abs(wanted - got) > tolerance:
            found.append(f"The {effect_words(effect_type)} amount: expected {wanted:.2f} ± {tolerance}, "
                         f"got {got:.2f}.")
    accepted = set(result.coupons_accepted)
    rejected = dict(result.coupons_rejected)
    for code in expected.get("coupons_accepted", []):
        if code not in accepted:
            why = f"rejected ({rejected[code]})" if code in rejected else "neither accepted nor rejected"
            found.append(f"Coupon {code}: expected accepted, was {why}.")
    for code, reason in (expected.get("coupons_rejected") or {}).items():
        if code in accepted:
            found.append(f"Coupon {code}: expected rejected, was accepted.")
        elif code not in rejected:
            found.append(f"Coupon {code}: expected rejected, was neither accepted nor rejected.")
        elif reason and rejected[code] != reason:
            found.append(f"Coupon {code}: expected rejected for {reason}, "
                         f"was rejected for {rejected[code] or 'no reason'}.")
    return found
