"""The sandbox's rule engine: pure functions from a session and campaigns to Talon.One effects.

No database, no Flask, no I/O. The store gathers what the engine needs (the session as it will be
after the update, the profile, the campaigns and look-up callables for coupons, referrals and
cards), calls `evaluate`, and commits the returned effects when the session closes. For cancel,
reopen and returns it calls `rollback_effects` / `return_rollback_effects` on the effects it
committed at close.

Campaigns are declarative (see `sandbox/demo_campaigns.py` and the README's "Rule DSL"): each has
`rules`, a list of `{title, conditions, effects}`; the condition and effect types live in
`rules_conditions.py` and `rules_effects.py`, and no campaign has its own code path.

Cart items are flattened, as Talon.One always does: per-item effects come once per unit, naming
the cart position and the unit's `subPosition` (rules_effects.set_discount_per_item).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sandbox.rules_codes import reject_unused_codes
from sandbox.rules_context import EvaluationContext
from sandbox.rules_rollback import (
    NOT_ROLLED_BACK_EFFECT_TYPES,
    ROLLBACK_EFFECT_TYPE,
    is_rolled_back,
    return_rollback_effects,
    rollback_effects,
)
from sandbox.rules_runner import run_campaign
from sandbox.rules_schedule import (
    campaign_frontend_state,
    campaign_is_running,
    public_campaign,
)

__all__ = [
    "EvaluationRequest",
    "EvaluationResult",
    "evaluate",
    "rollback_effects",
    "return_rollback_effects",
    "is_rolled_back",
    "NOT_ROLLED_BACK_EFFECT_TYPES",
    "ROLLBACK_EFFECT_TYPE",
    "campaign_is_running",
    "campaign_frontend_state",
    "public_campaign",
]

# Only open and closed sessions are evaluated. Cancel, reopen and returns never run rules: the
# store rolls back what was committed instead (Talon.One does the same).
EVALUATED_STATES = frozenset({"open", "closed"})


def _no_lookup(_key: Any) -> None:
    return None


def _no_progress(_achievement_id: int) -> float:
    return 0.0


@dataclass
class EvaluationRequest:
    """Everything `evaluate` needs, as plain data and look-up callables.

    application_id: the Application (always 1 in the sandbox).
    session: the CustomerSessionV2 as it will be after this update: integrationId, profileId
        ("" for anonymous), storeIntegrationId, state, cartItems (position, sku, name, quantity,
        price, category, returnedQuantity, remainingQuantity, attributes), couponCodes,
        referralCode, loyaltyCards, attributes, cartItemTotal, additionalCostTotal, total and,
        optionally, updateCount (it salts the transaction UUIDs and created codes, so that a
        session closed, reopened and closed again gets new ledger identifiers).
    previous_state: the session's state before this update ("" for a new session).
    profile: {"integrationId", "attributes", "audience_ids", "closed_session_count"}, where
        closed_session_count excludes this session. Pass {} (or integrationId "") for anonymous
        sessions: profile conditions then fail, and profile effects are reported as failures.
    campaigns: campaign dicts in the DSL format, in evaluation order (the store passes them
        sorted by id). The engine never mutates them.
    now: aware datetime of the evaluation (the `now` query parameter on dry runs).
    evaluable_campaign_ids: None normally. On dry runs with evaluableCampaignIds, the listed
        campaigns run and no others, disabled ones too, each only in its schedule as seen from
        `now` (rules_schedule.campaign_is_evaluable).
    coupon(value) -> dict | None: the coupon with this code, with keys id, campaignId, value,
        usageLimit (0 = unlimited), usageCounter, startDate, expiryDate (RFC 3339 str, datetime
        or None), isReservationMandatory, reserved_by (set of profile integration IDs),
        recipientIntegrationId (or None).
    referral(code) -> dict | None: id, campaignId, code, advocateProfileIntegrationId,
        friendProfileIntegrationId (or None), usageLimit, usageCounter, startDate, expiryDate.
    loyalty_card(identifier) -> dict | None: identifier, programId, status ("active" or
        "inactive"), blockReason (non-empty when blocked; a blocked card also has status
        "inactive" or a truthy "blocked" key).
    loyalty_balance(program_id, card_identifier_or_None) -> float: active points of this
        session's profile (or of the card) in the program; used by deductLoyaltyPoints.
    achievement_progress(achievement_id) -> float: the profile's current progress.
    """

    application_id: int
    session: dict
    previous_state: str
    profile: dict
    campaigns: list[dict]
    now: datetime
    evaluable_campaign_ids: list[int] | None = None
    coupon: Callable[[str], dict | None] = _no_lookup
    referral: Callable[[str], dict | None] = _no_lookup
    loyalty_card: Callable[[str], dict | None] = _no_lookup
    loyalty_balance: Callable[[int, str | None], float] = lambda _program, _card: 0.0
    achievement_progress: Callable[[int], float] = _no_progress


@dataclass
class EvaluationResult:
    """What `evaluate` found.

    effects: spec `Effect` envelopes (campaignId, rulesetId, ruleIndex, ruleName, effectType,
        props, and triggeredByCoupon when a coupon was in scope), with props per the spec's
        *EffectProps schema. They carry everything the store commits at close:
        acceptCoupon (coupon usage), acceptReferral (referral usage), addLoyaltyPoints /
        deductLoyaltyPoints (ledger; startDate in the future means pending), couponCreated
        (new coupon: value, profileId; the coupon belongs to the effect's campaignId),
        reserveCoupon, addToAudience, increaseAchievementProgress.
    triggered_campaign_ids: campaigns in which at least one rule passed all its conditions.
    rule_failure_reasons: spec RuleFailureReason objects, for responseContent=ruleFailureReasons:
        one per rule whose condition failed (with conditionIndex) and one per effect that could
        not be applied (with effectIndex), e.g. points for an inactive or blocked card.
    """

    effects: list[dict] = field(default_factory=list)
    triggered_campaign_ids: list[int] = field(default_factory=list)
    rule_failure_reasons: list[dict] = field(default_factory=list)


def evaluate(request: EvaluationRequest) -> EvaluationResult:
    """Run the campaigns against the session and return effects, in campaign then rule order.

    Coupon codes and the referral code that no triggered rule accepted get rejectCoupon /
    rejectReferral with the spec's rejection reason, attributed to the campaign that owns the
    code (campaignId 0 for an unknown code, as Talon.One does).
    """
    result = EvaluationResult()
    if request.session.get("state", "open") not in EVALUATED_STATES:
        return result
    context = EvaluationContext.from_request(request)
    for campaign in request.campaigns:
        if not context.campaign_runs(campaign):
            continue
        if run_campaign(context, campaign):
            result.triggered_campaign_ids.append(campaign["id"])
    reject_unused_codes(context)
    result.effects = context.effects
    result.rule_failure_reasons = context.rule_failures
    return result
