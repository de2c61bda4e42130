"""Feeding the rule engine: the EvaluationRequest for a session, with look-ups bound to a Tx."""
from __future__ import annotations

from datetime import datetime

from sandbox import engine
from sandbox.db import Tx, load
from sandbox.models import achievements, coupons, loyalty, profiles, referrals
from sandbox.store import APPLICATION_ID

# Session states in which a profile's order counts as placed (for firstSession).
PLACED_STATES = ("closed", "partially_returned")


def profile_context(tx: Tx, integration_id: str, session: str) -> dict:
    """The engine's profile dict; {} for anonymous sessions."""
    if not integration_id:
        return {}
    row = profiles.find(tx, integration_id)
    attributes = load(row["attributes"], {}) if row is not None else {}
    audience_ids = profiles.audience_ids(tx, row["id"]) if row is not None else []
    closed = tx.scalar(
        f"SELECT count(*) FROM sessions WHERE profile_integration_id = ? AND integration_id != ? "
        f"AND state IN ({', '.join('?' for _ in PLACED_STATES)})", integration_id, session, *PLACED_STATES)
    return {"integrationId": integration_id, "attributes": attributes, "audience_ids": audience_ids,
            "closed_session_count": closed}


def request(tx: Tx, campaigns: list[dict], session: dict, previous_state: str, now: datetime,
            evaluable_campaign_ids: list[int] | None = None) -> engine.EvaluationRequest:
    profile = session.get("profileId") or ""
    return engine.EvaluationRequest(
        application_id=APPLICATION_ID,
        session=session,
        previous_state=previous_state,
        profile=profile_context(tx, profile, session.get("integrationId", "")),
        campaigns=campaigns,
        now=now,
        evaluable_campaign_ids=evaluable_campaign_ids,
        coupon=lambda value: coupons.for_engine(tx, value),
        referral=lambda code: referrals.for_engine(tx, code),
        loyalty_card=lambda identifier: loyalty.for_engine(tx, identifier),
        loyalty_balance=lambda program_id, card: loyalty.active_points(tx, program_id, card, profile),
        achievement_progress=lambda achievement_id: achievements.progress_value(tx, achievement_id, profile),
    )


def evaluate(tx: Tx, campaigns: list[dict], session: dict, previous_state: str, now: datetime,
             evaluable_campaign_ids: list[int] | None = None) -> engine.EvaluationResult:
    return engine.evaluate(request(tx, campaigns, session, previous_state, now, evaluable_campaign_ids))


def evaluate_outside_session(tx: Tx, campaigns: list[dict], profile: str, *, store_id: str = "",
                             loyalty_cards: list[str] | None = None, attributes: dict | None = None,
                             evaluable_campaign_ids: list[int] | None = None) -> engine.EvaluationResult:
    """Rules run for a profile update or a tracked event: an empty cart that never closes."""
    pseudo_session = {
        "integrationId": "", "profileId": profile, "storeIntegrationId": store_id, "state": "open",
        "cartItems": [], "couponCodes": [], "referralCode": "", "loyaltyCards": loyalty_cards or [],
        "attributes": attributes or {}, "cartItemTotal": 0, "additionalCostTotal": 0, "total": 0,
    }
    return evaluate(tx, campaigns, pseudo_session, "", tx.now, evaluable_campaign_ids)
