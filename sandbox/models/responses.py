"""The integration-state answers (IntegrationStateV2 and its profile and event cousins).

Talon.One always answers effects, createdCoupons and createdReferrals, and adds the entities
listed in `responseContent`; this builds exactly that from what an operation produced.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.db import Tx
from sandbox.models import campaigns, coupons, events, giveaways, loyalty, profiles, referrals


@dataclass
class Outcome:
    """What an operation did, for the answer: effects, evaluation findings, created things."""

    effects: list[dict] = field(default_factory=list)
    triggered_campaign_ids: list[int] = field(default_factory=list)
    rule_failure_reasons: list[dict] = field(default_factory=list)
    created_coupon_ids: list[int] = field(default_factory=list)
    event_id: int | None = None


def _campaigns(tx: Tx, ids: list[int]) -> list[dict]:
    shown = []
    for campaign_id in ids:
        row = tx.one("SELECT * FROM campaigns WHERE id = ?", campaign_id)
        if row is not None:
            shown.append(campaigns.as_campaign(tx, row))
    return shown


def _awarded_giveaways(tx: Tx, effects: list[dict]) -> list[dict]:
    ids = [e["props"]["giveawayId"] for e in effects if e["effectType"] == "awardGiveaway"]
    rows = [tx.one("SELECT * FROM giveaways WHERE id = ?", gid) for gid in ids]
    return [giveaways.as_giveaway(tx, row) for row in rows if row is not None]


def base(tx: Tx, outcome: Outcome, profile: str, content: list[str], *, loyalty_cards: list[str] | None = None) -> dict:
    """The fields shared by session, profile and event answers."""
    answer: dict = {
        "effects": outcome.effects,
        "createdCoupons": [coupons.as_coupon(tx, tx.one("SELECT * FROM coupons WHERE id = ?", cid))
                           for cid in outcome.created_coupon_ids],
        "createdReferrals": [],
    }
    if "customerProfile" in content and profile:
        row = profiles.find(tx, profile)
        if row is not None:
            answer["customerProfile"] = profiles.as_customer_profile(tx, row)
    if "triggeredCampaigns" in content:
        answer["triggeredCampaigns"] = _campaigns(tx, outcome.triggered_campaign_ids)
    if "loyalty" in content and (profile or loyalty_cards):
        answer["loyalty"] = loyalty.as_loyalty(tx, profile, loyalty_cards)
    if "event" in content and outcome.event_id is not None:
        answer["event"] = events.as_event(events.find(tx, outcome.event_id))
    if "awardedGiveaways" in content:
        answer["awardedGiveaways"] = _awarded_giveaways(tx, outcome.effects)
    if "ruleFailureReasons" in content:
        answer["ruleFailureReasons"] = outcome.rule_failure_reasons
    return answer


def session_state(tx: Tx, outcome: Outcome, session: dict, content: list[str]) -> dict:
    """IntegrationStateV2 for a session update or return. `session` is a CustomerSessionV2."""
    profile = session.get("profileId") or ""
    answer = base(tx, outcome, profile, content, loyalty_cards=session.get("loyaltyCards") or None)
    if "customerSession" in content:
        answer["customerSession"] = session
    if "coupons" in content:
        rows = [coupons.find(tx, code) for code in dict.fromkeys(session.get("couponCodes") or [])]
        answer["coupons"] = [coupons.as_integration_coupon(tx, row, profile) for row in rows if row is not None]
    if "referral" in content and session.get("referralCode"):
        row = referrals.find(tx, session["referralCode"])
        if row is not None:
            answer["referral"] = referrals.as_inventory_referral(tx, row)
    return answer
