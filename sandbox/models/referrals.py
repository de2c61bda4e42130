"""Referral codes: created for advocates, redeemed by friends (acceptReferral at close)."""
from __future__ import annotations

import random
import sqlite3

from sandbox.clock import parse_rfc3339, to_rfc3339
from sandbox.db import Tx, load
from sandbox.errors import InvalidRequest
from sandbox.models.common import drop_none, ts

DEFAULT_PATTERN = "REF-######"
DEFAULT_CHARACTERS = list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
# Referral codes are unguessable in Talon.One; the sandbox draws them from the OS's randomness.
_random = random.SystemRandom()


def find(tx: Tx, code: str) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM referrals WHERE code = ?", code)


def for_engine(tx: Tx, code: str) -> dict | None:
    row = find(tx, code)
    if row is None:
        return None
    return {
        "id": row["id"],
        "campaignId": row["campaign_id"],
        "code": row["code"],
        "advocateProfileIntegrationId": row["advocate_integration_id"],
        "friendProfileIntegrationId": row["friend_integration_id"],
        "usageLimit": row["usage_limit"],
        "usageCounter": row["usage_counter"],
        "startDate": row["start_date"],
        "expiryDate": row["expiry_date"],
    }


def as_referral(row: sqlite3.Row) -> dict:
    """The spec's Referral."""
    return drop_none({
        "id": row["id"],
        "created": row["created"],
        "startDate": row["start_date"],
        "expiryDate": row["expiry_date"],
        "usageLimit": row["usage_limit"],
        "campaignId": row["campaign_id"],
        "advocateProfileIntegrationId": row["advocate_integration_id"],
        "friendProfileIntegrationId": row["friend_integration_id"],
        "attributes": load(row["attributes"], {}),
        "code": row["code"],
        "usageCounter": row["usage_counter"],
        "batchId": row["batch_id"],
    })


def as_inventory_referral(tx: Tx, row: sqlite3.Row) -> dict:
    shown = as_referral(row)
    shown["referredCustomers"] = [r[0] for r in tx.all(
        "SELECT DISTINCT friend_integration_id FROM referral_redemptions WHERE referral_id = ? "
        "AND friend_integration_id IS NOT NULL ORDER BY id", row["id"])]
    return shown


def inventory(tx: Tx, advocate: str) -> list[dict]:
    rows = tx.all("SELECT * FROM referrals WHERE advocate_integration_id = ? ORDER BY id", advocate)
    return [as_inventory_referral(tx, row) for row in rows]


def _generate_code(tx: Tx, pattern: str, characters: list[str]) -> str:
    for _ in range(100):
        code = "".join(_random.choice(characters) if ch == "#" else ch for ch in pattern)
        if find(tx, code) is None:
            return code
    raise InvalidRequest(f"Cannot generate a unique referral code from pattern {pattern!r}", pointer="/referralPattern")


def _dates(body: dict) -> tuple[str | None, str | None]:
    start = body.get("startDate")
    expiry = body.get("expiryDate")
    start_at = parse_rfc3339(start, field="/startDate") if start is not None else None
    expiry_at = parse_rfc3339(expiry, field="/expiryDate") if expiry is not None else None
    if start_at and expiry_at and expiry_at <= start_at:
        raise InvalidRequest("expiryDate must be after startDate", pointer="/expiryDate")
    return (to_rfc3339(start_at) if start_at else None, to_rfc3339(expiry_at) if expiry_at else None)


def _require_referral_campaign(tx: Tx, campaign_id: int) -> None:
    row = tx.one("SELECT definition FROM campaigns WHERE id = ?", campaign_id)
    if row is None:
        # createReferral documents no 404: an unknown campaign is an invalid request.
        raise InvalidRequest(f"Campaign {campaign_id} does not exist", pointer="/campaignId")
    if "referrals" not in (load(row["definition"]).get("features") or []):
        raise InvalidRequest(f"Campaign {campaign_id} does not have the referrals feature", pointer="/campaignId")


def create(tx: Tx, campaign_id: int, advocate: str, *, code: str | None = None, usage_limit: int = 0,
           friend: str | None = None, start_date: str | None = None, expiry_date: str | None = None,
           attributes: dict | None = None, batch_id: str | None = None,
           pattern: str = DEFAULT_PATTERN, characters: list[str] | None = None) -> sqlite3.Row:
    code = code or _generate_code(tx, pattern, characters or DEFAULT_CHARACTERS)
    referral_id = tx.insert("referrals", campaign_id=campaign_id, code=code, created=ts(tx.now),
                            start_date=start_date, expiry_date=expiry_date, usage_limit=usage_limit,
                            advocate_integration_id=advocate, friend_integration_id=friend,
                            attributes=attributes or {}, batch_id=batch_id)
    return tx.one("SELECT * FROM referrals WHERE id = ?", referral_id)


# --- the operations of the Integration API ---------------------------------------------------

def create_for_advocate(tx: Tx, body: dict) -> dict:
    """createReferral."""
    _require_referral_campaign(tx, body["campaignId"])
    start, expiry = _dates(body)
    row = create(tx, body["campaignId"], body["advocateProfileIntegrationId"],
                 usage_limit=body.get("usageLimit", 0), friend=body.get("friendProfileIntegrationId") or None,
                 start_date=start, expiry_date=expiry, attributes=body.get("attributes"))
    return as_referral(row)


def create_for_advocates(tx: Tx, body: dict) -> dict:
    """createReferralsForMultipleAdvocates: one code per advocate, in one batch."""
    _require_referral_campaign(tx, body["campaignId"])
    start, expiry = _dates(body)
    pattern = body.get("referralPattern", DEFAULT_PATTERN)
    if "#" not in pattern:
        raise InvalidRequest("referralPattern needs at least one '#' for the random part", pointer="/referralPattern")
    characters = body.get("validCharacters") or DEFAULT_CHARACTERS
    batch_id = f"batch-{tx.scalar('SELECT coalesce(max(id), 0) + 1 FROM referrals')}"
    created = [
        as_referral(create(tx, body["campaignId"], advocate, usage_limit=body["usageLimit"], start_date=start,
                           expiry_date=expiry, attributes=body.get("attributes"), batch_id=batch_id,
                           pattern=pattern, characters=characters))
        for advocate in dict.fromkeys(body["advocateProfileIntegrationIds"])
    ]
    return {"totalResultSize": len(created), "data": created}
