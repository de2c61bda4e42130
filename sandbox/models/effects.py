"""Committing effects when a session closes, and applying rollback effects.

The engine decides what happens; this module makes it so in the database. Each effect type
has one function; types without one (notifications, rejections, free items) change nothing.
"""
from __future__ import annotations

from typing import Callable

from sandbox.db import Tx
from sandbox.models import achievements, audiences, campaigns, coupons, giveaways, loyalty, profiles, referrals
from sandbox.models.common import ts


class Commit:
    """What one commit needs to know besides the effect: the session and its profile."""

    def __init__(self, tx: Tx, session: str, profile: str, source: str = "session") -> None:
        self.tx = tx
        self.session = session
        self.profile = profile
        self.source = source
        self.created_coupons: list[int] = []


def _ledger_account(commit: Commit, props: dict) -> tuple[int | None, str]:
    """(card row ID or None, profile) that a points effect credits or debits."""
    card_identifier = props.get("cardIdentifier")
    if card_identifier:
        card = loyalty.find_card(commit.tx, props["programId"], card_identifier)
        return (card["id"] if card is not None else None), commit.profile
    return None, props.get("recipientIntegrationId") or commit.profile


def _ledger_row(commit: Commit, effect: dict, kind: str, *, reverses: str | None = None,
                start: str | None = None, expiry: str | None = None, name: str | None = None) -> None:
    props = effect["props"]
    card_id, profile = _ledger_account(commit, props)
    if props.get("cardIdentifier") and card_id is None:
        return  # the card disappeared; nothing to credit
    if card_id is None:
        loyalty.join(commit.tx, props["programId"], profile)
    commit.tx.insert(
        "ledger", transaction_uuid=props["transactionUUID"], program_id=props["programId"], card_id=card_id,
        profile_integration_id=profile, session_integration_id=commit.session or None, kind=kind,
        name=name or props.get("name") or effect.get("ruleName", ""), amount=float(props["value"]),
        subledger_id=props.get("subLedgerId", ""), start_date=start, expiry_date=expiry, created=ts(commit.tx.now),
        ruleset_id=effect.get("rulesetId"), rule_name=effect.get("ruleName"), source=commit.source,
        reverses=reverses)


def accept_coupon(commit: Commit, effect: dict) -> None:
    row = coupons.find(commit.tx, effect["props"]["value"])
    if row is None:
        return
    commit.tx.run("UPDATE coupons SET usage_counter = usage_counter + 1 WHERE id = ?", row["id"])
    commit.tx.insert("coupon_redemptions", coupon_id=row["id"], profile_integration_id=commit.profile or None,
                     session_integration_id=commit.session, created=ts(commit.tx.now))
    campaigns.bump(commit.tx, effect["campaignId"], couponRedemptionCount=1)


def rollback_coupon(commit: Commit, effect: dict) -> None:
    row = coupons.find(commit.tx, effect["props"]["value"])
    if row is None:
        return
    commit.tx.run("UPDATE coupons SET usage_counter = max(usage_counter - 1, 0) WHERE id = ?", row["id"])
    commit.tx.run("DELETE FROM coupon_redemptions WHERE id = (SELECT id FROM coupon_redemptions WHERE coupon_id = ? "
                  "AND session_integration_id = ? ORDER BY id DESC LIMIT 1)", row["id"], commit.session)
    campaigns.bump(commit.tx, effect["campaignId"], couponRedemptionCount=-1)


def _discount(commit: Commit, effect: dict, sign: int) -> None:
    value = float(effect["props"]["value"]) * sign
    campaigns.bump(commit.tx, effect["campaignId"], discountCount=value, discountEffectCount=sign)
    if effect.get("triggeredByCoupon"):
        commit.tx.run("UPDATE coupons SET discount_counter = max(discount_counter + ?, 0) WHERE id = ?",
                      value, effect["triggeredByCoupon"])


def set_discount(commit: Commit, effect: dict) -> None:
    _discount(commit, effect, 1)


def rollback_discount(commit: Commit, effect: dict) -> None:
    _discount(commit, effect, -1)


def add_loyalty_points(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    _ledger_row(commit, effect, "addition", start=props.get("startDate"), expiry=props.get("expiryDate"))
    campaigns.bump(commit.tx, effect["campaignId"], createdLoyaltyPointsCount=float(props["value"]),
                   createdLoyaltyPointsEffectCount=1)


def rollback_added_loyalty_points(commit: Commit, effect: dict) -> None:
    # The rollback takes back the points of the addition it names (pending or active).
    _ledger_row(commit, effect, "subtraction", reverses=effect["props"]["transactionUUID"],
                name=f"Rollback: {effect.get('ruleName', '')}")
    campaigns.bump(commit.tx, effect["campaignId"], createdLoyaltyPointsCount=-float(effect["props"]["value"]))


def deduct_loyalty_points(commit: Commit, effect: dict) -> None:
    _ledger_row(commit, effect, "subtraction")
    campaigns.bump(commit.tx, effect["campaignId"], redeemedLoyaltyPointsCount=float(effect["props"]["value"]),
                   redeemedLoyaltyPointsEffectCount=1)


def rollback_deducted_loyalty_points(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    _ledger_row(commit, effect, "addition", reverses=props["transactionUUID"], start=props.get("startDate"),
                expiry=props.get("expiryDate"), name=f"Refund: {effect.get('ruleName', '')}")
    campaigns.bump(commit.tx, effect["campaignId"], redeemedLoyaltyPointsCount=-float(props["value"]))


def accept_referral(commit: Commit, effect: dict) -> None:
    row = referrals.find(commit.tx, effect["props"]["value"])
    if row is None:
        return
    commit.tx.run("UPDATE referrals SET usage_counter = usage_counter + 1 WHERE id = ?", row["id"])
    commit.tx.insert("referral_redemptions", referral_id=row["id"], friend_integration_id=commit.profile or None,
                     session_integration_id=commit.session, created=ts(commit.tx.now))
    if commit.profile:
        commit.tx.run("UPDATE profiles SET advocate_integration_id = ? WHERE integration_id = ?",
                      row["advocate_integration_id"], commit.profile)
    campaigns.bump(commit.tx, effect["campaignId"], referralRedemptionCount=1)


def rollback_referral(commit: Commit, effect: dict) -> None:
    row = referrals.find(commit.tx, effect["props"]["value"])
    if row is None:
        return
    commit.tx.run("UPDATE referrals SET usage_counter = max(usage_counter - 1, 0) WHERE id = ?", row["id"])
    commit.tx.run("DELETE FROM referral_redemptions WHERE id = (SELECT id FROM referral_redemptions WHERE "
                  "referral_id = ? AND session_integration_id = ? ORDER BY id DESC LIMIT 1)",
                  row["id"], commit.session)
    campaigns.bump(commit.tx, effect["campaignId"], referralRedemptionCount=-1)


def coupon_created(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    if coupons.find(commit.tx, props["value"]) is not None:
        return  # the same session closed again names the same code
    coupon_id = coupons.create(commit.tx, effect["campaignId"], props["value"], recipient=props.get("profileId"))
    commit.created_coupons.append(coupon_id)
    campaigns.bump(commit.tx, effect["campaignId"], couponCreationCount=1)


def reserve_coupon(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    row = coupons.find(commit.tx, props["couponValue"])
    if row is not None and props.get("profileIntegrationId"):
        coupons.reserve(commit.tx, row["id"], props["profileIntegrationId"])
        campaigns.bump(commit.tx, effect["campaignId"], reservecouponEffectCount=1)


def add_to_audience(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    profile = profiles.find(commit.tx, props.get("profileIntegrationId") or commit.profile)
    exists = commit.tx.one("SELECT id FROM audiences WHERE id = ?", props.get("audienceId"))
    if profile is not None and exists is not None:
        audiences.add_member(commit.tx, props["audienceId"], profile["id"])


def add_free_item(commit: Commit, effect: dict) -> None:
    campaigns.bump(commit.tx, effect["campaignId"], addFreeItemEffectCount=1)


def award_giveaway(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    giveaways.award(commit.tx, props["giveawayId"], props["recipientIntegrationId"])
    campaigns.bump(commit.tx, effect["campaignId"], awardedGiveawaysCount=1)


def increase_achievement_progress(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    if commit.profile:
        achievements.increase(commit.tx, props["achievementId"], commit.profile, float(props["value"]),
                              float(props["target"]))


def rollback_increased_achievement_progress(commit: Commit, effect: dict) -> None:
    props = effect["props"]
    if commit.profile:
        achievements.decrease(commit.tx, props["achievementId"], commit.profile, float(props["decreaseProgressBy"]))


APPLY: dict[str, Callable[[Commit, dict], None]] = {
    "acceptCoupon": accept_coupon,
    "rollbackCoupon": rollback_coupon,
    "setDiscount": set_discount,
    "setDiscountPerItem": set_discount,
    "rollbackDiscount": rollback_discount,
    "addLoyaltyPoints": add_loyalty_points,
    "rollbackAddedLoyaltyPoints": rollback_added_loyalty_points,
    "deductLoyaltyPoints": deduct_loyalty_points,
    "rollbackDeductedLoyaltyPoints": rollback_deducted_loyalty_points,
    "acceptReferral": accept_referral,
    "rollbackReferral": rollback_referral,
    "couponCreated": coupon_created,
    "reserveCoupon": reserve_coupon,
    "addToAudience": add_to_audience,
    "addFreeItem": add_free_item,
    "awardGiveaway": award_giveaway,
    "increaseAchievementProgress": increase_achievement_progress,
    "rollbackIncreasedAchievementProgress": rollback_increased_achievement_progress,
}


def apply(commit: Commit, effects: list[dict]) -> None:
    for effect in effects:
        handler = APPLY.get(effect["effectType"])
        if handler is not None:
            handler(commit, effect)
