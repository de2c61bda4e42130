"""Campaigns: the engine's definitions, and the counters that closing sessions move."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, dump, load
from sandbox.engine import public_campaign
from sandbox.errors import NotFound
from sandbox.models.common import money

# Campaign counters of the spec's Campaign schema, all starting at zero.
COUNTERS = (
    "couponRedemptionCount", "referralRedemptionCount", "discountCount", "discountEffectCount",
    "couponCreationCount", "referralCreationCount", "addFreeItemEffectCount",
    "createdLoyaltyPointsCount", "createdLoyaltyPointsEffectCount", "redeemedLoyaltyPointsCount",
    "redeemedLoyaltyPointsEffectCount", "reservecouponEffectCount", "customEffectCount",
    "callApiEffectCount", "awardedGiveawaysCount",
)


def require_row(tx: Tx, campaign_id: int) -> sqlite3.Row:
    row = tx.one("SELECT * FROM campaigns WHERE id = ?", campaign_id)
    if row is None:
        raise NotFound(f"Campaign {campaign_id} does not exist", resource="campaign")
    return row


def bump(tx: Tx, campaign_id: int, **deltas: float) -> None:
    """Move counters of a campaign, e.g. bump(tx, 2, couponRedemptionCount=1)."""
    row = tx.one("SELECT counters FROM campaigns WHERE id = ?", campaign_id)
    if row is None:
        return  # effects of a campaign that is gone move nothing
    counters = load(row["counters"], {})
    for name, delta in deltas.items():
        counters[name] = money(max(counters.get(name, 0) + delta, 0))
    tx.run("UPDATE campaigns SET counters = ? WHERE id = ?", dump(counters), campaign_id)


def as_campaign(tx: Tx, row: sqlite3.Row) -> dict:
    """The Management API's Campaign: the definition without rules, with counters."""
    shown = public_campaign(load(row["definition"]), tx.now)
    shown["created"] = row["created"]
    counters = load(row["counters"], {})
    for name in COUNTERS:
        shown[name] = counters.get(name, 0)
    return shown


def using_audience(tx: Tx, audience_id: int) -> list[int]:
    """IDs of the campaigns whose rules test membership of this audience."""
    using = []
    for row in tx.all("SELECT id, definition FROM campaigns ORDER BY id"):
        rules = load(row["definition"]).get("rules", [])
        if any(condition.get("type") == "inAudience" and condition.get("audienceId") == audience_id
               for rule in rules for condition in rule.get("conditions", [])):
            using.append(row["id"])
    return using
