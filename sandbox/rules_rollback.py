"""Rollback effects: what undoes the effects committed when a session closed.

Cancel and reopen undo everything that can be undone (`rollback_effects`). Returns undo, for the
returned units only, the discounts and earned points (`return_rollback_effects`); coupons,
referrals and achievement progress stay redeemed on a partial return, as in Talon.One.
Some committed effects are never undone: see NOT_ROLLED_BACK_EFFECT_TYPES.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable

from sandbox.rules_context import CartLine, cart_lines
from sandbox.rules_money import DEFAULT_POINTS_PLACES, MONEY_PLACES, ZERO, dec, number, prorated_difference

# Effect type -> the rollback effect type that undoes it on cancel / reopen.
ROLLBACK_EFFECT_TYPE = {
    "setDiscount": "rollbackDiscount",
    "setDiscountPerItem": "rollbackDiscount",
    "acceptCoupon": "rollbackCoupon",
    "acceptReferral": "rollbackReferral",
    "addLoyaltyPoints": "rollbackAddedLoyaltyPoints",
    "deductLoyaltyPoints": "rollbackDeductedLoyaltyPoints",
    # Except when the session completed the achievement (isJustCompleted): a completed
    # achievement stays completed.
    "increaseAchievementProgress": "rollbackIncreasedAchievementProgress",
}

# Committed at close and kept on cancel, reopen and return (the console lists these as "will
# not roll back"): the free item was handed over, created codes and referrals exist, a
# reservation and attribute or audience changes stay.
NOT_ROLLED_BACK_EFFECT_TYPES = frozenset({
    "addFreeItem",
    "couponCreated",
    "referralCreated",
    "reserveCoupon",
    "updateAttribute",
    "addToAudience",
    "removeFromAudience",
    "awardGiveaway",
})


def is_rolled_back(effect_type: str) -> bool:
    """True when cancelling or reopening the session undoes effects of this type."""
    return effect_type in ROLLBACK_EFFECT_TYPE


def _rollback_envelope(effect: dict, rollback_type: str, props: dict) -> dict:
    """The rollback keeps the campaign and rule of the effect it undoes."""
    rollback = {key: effect[key] for key in ("campaignId", "rulesetId", "ruleIndex", "ruleName")}
    if "triggeredByCoupon" in effect:
        rollback["triggeredByCoupon"] = effect["triggeredByCoupon"]
    rollback["effectType"] = rollback_type
    rollback["props"] = props
    return rollback


def _pick(props: dict, *keys: str) -> dict:
    return {key: props[key] for key in keys if key in props}


def _discount_rollback(props: dict, value) -> dict:
    rolled = {"name": props["name"], "value": value}
    if "position" in props:
        rolled["cartItemPosition"] = props["position"]
    if "subPosition" in props:
        rolled["cartItemSubPosition"] = props["subPosition"]
    rolled.update(_pick(props, "scope"))
    return rolled


def _added_points_rollback(props: dict, value) -> dict:
    rolled = {"value": value}
    rolled.update(_pick(props, "programId", "subLedgerId", "recipientIntegrationId", "transactionUUID",
                        "cartItemPosition", "cartItemSubPosition", "cardIdentifier"))
    return rolled


def _achievement_rollback(props: dict, current: float | None) -> dict:
    after = dec(props["value"]) - dec(props["delta"]) if current is None else dec(current) - dec(props["delta"])
    return {
        "achievementId": props["achievementId"],
        "achievementName": props["achievementName"],
        # The sandbox keeps one tracker per profile and achievement; without the store's ID the
        # achievement ID stands in for it.
        "progressTrackerId": props.get("progressTrackerId", props["achievementId"]),
        "decreaseProgressBy": props["delta"],
        "currentProgress": number(max(after, ZERO)),
        "target": props["target"],
    }


def rollback_effects(effects: list[dict], *, profile_integration_id: str = "",
                     achievement_progress: Callable[[int], float] | None = None) -> list[dict]:
    """The rollback effects that undo `effects` (those committed at close) on cancel or reopen.

    profile_integration_id: the session's profile, for rollbackDeductedLoyaltyPoints (the spec
        requires recipientIntegrationId there, and deductLoyaltyPoints does not carry it).
    achievement_progress(achievement_id) -> the profile's live progress, for currentProgress;
        without it, the progress recorded in the effect is used.
    Effects of other types (NOT_ROLLED_BACK_EFFECT_TYPES, notifications, rejections) give none.
    """
    rollbacks = []
    for effect in effects:
        effect_type, props = effect["effectType"], effect["props"]
        rollback_type = ROLLBACK_EFFECT_TYPE.get(effect_type)
        if rollback_type is None:
            continue
        if effect_type in ("setDiscount", "setDiscountPerItem"):
            rolled = _discount_rollback(props, props["value"])
        elif effect_type in ("acceptCoupon", "acceptReferral"):
            rolled = {"value": props["value"]}
        elif effect_type == "addLoyaltyPoints":
            rolled = _added_points_rollback(props, props["value"])
        elif effect_type == "deductLoyaltyPoints":
            rolled = {"recipientIntegrationId": profile_integration_id, "value": props["value"]}
            rolled.update(_pick(props, "programId", "subLedgerId", "transactionUUID", "cardIdentifier"))
        else:  # increaseAchievementProgress
            if props.get("isJustCompleted"):
                continue
            current = achievement_progress(props["achievementId"]) if achievement_progress else None
            rolled = _achievement_rollback(props, current)
        rollbacks.append(_rollback_envelope(effect, rollback_type, rolled))
    return rollbacks


class _ReturnShares:
    """How much of each line and of the cart's value was returned before and after this return."""

    def __init__(self, cart_items: list[dict], returned: dict[int, int]):
        self.lines: dict[int, CartLine] = {line.position: line for line in cart_lines(cart_items)}
        self.before: dict[int, int] = {}
        self.after: dict[int, int] = {}
        for index, item in enumerate(cart_items):
            position = int(item.get("position", index))
            self.before[position] = int(item.get("returnedQuantity") or 0)
            self.after[position] = self.before[position]
        for position, quantity in returned.items():
            quantity = int(quantity)
            line = self.lines.get(int(position))
            if line is None:
                raise ValueError(f"no cart item at position {position}")
            if quantity <= 0 or self.before[line.position] + quantity > line.quantity:
                raise ValueError(f"cannot return {quantity} of position {position}: "
                                 f"{line.quantity - self.before[line.position]} remain")
            self.after[line.position] += quantity
        self.cart_value = sum((line.value for line in self.lines.values()), ZERO)

    def returned_value(self, counts: dict[int, int]) -> Decimal:
        return sum((self.lines[p].price * counts[p] for p in self.lines), ZERO)

    def item_share(self, total, position: int, places: int) -> Decimal:
        """This return's part of a per-item amount of the line at `position`."""
        line = self.lines.get(int(position))
        if line is None or self.after[line.position] == self.before[line.position]:
            return ZERO
        return prorated_difference(dec(total), Decimal(self.before[line.position]),
                                   Decimal(self.after[line.position]), Decimal(line.quantity), places)

    def unit_returned_now(self, position: int, sub_position: int) -> bool:
        """Whether this return takes back that unit of a flattened line. Units go back in
        sub-position order: after n returned units, sub-positions 0 .. n-1 are the returned ones."""
        line = self.lines.get(int(position))
        return line is not None and self.before[line.position] <= int(sub_position) < self.after[line.position]

    def cart_share(self, total, places: int) -> Decimal:
        """This return's part of a cart-level amount, by the returned share of the cart value."""
        return prorated_difference(dec(total), self.returned_value(self.before),
                                   self.returned_value(self.after), self.cart_value, places)


def return_rollback_effects(effects: list[dict], cart_items: list[dict], returned: dict[int, int],
                            *, points_places: dict[int, int] | None = None) -> list[dict]:
    """Rollback effects for returning `returned` ({cart position: quantity returned now}).

    cart_items: the session's items as they were BEFORE this return (returnedQuantity counts
        earlier returns only), so that successive returns add up exactly to the full amounts.
    Per-unit effects (setDiscountPerItem with subPosition, from flattened lines) of the returned
    units roll back whole; other per-item amounts roll back returned/quantity of their value;
    cart-level discounts and earned points roll back the returned share of the cart
    value (points earned on one position follow that position). Money is rounded half-up to 2
    decimals, points to `points_places[programId]` (default 2). Raises ValueError when a
    position does not exist or more units are returned than remain.
    """
    shares = _ReturnShares(cart_items, returned)
    points_places = points_places or {}
    rollbacks = []
    for effect in effects:
        effect_type, props = effect["effectType"], effect["props"]
        if effect_type in ("setDiscount", "setDiscountPerItem"):
            places = MONEY_PLACES
        elif effect_type == "addLoyaltyPoints":
            places = points_places.get(props["programId"], DEFAULT_POINTS_PLACES)
        else:
            continue
        position = props.get("position", props.get("cartItemPosition"))
        sub_position = props.get("subPosition", props.get("cartItemSubPosition"))
        if position is not None and sub_position is not None:
            # One unit's effect of a flattened line goes back whole with that unit.
            value = dec(props["value"]) if shares.unit_returned_now(position, sub_position) else ZERO
        elif position is not None:
            value = shares.item_share(props["value"], position, places)
        else:
            value = shares.cart_share(props["value"], places)
        if value <= 0:
            continue
        if effect_type == "addLoyaltyPoints":
            rolled = _added_points_rollback(props, number(value))
        else:
            rolled = _discount_rollback(props, number(value))
        rollbacks.append(_rollback_envelope(effect, ROLLBACK_EFFECT_TYPE[effect_type], rolled))
    return rollbacks
