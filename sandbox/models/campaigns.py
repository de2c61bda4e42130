"""Campaigns: the engine's definitions, and the counters that closing sessions move."""
from __future__ import annotations

import sqlite3

from sandbox.db import Tx, dump, load
from sandbox.engine import public_campaign
from sandbox.errors import NotFound
from sandbox.models.common import money, ts

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
    # Campaign.updated: "the most recent update to the campaign's property" (spec); a campaign
    # nobody changed since it was made shows its creation time.
    shown["updated"] = load(row["definition"]).get("updated") or row["created"]
    counters = load(row["counters"], {})
    for name in COUNTERS:
        shown[name] = counters.get(name, 0)
    return shown


# The UpdateCampaign properties the sandbox keeps (the rest of the schema, such as couponSettings
# or campaignGroups, has no meaning in its rule engine and is accepted and dropped).
UPDATABLE = ("name", "description", "startTime", "endTime", "attributes", "state", "tags",
             "features", "limits", "type", "reevaluateOnReturn", "activeRulesetId")


def update(tx: Tx, campaign_id: int, body: dict) -> dict:
    """updateCampaign: the properties the body carries replace the campaign's, and ``updated``
    moves to now (spec, Campaign.updated: "Timestamp of the most recent update to the campaign's
    property"). The rules are not campaign properties (rulesets are their own resource)."""
    row = require_row(tx, campaign_id)
    definition = load(row["definition"])
    for key in UPDATABLE:
        if key in body:
            definition[key] = body[key]
    definition["updated"] = ts(tx.now)
    tx.run("UPDATE campaigns SET definition = ? WHERE id = ?", dump(definition), campaign_id)
    return as_campaign(tx, require_row(tx, campaign_id))


def using_audience(tx: Tx, audience_id: int) -> list[int]:
    """IDs of the campaigns whose rules test membership of this audience."""
    using = []
    for row in tx.all("SELECT id, definition FROM campaigns ORDER BY id"):
        rules = load(row["definition"]).get("rules", [])
        if any(condition.get("type") == "inAudience" and condition.get("audienceId") == audience_id
               for rule in rules for condition in rule.get("conditions", [])):
            using.append(row["id"])
    return using
