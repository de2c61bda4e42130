"""Coupons and their reservations (hard for isReservationMandatory coupons, soft otherwise)."""
from __future__ import annotations

import sqlite3

from sandbox.clock import parse_rfc3339
from sandbox.db import Tx, load
from sandbox.engine import campaign_frontend_state
from sandbox.errors import NotFound
from sandbox.models import profiles
from sandbox.models.common import drop_none, money, ts


def find(tx: Tx, value: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM coupons WHERE value = ?", value)


def require(tx: Tx, value: str) -> sqlite3.Row:
    row = find(tx, value)
    if row is None:
        raise NotFound(f"Coupon {value!r} does not exist", resource="coupon")
    return row


def reserved_by(tx: Tx, coupon_id: int) -> list[str]:
    return [r[0] for r in tx.all(
        "SELECT profile_integration_id FROM coupon_reservations WHERE coupon_id = ? ORDER BY created, rowid",
        coupon_id)]


def profile_redemptions(tx: Tx, coupon_id: int, profile: str) -> int:
    return tx.scalar("SELECT count(*) FROM coupon_redemptions WHERE coupon_id = ? AND profile_integration_id = ?",
                     coupon_id, profile)


def for_engine(tx: Tx, value: str) -> dict | None:
    """The look-up the rule engine calls for each code in a session."""
    row = find(tx, value)
    if row is None:
        return None
    return {
        "id": row["id"],
        "campaignId": row["campaign_id"],
        "value": row["value"],
        "usageLimit": row["usage_limit"],
        "usageCounter": row["usage_counter"],
        "startDate": row["start_date"],
        "expiryDate": row["expiry_date"],
        "isReservationMandatory": bool(row["is_reservation_mandatory"]),
        "reserved_by": set(reserved_by(tx, row["id"])),
        "recipientIntegrationId": row["recipient_integration_id"],
    }


def as_coupon(tx: Tx, row: sqlite3.Row) -> dict:
    """The spec's Coupon."""
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "campaignId": row["campaign_id"],
        "value": row["value"],
        "usageLimit": row["usage_limit"],
        "discountLimit": row["discount_limit"],
        "reservationLimit": row["reservation_limit"],
        "startDate": row["start_date"],
        "expiryDate": row["expiry_date"],
        "usageCounter": row["usage_counter"],
        "discountCounter": money(row["discount_counter"]),
        "reservationCounter": tx.scalar("SELECT count(*) FROM coupon_reservations WHERE coupon_id = ?", row["id"]),
        "attributes": load(row["attributes"], {}),
        "referralId": row["referral_id"],
        "recipientIntegrationId": row["recipient_integration_id"],
        "batchId": row["batch_id"],
        # A coupon without a recipient can be reserved by many profiles (spec: `reservation`).
        "reservation": row["recipient_integration_id"] is None,
        "isReservationMandatory": bool(row["is_reservation_mandatory"]),
        "implicitlyReserved": bool(row["implicitly_reserved"]),
    })


def as_integration_coupon(tx: Tx, row: sqlite3.Row, profile: str) -> dict:
    """The spec's IntegrationCoupon: a Coupon with this profile's redemption count."""
    shown = as_coupon(tx, row)
    shown["profileRedemptionCount"] = profile_redemptions(tx, row["id"], profile) if profile else 0
    return shown


def inventory_state(tx: Tx, row: sqlite3.Row, redeemed_by_profile: int, campaign: dict | None) -> str:
    """InventoryCoupon.state, in the order the spec defines the states."""
    now = tx.now
    if campaign is None or campaign_frontend_state(campaign, now) not in ("running", "scheduled"):
        return "disabled"
    limit_reached = row["usage_limit"] > 0 and row["usage_counter"] >= row["usage_limit"]
    if row["start_date"] and parse_rfc3339(row["start_date"], field="startDate") > now:
        return "pending"
    if redeemed_by_profile or limit_reached:
        return "used"
    if row["expiry_date"] and parse_rfc3339(row["expiry_date"], field="expiryDate") <= now:
        return "expired"
    return "active"


def inventory(tx: Tx, profile: str, campaigns: dict[int, dict]) -> list[dict]:
    """The profile's coupons: reserved by it (hard or soft) or created for it."""
    rows = tx.all(
        "SELECT * FROM coupons WHERE id IN (SELECT coupon_id FROM coupon_reservations WHERE profile_integration_id = ?)"
        " OR recipient_integration_id = ? ORDER BY id", profile, profile)
    shown = []
    for row in rows:
        coupon = as_integration_coupon(tx, row, profile)
        coupon["state"] = inventory_state(tx, row, coupon["profileRedemptionCount"], campaigns.get(row["campaign_id"]))
        shown.append(coupon)
    return shown


def create(tx: Tx, campaign_id: int, value: str, *, usage_limit: int = 1, recipient: str | None = None,
           is_reservation_mandatory: bool = False, start_date: str | None = None, expiry_date: str | None = None,
           attributes: dict | None = None, batch_id: str | None = None, referral_id: int | None = None) -> int:
    return tx.insert("coupons", campaign_id=campaign_id, value=value, created=ts(tx.now), usage_limit=usage_limit,
                     recipient_integration_id=recipient, is_reservation_mandatory=int(is_reservation_mandatory),
                     start_date=start_date, expiry_date=expiry_date, attributes=attributes or {},
                     batch_id=batch_id, referral_id=referral_id)


def reserve(tx: Tx, coupon_id: int, profile: str) -> bool:
    """Reserve for one profile; False when it already held the reservation."""
    return tx.run("INSERT OR IGNORE INTO coupon_reservations (coupon_id, profile_integration_id, created) "
                  "VALUES (?, ?, ?)", coupon_id, profile, ts(tx.now)) > 0


# --- the operations of the Integration API ---------------------------------------------------

def create_reservations(tx: Tx, value: str, integration_ids: list[str]) -> dict:
    """createCouponReservation: reserve the coupon for these profiles (they must exist)."""
    row = require(tx, value)
    for integration_id in integration_ids:
        profiles.require(tx, integration_id)
    for integration_id in dict.fromkeys(integration_ids):
        reserve(tx, row["id"], integration_id)
    return as_coupon(tx, find(tx, value))


def delete_reservations(tx: Tx, value: str, integration_ids: list[str]) -> None:
    row = require(tx, value)
    for integration_id in integration_ids:
        tx.run("DELETE FROM coupon_reservations WHERE coupon_id = ? AND profile_integration_id = ?",
               row["id"], integration_id)


def reserved_customers(tx: Tx, value: str) -> dict:
    """getReservedCustomers: the profiles holding a reservation of this coupon."""
    row = require(tx, value)
    shown = []
    for integration_id in reserved_by(tx, row["id"]):
        profile = profiles.find(tx, integration_id)
        if profile is not None:
            shown.append(profiles.as_customer_profile(tx, profile))
    return {"totalResultSize": len(shown), "data": shown}
