"""Rule effects: `{"type": <effectType>, ...}` in a rule's `effects`, run when its conditions hold.

Each builder takes (context, scope, effect_index, spec) and emits spec `Effect`s through
`context.emit`, or reports a RuleFailureReason (with effectIndex) through `context.fail` when the
effect cannot apply (no profile, inactive card, not enough points, ...). The DSL type is the
effect's spec effectType, so a campaign reads like the effects it produces.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Callable

from sandbox.rules_conditions import card_problem, line_matches
from sandbox.rules_context import EvaluationContext, RuleScope
from sandbox.rules_money import (
    DEFAULT_POINTS_PLACES,
    dec,
    money,
    number,
    percent_of,
    quantize_down,
)
from sandbox.rules_schedule import rfc3339

Builder = Callable[[EvaluationContext, RuleScope, int, dict], None]

# Talon.One's default subledger is the empty string.
DEFAULT_SUBLEDGER = ""


def _discount_props(name: str, desired: Decimal, applied: Decimal) -> dict:
    props = {"name": name, "value": number(applied)}
    if applied != desired:
        # Only when capped: desiredValue is what the rule wanted, value what the cart allowed.
        props["desiredValue"] = number(desired)
    return props


def set_discount(context: EvaluationContext, scope: RuleScope, effect_index: int, spec: dict) -> None:
    """{"type": "setDiscount", "name"?: "...", "percent": 10 | "amount": 5.00}: off the cart
    subtotal, capped at what earlier discounts left of it."""
    desired = percent_of(context.subtotal, spec["percent"]) if "percent" in spec else money(dec(spec["amount"]))
    applied = min(desired, context.cart_remaining())
    if applied <= 0:
        context.fail(scope, "nothing left in the cart to discount", effect_index=effect_index)
        return
    context.record_discount(applied)
    context.emit(scope, "setDiscount", _discount_props(spec.get("name", scope.title), desired, applied))


def set_discount_per_item(context: EvaluationContext, scope: RuleScope, effect_index: int,
                          spec: dict) -> None:
    """{"type": "setDiscountPerItem", "name"?, "sku"? | "category"?, "percent": 15 |
    "amount": 2.00 (per unit)}: one effect per unit of each matching cart line, capped at the
    unit's price.

    "Talon.One always flattens the cart items you send ... if you use per-item effects, like a
    per-item discount applied to all items of the session, you receive three effects instead of
    one" (docs.talon.one/docs/product/rules/understanding-cart-item-flattening). Each effect names
    the line (`position`) and the unit (`subPosition`: "For cart items with `quantity` > 1, the
    sub position indicates which item the discount applies to", SetDiscountPerItemEffectProps)."""
    name = spec.get("name", scope.title)
    selector = {key: spec[key] for key in ("sku", "category") if key in spec}
    for line in context.lines:
        if not line_matches(line, selector):
            continue
        for unit in range(line.quantity):
            desired = percent_of(line.price, spec["percent"]) if "percent" in spec else money(dec(spec["amount"]))
            applied = min(desired, context.unit_remaining(line, unit), context.cart_remaining())
            if applied <= 0:
                continue
            context.record_discount(applied, (line.position, unit))
            # The spec: the name carries '#' and the item's position.
            props = _discount_props(f"{name}#{line.position}", desired, applied)
            props["position"] = line.position
            props["subPosition"] = unit
            context.emit(scope, "setDiscountPerItem", props)


def accept_coupon(context: EvaluationContext, scope: RuleScope, effect_index: int, _spec: dict) -> None:
    """{"type": "acceptCoupon"}: redeem the coupon that the rule's couponValid put in scope."""
    if scope.coupon is None:
        context.fail(scope, "no coupon in scope (add a couponValid condition)", effect_index=effect_index)
        return
    value = scope.coupon["value"]
    if value in context.accepted_coupons:
        return  # a second rule of the campaign on the same coupon: still one redemption
    context.accepted_coupons[value] = scope.campaign["id"]
    context.emit(scope, "acceptCoupon", {"value": value})


def accept_referral(context: EvaluationContext, scope: RuleScope, effect_index: int, _spec: dict) -> None:
    """{"type": "acceptReferral"}: redeem the referral that referralValid put in scope."""
    if scope.referral is None:
        context.fail(scope, "no referral in scope (add a referralValid condition)", effect_index=effect_index)
        return
    if context.accepted_referral == scope.referral["code"]:
        return
    context.accepted_referral = scope.referral["code"]
    context.emit(scope, "acceptReferral", {"value": scope.referral["code"]})


def _points_recipient(context: EvaluationContext, scope: RuleScope, spec: dict) -> tuple[str, dict | None] | str:
    """(recipientIntegrationId, card or None), or the reason there is no one to credit/debit."""
    recipient = spec.get("recipient", "profile")
    if recipient == "card":
        if scope.card is None:
            return "no loyalty card in scope (add a loyaltyCard condition)"
        if scope.card.get("programId") != spec["programId"]:
            return f"loyalty card {scope.card['identifier']} is not in program {spec['programId']}"
        problem = card_problem(scope.card)
        return problem if problem else (context.profile_id, scope.card)
    if recipient == "advocate":
        if scope.referral is None:
            return "no referral in scope (add a referralValid condition)"
        return scope.referral["advocateProfileIntegrationId"], None
    if not context.profile_id:
        return "profile-based loyalty needs a customer profile"
    return context.profile_id, None


def _points_amount(context: EvaluationContext, spec: dict) -> Decimal:
    """Fixed `points`, or `pointsPerUnit` x the subtotal ("base": "subtotal") or x what is left
    after this evaluation's discounts ("base": "total"), rounded down to `precision` places."""
    if "points" in spec:
        return dec(spec["points"])
    base = context.subtotal if spec.get("base", "subtotal") == "subtotal" else context.cart_remaining()
    return quantize_down(base * dec(spec["pointsPerUnit"]), int(spec.get("precision", DEFAULT_POINTS_PLACES)))


def add_loyalty_points(context: EvaluationContext, scope: RuleScope, effect_index: int, spec: dict) -> None:
    """{"type": "addLoyaltyPoints", "programId": 1, "recipient": "card" | "profile" | "advocate",
    "points": 50 | "pointsPerUnit": 1, "base"?: "subtotal" | "total", "precision"?: 0,
    "pendingDays"?: 14, "expiryDays"?: 365, "name"?: "..."}"""
    found = _points_recipient(context, scope, spec)
    if isinstance(found, str):
        context.fail(scope, found, effect_index=effect_index)
        return
    recipient, card = found
    points = _points_amount(context, spec)
    if points <= 0:
        context.fail(scope, "no points to add", effect_index=effect_index)
        return
    props = {
        "name": spec.get("name", scope.title),
        "programId": spec["programId"],
        "subLedgerId": spec.get("subLedgerId", DEFAULT_SUBLEDGER),
        "value": number(points),
        "recipientIntegrationId": recipient,
        "transactionUUID": context.transaction_uuid(scope, effect_index, recipient),
    }
    # Pending points carry the date they activate; immediate ones have no startDate.
    if spec.get("pendingDays"):
        props["startDate"] = rfc3339(context.now + timedelta(days=spec["pendingDays"]))
    if spec.get("expiryDays"):
        start = context.now + timedelta(days=spec.get("pendingDays") or 0)
        props["expiryDate"] = rfc3339(start + timedelta(days=spec["expiryDays"]))
    if card is not None:
        props["cardIdentifier"] = card["identifier"]
    context.emit(scope, "addLoyaltyPoints", props)


def deduct_loyalty_points(context: EvaluationContext, scope: RuleScope, effect_index: int, spec: dict) -> None:
    """{"type": "deductLoyaltyPoints", "programId": 2, "points": 100, "recipient"?: "card" |
    "profile", "name"?}: only when the active balance covers it."""
    found = _points_recipient(context, scope, spec)
    if isinstance(found, str):
        context.fail(scope, found, effect_index=effect_index)
        return
    _recipient, card = found
    points = dec(spec["points"])
    card_id = card["identifier"] if card else None
    balance = dec(context.request.loyalty_balance(spec["programId"], card_id))
    if balance < points:
        context.fail(scope, f"balance {number(balance)} is below {number(points)} points",
                     effect_index=effect_index)
        return
    props = {
        "ruleTitle": scope.title,
        "programId": spec["programId"],
        "subLedgerId": spec.get("subLedgerId", DEFAULT_SUBLEDGER),
        "value": number(points),
        "transactionUUID": context.transaction_uuid(scope, effect_index, card_id or context.profile_id),
        "name": spec.get("name", scope.title),
    }
    if card_id:
        props["cardIdentifier"] = card_id
    context.emit(scope, "deductLoyaltyPoints", props)


def add_free_item(context: EvaluationContext, scope: RuleScope, _effect_index: int, spec: dict) -> None:
    """{"type": "addFreeItem", "sku": "GIFT-WRAP", "name": "Gift wrap", "desiredQuantity"?: 1}"""
    props = {"sku": spec["sku"], "name": spec["name"]}
    if "desiredQuantity" in spec:
        props["desiredQuantity"] = int(spec["desiredQuantity"])
    context.emit(scope, "addFreeItem", props)


def show_notification(context: EvaluationContext, scope: RuleScope, _effect_index: int, spec: dict) -> None:
    """{"type": "showNotification", "notificationType": "info", "title": "...", "body": "..."}"""
    context.emit(scope, "showNotification", {
        "notificationType": spec.get("notificationType", "info"),
        "title": spec["title"],
        "body": spec["body"],
    })


def _needs_profile(context: EvaluationContext, scope: RuleScope, effect_index: int) -> bool:
    if context.profile_id:
        return False
    context.fail(scope, "this effect needs a customer profile", effect_index=effect_index)
    return True


def reserve_coupon(context: EvaluationContext, scope: RuleScope, effect_index: int, spec: dict) -> None:
    """{"type": "reserveCoupon", "couponValue"?: "GOODWILL-001"}: reserve the coupon in scope (or
    the named one) for this profile. The store records the reservation at close."""
    if _needs_profile(context, scope, effect_index):
        return
    coupon = context.coupon(spec["couponValue"]) if "couponValue" in spec else scope.coupon
    if coupon is None:
        context.fail(scope, "no coupon to reserve", effect_index=effect_index)
        return
    context.emit(scope, "reserveCoupon", {
        "couponValue": coupon["value"],
        "profileIntegrationId": context.profile_id,
        "isNewReservation": context.profile_id not in (coupon.get("reserved_by") or ()),
    })


def coupon_created(context: EvaluationContext, scope: RuleScope, effect_index: int, spec: dict) -> None:
    """{"type": "couponCreated", "prefix": "THANKS"}: a new single-use code for this profile.
    The code is derived from the session, so a re-evaluation names the same code; the store
    creates it at close in the effect's campaign (usageLimit 1, recipient = profileId)."""
    if _needs_profile(context, scope, effect_index):
        return
    value = f"{spec.get('prefix', 'CODE')}-{context.code_token(scope, effect_index)}"
    context.emit(scope, "couponCreated", {"value": value, "profileId": context.profile_id})


def add_to_audience(context: EvaluationContext, scope: RuleScope, effect_index: int, spec: dict) -> None:
    """{"type": "addToAudience", "audienceId": 2, "audienceName": "Newsletter"}; nothing when
    the profile is already a member."""
    if _needs_profile(context, scope, effect_index):
        return
    if spec["audienceId"] in (context.profile.get("audience_ids") or ()):
        return
    context.emit(scope, "addToAudience", {
        "audienceId": spec["audienceId"],
        "audienceName": spec.get("audienceName", ""),
        "profileIntegrationId": context.profile_id,
    })


def increase_achievement_progress(context: EvaluationContext, scope: RuleScope, effect_index: int,
                                  spec: dict) -> None:
    """{"type": "increaseAchievementProgress", "achievementId": 1, "achievementName": "...",
    "delta": 1, "target": 3}: nothing once the achievement is complete."""
    if _needs_profile(context, scope, effect_index):
        return
    current = dec(context.request.achievement_progress(spec["achievementId"]))
    target = dec(spec["target"])
    if current >= target:
        context.fail(scope, f"achievement {spec['achievementId']} is already complete",
                     effect_index=effect_index)
        return
    value = current + dec(spec.get("delta", 1))
    context.emit(scope, "increaseAchievementProgress", {
        "achievementId": spec["achievementId"],
        "achievementName": spec["achievementName"],
        "delta": number(dec(spec.get("delta", 1))),
        "value": number(value),
        "target": number(target),
        "isJustCompleted": value >= target,
    })


EFFECTS: dict[str, Builder] = {
    "setDiscount": set_discount,
    "setDiscountPerItem": set_discount_per_item,
    "acceptCoupon": accept_coupon,
    "acceptReferral": accept_referral,
    "addLoyaltyPoints": add_loyalty_points,
    "deductLoyaltyPoints": deduct_loyalty_points,
    "addFreeItem": add_free_item,
    "showNotification": show_notification,
    "reserveCoupon": reserve_coupon,
    "couponCreated": coupon_created,
    "addToAudience": add_to_audience,
    "increaseAchievementProgress": increase_achievement_progress,
}

# rejectCoupon / rejectReferral are not in the DSL: the engine emits them for codes no rule
# accepted (rules_codes.py), which is when Talon.One emits them too.
