"""Coupon and referral codes: which are redeemable, and why the others are rejected.

A code in the session is checked in Talon.One's order: does it exist, is its campaign running,
is it within its dates and limits, is this profile allowed to use it (recipient, hard
reservation), and finally did a rule of its campaign accept it. Every code that no rule accepted
gets one rejectCoupon / rejectReferral effect naming the first reason that applies, with the
reasons of the spec (RejectCouponEffectProps.rejectionReason as Talon.One documents it,
CouponRejectionReason, ReferralRejectionReason).
"""
from __future__ import annotations

from sandbox.rules_context import EvaluationContext, RuleScope, envelope
from sandbox.rules_schedule import campaign_is_running

COUPON_CONDITION = "couponValid"
REFERRAL_CONDITION = "referralValid"


def _validity_problem(context: EvaluationContext, code: dict, kind: str) -> str | None:
    """Dates and usage limit, which coupons and referrals share (kind: "Coupon" or "Referral")."""
    if context.is_future(code.get("startDate")):
        return f"{kind}StartDateInFuture"
    if context.is_past(code.get("expiryDate")):
        return f"{kind}Expired"
    limit = int(code.get("usageLimit") or 0)  # 0 means unlimited
    if limit > 0 and int(code.get("usageCounter") or 0) >= limit:
        return f"{kind}LimitReached"
    return None


def coupon_problem(context: EvaluationContext, coupon: dict) -> str | None:
    """Why this existing coupon cannot be redeemed by this session, before any rule runs."""
    problem = _validity_problem(context, coupon, "Coupon")
    if problem:
        return problem
    recipient = coupon.get("recipientIntegrationId")
    if recipient and recipient != context.profile_id:
        return "CouponRecipientDoesNotMatch"
    if coupon.get("isReservationMandatory") and context.profile_id not in (coupon.get("reserved_by") or ()):
        # Hard reservation: only profiles that reserved the code may use it (soft ones: anyone).
        return "CouponReservationRequired"
    return None


def referral_problem(context: EvaluationContext, referral: dict) -> str | None:
    """Why this existing referral code cannot be redeemed by this session, before any rule runs."""
    problem = _validity_problem(context, referral, "Referral")
    if problem:
        return problem
    if context.profile_id and referral.get("advocateProfileIntegrationId") == context.profile_id:
        return "ReferralRecipientIdSameAsAdvocate"
    friend = referral.get("friendProfileIntegrationId")
    if friend and friend != context.profile_id:
        return "ReferralRecipientDoesNotMatch"
    return None


def code_filter_problem(value: str, condition: dict) -> str | None:
    """Why a code is not one of those a couponValid condition's prefix filter takes, or None."""
    prefix, excluded = condition.get("prefix"), condition.get("excludePrefix")
    if prefix and not value.startswith(prefix):
        return f"this rule takes only codes starting with {prefix}"
    if excluded and value.startswith(excluded):
        return f"this rule takes no codes starting with {excluded}"
    return None


def campaign_codes(context: EvaluationContext, scope: RuleScope) -> list[dict]:
    """The session's existing coupons that belong to this campaign, in the session's order."""
    found = (context.coupon(value) for value in context.coupon_codes())
    return [c for c in found if c is not None and c.get("campaignId") == scope.campaign["id"]]


def candidate_coupons(context: EvaluationContext, scope: RuleScope, condition: dict) -> list[dict]:
    """The session's coupons that this campaign may redeem and that pass the condition's filter.

    Once the campaign accepted a coupon, that coupon is its only candidate: Talon.One redeems at
    most one coupon per campaign and session.
    """
    campaign_id = scope.campaign["id"]
    accepted = [v for v, owner in context.accepted_coupons.items() if owner == campaign_id]
    found = []
    for value in accepted or context.coupon_codes():
        coupon = context.coupon(value)
        if coupon is None or coupon.get("campaignId") != campaign_id:
            continue
        if coupon_problem(context, coupon) is None and code_filter_problem(value, condition) is None:
            found.append(coupon)
    return found


def candidate_referral(context: EvaluationContext, scope: RuleScope) -> dict | None:
    referral = context.referral()
    if referral is None or referral.get("campaignId") != scope.campaign["id"]:
        return None
    return None if referral_problem(context, referral) else referral


def note_code_failures(context: EvaluationContext, scope: RuleScope, condition_index: int) -> None:
    """Remember the first failing rule for each code this rule would have redeemed.

    At the end, such a code is rejected with CouponRejectedByCondition (or
    ReferralRejectedByCondition) pointing at this rule and condition.
    """
    for condition in scope.rule.get("conditions", []):
        if condition["type"] == COUPON_CONDITION:
            values = [c["value"] for c in candidate_coupons(context, scope, condition)]
        elif condition["type"] == REFERRAL_CONDITION:
            referral = candidate_referral(context, scope)
            values = [referral["code"]] if referral else []
        else:
            continue
        for value in values:
            context.code_condition_failures.setdefault(value, (scope, condition_index))


def _owner_problem(context: EvaluationContext, campaign: dict | None, kind: str) -> str | None:
    """The rejection reason when the code's campaign did not run in this evaluation."""
    if campaign is None:
        return f"{kind}PartOfNotRunningCampaign"
    if campaign["id"] in context.evaluated_campaign_ids:
        return None
    if context.request.evaluable_campaign_ids is not None and campaign_is_running(campaign, context.now):
        # Running, but left out of evaluableCampaignIds on this dry run.
        return f"{kind}PartOfNotTriggeredCampaign"
    return f"{kind}PartOfNotRunningCampaign"


def _rejection(context: EvaluationContext, effect_type: str, value: str, code: dict | None,
               reason: str) -> dict:
    """The reject effect, attributed to the code's campaign (campaignId 0 for unknown codes, as
    Talon.One does) and, when a condition failed, to that rule and condition."""
    props = {"value": value, "rejectionReason": reason}
    campaign_id = code["campaignId"] if code else 0
    campaign = context.campaign_by_id(campaign_id) or {"id": campaign_id, "activeRulesetId": 0}
    rule_index, rule_name = 0, ""
    failure = context.code_condition_failures.get(value)
    if failure is not None and reason.endswith("RejectedByCondition"):
        scope, condition_index = failure
        rule_index, rule_name = scope.rule_index, scope.title
        props["conditionIndex"] = condition_index
        props["details"] = f"condition {condition_index} of rule '{scope.title}' failed"
    elif reason.endswith("RejectedByCondition"):
        props["details"] = _why_no_rule_accepted(context, campaign_id)
    effect = envelope(campaign, rule_index, rule_name, effect_type, props)
    if effect_type == "rejectCoupon" and code is not None:
        effect["triggeredByCoupon"] = code["id"]
    return effect


def _why_no_rule_accepted(context: EvaluationContext, campaign_id: int) -> str:
    redeemed = [value for value, owner in context.accepted_coupons.items() if owner == campaign_id]
    if redeemed:
        return f"the campaign already redeemed {redeemed[0]} in this session"
    return "no rule of the campaign accepts this code"


def _rejection_reason(context: EvaluationContext, code: dict | None, kind: str) -> str:
    """The first reason that applies, in Talon.One's order (kind: "Coupon" or "Referral")."""
    if code is None:
        return f"{kind}NotFound"
    owner = context.campaign_by_id(code.get("campaignId"))
    problem = coupon_problem if kind == "Coupon" else referral_problem
    return (_owner_problem(context, owner, kind) or problem(context, code)
            or f"{kind}RejectedByCondition")


def reject_unused_codes(context: EvaluationContext) -> None:
    """Emit rejectCoupon / rejectReferral for every code in the session no rule accepted."""
    for value in context.coupon_codes():
        if value in context.accepted_coupons:
            continue
        coupon = context.coupon(value)
        context.effects.append(_rejection(context, "rejectCoupon", value, coupon,
                                          _rejection_reason(context, coupon, "Coupon")))
    code = context.session.get("referralCode") or ""
    if code and context.accepted_referral != code:
        referral = context.referral()
        context.effects.append(_rejection(context, "rejectReferral", code, referral,
                                          _rejection_reason(context, referral, "Referral")))
